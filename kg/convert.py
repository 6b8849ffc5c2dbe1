"""Turn model objects into RDF: stable IRIs from curated ids, and a record of which YAML file
and line produced every node and triple, so validation can point back at the source."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, XSD

from . import schema
from .errors import Location
from .model import Actor, Corpus, Date, Entity, ExtractionFile, Figure, Quote
from .namespaces import ID, N, concept, new_graph
from .verify import Offsets, magnitude_words

Where = dict[tuple[Node, Node | None], Location]
"""(subject, predicate) -> where it came from; (subject, None) is where the node was defined."""

Triple = tuple[Node, Node, Node]


def entity_iri(entity: Entity) -> URIRef:
    return ID[schema.record_of(entity).iri.format(id=entity.id)]


def article_iri(article_id: str) -> URIRef:
    return ID[schema.ARTICLE.iri.format(id=article_id)]


def date_literal(d: Date) -> Literal:
    return Literal(d.text, datatype=XSD[d.datatype])


def _field(where: Location, lines: dict[str, int], key: str) -> Location:
    return Location(where.path, lines.get(key, where.line), f"{where.field}.{key}")


class Converter:
    """Builds one graph from a corpus; ``where`` maps nodes back to their YAML source."""

    def __init__(self, corpus: Corpus, offsets: Offsets | None = None, track: bool = True) -> None:
        self.corpus = corpus
        self.offsets = offsets or {}
        self.article_id = ""  # the article whose file is being converted
        self.triples: list[Triple] = []  # of the file being converted
        self.where: Where = {}
        self.track = track  # record where each node and triple came from (for error reports)

    # -- helpers --

    def ref(self, ident: str) -> URIRef:
        return entity_iri(self.corpus.entities[ident])

    def add(self, s: URIRef, p: URIRef, o: Node, loc: Location) -> None:
        self.triples.append((s, p, o))
        if self.track:
            self.where.setdefault((s, p), loc)

    def node(self, s: URIRef, cls: URIRef, loc: Location) -> None:
        self.triples.append((s, RDF.type, cls))
        if self.track:
            self.where.setdefault((s, None), loc)

    def evidence(self, owner: URIRef, p: URIRef, quotes: list[Quote]) -> None:
        for q in quotes:
            digest = hashlib.sha1(q.text.encode("utf-8")).hexdigest()[:12]
            ev = URIRef(f"{owner}/evidence/{digest}")
            self.node(ev, N.Evidence, q.where)
            self.add(ev, N.exact, Literal(q.text), q.where)
            self.add(owner, p, ev, q.where)
            span = self.offsets.get((self.article_id, q.text))
            if span is not None:
                self.add(ev, N.start, Literal(span[0], datatype=XSD.integer), q.where)
                self.add(ev, N.end, Literal(span[1], datatype=XSD.integer), q.where)

    # -- records --

    def convert_file(self, f: ExtractionFile) -> list[Triple]:
        """The triples one file contributes (an article's: what the article says)."""
        self.triples = []
        self.article_id = f.article.id if f.article is not None else ""
        context = {"article": self.article_id}
        for section in schema.SECTIONS:
            found = getattr(f, section.key)
            for obj in found if section.many else [] if found is None else [found]:
                self.record(schema.RECORDS[section.record], obj, context)
        return self.triples

    def record(self, spec: schema.Record, obj: Any, context: dict[str, str]) -> None:
        """The node of one record and its fields' triples; then its nested records'."""
        plan = _plan(spec)
        context = {**context, **{k: getattr(obj, k) for k in plan.own_keys}}
        s = ID[spec.iri.format(**context)]
        where, lines = obj.where, obj.field_lines
        for cls in plan.classes(obj):
            self.node(s, cls, where)
        if plan.in_article is not None:
            self.add(s, plan.in_article, article_iri(self.article_id), where)
        if plan.parent_ref is not None:
            predicate, key = plan.parent_ref
            self.add(s, predicate, self.ref(context[key]), where)
        for name, key, many, p, make in plan.terms:
            value = getattr(obj, name)
            if value is None or value == []:
                continue
            loc = _field(where, lines, key)
            for v in value if many else [value]:
                self.add(s, p, make(self, v), loc)
        for name, p in plan.evidence:
            self.evidence(s, p, getattr(obj, name))
        if isinstance(obj, Actor) and obj.type == "state":
            self.add(s, N.placeType, concept("place-type", "country"), where)
        if isinstance(obj, Figure):
            self.add(s, N.valueText, Literal(figure_text(obj)), where)
        for key, reason in sorted(getattr(obj, "inferred", {}).items()):
            loc = _field(where, lines, key)
            node = URIRef(f"{s}/inferred/{key.replace('_', '-')}")
            self.node(node, N.Inference, loc)
            self.add(node, N.onProperty, schema.expand(spec.field(key).predicate or ""), loc)
            self.add(node, N.reason, Literal(reason), loc)
            self.add(s, N.inferred, node, loc)
        for name, child_spec in plan.nested:
            for child in getattr(obj, name):
                self.record(child_spec, child, context)


def figure_text(f: Figure) -> str:
    """A figure's number as a person reads it: "5,300", "200,000 to 250,000", "hundreds"
    (a magnitude's lower bound in words), "400 or more", "up to 50"."""
    if f.value is not None:
        return f"{f.value:,}"
    if f.lower is not None and f.upper is not None:
        return f"{f.lower:,} to {f.upper:,}"
    if f.lower is not None:
        words = magnitude_words(f.lower) if f.hedge == "magnitude" else None
        return words or f"{f.lower:,} or more"
    return f"up to {f.upper:,}"


Make = Callable[[Converter, Any], Node]


def _term_maker(t: schema.FieldType) -> Make:
    """How one field value becomes an RDF term."""
    if isinstance(t, schema.Ref):
        return lambda c, ident: c.ref(ident)
    if isinstance(t, schema.Vocab):
        scheme = t.scheme
        return lambda c, slug: concept(scheme, slug)
    if t == schema.DATE:
        return lambda c, d: date_literal(d)
    if t == schema.URL:
        return lambda c, u: Literal(u, datatype=XSD.anyURI)
    return lambda c, v: Literal(v)


@dataclass
class _Plan:
    """A record's conversion, worked out once from the schema."""

    own_keys: list[str]  # of the record's fields, those its IRI uses
    class_field: tuple[str, dict[str, URIRef]] | None
    rdf_class: URIRef | None
    in_article: URIRef | None
    parent_ref: tuple[URIRef, str] | None
    terms: list[tuple[str, str, bool, URIRef, Make]]  # (attribute, key, many, predicate, how
    # a value becomes a term)
    evidence: list[tuple[str, URIRef]]  # (attribute, predicate) of the fields of quotes
    nested: list[tuple[str, schema.Record]]  # (attribute, record) of the nested records

    def classes(self, obj: Any) -> list[URIRef]:
        if self.class_field is None:
            return [self.rdf_class] if self.rdf_class is not None else []
        name, classes = self.class_field
        return [classes[getattr(obj, name)]]


@cache
def _plan(spec: schema.Record) -> _Plan:
    used = set(re.findall(r"\{(\w+)\}", spec.iri))
    class_field = next(
        (
            (f.name, {v: schema.expand(c) for v, c in f.type.classes})
            for f in spec.fields
            if isinstance(f.type, schema.Classes)
        ),
        None,
    )
    terms, evidence, nested = [], [], []
    for f in spec.fields:
        if isinstance(f.type, schema.Nested):
            nested.append((f.name, schema.RECORDS[f.type.record]))
        elif f.type == schema.QUOTE:
            evidence.append((f.name, schema.expand(f.predicate or "nkg:evidence")))
        elif f.predicate is not None:
            p = schema.expand(f.predicate)
            terms.append((f.name, f.key, f.many, p, _term_maker(f.type)))
    return _Plan(
        [f.name for f in spec.fields if f.name in used],
        class_field,
        schema.expand(spec.rdf_class) if spec.rdf_class else None,
        schema.expand(spec.in_article) if spec.in_article else None,
        (schema.expand(spec.parent_ref[0]), spec.parent_ref[1]) if spec.parent_ref else None,
        terms,
        evidence,
        nested,
    )


def graph_name(f: ExtractionFile) -> URIRef:
    """The named graph of a file's triples: ``id/graph/ARTICLE``, or ``id/graph/FILE-STEM``
    with every character but letters, digits and ``-._~`` percent-encoded (as UTF-8), so that
    any file name gives a valid IRI, and two names two IRIs."""
    name = f.article.id if f.article is not None else quote(Path(f.path).stem, safe="")
    return ID[f"graph/{name}"]


@dataclass
class Converted:
    """The instance data of a corpus, per file (named graph), and where each node came from."""

    parts: dict[URIRef, list[Triple]]
    where: Where


def convert_corpus(corpus: Corpus, offsets: Offsets | None = None, track: bool = True) -> Converted:
    """Convert every file. With ``offsets`` (from ``kg.verify``), evidence gets its offsets;
    with ``track``, ``where`` records the YAML origin of every node and triple."""
    c = Converter(corpus, offsets, track)
    return Converted({graph_name(f): c.convert_file(f) for f in corpus.files}, c.where)


def convert(corpus: Corpus, offsets: Offsets | None = None) -> tuple[Graph, Where]:
    """The graph of a corpus (instance data only, as one rdflib graph) and its locations."""
    converted = convert_corpus(corpus, offsets)
    graph = new_graph()
    for triples in converted.parts.values():
        for triple in triples:
            graph.add(triple)
    return graph, converted.where
