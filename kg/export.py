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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from . import oxi
from .build import Built, in_graph, tidy_prefixes, turtle_of_sorted
from .choices import EXPORT_FORMATS
from .namespaces import BASE, DATASET, ID, METADATA_GRAPH, PREFIXES, new_graph

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

JSONLD_CONTEXT: dict[str, str] = {**PREFIXES, "id": str(ID)}
"""The JSON-LD context, also published as ``ontology/context.jsonld``."""


def creation_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) if set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def metadata(built: Built) -> Graph:
    """DCAT / VoID description of the dataset, with the named graphs it is made of."""
    g = new_graph()
    d = DATASET
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, DCTERMS.title, Literal("newskg: what news articles claim", lang="en")))
    description = (
        "Actors, places, events and the attributed statements, quotes and figures "
        "of a corpus of news articles, curated by hand."
    )
    g.add((d, DCTERMS.description, Literal(description, lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, DCTERMS.created, Literal(creation_date().isoformat(), datatype=XSD.date)))
    g.add((d, VOID.triples, Literal(built.triples)))
    g.add((d, VOID.distinctSubjects, Literal(built.subjects)))
    g.add((d, VOID.vocabulary, URIRef(BASE + "ontology#")))
    g.add((d, VOID.uriSpace, Literal(str(ID))))
    for source in built.sources:
        g.add((d, DCTERMS.source, URIRef(source)))
    for name in built.graphs:
        g.add((d, DCTERMS.hasPart, URIRef(name)))
    return g


def _metadata_nt(built: Built) -> bytes:
    raw = ox.serialize(
        (ox.Triple(oxi.to_ox(s), oxi.to_ox(p), oxi.to_ox(o)) for s, p, o in metadata(built)),  # type: ignore[arg-type]
        format=ox.RdfFormat.N_TRIPLES,
    )
    assert raw is not None
    return b"\n".join(sorted(set(raw.splitlines()) - {b""})) + b"\n"


def graph_payloads(built: Built) -> dict[URIRef, bytes]:
    """Graph name -> N-Triples: one graph per extraction file, the ontology, the Wikidata
    links and the dataset description (DCAT / VoID), in output order."""
    payloads = {URIRef(name): nt for name, nt in built.named_graphs().items()}
    payloads[METADATA_GRAPH] = _metadata_nt(built)
    return payloads


def _nquads(built: Built) -> bytes:
    return built.nq + in_graph(_metadata_nt(built), str(METADATA_GRAPH))


def trig(built: Built) -> bytes:
    parsed = ox.parse(_nquads(built), format=ox.RdfFormat.N_QUADS)
    out = ox.serialize(parsed, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    assert out is not None
    return tidy_prefixes(out)


def _canonical_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (_canonical_json(v) if k != "@list" else [_canonical_json(i) for i in v])
            for k, v in value.items()
        }
    if isinstance(value, list):
        items = [_canonical_json(i) for i in value]
        return sorted(items, key=lambda i: json.dumps(i, sort_keys=True, ensure_ascii=False))
    return value


def jsonld(nt: bytes) -> bytes:
    g = new_graph()
    g.parse(data=nt, format="nt")
    raw = g.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    doc = _canonical_json(json.loads(raw))
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _turtle(built: Built) -> bytes:
    """kg.ttl with the dataset description as one more block (its subject is in no unit)."""
    block = turtle_of_sorted(_metadata_nt(built)).split(b"\n")
    body = b"\n".join(line for line in block if not line.startswith(b"@prefix ")).lstrip(b"\n")
    return built.ttl + body


@dataclass(frozen=True)
class Format:
    """An export format: its writer (what was built to the file's bytes), file suffix, media
    type, whether it keeps the named graphs, and what it is, for ``--help``."""

    write: Callable[[Built], bytes]
    suffix: str
    media_type: str
    named_graphs: bool
    description: str


FORMATS: dict[str, Format] = {
    "turtle": Format(
        _turtle,
        "ttl",
        "text/turtle",
        False,
        EXPORT_FORMATS["turtle"],
    ),
    "nt": Format(
        lambda built: built.nt + _metadata_nt(built),
        "nt",
        "application/n-triples",
        False,
        EXPORT_FORMATS["nt"],
    ),
    "jsonld": Format(
        lambda built: jsonld(built.nt + _metadata_nt(built)),
        "jsonld",
        "application/ld+json",
        False,
        EXPORT_FORMATS["jsonld"],
    ),
    "trig": Format(trig, "trig", "application/trig", True, EXPORT_FORMATS["trig"]),
    "nquads": Format(
        _nquads,
        "nq",
        "application/n-quads",
        True,
        EXPORT_FORMATS["nquads"],
    ),
}
"""The formats of ``kg export -f``, by name."""


def serialize(built: Built, fmt: str) -> bytes:
    """The whole dataset in the format named ``fmt`` (a key of ``FORMATS``)."""
    return FORMATS[fmt].write(built)


def context_document() -> bytes:
    """The published JSON-LD context (``ontology/context.jsonld``)."""
    doc = {"@context": dict(sorted(JSONLD_CONTEXT.items()))}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
