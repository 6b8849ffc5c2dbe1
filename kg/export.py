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

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS, VOID, XSD

from .build import Compiled, ntriples
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
    links: list[Triple] = []
    for name, triples in compiled.parts.items():
        graphs[name] = [t for t in triples if not _is_link(t)]
        links += [t for t in triples if _is_link(t)]
    links += [t for t in compiled.data if _is_link(t)]
    graphs[LINKS_GRAPH] = sorted(set(links))
    graphs[ONTOLOGY_GRAPH] = list(compiled.ontology)
    body = new_graph()
    for triples in graphs.values():
        for t in triples:
            body.add(t)
    graphs[METADATA_GRAPH] = list(metadata(compiled, body))
    return graphs


def creation_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (reproducible builds) if set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def metadata(compiled: Compiled, body: Graph) -> Graph:
    """DCAT / VoID description of the dataset ``body``."""
    g = new_graph()
    d = DATASET
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, DCTERMS.title, Literal("newskg: what news articles claim", lang="en")))
    g.add(
        (
            d,
            DCTERMS.description,
            Literal(
                "Actors, places, events and the attributed statements, quotes and figures of a "
                "corpus of news articles, curated by hand.",
                lang="en",
            ),
        )
    )
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, DCTERMS.created, Literal(creation_date().isoformat(), datatype=XSD.date)))
    g.add((d, VOID.triples, Literal(len(body))))
    g.add((d, VOID.distinctSubjects, Literal(len(set(body.subjects())))))
    g.add((d, VOID.vocabulary, URIRef(BASE + "ontology#")))
    g.add((d, VOID.uriSpace, Literal(str(ID))))
    for _, article in compiled.corpus.articles():
        source = URIRef(article.url) if article.url else ID[f"article/{article.id}"]
        g.add((d, DCTERMS.source, source))
    return g


def _sorted_graph(triples: list[Triple]) -> Graph:
    g = new_graph()
    for t in sorted(triples, key=lambda t: tuple(n.n3() for n in t)):
        g.add(t)
    return g


def _union(graphs: dict[URIRef, list[Triple]]) -> Graph:
    return _sorted_graph([t for triples in graphs.values() for t in triples])


def _turtle_body(g: Graph) -> str:
    text = g.serialize(format="turtle")
    body = []
    for line in text.splitlines():
        if line.startswith("@prefix"):
            prefix = line.split()[1][:-1]
            if prefix not in PREFIXES:  # rdflib invented one (ns1): a namespace we lack
                raise ValueError(f"namespace without a project prefix: {line}")
        else:
            body.append(line)
    return "\n".join(body)


def _prefix_block() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())


def trig(graphs: dict[URIRef, list[Triple]]) -> bytes:
    parts = [_prefix_block()]
    for name in sorted(graphs):
        body = _turtle_body(_sorted_graph(graphs[name])).strip("\n")
        indented = "\n".join(("    " + line) if line else "" for line in body.splitlines())
        parts.append(f"\n<{name}> {{\n{indented}\n}}\n")
    return "".join(parts).encode("utf-8")


def dataset(graphs: dict[URIRef, list[Triple]]) -> Dataset:
    ds = Dataset()
    for name, triples in graphs.items():
        g = ds.graph(name)
        for t in triples:
            g.add(t)
    return ds


def nquads(graphs: dict[URIRef, list[Triple]]) -> bytes:
    lines = dataset(graphs).serialize(format="nquads", encoding="utf-8").splitlines()
    return b"\n".join(sorted(set(line for line in lines if line.strip()))) + b"\n"


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


def jsonld(g: Graph) -> bytes:
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
    union = _union(graphs)
    if fmt == "turtle":
        return union.serialize(format="turtle", encoding="utf-8")
    if fmt == "nt":
        return ntriples(union)
    if fmt == "jsonld":
        return jsonld(union)
    raise ValueError(f"unknown format {fmt}")  # the CLI restricts the choice


def context_document() -> bytes:
    """The published JSON-LD context (``ontology/context.jsonld``)."""
    doc = {"@context": dict(sorted(JSONLD_CONTEXT.items()))}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
