"""The fast embedded engine: pyoxigraph stores, queried with parameters substituted as RDF terms.

rdflib stays the library users see (terms, graphs, results); this module converts terms at
the boundary. Measured here (bench/README.md): pyoxigraph answers the stored queries one to
two orders of magnitude faster than rdflib's engine, with the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable

from .convert import Triple
from .errors import DataError, Location
from .namespaces import PREFIXES, new_graph
from .queries import has_order_by, projecting, with_values
from .results import Rows, Term

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


def load(path: Path) -> ox.Store:
    """The built graph (``build/kg.nt``) in an in-memory store."""
    if not path.is_file():
        raise DataError(f"no built graph at {path}: run `kg build` first", Location(path))
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    return store


def execute(
    store: ox.Store,
    text: str,
    bindings: dict[Variable, Any] | None = None,
    union: bool = False,
    where: str = "<query>",
) -> Rows | bool | Graph:
    """Run a query; SELECT rows come back as rdflib terms, in the query's ORDER BY (else
    sorted, as ``kg.queries.execute`` does, so both engines print the same).

    Parameters are substituted by pyoxigraph (an order of magnitude faster than a VALUES
    block on large graphs: the constant reaches every branch of a UNION).
    """
    try:
        result, hidden = solutions(store, text, bindings or {}, union)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QueryTriples):
            g = new_graph()
            for t in result:
                g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]
            return g
        variables = [v.value for v in result.variables if v.value not in hidden]
        convert = _Converter()
        rows = [tuple(convert(solution[v]) for v in variables) for solution in result]
    except (SyntaxError, OSError, ValueError) as e:
        raise DataError(f"SPARQL error (pyoxigraph): {e}", Location(where)) from None
    if not has_order_by(text):
        rows.sort(key=lambda row: tuple("" if t is None else t.n3() for t in row))
    return Rows(variables, rows)


def solutions(
    store: ox.Store, text: str, bindings: dict[Variable, Any], union: bool
) -> tuple[Any, set[str]]:
    """Run with the parameters substituted; pyoxigraph wants them projected, so add them to
    the SELECT clause and return them as columns to hide. A query that cannot take them
    gets a VALUES block instead."""
    extended = projecting(text, sorted(str(v) for v in bindings)) if bindings else None
    if extended is not None:
        try:
            result = store.query(
                extended[0],
                prefixes=PREFIXES,
                use_default_graph_as_union=union,
                substitutions={ox.Variable(str(v)): to_ox(t) for v, t in bindings.items()},
            )
            return result, set(extended[1])
        except (SyntaxError, ValueError):
            pass
    query = with_values(text, bindings)
    return store.query(query, prefixes=PREFIXES, use_default_graph_as_union=union), set()


class _Converter:
    """from_ox, remembering IRIs (result rows repeat them a lot)."""

    def __init__(self) -> None:
        self.iris: dict[str, URIRef] = {}

    def __call__(self, term: Any) -> Term:
        if isinstance(term, ox.NamedNode):
            value = term.value
            found = self.iris.get(value)
            if found is None:
                found = self.iris[value] = URIRef(value)
            return found
        return from_ox(term)
