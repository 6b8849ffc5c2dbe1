"""Turn model objects into RDF: stable IRIs from curated ids, and a record of which YAML file
and line produced every node and triple, so validation can point back at the source."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, XSD

from . import schema
from .errors import Location
from .model import Actor, Corpus, Date, Entity, ExtractionFile, Quote
from .namespaces import ID, N, concept, new_graph
from .verify import Offsets

Where = dict[tuple[Node, Node | None], Location]
"""(subject, predicate) -> where it came from; (subject, None) is where the node was defined."""

Triple = tuple[Node, Node, Node]


def entity_iri(entity: Entity) -> URIRef:
    return ID[schema.record_of(entity).iri.format(id=entity.id)]


def article_iri(article_id: str) -> URIRef:
    return ID[f"article/{article_id}"]


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

    def add(self, s: URIRef, p: URIRef, o: Node | None, loc: Location) -> None:
        if o is None:
            return
        self.triples.append((s, p, o))
        if self.track:
            self.where.setdefault((s, p), loc)

    def node(self, s: URIRef, cls: URIRef, loc: Location) -> None:
        self.triples.append((s, RDF.type, cls))
        if self.track:
            self.where.setdefault((s, None), loc)

    def evidence(self, owner: URIRef, quotes: list[Quote]) -> None:
        for q in quotes:
            digest = hashlib.sha1(q.text.encode("utf-8")).hexdigest()[:12]
            ev = URIRef(f"{owner}/evidence/{digest}")
            self.node(ev, N.Evidence, q.where)
            self.add(ev, N.exact, Literal(q.text), q.where)
            self.add(owner, N.evidence, ev, q.where)
            span = self.offsets.get((self.article_id, q.text))
            if span is not None:
                self.add(ev, N.start, Literal(span[0], datatype=XSD.integer), q.where)
                self.add(ev, N.end, Literal(span[1], datatype=XSD.integer), q.where)

    def term(self, t: schema.FieldType, value: Any) -> Node:
        """The RDF term of one field value."""
        if isinstance(t, schema.Ref):
            return self.ref(value)
        if isinstance(t, schema.Vocab):
            return concept(t.scheme, value)
        if isinstance(t, schema.Scalar):
            if t.name == "date":
                return date_literal(value)
            if t.name == "url":
                return Literal(value, datatype=XSD.anyURI)
        return Literal(value)

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
        own = {f.name: v for f in spec.fields if isinstance(v := getattr(obj, f.name), str)}
        context = {**context, **own}
        s = ID[spec.iri.format(**context)]
        where, lines = obj.where, obj.field_lines
        if spec.rdf_class:
            self.node(s, schema.expand(spec.rdf_class), where)
        for f in spec.fields:
            if isinstance(f.type, schema.Classes):
                self.node(s, schema.expand(dict(f.type.classes)[getattr(obj, f.name)]), where)
        art = article_iri(self.article_id)
        if spec.in_article:
            self.add(s, schema.expand(spec.in_article), art, where)
        if spec.parent_ref is not None:
            predicate, key = spec.parent_ref
            self.add(s, schema.expand(predicate), self.ref(context[key]), where)
        nested: list[tuple[schema.Record, Any]] = []
        for f in spec.fields:
            found = schema.values(obj, f)
            if isinstance(f.type, schema.Nested):
                nested += [(schema.RECORDS[f.type.record], child) for child in found]
            elif f.type == schema.QUOTE:
                self.evidence(s, found)
            elif f.predicate is not None and found:
                p, loc = schema.expand(f.predicate), _field(where, lines, f.key)
                for value in found:
                    self.add(s, p, self.term(f.type, value), loc)
        if isinstance(obj, Actor) and obj.type == "state":
            self.add(s, N.placeType, concept("place-type", "country"), where)
        for key, reason in sorted(getattr(obj, "inferred", {}).items()):
            loc = _field(where, lines, key)
            node = URIRef(f"{s}/inferred/{key.replace('_', '-')}")
            self.node(node, N.Inference, loc)
            self.add(node, N.onProperty, schema.expand(spec.field(key).predicate or ""), loc)
            self.add(node, N.reason, Literal(reason), loc)
            self.add(s, N.inferred, node, loc)
        for child_spec, child in nested:
            self.record(child_spec, child, context)


def graph_name(f: ExtractionFile) -> URIRef:
    """The named graph of a file's triples: ``id/graph/ARTICLE``, or ``id/graph/FILE-STEM``."""
    name = f.article.id if f.article is not None else Path(f.path).stem
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
