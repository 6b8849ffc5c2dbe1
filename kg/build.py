"""The pipeline: extraction files -> model -> RDF -> SHACL validation -> build/ output.

The converted triples go straight into a pyoxigraph store, where validation, queries and
serialisation are fast; rdflib graphs of the same data are made only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from . import ontology as onto
from . import oxi
from .convert import Triple, convert_corpus
from .errors import ValidationFailed
from .extraction import load_corpus
from .fsutil import write_atomic
from .linking import apply_links
from .model import Corpus
from .namespaces import PREFIXES, new_graph
from .validate import check, check_store
from .verify import verify


@dataclass
class Compiled:
    """A validated corpus: its triples per named graph, and a store of data plus ontology."""

    corpus: Corpus
    ontology: Graph
    parts: dict[URIRef, list[Triple]]  # named graph -> the triples of one extraction file
    store: ox.Store = field(repr=False)  # data and ontology, in the default graph

    @cached_property
    def data(self) -> Graph:
        """The instance data as an rdflib graph (built on first use)."""
        g = new_graph()
        for triples in self.parts.values():
            for t in triples:
                g.add(t)
        return g

    @cached_property
    def full(self) -> Graph:
        """Data plus ontology as an rdflib graph: what users query (built on first use)."""
        g = new_graph()
        for t in self.data:
            g.add(t)
        for t in self.ontology:
            g.add(t)
        return g

    def __len__(self) -> int:
        return len(self.store)


def compile_graph(
    extractions: Path,
    ontology_dir: Path,
    sources: Path | None = None,
    validator: str = "fast",
    links: Path | None = None,
) -> Compiled:
    """Load, convert and validate; raise ValidationFailed with every located problem.

    With ``sources``, every evidence quote is also checked against the article's source text
    and its offsets are recorded in the graph. With ``links`` (a reviewed links file, see
    ``kg.linking``), every accepted link becomes ``entity skos:exactMatch wd:QID``.
    """
    ontology = onto.load("ontology.ttl", ontology_dir)
    shapes = onto.load("shapes.ttl", ontology_dir)
    corpus = load_corpus(extractions, onto.vocabulary(ontology))
    offsets, errors, _ = verify(corpus, sources) if sources is not None else ({}, [], 0)
    converted = convert_corpus(corpus, offsets)
    if links is not None:
        errors += apply_links(converted, corpus, links)
    store = ox.Store()
    cache = oxi.TermCache()
    for triples in converted.parts.values():
        oxi.store_of(triples, store=store, cache=cache)
    oxi.store_of(ontology, store=store, cache=cache)
    compiled = Compiled(corpus, ontology, converted.parts, store)
    if validator == "fast":
        errors += check_store(store, shapes, converted.where)
    else:
        errors += check(compiled.data, shapes, ontology, converted.where, validator)
    if errors:
        raise ValidationFailed(errors)
    return compiled


def sorted_ntriples(quads: bytes) -> bytes:
    """N-Triples or N-Quads lines sorted: byte-identical for the same graph, diff-friendly."""
    lines = [line for line in quads.split(b"\n") if line.strip()]
    lines.sort()
    return b"\n".join(lines) + b"\n"


def ntriples(graph: Graph) -> bytes:
    """Sorted N-Triples of an rdflib graph."""
    return sorted_ntriples(graph.serialize(format="nt", encoding="utf-8"))


def store_ntriples(store: ox.Store) -> bytes:
    """Sorted N-Triples of a store's default graph."""
    dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert dumped is not None
    return sorted_ntriples(dumped)


def turtle_of_sorted(nt: bytes) -> bytes:
    """Turtle for people from sorted N-Triples: the project's prefixes, one block a subject."""
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    out = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert out is not None
    return tidy_prefixes(out)


def tidy_prefixes(out: bytes) -> bytes:
    """pyoxigraph writes prefixes in hash order: sort them, and space out the blocks."""
    lines = out.split(b"\n")
    head = sorted(line for line in lines if line.startswith(b"@prefix "))
    body = []
    for line in lines[len(head) :]:
        if line and not line[:1].isspace():
            body.append(b"")
        body.append(line.replace(b"\t", b"    ", 1) if line.startswith(b"\t") else line)
    return b"\n".join(head + body).rstrip(b"\n") + b"\n"


def write_outputs(compiled: Compiled, out_dir: Path) -> list[Path]:
    """Serialise everything first, then write each file atomically; return the paths."""
    nt = store_ntriples(compiled.store)
    outputs = {out_dir / "kg.ttl": turtle_of_sorted(nt), out_dir / "kg.nt": nt}
    for path, data in outputs.items():
        write_atomic(path, data)
    return list(outputs)
