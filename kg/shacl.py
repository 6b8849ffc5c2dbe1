"""A fast SHACL validator for the constraints ``ontology/shapes.ttl`` uses.

pySHACL validates a node at a time in Python; on a graph of a million triples that takes
minutes. Here each constraint of each shape becomes one SPARQL query over a pyoxigraph store,
so a whole corpus is checked in seconds. The verdict (focus node, path, message) is the same
as pySHACL's: tests compare the two on the real data and on deliberately broken graphs.

Supported: sh:targetClass (with rdfs:subClassOf*), and on node or property shapes
sh:minCount, sh:maxCount, sh:datatype, sh:class, sh:in, sh:pattern, sh:minLength,
sh:minInclusive, sh:hasValue, sh:nodeKind, sh:lessThan, sh:lessThanOrEquals, sh:uniqueLang,
sh:node (to a shape of value constraints), sh:not and sh:or (of class, datatype or
minCount-1 property alternatives), and SPARQL-based constraints (sh:sparql / sh:select).
Anything else is refused when the shapes are compiled, so a new constraint cannot be silently
ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from .errors import DataError, Location
from .namespaces import PREFIXES
from .oxi import from_ox
from .sparqltext import insert_in_where

SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

# Parameters of constraint components that this validator understands, on property shapes.
_VALUE_KEYS = {
    SH.datatype,
    SH["class"],
    SH["in"],
    SH.pattern,
    SH.minLength,
    SH.minInclusive,
    SH.nodeKind,
    SH.node,
    SH["or"],
    SH["not"],
}
_KNOWN = _VALUE_KEYS | {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.hasValue,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.uniqueLang,
    SH.message,
    SH.targetClass,
    SH.property,
    SH.sparql,
    RDF.type,
    SH.name,
    SH.description,
}


@dataclass(frozen=True)
class Violation:
    focus: Node
    path: Node | None
    value: Node | None
    message: str


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT returning ?this (and ?value) for each violation."""

    query: str
    path: URIRef | None
    message: str
    has_value: bool


def _n3(node: Node) -> str:
    if isinstance(node, (URIRef, Literal)):
        return node.n3()
    raise DataError(f"shapes: cannot compile the blank node {node} here", Location("shapes.ttl"))


def _int(node: Node) -> int:
    if isinstance(node, Literal) and isinstance(node.toPython(), int):
        return int(node.toPython())
    raise DataError(f"shapes: expected an integer, got {node}", Location("shapes.ttl"))


def _str_literal(text: str) -> str:
    return Literal(text).n3()


class Compiler:
    """Compiles a shapes graph into a list of Checks."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.checks: list[Check] = []

    def fail(self, what: str, node: Node) -> DataError:
        return DataError(
            f"shapes: {what} is not supported by the fast validator ({node})",
            Location("ontology/shapes.ttl"),
        )

    def compile(self) -> list[Check]:
        for shape in sorted(set(self.g.subjects(SH.targetClass, None)), key=str):
            for cls in sorted(self.g.objects(shape, SH.targetClass), key=str):
                target = f"?this {TYPE}/{SUBCLASS}* {_n3(cls)} ."
                self.node_shape(shape, target)
        return self.checks

    def message(self, node: Node, default: Node | None = None) -> str:
        msg = self.g.value(node, SH.message) or (
            self.g.value(default, SH.message) if default is not None else None
        )
        return str(msg) if msg is not None else "does not conform to the shapes"

    def add(
        self, where: str, path: URIRef | None, message: str, value: bool = False, group: str = ""
    ) -> None:
        select = "SELECT DISTINCT ?this" + (" ?value" if value else "")
        self.checks.append(Check(f"{select} WHERE {{ {where} }} {group}", path, message, value))

    def node_shape(self, shape: Node, target: str) -> None:
        for key in set(self.g.predicates(shape, None)):
            if key not in _KNOWN:
                raise self.fail(f"constraint {key}", shape)
        msg = self.message(shape)
        # constraints on the focus node itself
        cond = self.value_violation(shape, "?this")
        if cond:
            self.add(f"{target} FILTER({cond})", None, msg)
        for prop in sorted(self.g.objects(shape, SH.property), key=str):
            self.property_shape(prop, target)
        for sparql in sorted(self.g.objects(shape, SH.sparql), key=str):
            select = str(self.g.value(sparql, SH.select))
            inner = insert_in_where(select.replace("$this", "?this"), target)
            self.add(f"{{ {inner} }}", None, self.message(sparql))

    def property_shape(self, prop: Node, target: str) -> None:
        for key in set(self.g.predicates(prop, None)):
            if key not in _KNOWN:
                raise self.fail(f"constraint {key}", prop)
        path = self.g.value(prop, SH.path)
        if not isinstance(path, URIRef):
            raise self.fail("a complex sh:path", prop)
        p = _n3(path)
        msg = self.message(prop)
        min_count = self.g.value(prop, SH.minCount)
        if min_count is not None:
            n = _int(min_count)
            if n == 1:
                self.add(f"{target} FILTER NOT EXISTS {{ ?this {p} ?v }}", path, msg)
            elif n > 1:
                self.add(
                    f"{target} OPTIONAL {{ ?this {p} ?v }}",
                    path,
                    msg,
                    group=f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {n})",
                )
        max_count = self.g.value(prop, SH.maxCount)
        if max_count is not None:
            self.add(
                f"{target} ?this {p} ?v",
                path,
                msg,
                group=f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {_int(max_count)})",
            )
        has_value = self.g.value(prop, SH.hasValue)
        if has_value is not None:
            self.add(f"{target} FILTER NOT EXISTS {{ ?this {p} {_n3(has_value)} }}", path, msg)
        for key, op in ((SH.lessThan, "<"), (SH.lessThanOrEquals, "<=")):
            other = self.g.value(prop, key)
            if other is not None:
                self.add(
                    f"{target} ?this {p} ?value . ?this {_n3(other)} ?w FILTER(!(?value {op} ?w))",
                    path,
                    msg,
                    value=True,
                )
        if self.g.value(prop, SH.uniqueLang) == Literal(True):
            self.add(
                f"{target} ?this {p} ?value . ?this {p} ?w FILTER(?value != ?w && "
                'LANG(?value) != "" && LANG(?value) = LANG(?w))',
                path,
                msg,
            )
        cond = self.value_violation(prop, "?value")
        if cond:
            self.add(f"{target} ?this {p} ?value FILTER({cond})", path, msg, value=True)

    def value_violation(self, shape: Node, v: str) -> str:
        """A SPARQL condition true when value ``v`` violates the value constraints of shape."""
        parts = []
        g = self.g
        dt = g.value(shape, SH.datatype)
        if dt is not None:
            parts.append(f"!isLiteral({v}) || DATATYPE({v}) != {_n3(dt)}")
        cls = g.value(shape, SH["class"])
        if cls is not None:
            parts.append(f"NOT EXISTS {{ {v} {TYPE}/{SUBCLASS}* {_n3(cls)} }}")
        values = g.value(shape, SH["in"])
        if values is not None:
            parts.append(f"{v} NOT IN ({', '.join(_n3(x) for x in Collection(g, values))})")
        pattern = g.value(shape, SH.pattern)
        if pattern is not None:
            parts.append(f"isBlank({v}) || !REGEX(STR({v}), {_str_literal(str(pattern))})")
        min_length = g.value(shape, SH.minLength)
        if min_length is not None:
            parts.append(f"isBlank({v}) || STRLEN(STR({v})) < {_int(min_length)}")
        minimum = g.value(shape, SH.minInclusive)
        if minimum is not None:
            parts.append(f"!({v} >= {_n3(minimum)})")
        kind = g.value(shape, SH.nodeKind)
        if kind is not None:
            if kind != SH.IRI:
                raise self.fail(f"sh:nodeKind {kind}", shape)
            parts.append(f"!isIRI({v})")
        node = g.value(shape, SH.node)
        if node is not None:
            for key in set(g.predicates(node, None)):
                if key not in _KNOWN:
                    raise self.fail(f"constraint {key} in a sh:node shape", node)
            inner = self.value_violation(node, v)
            if inner:
                parts.append(inner)
        negated = g.value(shape, SH["not"])
        if negated is not None:
            inner = self.value_violation(negated, v)
            parts.append(f"!({inner})")
        alternatives = g.value(shape, SH["or"])
        if alternatives is not None:
            options = []
            for alt in Collection(g, alternatives):
                if (alt, SH.path, None) in g:
                    options.append(self.minimal_property(alt, v))
                else:
                    options.append(self.value_violation(alt, v))
            parts.append(" && ".join(f"({o})" for o in options))
        return " || ".join(f"({p})" for p in parts)

    def minimal_property(self, alt: Node, v: str) -> str:
        """An sh:or alternative of the form [sh:path P; sh:minCount 1]: violated if no value."""
        path = self.g.value(alt, SH.path)
        keys = set(self.g.predicates(alt, None)) - {SH.path, SH.minCount}
        if not isinstance(path, URIRef) or keys or self.g.value(alt, SH.minCount) != Literal(1):
            raise self.fail("an sh:or alternative other than [sh:path P; sh:minCount 1]", alt)
        return f"NOT EXISTS {{ {v} {_n3(path)} ?any }}"


_compiled: dict[int, list[Check]] = {}


def compile_shapes(shapes: Graph) -> list[Check]:
    """The checks of a shapes graph (cached per graph object)."""
    key = id(shapes)
    if key not in _compiled:
        _compiled[key] = Compiler(shapes).compile()
    return _compiled[key]


def validate(store: ox.Store, shapes: Graph, union: bool = False) -> list[Violation]:
    """Every violation of the shapes in the store (data and ontology), sorted."""
    found: set[Violation] = set()
    for check in compile_shapes(shapes):
        rows = store.query(check.query, prefixes=PREFIXES, use_default_graph_as_union=union)
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            focus = from_ox(row["this"])
            value = from_ox(row["value"]) if check.has_value else None
            assert focus is not None
            found.add(Violation(focus, check.path, value, check.message))
    return sorted(found, key=lambda v: (str(v.focus), str(v.path), v.message, str(v.value)))
