"""Conversion of the fixture corpus and of the documented example."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.build import build
from kg.convert import convert
from kg.extraction import Vocabulary, load_corpus

from .conftest import MINI, ONTOLOGY, ROOT


def test_mini_fixture_converts_to_the_expected_graph(mini: Path, vocab: Vocabulary) -> None:
    data, _ = convert(load_corpus(mini, vocab))
    expected = Graph().parse(MINI / "expected.ttl")
    if not isomorphic(data, expected):
        _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(data))
        raise AssertionError(
            "missing:\n"
            + missing.serialize(format="nt")
            + "\nextra:\n"
            + extra.serialize(format="nt")
        )


def test_build_output_is_byte_identical_across_runs(mini: Path, tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        build(mini, ONTOLOGY, out)
        outputs.append(tuple((out / name).read_bytes() for name in ("kg.ttl", "kg.nt", "kg.nq")))
    assert outputs[0] == outputs[1]


def test_build_output_parses_back_isomorphic(mini: Path, tmp_path: Path) -> None:
    built = build(mini, ONTOLOGY, tmp_path)
    for name, fmt in (("kg.ttl", "turtle"), ("kg.nt", "nt")):
        assert isomorphic(Graph().parse(tmp_path / name, format=fmt), built.graph), name


def test_ntriples_are_sorted_within_each_named_graph(mini: Path) -> None:
    built = build(mini, ONTOLOGY, None)
    graphs: dict[str, list[str]] = {}
    for line in built.nq.decode().splitlines():
        graphs.setdefault(line.rsplit(" ", 2)[1], []).append(line)
    assert list(graphs) == [f"<{g}>" for g in built.graphs]
    assert all(lines == sorted(lines) for lines in graphs.values())
    assert built.nt.decode().splitlines() == [
        line.rsplit(" ", 2)[0] + " ." for lines in graphs.values() for line in lines
    ]


def test_documented_example_builds(tmp_path: Path) -> None:
    """Every YAML block of docs/extraction-format.md is a file of one valid corpus."""
    doc = (ROOT / "docs" / "extraction-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    assert len(blocks) == 2
    for block in blocks:
        name = re.match(r"# extractions/(\S+):", block)
        assert name, block[:80]
        (tmp_path / name.group(1)).write_text(block, encoding="utf-8")
    assert build(tmp_path, ONTOLOGY, None).articles == 1
