"""The real curated graph: it builds, every quote is in its source, and every stored query
gives exactly the rows in tests/golden/ (reviewed by hand against the articles).

Regenerate the golden files after a reviewed curation change with `make golden`.
"""

from __future__ import annotations

import pytest

from kg import queries as q
from kg.build import Built, build
from kg.engine import RdflibEngine
from kg.results import render

from .conftest import ONTOLOGY, ROOT, SOURCES

EXTRACTIONS = ROOT / "extractions"
GOLDEN = ROOT / "tests" / "golden"
LINKS = ROOT / "links" / "wikidata.csv"


@pytest.fixture(scope="module")
def real() -> Built:
    return build(EXTRACTIONS, ONTOLOGY, None, SOURCES if SOURCES.is_dir() else None, LINKS)


def golden_output(compiled: Built, name: str) -> str:
    sq = q.find(ROOT / "queries", name)  # run with its `# example:` parameter values
    bindings = q.bind(sq, sq.examples, compiled.graph)
    result = RdflibEngine(compiled.graph).select(sq.text, bindings, sq.path)
    return render(result, "tsv", compiled.graph)


def test_all_five_articles_build(real: Built) -> None:
    assert (real.files, real.articles) == (6, 5)


@pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/sources is not beside the checkout")
def test_every_quote_is_in_its_source(real: Built) -> None:
    from kg import ontology
    from kg.extraction import load_corpus
    from kg.verify import verify

    vocab = ontology.vocabulary(ontology.load("ontology.ttl", ONTOLOGY))
    _, errors, checked = verify(load_corpus(EXTRACTIONS, vocab), SOURCES)
    assert errors == []
    assert checked > 100


@pytest.mark.parametrize("name", sorted(q.stored_queries(ROOT / "queries")))
def test_stored_query_golden_rows(real: Built, name: str) -> None:
    expected = (GOLDEN / f"{name}.tsv").read_text(encoding="utf-8")
    assert golden_output(real, name) == expected


def write_golden() -> None:  # pragma: no cover - run by `make golden`
    compiled = build(EXTRACTIONS, ONTOLOGY, None, links=LINKS)
    GOLDEN.mkdir(exist_ok=True)
    for name in q.stored_queries(ROOT / "queries"):
        (GOLDEN / f"{name}.tsv").write_text(golden_output(compiled, name), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_golden()
