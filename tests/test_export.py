"""Exports: every format round-trips, output is byte-identical, named graphs per article."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID

from kg import jsonld, ontology
from kg.build import build
from kg.cli import cli
from kg.docs import ontology_markdown
from kg.export import (
    DATASET,
    FORMATS,
    JSONLD_CONTEXT,
    context_document,
    graph_payloads,
    serialize,
)
from kg.namespaces import ID, METADATA_GRAPH, ONTOLOGY_GRAPH

from .conftest import ONTOLOGY, ROOT, SOURCES


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


def _quads(data: bytes, fmt: ox.RdfFormat) -> set[ox.Quad]:
    return set(ox.parse(data, format=fmt))


@pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/sources is not beside the checkout")
def test_every_export_of_the_real_corpus_is_the_n_triples(tmp_path: Path, epoch: None) -> None:
    """The real curated corpus: every format parses (rdflib; TriG with pyoxigraph too) to
    the graph of the N-Triples export, TriG to the quads of the N-Quads export, and a second
    export is byte for byte the first."""
    args = ["-e", str(ROOT / "extractions"), "--ontology", str(ONTOLOGY)]
    args += ["--sources", str(SOURCES), "--out", str(tmp_path / "build")]
    data = {}
    for fmt in FORMATS:
        out = tmp_path / f"kg.{FORMATS[fmt].suffix}"
        for again in (False, True):
            result = CliRunner().invoke(cli, ["export", "-f", fmt, "-o", str(out), *args])
            assert result.exit_code == 0, result.stderr
            assert not again or out.read_bytes() == data[fmt], fmt
            data[fmt] = out.read_bytes()
    nt = Graph().parse(data=data["nt"], format="nt")
    assert len(nt) > 7000
    for fmt in ("turtle", "jsonld"):
        assert isomorphic(Graph().parse(data=data[fmt], format=FORMATS[fmt].media_type), nt)
    nquads = _quads(data["nquads"], ox.RdfFormat.N_QUADS)
    assert _quads(data["trig"], ox.RdfFormat.TRIG) == nquads
    union = Graph()
    for s, p, o, _ in Dataset().parse(data=data["trig"], format="trig").quads():
        union.add((s, p, o))
    assert isomorphic(union, nt)
    nodes = re.findall(rb'^      "@id": (".*?"),?$', data["jsonld"], re.M)
    assert len(nodes) == len(set(nodes))  # one node a subject, the links' included


HOSTILE = r"""
<http://example.org/s> <https://schema.org/name> "a \"quoted\" \\ back\nslash" .
<http://example.org/s> <https://schema.org/name> "tab\tcr\r\u0001\u007F é ✓ 😀"@en-gb .
<http://example.org/s> <https://schema.org/name> "\u2028 line sep" .
<http://example.org/s> <https://schema.org/name> "\U0001F600 \' N-Triples-only escapes" .
<http://example.org/s> <http://purl.org/dc/terms/date> "2020-01-02"^^xsd:date .
<http://example.org/s> <http://purl.org/dc/terms/date> "007"^^xsd:integer .
<http://example.org/s> <http://purl.org/dc/terms/date> "1.50"^^xsd:decimal .
<http://example.org/s> <http://purl.org/dc/terms/date> "true"^^xsd:boolean .
<http://example.org/s> <http://purl.org/dc/terms/date> "x"^^<http://example.org/dt> .
<http://example.org/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/T> .
<http://example.org/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> _:t .
<https://schema.org///odd> <http://example.org/p> <https://w3id.org/newskg/id/graph/x> .
_:b1 <http://example.org/p> _:b2 .
_:b1 <http://example.org/p> "\"\"\"" .
"""
"""Hostile terms, as the N-Triples lines pyoxigraph writes (and two escapes it does not);
xsd: stands for the XML Schema namespace."""


def test_jsonld_keeps_hostile_literals_and_iris() -> None:
    """Quotes, backslashes, control characters, unicode, N-Triples-only escapes, language
    tags, datatypes, IRIs no prefix covers, blank nodes: the JSON-LD reads back (rdflib)
    to the same graph; the merged triples join their subject's first node."""
    xsd = HOSTILE.replace("^^xsd:", "^^<http://www.w3.org/2001/XMLSchema#")
    nt = re.sub(r"(XMLSchema#\w+)", r"\1>", xsd)
    lines = sorted(line.encode() + b"\n" for line in nt.splitlines() if line)
    merged = lines.pop(0)  # a subject of the units, held back and written in its node
    expected = Graph().parse(data=b"".join(lines) + merged, format="nt")
    text = b"".join(jsonld.document([b"".join(lines[:6]), b"".join(lines[6:])], merged))
    assert isomorphic(Graph().parse(data=text, format="json-ld"), expected)
    doc = json.loads(text)
    assert doc["@context"] == JSONLD_CONTEXT
    ids = [node["@id"] for node in doc["@graph"]]
    assert ids.count("http://example.org/s") == 2  # in two units: two nodes
    first = doc["@graph"][0]
    assert first["@type"] == "schema:T" and first["rdf:type"] == {"@id": "_:t"}
    assert {"@value": "007", "@type": "xsd:integer"} in first["dcterms:date"]  # merged
    assert "https://schema.org///odd" in ids and "_:b1" in ids  # not schema://odd


@pytest.mark.parametrize("fmt", ["nt", "jsonld"])
def test_export_to_stdout_is_the_file(mini: Path, tmp_path: Path, fmt: str, epoch: None) -> None:
    written = export(mini, fmt, tmp_path / "kg.out")
    args = ["export", "-f", fmt, "-e", str(mini), "--ontology", str(ONTOLOGY)]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "build")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == written
    assert not result.stderr  # no "wrote ..." line for standard output
