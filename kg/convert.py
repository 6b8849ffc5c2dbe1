"""Turn model objects into RDF: stable IRIs from curated ids, and a record of which YAML file
and line produced every node and triple, so validation can point back at the source."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from .errors import Location
from .model import (
    Actor,
    Article,
    Corpus,
    Date,
    Entity,
    Event,
    ExtractionFile,
    Figure,
    Mention,
    Place,
    Quote,
    Report,
    Statement,
)
from .namespaces import ID, N, concept, new_graph
from .verify import Offsets

ACTOR_CLASSES = {
    "person": N.Person,
    "organisation": N.Organisation,
    "armed-group": N.ArmedGroup,
    "government-body": N.GovernmentBody,
    "political-party": N.PoliticalParty,
    "media-outlet": N.MediaOutlet,
    "state": N.State,
    "movement": N.Movement,
    "collective-group": N.CollectiveGroup,
}

Where = dict[tuple[Node, Node | None], Location]
"""(subject, predicate) -> where it came from; (subject, None) is where the node was defined."""

Triple = tuple[Node, Node, Node]



def entity_iri(entity: Entity) -> URIRef:
    kind = (
        "actor" if isinstance(entity, Actor) else "place" if isinstance(entity, Place) else "event"
    )
    return ID[f"{kind}/{entity.id}"]


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

    def text(self, s: URIRef, p: URIRef, value: str | None, loc: Location) -> None:
        if value is not None:
            self.add(s, p, Literal(value), loc)

    def texts(self, s: URIRef, p: URIRef, values: Iterable[str], loc: Location) -> None:
        for v in values:
            self.add(s, p, Literal(v), loc)

    def refs(self, s: URIRef, p: URIRef, idents: Iterable[str | None], loc: Location) -> None:
        for i in idents:
            if i is not None:
                self.add(s, p, self.ref(i), loc)

    def date(self, s: URIRef, p: URIRef, value: Date | None, loc: Location) -> None:
        if value is not None:
            self.add(s, p, date_literal(value), loc)

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

    def inferences(
        self,
        s: URIRef,
        inferred: dict[str, str],
        props: dict[str, URIRef],
        where: Location,
        lines: dict[str, int],
    ) -> None:
        for key, reason in sorted(inferred.items()):
            loc = _field(where, lines, key)
            node = URIRef(f"{s}/inferred/{key.replace('_', '-')}")
            self.node(node, N.Inference, loc)
            self.add(node, N.onProperty, props[key], loc)
            self.add(node, N.reason, Literal(reason), loc)
            self.add(s, N.inferred, node, loc)

    # -- records --

    def convert_file(self, f: ExtractionFile) -> list[Triple]:
        """The triples one file contributes (an article's: what the article says)."""
        self.triples = []
        self._convert_file(f)
        return self.triples

    def _convert_file(self, f: ExtractionFile) -> None:
        for actor in f.actors:
            self.actor(actor)
        for place in f.places:
            self.place(place)
        for event in f.events:
            self.event(event)
        if f.article is None:
            return
        a = f.article
        self.article_id = a.id
        art = article_iri(a.id)
        self.article(art, a)
        for m in f.mentions:
            self.mention(art, a.id, m)
        for r in f.reports:
            self.report(art, a.id, r)
        for s in f.statements:
            self.statement(art, a.id, s)
        for fig in f.figures:
            self.figure(art, a.id, fig)

    def _entity(self, s: URIRef, e: Entity) -> None:
        fl = e.field_lines
        self.text(s, RDFS.label, e.label, _field(e.where, fl, "label"))
        self.texts(s, SKOS.altLabel, e.alt_labels, _field(e.where, fl, "also"))
        self.text(s, N.description, e.description, _field(e.where, fl, "description"))
        self.text(s, N.curatorNote, e.note, _field(e.where, fl, "note"))

    def actor(self, a: Actor) -> None:
        s = entity_iri(a)
        self.node(s, ACTOR_CLASSES[a.type], a.where)
        self._entity(s, a)
        self.refs(s, N.partOf, a.part_of, _field(a.where, a.field_lines, "part_of"))
        if a.type == "state":
            self.add(s, N.placeType, concept("place-type", "country"), a.where)
            self.refs(s, N.locatedIn, a.located_in, _field(a.where, a.field_lines, "located_in"))

    def place(self, p: Place) -> None:
        s = entity_iri(p)
        self.node(s, N.Place, p.where)
        self._entity(s, p)
        self.add(
            s, N.placeType, concept("place-type", p.type), _field(p.where, p.field_lines, "type")
        )
        self.refs(s, N.locatedIn, p.located_in, _field(p.where, p.field_lines, "located_in"))

    def event(self, e: Event) -> None:
        s = entity_iri(e)
        fl = e.field_lines
        self.node(s, N.Event, e.where)
        self._entity(s, e)
        self.add(s, N.eventType, concept("event-type", e.type), _field(e.where, fl, "type"))
        self.date(s, N.date, e.date, _field(e.where, fl, "date"))
        self.date(s, N.endDate, e.end_date, _field(e.where, fl, "end_date"))
        self.refs(s, N.place, e.places, _field(e.where, fl, "place"))
        self.refs(s, N.subEventOf, [e.sub_event_of], _field(e.where, fl, "part_of"))

    def article(self, s: URIRef, a: Article) -> None:
        fl = a.field_lines
        self.node(s, N.Article, a.where)
        self.text(s, N.title, a.title, _field(a.where, fl, "title"))
        self.refs(s, N.author, a.authors, _field(a.where, fl, "authors"))
        self.refs(s, N.publishedBy, [a.outlet], _field(a.where, fl, "outlet"))
        self.date(s, N.publicationDate, a.published, _field(a.where, fl, "published"))
        if a.url is not None:
            self.add(s, N.url, Literal(a.url, datatype=XSD.anyURI), _field(a.where, fl, "url"))
        self.add(s, N.genre, concept("genre", a.genre), _field(a.where, fl, "genre"))
        self.text(s, N.sourceFile, a.source_file, _field(a.where, fl, "source_file"))
        self.text(s, N.curatorNote, a.note, _field(a.where, fl, "note"))
        self.inferences(
            s, a.inferred, {"outlet": N.publishedBy, "published": N.publicationDate}, a.where, fl
        )

    def mention(self, art: URIRef, article_id: str, m: Mention) -> None:
        s = ID[f"mention/{article_id}/{m.entity}"]
        self.node(s, N.Mention, m.where)
        self.add(s, N.mentionedIn, art, m.where)
        self.refs(s, N.denotes, [m.entity], m.where)
        self.texts(s, N.surfaceForm, m.forms, m.where)
        self.texts(s, N.roleInArticle, m.roles, m.where)
        self.evidence(s, m.evidence)

    def report(self, art: URIRef, article_id: str, r: Report) -> None:
        s = ID[f"report/{article_id}/{r.event}"]
        fl = r.field_lines
        self.node(s, N.EventReport, r.where)
        self.refs(s, N.reports, [r.event], _field(r.where, fl, "event"))
        self.add(s, N.statedIn, art, r.where)
        self.date(s, N.date, r.date, _field(r.where, fl, "date"))
        self.date(s, N.endDate, r.end_date, _field(r.where, fl, "end_date"))
        self.text(s, N.dateText, r.date_text, _field(r.where, fl, "date_text"))
        self.refs(s, N.place, r.places, _field(r.where, fl, "place"))
        self.text(s, N.curatorNote, r.note, _field(r.where, fl, "note"))
        self.evidence(s, r.evidence)
        self.inferences(s, r.inferred, {"date": N.date, "end_date": N.endDate}, r.where, fl)
        event = self.ref(r.event)
        for p in r.participants:
            part = ID[f"participation/{article_id}/{r.event}/{p.actor}/{p.role}"]
            self.node(part, N.Participation, p.where)
            self.add(part, N.inEvent, event, p.where)
            self.refs(part, N.participant, [p.actor], p.where)
            self.add(part, N.role, concept("role", p.role), p.where)
            self.add(part, N.statedIn, art, p.where)

    def _attributed(self, s: URIRef, art: URIRef, x: Statement | Figure) -> None:
        fl = x.field_lines
        self.add(s, N.statedIn, art, x.where)
        self.refs(s, N.speaker, [x.speaker], _field(x.where, fl, "speaker"))
        self.refs(s, N.source, x.sources, _field(x.where, fl, "source"))
        self.refs(s, N.about, x.about, _field(x.where, fl, "about"))
        self.text(s, N.curatorNote, x.note, _field(x.where, fl, "note"))
        self.evidence(s, x.evidence)

    def statement(self, art: URIRef, article_id: str, st: Statement) -> None:
        s = ID[f"statement/{article_id}/{st.id}"]
        fl = st.field_lines
        self.node(s, N.Quote if st.kind == "quote" else N.Claim, st.where)
        self._attributed(s, art, st)
        self.text(s, N.text, st.text, _field(st.where, fl, "text"))
        self.refs(s, N.channel, [st.channel], _field(st.where, fl, "channel"))
        self.date(s, N.date, st.date, _field(st.where, fl, "date"))
        self.text(s, N.dateText, st.date_text, _field(st.where, fl, "date_text"))
        self.inferences(s, st.inferred, {"date": N.date}, st.where, fl)

    def figure(self, art: URIRef, article_id: str, f: Figure) -> None:
        s = ID[f"figure/{article_id}/{f.id}"]
        fl = f.field_lines
        self.node(s, N.Figure, f.where)
        self._attributed(s, art, f)
        self.add(s, N.quantity, concept("quantity", f.quantity), _field(f.where, fl, "quantity"))
        self.add(s, N.hedge, concept("hedge", f.hedge), _field(f.where, fl, "hedge"))
        self.refs(s, N.counted, [f.counted], _field(f.where, fl, "counted"))
        for key, prop, number in (
            ("value", N.value, f.value),
            ("lower", N.lowerBound, f.lower),
            ("upper", N.upperBound, f.upper),
        ):
            if number is not None:
                self.add(s, prop, Literal(number), _field(f.where, fl, key))
        self.date(s, N.asOf, f.as_of, _field(f.where, fl, "as_of"))
        self.date(s, N.periodStart, f.period_start, _field(f.where, fl, "period_start"))
        self.text(s, N.periodText, f.period_text, _field(f.where, fl, "period_text"))
        self.inferences(
            s, f.inferred, {"as_of": N.asOf, "period_start": N.periodStart}, f.where, fl
        )


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
