"""The ontology and the shapes: loading them with located syntax errors, and reading the
controlled vocabularies that extraction files may use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.plugins.parsers.notation3 import BadSyntax

from .errors import DataError, FileError, Location
from .extraction import Vocabulary
from .fsutil import read_regular, reason
from .namespaces import BASE, SCHEMES, new_graph

__all__ = ["SCHEMES", "load", "parse_turtle", "vocabulary"]

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


def parse_turtle(path: Path, graph: Graph | None = None) -> Graph:
    """Parse a Turtle file; a syntax error becomes a DataError at ``path:line:column``."""
    return parse_turtle_bytes(read_regular(path), path, graph)  # never blocks on a FIFO


def parse_turtle_bytes(data: bytes, path: Path, graph: Graph | None = None) -> Graph:
    """Parse the bytes of the Turtle file ``path``, with located errors."""
    g = graph if graph is not None else new_graph()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"cannot read as UTF-8 text: {e}", Location(path)) from None
    try:
        g.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as e:
        offset = min(e._i, len(text))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise DataError(
            f"Turtle syntax error: {e._why}", Location(path, line, column=column)
        ) from None
    except Exception as e:  # rdflib raises a few other types for bad IRIs and literals
        raise DataError(f"Turtle error: {e}", Location(path)) from None
    return g


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Graph:
    return parse_turtle(path)


def load(name: str, folder: Path = ONTOLOGY_DIR) -> Graph:
    """The parsed ``ontology.ttl`` or ``shapes.ttl`` (cached while the file is unchanged).

    The returned graph is shared: copy it before adding triples.
    """
    path = folder / name
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise DataError("file not found", Location(path)) from None
    except OSError as e:
        raise FileError(f"cannot read: {reason(e)}", Location(path)) from None
    return _load(path, mtime)


def vocabulary(ontology: Graph) -> Vocabulary:
    """Slugs allowed for each controlled field, read from the ontology's concept schemes."""
    vocab: Vocabulary = {}
    for name, scheme in SCHEMES.items():
        prefix = f"{BASE}vocab/{name}/"
        slugs = sorted(
            str(c)[len(prefix) :]
            for c in ontology.subjects(SKOS.inScheme, scheme)
            if isinstance(c, URIRef) and str(c).startswith(prefix)
        )
        if not slugs:
            raise DataError(f"concept scheme {scheme} has no concepts", Location("ontology.ttl"))
        vocab[name] = slugs
    return vocab
