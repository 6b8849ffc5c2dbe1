"""pyoxigraph at the boundary: rdflib terms to pyoxigraph terms and back, stores filled from
triples, and a store seen through the few rdflib Graph methods labels need.

rdflib stays the library users see (terms, graphs, results); the embedded engine that queries
these stores is ``kg.engine.OxigraphEngine``. On the synthetic corpora of ``bench/run.py``
(docs/performance.md) pyoxigraph answers the stored queries 4 to over 3,000 times faster than
rdflib's engine, with the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

if TYPE_CHECKING:
    from .convert import Triple
    from .results import Term

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class TermCache:
    """rdflib -> pyoxigraph terms, remembering the IRIs and literals it has seen."""

    def __init__(self) -> None:
        self.cache: dict[Any, OxTerm] = {}

    def __call__(self, term: Any) -> OxTerm:
        found = self.cache.get(term)
        if found is None:
            found = to_ox(term)
            if not isinstance(term, Literal) or len(self.cache) < 1_000_000:
                self.cache[term] = found
        return found


def to_ox(term: Any) -> OxTerm:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: Any) -> Term:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    raise TypeError(f"not an RDF term: {term!r}")


class FromOx:
    """from_ox, remembering IRIs and literals (result rows repeat them a lot, and an rdflib
    literal costs a parse of its value)."""

    def __init__(self) -> None:
        self.iris: dict[str, URIRef] = {}
        self.literals: dict[tuple[str, str | None, str], Term] = {}

    def __call__(self, term: Any) -> Term:
        if isinstance(term, ox.NamedNode):
            value = term.value
            found = self.iris.get(value)
            if found is None:
                found = self.iris[value] = URIRef(value)
            return found
        if isinstance(term, ox.Literal):
            key = (term.value, term.language, term.datatype.value)
            lit = self.literals.get(key)
            if lit is None:
                lit = self.literals[key] = from_ox(term)
            return lit
        return from_ox(term)


def store_of(
    triples: Iterable[Triple],
    graph: URIRef | None = None,
    store: ox.Store | None = None,
    cache: TermCache | None = None,
) -> ox.Store:
    """An in-memory store (or ``store``) holding ``triples``, in ``graph`` or the default."""
    target = store if store is not None else ox.Store()
    conv = cache if cache is not None else TermCache()
    name = ox.NamedNode(str(graph)) if graph is not None else ox.DefaultGraph()
    target.bulk_extend(
        ox.Quad(conv(s), conv(p), conv(o), name)  # type: ignore[arg-type]
        for s, p, o in triples
    )
    return target


class StoreGraph:
    """A pyoxigraph store seen through the few rdflib Graph methods that labels and parameter
    lookup use (``results.GraphLike``)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def __contains__(self, triple: Any) -> bool:
        try:
            s, p, o = (None if t is None else to_ox(t) for t in triple)
        except ValueError:  # not a valid IRI, so not in the store
            return False
        return next(iter(self.store.quads_for_pattern(s, p, o)), None) is not None  # type: ignore[arg-type]

    def value(self, subject: Any, predicate: Any) -> Any:
        for quad in self.store.quads_for_pattern(to_ox(subject), to_ox(predicate), None):  # type: ignore[arg-type]
            return from_ox(quad.object)
        return None

    def subject_objects(self, predicate: Any) -> Iterator[tuple[Any, Any]]:
        for quad in self.store.quads_for_pattern(None, to_ox(predicate), None):  # type: ignore[arg-type]
            yield from_ox(quad.subject), from_ox(quad.object)
