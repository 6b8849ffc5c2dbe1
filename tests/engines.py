"""Compare query results across engines (rdflib, pyoxigraph, a SPARQL server)."""

from __future__ import annotations

from rdflib import Graph
from rdflib.compare import isomorphic

from kg.results import Rows

# Parameters of the parameterised stored queries, for the fixture corpus.
PARAMS = {
    "actor-profile": {"actor": "river-front"},
    "article-summary": {"article": "gazette-2021-06-01"},
    "events-in-place": {"place": "testland"},
    "figures-about": {"entity": "protesters"},
    "spellings": {"contains": "front"},
}


def same_results(a: Rows | bool | Graph, b: Rows | bool | Graph) -> bool:
    """The same rows in the same order (every stored query has an ORDER BY), or equal graphs."""
    if isinstance(a, Graph) and isinstance(b, Graph):
        return isomorphic(a, b)
    if isinstance(a, Rows) and isinstance(b, Rows):
        return a.variables == b.variables and a.rows == b.rows
    return a == b
