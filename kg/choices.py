"""Named choices of the library that the command line offers as options."""

from __future__ import annotations

from enum import StrEnum


class Engine(StrEnum):
    """The embedded SPARQL engine: pyoxigraph (fast), or rdflib's (the reference, slow on large
    graphs); both give the same rows (tests compare them on every stored query)."""

    OXIGRAPH = "oxigraph"
    RDFLIB = "rdflib"
