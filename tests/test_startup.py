"""Start-up pays only for what a command uses: `kg --version` and `kg COMMAND --help` import
neither rdflib nor pyoxigraph (kg.cli imports the library lazily), and the names the options
show (kg.choices) are the registries' own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kg import choices, engine, export, results, validate
from kg import namespaces as ns

HEAVY = ("rdflib", "pyoxigraph", "pyparsing", "requests", "yaml", "pyshacl")


def imported_by(*args: str) -> set[str]:
    """The heavy modules imported by running the command line with ``args``."""
    code = (
        "import sys\nfrom kg.cli import cli\ntry:\n"
        f"    cli.main({list(args)!r}, prog_name='kg')\n"
        "except SystemExit:\n    pass\n"
        f"import json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args", [("--version",), ("--help",), ("query", "run", "--help"), ("export", "--help")]
)
def test_start_up_imports_no_library(args: tuple[str, ...]) -> None:
    assert imported_by(*args) == set()


def test_a_command_imports_what_it_uses() -> None:
    assert {"rdflib", "yaml"} <= imported_by("vocab", "role")


def test_choices_are_the_registries() -> None:
    assert list(choices.RESULT_FORMATS) == list(results.FORMATS)
    assert all(results.FORMATS[n].description == d for n, d in choices.RESULT_FORMATS.items())
    assert list(choices.EXPORT_FORMATS) == list(export.FORMATS)
    assert all(export.FORMATS[n].description == d for n, d in choices.EXPORT_FORMATS.items())
    assert list(ns.SCHEMES) == list(choices.SCHEME_NAMES)
    assert engine.ENGINES == ("oxigraph", "rdflib")
    assert validate.Validator is choices.Validator


def test_a_module_imported_before_the_command_line_is_the_one_it_uses() -> None:
    """kg.cli's lazy modules are the modules themselves: one class of rows, whichever was
    imported first (a second copy would make isinstance fail and print nothing)."""
    code = (
        "from kg.results import Rows\nimport kg.cli\n"
        "assert kg.cli.results.Rows is Rows\n"
        "from kg.engine import Rows as EngineRows\nassert EngineRows is Rows\n"
        "import kg.wikidata\nassert kg.wikidata.Client is kg.cli.wikidata.Client\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
