"""The embedded engines agree: every stored query gives the same rows, in the same order, on
rdflib and on pyoxigraph."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import oxi
from kg import queries as q
from kg.build import build

from .conftest import ONTOLOGY, ROOT
from .engines import PARAMS, same_results


@pytest.mark.parametrize("name", sorted(q.stored_queries(ROOT / "queries")))
def test_rdflib_and_pyoxigraph_agree(two_articles: Path, name: str) -> None:
    full = build(two_articles, ONTOLOGY, None).graph
    store = oxi.store_of(full)
    sq = q.find(ROOT / "queries", name)
    bindings = q.bind(sq, PARAMS.get(name, {}), full)
    expected = q.execute(full, q.prepare(sq.text, sq.path), sq.text, bindings)
    assert same_results(expected, oxi.execute(store, sq.text, bindings))


def test_terms_round_trip() -> None:
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD

    for term in (
        URIRef("https://w3id.org/newskg/id/actor/x"),
        BNode("b1"),
        Literal("plain"),
        Literal("fr", lang="fr"),
        Literal("2020-01", datatype=XSD.gYearMonth),
        Literal(5),
    ):
        assert oxi.from_ox(oxi.to_ox(term)) == term
