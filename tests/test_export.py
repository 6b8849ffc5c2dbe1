"""Exports: every format round-trips, output is byte-identical, named graphs per article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID

from kg import ontology
from kg.build import build
from kg.cli import cli
from kg.docs import ontology_markdown
from kg.export import (
    DATASET,
    FORMATS,
    context_document,
    graph_payloads,
    serialize,
)
from kg.namespaces import ID, METADATA_GRAPH, ONTOLOGY_GRAPH

from .conftest import ONTOLOGY, ROOT


@pytest.fixture()
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14


def export(mini: Path, fmt: str, out: Path) -> bytes:
    result = CliRunner().invoke(
        cli,
        [
            *("export", "-f", fmt, "-o", str(out), "-e", str(mini)),
            *("--ontology", str(ONTOLOGY), "--out", str(out.parent / "build")),
        ],
    )
    assert result.exit_code == 0, result.stderr
    return out.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_and_byte_identical(mini: Path, tmp_path: Path, fmt: str, epoch: None) -> None:
    first = export(mini, fmt, tmp_path / f"a.{FORMATS[fmt].suffix}")
    second = export(mini, fmt, tmp_path / f"b.{FORMATS[fmt].suffix}")
    assert first == second
    graphs = {
        name: Graph().parse(data=nt, format="nt")
        for name, nt in graph_payloads(build(mini, ONTOLOGY, None)).items()
    }
    assert_parses_back(first, fmt, graphs)


def assert_parses_back(data: bytes, fmt: str, graphs: dict[URIRef, Graph]) -> None:
    """``data``, an export in ``fmt``, parses with rdflib (chosen by its media type) to
    ``graphs`` (name -> graph): graph by graph for the formats that keep named graphs, as their
    union for the others."""
    expected = Graph()
    for g in graphs.values():
        expected += g
    parser = FORMATS[fmt].media_type
    if FORMATS[fmt].named_graphs:
        ds = Dataset()
        ds.parse(data=data, format=parser)
        names = {g.identifier for g in ds.graphs() if len(g)}
        assert names == set(graphs)
        for name, want in graphs.items():
            assert isomorphic(ds.graph(name), want), name
        union = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        assert isomorphic(union, expected)
    else:
        assert isomorphic(Graph().parse(data=data, format=parser), expected)


def test_every_format_is_documented() -> None:
    row = next(
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `kg export ")
    )
    assert re.findall(r"`(\w+)`", row) == list(FORMATS)
    help_text = " ".join(CliRunner().invoke(cli, ["export", "--help"]).output.split())
    for name, fmt in FORMATS.items():
        assert f"{name} ({fmt.description})" in help_text


def test_named_graphs(mini: Path, epoch: None) -> None:
    compiled = build(mini, ONTOLOGY, None)
    graphs = {
        name: Graph().parse(data=nt, format="nt") for name, nt in graph_payloads(compiled).items()
    }
    assert sorted(graphs) == sorted(
        [ID["graph/gazette-2021-06-01"], ID["graph/shared"], ONTOLOGY_GRAPH, METADATA_GRAPH]
    )
    article = graphs[ID["graph/gazette-2021-06-01"]]
    assert (URIRef(ID["figure/gazette-2021-06-01/crowd"]), None, None) in article
    assert (URIRef(ID["actor/testland"]), None, None) not in article
    assert len(graphs[ONTOLOGY_GRAPH]) == len(ontology.load("ontology.ttl", ONTOLOGY))
    meta = graphs[METADATA_GRAPH]
    union = Graph()
    for name, g in graphs.items():
        if name != METADATA_GRAPH:
            union += g
    assert meta.value(DATASET, VOID.triples) == Literal(len(union))
    assert str(meta.value(DATASET, URIRef("http://purl.org/dc/terms/created"))) == "2023-11-14"


def test_turtle_uses_only_our_prefixes(mini: Path, epoch: None) -> None:
    text = serialize(build(mini, ONTOLOGY, None), "turtle").decode()
    prefixes = {line.split()[1] for line in text.splitlines() if line.startswith("@prefix")}
    assert "schema1:" not in prefixes and "brick:" not in prefixes
    assert "nkg:" in prefixes


def test_failed_export_writes_nothing(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "kg.ttl"
    out.write_text("previous")
    (mini / "shared.yaml").write_text("actors: {}\n")
    result = CliRunner().invoke(
        cli,
        [
            *("export", "-o", str(out), "-e", str(mini), "--ontology", str(ONTOLOGY)),
            *("--out", str(tmp_path / "build")),
        ],
    )
    assert result.exit_code == 1
    assert out.read_text() == "previous"


def test_published_context_and_ontology_docs_are_up_to_date() -> None:
    assert (ROOT / "ontology" / "context.jsonld").read_bytes() == context_document()
    page = ontology_markdown(ontology.load("ontology.ttl", ONTOLOGY))
    assert (ROOT / "docs" / "ontology.md").read_text(encoding="utf-8") == page
    assert "### Figure\n" in page and "| `at-least` | at least |" in page
