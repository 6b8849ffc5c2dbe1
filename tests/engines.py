"""Helpers to compare query results across engines (rdflib, pyoxigraph, a SPARQL server)."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.compare import isomorphic

from kg.results import Rows, Term


def _cell(term: Term) -> object:
    if isinstance(term, Literal) and "; " in str(term):
        # GROUP_CONCAT gives no order: compare its parts as a set
        return (tuple(sorted(str(term).split("; "))), term.datatype, term.language)
    return term


def same_results(a: Rows | bool | Graph, b: Rows | bool | Graph) -> bool:
    """Equal rows (as multisets, order-insensitive inside GROUP_CONCAT), or equal graphs."""
    if isinstance(a, Graph) and isinstance(b, Graph):
        return isomorphic(a, b)
    if isinstance(a, Rows) and isinstance(b, Rows):
        if a.variables != b.variables:
            return False
        key = lambda row: tuple(repr(_cell(t)) for t in row)  # noqa: E731
        return sorted(map(key, a.rows)) == sorted(map(key, b.rows))
    return a == b
