"""Deterministic exports of the built graph: Turtle, N-Triples, JSON-LD, TriG and N-Quads.

The same input gives byte-identical output in every format. TriG and N-Quads keep one named
graph per extraction file (what each article says), one for the ontology, one for the Wikidata
links and one for the dataset's own description (DCAT / VoID).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS, VOID, XSD

from . import oxi
from .build import Compiled, tidy_prefixes, turtle_of_sorted
from .convert import Triple
from .namespaces import BASE, ID, PREFIXES, new_graph

FORMATS = {
    "turtle": "ttl",
    "nt": "nt",
    "jsonld": "jsonld",
    "trig": "trig",
    "nquads": "nq",
}
ONTOLOGY_GRAPH = ID["graph/ontology"]
LINKS_GRAPH = ID["graph/wikidata-links"]
METADATA_GRAPH = ID["graph/metadata"]
DATASET = ID["dataset"]
WIKIDATA = "http://www.wikidata.org/entity/"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

JSONLD_CONTEXT: dict[str, str] = {**PREFIXES, "id": str(ID)}
"""The JSON-LD context, also published as ``ontology/context.jsonld``."""


def _is_link(triple: Triple) -> bool:
    return triple[1] == SKOS.exactMatch and str(triple[2]).startswith(WIKIDATA)


def named_graphs(compiled: Compiled) -> dict[URIRef, list[Triple]]:
    """Graph name -> triples: one per extraction file, the ontology, the links, the metadata."""
    graphs: dict[URIRef, list[Triple]] = {}
    links: set[Triple] = set()
    for name, triples in compiled.parts.items():
        graphs[name] = [t for t in triples if not _is_link(t)]
        links.update(t for t in triples if _is_link(t))
    graphs[LINKS_GRAPH] = sorted(links)
    graphs[ONTOLOGY_GRAPH] = list(compiled.ontology)
    body = {t for triples in graphs.values() for t in triples}
    graphs[METADATA_GRAPH] = list(metadata(compiled, body))
    return graphs


def creation_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) if set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def metadata(compiled: Compiled, body: set[Triple]) -> Graph:
    """DCAT / VoID description of the dataset ``body``."""
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
    g.add((d, VOID.triples, Literal(len(body))))
    g.add((d, VOID.distinctSubjects, Literal(len({t[0] for t in body}))))
    g.add((d, VOID.vocabulary, URIRef(BASE + "ontology#")))
    g.add((d, VOID.uriSpace, Literal(str(ID))))
    for _, article in compiled.corpus.articles():
        source = URIRef(article.url) if article.url else ID[f"article/{article.id}"]
        g.add((d, DCTERMS.source, source))
    return g


def _nt_lines(triples: list[Triple], cache: oxi.TermCache) -> list[bytes]:
    out = ox.serialize(
        (ox.Triple(cache(s), cache(p), cache(o)) for s, p, o in triples),  # type: ignore[arg-type]
        format=ox.RdfFormat.N_TRIPLES,
    )
    assert out is not None
    return sorted(set(line for line in out.split(b"\n") if line.strip()))


def _quads_by_graph(graphs: dict[URIRef, list[Triple]]) -> list[bytes]:
    """N-Quads lines, grouped by graph (graphs in IRI order), sorted within each graph."""
    cache = oxi.TermCache()
    lines: list[bytes] = []
    for name in sorted(graphs):
        label = f" <{name}> .".encode()
        lines += [line[:-2] + label for line in _nt_lines(graphs[name], cache)]
    return lines


def _union_nt(graphs: dict[URIRef, list[Triple]]) -> bytes:
    cache = oxi.TermCache()
    lines = sorted({line for triples in graphs.values() for line in _nt_lines(triples, cache)})
    return b"\n".join(lines) + b"\n"


def trig(graphs: dict[URIRef, list[Triple]]) -> bytes:
    quads = ox.parse(b"\n".join(_quads_by_graph(graphs)) + b"\n", format=ox.RdfFormat.N_QUADS)
    out = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    assert out is not None
    return tidy_prefixes(out)


def nquads(graphs: dict[URIRef, list[Triple]]) -> bytes:
    return b"\n".join(sorted(_quads_by_graph(graphs))) + b"\n"


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


def serialize(compiled: Compiled, fmt: str) -> bytes:
    """The whole dataset in ``fmt`` (one of FORMATS)."""
    graphs = named_graphs(compiled)
    if fmt == "trig":
        return trig(graphs)
    if fmt == "nquads":
        return nquads(graphs)
    nt = _union_nt(graphs)
    if fmt == "turtle":
        return turtle_of_sorted(nt)
    if fmt == "nt":
        return nt
    if fmt == "jsonld":
        return jsonld(nt)
    raise ValueError(f"unknown format {fmt}")  # the CLI restricts the choice


def context_document() -> bytes:
    """The published JSON-LD context (``ontology/context.jsonld``)."""
    doc = {"@context": dict(sorted(JSONLD_CONTEXT.items()))}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
