"""Compare query results across engines (rdflib, pyoxigraph, a SPARQL server)."""

from __future__ import annotations

from rdflib import Graph
from rdflib.compare import isomorphic

from kg.results import Rows


def same_results(a: Rows | bool | Graph, b: Rows | bool | Graph) -> bool:
    """The same rows in the same order (every stored query has an ORDER BY), or equal graphs."""
    if isinstance(a, Graph) and isinstance(b, Graph):
        return isomorphic(a, b)
    if isinstance(a, Rows) and isinstance(b, Rows):
        return a.variables == b.variables and a.rows == b.rows
    return a == b
