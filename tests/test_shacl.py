"""The fast validator (shapes compiled to SPARQL on pyoxigraph) agrees with pySHACL: on the
fixture corpus and on deliberately broken graphs, the same (focus node, path, message)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD

from kg import ontology, oxi, shacl
from kg.build import build
from kg.namespaces import ID, N, concept

from .conftest import ONTOLOGY

Finding = tuple[object, object, str]

FIGURE = ID["figure/gazette-2021-06-01/crowd"]
CLAIM = ID["statement/gazette-2021-06-01/front-claim"]
ARTICLE = ID["article/gazette-2021-06-01"]
RIVER = ID["actor/river-front"]
TESTLAND = ID["actor/testland"]
PORT = ID["place/port-city"]
EVENT = ID["event/port-city-rally-2021-05"]
EVIDENCE = URIRef(f"{FIGURE}/evidence/2336813c63f4")


def pyshacl_findings(data: Graph) -> set[Finding]:
    onto = ontology.load("ontology.ttl", ONTOLOGY)
    shapes = ontology.load("shapes.ttl", ONTOLOGY)
    merged = Graph()  # data and ontology in one graph, as the fast validator sees them
    for graph in (data, onto):
        for t in graph:
            merged.add(t)
    _, report, _ = pyshacl_validate(merged, shacl_graph=shapes, inference="none")
    top = report.value(None, RDF.type, SH.ValidationReport, any=False)
    return {
        (
            report.value(r, SH.focusNode),
            report.value(r, SH.resultPath),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.objects(top, SH.result)
    }


def fast_findings(data: Graph) -> set[Finding]:
    onto = ontology.load("ontology.ttl", ONTOLOGY)
    store = oxi.store_of(data)
    oxi.store_of(onto, store=store)
    return {
        (v.focus, v.path, v.message)
        for v in shacl.validate(store, ontology.load("shapes.ttl", ONTOLOGY))
    }


def _set(s: URIRef, p: URIRef, o: object) -> Callable[[Graph], None]:
    return lambda g: g.set((s, p, o))  # type: ignore[arg-type]


def _add(s: URIRef, p: URIRef, o: object) -> Callable[[Graph], None]:
    return lambda g: g.add((s, p, o))  # type: ignore[arg-type]


def _remove(s: URIRef, p: URIRef) -> Callable[[Graph], None]:
    return lambda g: g.remove((s, p, None))


BROKEN: dict[str, Callable[[Graph], None]] = {
    "missing-label": _remove(RIVER, RDFS.label),
    "two-labels": _add(RIVER, RDFS.label, Literal("Another")),
    "empty-title": _set(ARTICLE, N.title, Literal("")),
    "date-as-string": _set(EVENT, N.date, Literal("May 2021")),
    "author-not-an-actor": _add(ARTICLE, N.author, PORT),
    "genre-not-in-scheme": _set(ARTICLE, N.genre, concept("genre", "poem")),
    "bad-actor-iri": _add(URIRef(f"{ID}actor/Bad_Id"), RDF.type, N.Person),
    "part-of-cycle": _add(TESTLAND, N.partOf, ID["actor/protesters"]),
    "located-in-cycle": _add(TESTLAND, N.locatedIn, PORT),
    "figure-without-number": lambda g: [
        g.remove((FIGURE, p, None)) for p in (N.lowerBound, N.upperBound)
    ],
    "range-with-value": _add(FIGURE, N.value, Literal(5)),
    "lower-above-upper": _set(FIGURE, N.lowerBound, Literal(4000)),
    "negative-bound": _set(FIGURE, N.upperBound, Literal(-1)),
    "start-after-end": lambda g: [
        g.add((EVIDENCE, N.start, Literal(9, datatype=XSD.integer))),
        g.add((EVIDENCE, N.end, Literal(3, datatype=XSD.integer))),
    ],
    "claim-without-speaker-or-source": _remove(CLAIM, N.speaker),
    "person-and-organisation": _add(RIVER, RDF.type, N.Person),
    "state-without-place-type": _remove(TESTLAND, N.placeType),
    "statement-without-evidence": _remove(CLAIM, N.evidence),
    "two-speakers": _add(CLAIM, N.speaker, TESTLAND),
    "inference-property-literal": _set(
        URIRef(f"{ARTICLE}/inferred/outlet"), N.onProperty, Literal("publishedBy")
    ),
    "abstract-statement": lambda g: [
        g.add((ID["statement/x/y"], N.statedIn, ARTICLE)),
        g.add((ID["statement/x/y"], RDF.type, N.Statement)),
    ],
    "concept-two-labels": _add(
        concept("role", "agent"), SKOS.prefLabel, Literal("doer", lang="en")
    ),
}


@pytest.fixture(scope="module")
def data(two_articles: Path) -> Graph:
    return build(two_articles, ONTOLOGY, None).data


def test_valid_corpus_has_no_findings(data: Graph) -> None:
    assert fast_findings(data) == pyshacl_findings(data) == set()


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_graph_same_verdict(data: Graph, case: str) -> None:
    g = Graph()
    for t in data:
        g.add(t)
    BROKEN[case](g)
    expected = pyshacl_findings(g)
    assert expected, f"{case}: pySHACL finds nothing, the case tests nothing"
    assert fast_findings(g) == expected
