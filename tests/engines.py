"""What the engine tests share: the real corpus built through the CLI, every stored query with
the parameter values of its ``# example:`` lines, and a row-for-row comparison."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Variable
from rdflib.compare import isomorphic

from kg import queries as q
from kg.cli import cli
from kg.engine import Engine, Result
from kg.results import GraphLike, Rows

from .conftest import ONTOLOGY, ROOT, SOURCES

EXTRACTIONS = ROOT / "extractions"
LINKS = ROOT / "links" / "wikidata.csv"
QUERIES = ROOT / "queries"
STORED = sorted(q.stored_queries(QUERIES))
REQUIRE = os.environ.get("CI_REQUIRE_ENGINES") == "1"


def kg_build(extractions: Path, out: Path, links: Path | None = None) -> Path:
    """``kg build`` into ``out``; the path of the built ``kg.nt``."""
    args = ["build", "-e", str(extractions), "--ontology", str(ONTOLOGY), "-o", str(out)]
    if links is not None:
        args += ["--links", str(links)]
    if extractions == EXTRACTIONS and SOURCES.is_dir():
        args += ["--sources", str(SOURCES)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out / "kg.nt"


@pytest.fixture(scope="session")
def real_nt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus (extractions/, with the reviewed links), built by `kg build`."""
    return kg_build(EXTRACTIONS, tmp_path_factory.mktemp("real"), LINKS)


def example_bindings(name: str, lookup: GraphLike | None) -> dict[Variable, object]:
    """The stored query's parameters: its examples, else its defaults."""
    sq = q.find(QUERIES, name)
    return q.bind(sq, sq.examples, lookup)


def run_example(eng: Engine, name: str, lookup: GraphLike | None = None) -> Result:
    """The stored query with its example parameters (ids resolved in ``lookup``, else in the
    engine's own graph)."""
    sq = q.find(QUERIES, name)
    bindings = example_bindings(name, lookup if lookup is not None else eng.lookup)
    return eng.query(sq.text, bindings, sq.path)


def same_results(a: Result, b: Result) -> bool:
    """The same rows in the same order (every stored query has an ORDER BY), or equal graphs."""
    if isinstance(a, Graph) and isinstance(b, Graph):
        return isomorphic(a, b)
    if isinstance(a, Rows) and isinstance(b, Rows):
        return a.variables == b.variables and a.rows == b.rows
    return a == b
