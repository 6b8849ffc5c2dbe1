"""Deterministic exports of the built graph: Turtle, N-Triples, JSON-LD, TriG and N-Quads.

Everything comes from what ``kg build`` wrote (``kg.build.Built``): nothing is converted
again. The same input gives byte-identical output in every format. TriG and N-Quads keep one
named graph per extraction file (what each article says), one for the ontology, one for the
Wikidata links and one for the dataset's own description (DCAT / VoID), which is the only
part made here, because it holds the creation date.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from . import jsonld, oxi
from .build import Built, in_graph, turtle_of_sorted
from .choices import EXPORT_FORMATS
from .fsutil import Chunk, FileRange
from .namespaces import BASE, DATASET, ID, LINKS_GRAPH, METADATA_GRAPH, new_graph

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

JSONLD_CONTEXT = jsonld.CONTEXT


def creation_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) if set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def metadata_triples(built: Built) -> list[ox.Triple]:
    """DCAT / VoID description of the dataset, with the named graphs it is made of."""
    d = ox.NamedNode(str(DATASET))

    def iri(term: str) -> ox.NamedNode:
        return ox.NamedNode(str(term))

    def about(p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
        return ox.Triple(d, iri(p), o)

    description = (
        "Actors, places, events and the attributed statements, quotes and figures "
        "of a corpus of news articles, curated by hand."
    )
    created = ox.Literal(creation_date().isoformat(), datatype=iri(XSD.date))
    integer = iri(XSD.integer)
    triples = [
        about(RDF.type, iri(DCAT.Dataset)),
        about(RDF.type, iri(VOID.Dataset)),
        about(DCTERMS.title, ox.Literal("newskg: what news articles claim", language="en")),
        about(DCTERMS.description, ox.Literal(description, language="en")),
        about(DCTERMS.license, iri(LICENSE)),
        about(DCTERMS.created, created),
        about(VOID.triples, ox.Literal(str(built.triples), datatype=integer)),
        about(VOID.distinctSubjects, ox.Literal(str(built.subjects), datatype=integer)),
        about(VOID.vocabulary, iri(BASE + "ontology#")),
        about(VOID.uriSpace, ox.Literal(str(ID))),
    ]
    source, part = iri(DCTERMS.source), iri(DCTERMS.hasPart)
    triples += [ox.Triple(d, source, ox.NamedNode(s)) for s in built.sources]
    triples += [ox.Triple(d, part, ox.NamedNode(name)) for name in built.graphs]
    return triples


def metadata(built: Built) -> Graph:
    """``metadata_triples`` as an rdflib graph."""
    g = new_graph()
    for t in metadata_triples(built):
        g.add((oxi.from_ox(t.subject), oxi.from_ox(t.predicate), oxi.from_ox(t.object)))  # type: ignore[arg-type]
    return g


def _metadata_nt(built: Built) -> bytes:
    raw = ox.serialize(metadata_triples(built), format=ox.RdfFormat.N_TRIPLES)
    assert raw is not None
    return b"\n".join(sorted(set(raw.splitlines()) - {b""})) + b"\n"


def graph_payloads(built: Built) -> dict[URIRef, bytes]:
    """Graph name -> N-Triples: one graph per extraction file, the ontology, the Wikidata
    links and the dataset description (DCAT / VoID), in output order."""
    payloads = {URIRef(name): nt for name, nt in built.named_graphs().items()}
    payloads[METADATA_GRAPH] = _metadata_nt(built)
    return payloads


def _units(built: Built) -> Iterator[tuple[str, bytes]]:
    """Each unit's named graph and N-Triples (cut out of ``kg.nt``), then the dataset
    description's, in output order."""
    nt = built.nt
    for graph, start, end in built.layout:
        if end > start:
            yield graph, nt[start:end]
    yield str(METADATA_GRAPH), _metadata_nt(built)


def _built_file(built: Built, name: str) -> Chunk:
    """The built output ``name`` as a chunk: a range of the file on disk (which the writer
    copies in the kernel), else its bytes."""
    if built.folder is not None:
        path = built.folder / name
        return FileRange(path, 0, path.stat().st_size)
    return built.nt if name == "kg.nt" else built.ttl


def _ntriples(built: Built) -> Iterator[Chunk]:
    yield _built_file(built, "kg.nt")
    yield _metadata_nt(built)


def _nquads(built: Built) -> Iterator[bytes]:
    for graph, nt in _units(built):
        yield in_graph(nt, graph)


def _metadata_turtle(built: Built) -> bytes:
    """The dataset description as Turtle without prefix lines (its subject is in no unit)."""
    block = turtle_of_sorted(_metadata_nt(built)).split(b"\n")
    return b"\n".join(line for line in block if not line.startswith(b"@prefix ")).lstrip(b"\n")


def _turtle(built: Built) -> Iterator[Chunk]:
    """kg.ttl with the dataset description as one more block."""
    yield _built_file(built, "kg.ttl")
    yield _metadata_turtle(built)


def _trig(built: Built) -> Iterator[bytes]:
    """Each unit's Turtle (cut out of ``kg.ttl``) as the body of its named graph, under
    kg.ttl's one prefix block; then the dataset description's graph."""
    ttl = built.ttl
    yield ttl[: built.turtle_spans[0][0]]  # the prefixes (the ontology's unit comes first)
    for (graph, start, end), (t_start, t_end) in zip(built.layout, built.turtle_spans, strict=True):
        if end > start:
            yield b"<%s> {\n%s}\n\n" % (graph.encode(), ttl[t_start:t_end].rstrip(b"\n") + b"\n")
    yield b"<%s> {\n%s}\n" % (str(METADATA_GRAPH).encode(), _metadata_turtle(built))


def _jsonld(built: Built) -> Iterator[bytes]:
    """One node object a subject: the links' triples in their entity's node."""
    links = str(LINKS_GRAPH)
    merged = b"".join(built.nt[start:end] for graph, start, end in built.layout if graph == links)
    return jsonld.document((nt for graph, nt in _units(built) if graph != links), merged)


@dataclass(frozen=True)
class Format:
    """An export format: its writer (what was built to the file's bytes, in chunks), file
    suffix, media type, whether it keeps the named graphs, and what it is, for ``--help``."""

    write: Callable[[Built], Iterator[Chunk]]
    suffix: str
    media_type: str
    named_graphs: bool
    description: str


FORMATS: dict[str, Format] = {
    "turtle": Format(_turtle, "ttl", "text/turtle", False, EXPORT_FORMATS["turtle"]),
    "nt": Format(_ntriples, "nt", "application/n-triples", False, EXPORT_FORMATS["nt"]),
    "jsonld": Format(_jsonld, "jsonld", "application/ld+json", False, EXPORT_FORMATS["jsonld"]),
    "trig": Format(_trig, "trig", "application/trig", True, EXPORT_FORMATS["trig"]),
    "nquads": Format(_nquads, "nq", "application/n-quads", True, EXPORT_FORMATS["nquads"]),
}
"""The formats of ``kg export -f``, by name."""


def chunks(built: Built, fmt: str) -> Iterator[Chunk]:
    """The whole dataset in the format named ``fmt`` (a key of ``FORMATS``), in pieces
    (about one unit each, or a range of a built file) to write one after the other: what
    ``kg export`` streams (``fsutil.write_output`` takes them)."""
    return FORMATS[fmt].write(built)


def serialize(built: Built, fmt: str) -> bytes:
    """The whole dataset in the format named ``fmt``, in one piece."""
    return b"".join(c.read() if isinstance(c, FileRange) else c for c in chunks(built, fmt))


def context_document() -> bytes:
    """The published JSON-LD context (``ontology/context.jsonld``)."""
    doc = {"@context": jsonld.context()}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
