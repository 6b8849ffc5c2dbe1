"""Deterministic exports of the built graph: Turtle, N-Triples, JSON-LD, TriG and N-Quads.

The same input gives byte-identical output in every format. TriG and N-Quads keep one named
graph per extraction file (what each article says), one for the ontology, one for the Wikidata
links and one for the dataset's own description (DCAT / VoID).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from . import oxi
from .build import (
    Compiled,
    store_nquads,
    tidy_prefixes,
    turtle_of_sorted,
    union_ntriples,
)
from .namespaces import BASE, ID, METADATA_GRAPH, PREFIXES, new_graph

DATASET = ID["dataset"]
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

JSONLD_CONTEXT: dict[str, str] = {**PREFIXES, "id": str(ID)}
"""The JSON-LD context, also published as ``ontology/context.jsonld``."""


def graph_payloads(compiled: Compiled) -> dict[URIRef, bytes]:
    """Graph name -> sorted N-Triples: one graph per extraction file, the ontology, the
    Wikidata links and the dataset description (DCAT / VoID)."""
    by_graph: dict[bytes, list[bytes]] = {}
    for line in _all_quads(compiled):
        cut = line.rindex(b" <")
        by_graph.setdefault(line[cut + 2 : -3], []).append(line[:cut] + b" .")
    return {
        URIRef(name.decode()): b"\n".join(sorted(set(lines))) + b"\n"
        for name, lines in sorted(by_graph.items())
    }


def union_ntriples_of(payloads: Iterable[bytes]) -> bytes:
    """Sorted, distinct N-Triples of several N-Triples documents."""
    lines = {line for body in payloads for line in body.split(b"\n") if line}
    return b"\n".join(sorted(lines)) + b"\n"


def _all_quads(compiled: Compiled) -> list[bytes]:
    """N-Quads lines of the store and of the dataset description, unsorted."""
    lines = [line for line in store_nquads(compiled.store).split(b"\n") if line]
    meta = ox.serialize(
        (
            ox.Quad(oxi.to_ox(s), oxi.to_ox(p), oxi.to_ox(o), ox.NamedNode(str(METADATA_GRAPH)))  # type: ignore[arg-type]
            for s, p, o in metadata(compiled)
        ),
        format=ox.RdfFormat.N_QUADS,
    )
    assert meta is not None
    return lines + [line for line in meta.split(b"\n") if line]


def creation_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) if set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def metadata(compiled: Compiled) -> Graph:
    """DCAT / VoID description of the dataset."""
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
    g.add((d, VOID.triples, Literal(compiled.triple_count)))
    subjects = compiled.store.query(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    count = int(next(iter(subjects))["n"].value)  # type: ignore[arg-type]
    g.add((d, VOID.distinctSubjects, Literal(count)))
    g.add((d, VOID.vocabulary, URIRef(BASE + "ontology#")))
    g.add((d, VOID.uriSpace, Literal(str(ID))))
    for _, article in compiled.corpus.articles():
        source = URIRef(article.url) if article.url else ID[f"article/{article.id}"]
        g.add((d, DCTERMS.source, source))
    return g


def _graph_of(line: bytes) -> bytes:
    return line[line.rindex(b" <") :]


def trig(quads: list[bytes]) -> bytes:
    ordered = sorted(set(quads), key=lambda line: (_graph_of(line), line))
    parsed = ox.parse(b"\n".join(ordered) + b"\n", format=ox.RdfFormat.N_QUADS)
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


def nquads(quads: list[bytes]) -> bytes:
    return b"\n".join(sorted(set(quads))) + b"\n"


def _union(write: Callable[[bytes], bytes]) -> Callable[[list[bytes]], bytes]:
    """A writer of the union of the named graphs, from a writer of sorted N-Triples."""
    return lambda quads: write(union_ntriples(b"\n".join(quads)))


@dataclass(frozen=True)
class Format:
    """An export format: its writer (N-Quads lines to the file's bytes), file suffix, media
    type, whether it keeps the named graphs, and what it is, for ``--help``."""

    write: Callable[[list[bytes]], bytes]
    suffix: str
    media_type: str
    named_graphs: bool
    description: str


FORMATS: dict[str, Format] = {
    "turtle": Format(
        _union(turtle_of_sorted),
        "ttl",
        "text/turtle",
        False,
        "Turtle for people: the project's prefixes, grouped by subject, sorted",
    ),
    "nt": Format(_union(lambda nt: nt), "nt", "application/n-triples", False, "sorted N-Triples"),
    "jsonld": Format(
        _union(jsonld),
        "jsonld",
        "application/ld+json",
        False,
        "JSON-LD compacted with the published context",
    ),
    "trig": Format(trig, "trig", "application/trig", True, "TriG, one named graph per file"),
    "nquads": Format(
        nquads, "nq", "application/n-quads", True, "sorted N-Quads, one named graph per file"
    ),
}
"""The formats of ``kg export -f``, by name."""


def serialize(compiled: Compiled, fmt: str) -> bytes:
    """The whole dataset in the format named ``fmt`` (a key of ``FORMATS``)."""
    return FORMATS[fmt].write(_all_quads(compiled))


def context_document() -> bytes:
    """The published JSON-LD context (``ontology/context.jsonld``)."""
    doc = {"@context": dict(sorted(JSONLD_CONTEXT.items()))}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
