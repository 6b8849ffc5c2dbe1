"""The pipeline: extraction files -> model -> RDF -> SHACL validation -> build/ output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from . import ontology as onto
from .convert import Triple, convert_corpus
from .errors import ValidationFailed
from .extraction import load_corpus
from .fsutil import write_atomic
from .model import Corpus
from .namespaces import new_graph
from .validate import check
from .verify import verify


@dataclass
class Compiled:
    """A validated graph: the instance data, and data plus ontology (what users query)."""

    corpus: Corpus
    data: Graph
    full: Graph
    ontology: Graph
    parts: dict[URIRef, list[Triple]]  # named graph -> the triples of one extraction file


def compile_graph(
    extractions: Path, ontology_dir: Path, sources: Path | None = None, validator: str = "fast"
) -> Compiled:
    """Load, convert and validate; raise ValidationFailed with every located problem.

    With ``sources``, every evidence quote is also checked against the article's source text
    and its offsets are recorded in the graph.
    """
    ontology = onto.load("ontology.ttl", ontology_dir)
    shapes = onto.load("shapes.ttl", ontology_dir)
    corpus = load_corpus(extractions, onto.vocabulary(ontology))
    offsets, errors, _ = verify(corpus, sources) if sources is not None else ({}, [], 0)
    converted = convert_corpus(corpus, offsets)
    data = converted.graph
    errors += check(data, shapes, ontology, converted.where, validator)
    if errors:
        raise ValidationFailed(errors)
    full = new_graph()
    for triple in data:
        full.add(triple)
    for triple in ontology:
        full.add(triple)
    return Compiled(corpus, data, full, ontology, converted.parts)


def ntriples(graph: Graph) -> bytes:
    """Sorted N-Triples: byte-identical for the same graph, diff-friendly."""
    lines = graph.serialize(format="nt", encoding="utf-8").splitlines()
    return b"\n".join(sorted(line for line in lines if line.strip())) + b"\n"


def write_outputs(compiled: Compiled, out_dir: Path) -> list[Path]:
    """Serialise everything first, then write each file atomically; return the paths."""
    outputs = {
        out_dir / "kg.ttl": compiled.full.serialize(format="turtle", encoding="utf-8"),
        out_dir / "kg.nt": ntriples(compiled.full),
    }
    for path, data in outputs.items():
        write_atomic(path, data)
    return list(outputs)
