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
from .convert import Converted, Converter, convert_corpus, graph_name
from .errors import ValidationFailed
from .extraction import load_corpus
from .fsutil import write_atomic
from .links import apply_links
from .model import Corpus
from .namespaces import ONTOLOGY_GRAPH, PREFIXES, new_graph
from .validate import Validator, fast_findings, locate, pyshacl_findings
from .verify import verify


@dataclass
class Compiled:
    """A validated corpus in a pyoxigraph store. With ``named``, one named graph per
    extraction file (what each article says), one for the Wikidata links and one for the
    ontology; otherwise everything is in the default graph, where queries run fastest."""

    corpus: Corpus
    ontology: Graph
    store: ox.Store = field(repr=False)
    named: bool = True

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self.store.named_graphs())

    def graph(self, name: URIRef) -> Graph:
        """One named graph, as an rdflib graph."""
        g = new_graph()
        for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(str(name))):
            g.add((oxi.from_ox(q.subject), oxi.from_ox(q.predicate), oxi.from_ox(q.object)))  # type: ignore[arg-type]
        return g

    @cached_property
    def data(self) -> Graph:
        """The instance data (every graph but the ontology) as an rdflib graph, on first use."""
        g = new_graph()
        if not self.named:
            for q in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
                t = (oxi.from_ox(q.subject), oxi.from_ox(q.predicate), oxi.from_ox(q.object))
                if t not in self.ontology:
                    g.add(t)  # type: ignore[arg-type]
            return g
        for name in self.graph_names():
            if name != ONTOLOGY_GRAPH:
                g += self.graph(name)
        return g

    @cached_property
    def full(self) -> Graph:
        """Data plus ontology as one rdflib graph: what users query (built on first use)."""
        g = new_graph()
        g += self.data
        g += self.ontology
        return g

    @cached_property
    def triple_count(self) -> int:
        """Distinct triples over all graphs."""
        if not self.named:
            return len(self.store)
        rows = self.store.query(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
            "WHERE { GRAPH ?g { ?s ?p ?o } } }"
        )
        return int(next(iter(rows))["n"].value)  # type: ignore[arg-type]


def compile_graph(
    extractions: Path,
    ontology_dir: Path,
    sources: Path | None = None,
    validator: Validator = Validator.FAST,
    links: Path | None = None,
    named: bool = False,
) -> Compiled:
    """Load, convert and validate; raise ValidationFailed with every located problem.

    With ``sources``, every evidence quote is also checked against the article's source text
    and its offsets are recorded in the graph. With ``links`` (a reviewed links file, see
    ``kg.links``), every accepted link becomes ``entity skos:exactMatch wd:QID``.

    Each file is converted straight into the store (into its own named graph with ``named``,
    for exports; else into the default graph, where validation and queries run several times
    faster); where each triple came from is worked out again only if validation finds
    problems to report.
    """
    ontology = onto.load("ontology.ttl", ontology_dir)
    shapes = onto.load("shapes.ttl", ontology_dir)
    corpus = load_corpus(extractions, onto.vocabulary(ontology))
    offsets, errors, _ = verify(corpus, sources) if sources is not None else ({}, [], 0)
    store = ox.Store()
    cache = oxi.TermCache()
    converter = Converter(corpus, offsets, track=False)
    for f in corpus.files:
        oxi.store_of(converter.convert_file(f), graph_name(f) if named else None, store, cache)
    extra = Converted({}, {})
    if links is not None:
        errors += apply_links(extra, corpus, links)
    for name, triples in extra.parts.items():
        oxi.store_of(triples, name if named else None, store, cache)
    oxi.store_of(ontology, ONTOLOGY_GRAPH if named else None, store, cache)
    compiled = Compiled(corpus, ontology, store, named)
    if validator == "fast":
        found = fast_findings(store, shapes, union=named)
    else:
        found = pyshacl_findings(compiled.data, shapes, ontology)
    if found:  # convert again, this time recording the YAML origin of every triple
        located = convert_corpus(corpus, offsets, track=True)
        if links is not None:
            apply_links(located, corpus, links)
        errors += locate(found, located.where)
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


def union_ntriples(nquads: bytes) -> bytes:
    """Sorted, distinct N-Triples of the union of the graphs of some N-Quads."""
    triples = {line[: line.rindex(b" <")] + b" ." for line in nquads.split(b"\n") if line}
    return b"\n".join(sorted(triples)) + b"\n"


def store_nquads(store: ox.Store) -> bytes:
    dumped = store.dump(format=ox.RdfFormat.N_QUADS)
    assert dumped is not None
    return dumped


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
    store = compiled.store
    nt = union_ntriples(store_nquads(store)) if compiled.named else store_ntriples(store)
    outputs = {out_dir / "kg.ttl": turtle_of_sorted(nt), out_dir / "kg.nt": nt}
    for path, data in outputs.items():
        write_atomic(path, data)
    return list(outputs)
