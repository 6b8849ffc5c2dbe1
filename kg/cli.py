"""The ``kg`` command line: a thin layer over the library.

Exit codes: 0 ok; 1 data or validation failure; 2 usage error (bad option, unknown query or
parameter, refused query).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .build import compile_graph, write_outputs
from .errors import KgError

F = TypeVar("F", bound=Callable[..., Any])

BUG_REPORT = "This is a bug in kg, not in your input; please report it with the traceback above."


def _fail(error: KgError) -> None:
    click.echo(str(error), err=True)
    sys.exit(error.exit_code)


def handles_errors(func: F) -> F:
    """Turn library errors into messages and exit codes; a traceback only for a genuine bug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KgError as e:
            _fail(e)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)
        except Exception:
            traceback.print_exc()
            click.echo(BUG_REPORT, err=True)
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


extractions_option = click.option(
    "--extractions", "-e", type=click.Path(path_type=Path), default=Path("extractions"),
    show_default=True, help="Folder of extraction files (*.yaml).")
ontology_option = click.option(
    "--ontology", type=click.Path(path_type=Path), default=Path("ontology"), show_default=True,
    help="Folder holding ontology.ttl and shapes.ttl.")
out_option = click.option(
    "--out", "-o", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
    help="Folder the graph is written to.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """newskg: a knowledge graph of what news articles claim.

    Builds the graph from the curated extraction files, validates it against the SHACL shapes,
    and answers the stored SPARQL queries. Paths default to the folders of a newskg checkout,
    relative to the current directory.

    Exit codes: 0 ok, 1 data or validation failure, 2 usage error.
    """


@cli.command()
@extractions_option
@ontology_option
@out_option
@handles_errors
def build(extractions: Path, ontology: Path, out: Path) -> None:
    """Convert every extraction file, validate, and write the graph.

    Writes OUT/kg.ttl (Turtle) and OUT/kg.nt (sorted N-Triples), each atomically: on any
    error nothing is written and the previous output stays as it was. Every problem is
    reported on stderr as `path:line: field: message`.
    """
    compiled = compile_graph(extractions, ontology)
    paths = write_outputs(compiled, out)
    n_articles = len(compiled.corpus.articles())
    click.echo(
        f"built {len(compiled.full):,} triples from {n_articles} article(s) in "
        f"{len(compiled.corpus.files)} file(s): {', '.join(str(p) for p in paths)}",
        err=True,
    )


@cli.command()
@extractions_option
@ontology_option
@handles_errors
def validate(extractions: Path, ontology: Path) -> None:
    """Check the extraction files and the SHACL shapes without writing anything."""
    compiled = compile_graph(extractions, ontology)
    click.echo(
        f"ok: {len(compiled.corpus.files)} file(s), {len(compiled.data):,} triples conform",
        err=True,
    )


def main() -> None:
    """Console-script entry point."""
    cli()
