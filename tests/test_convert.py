"""Conversion of the fixture corpus and of the documented example."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import XSD

from kg.build import build
from kg.convert import convert
from kg.extraction import Vocabulary, load_corpus
from kg.namespaces import ID, N

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
        outputs.append(tuple((out / name).read_bytes() for name in ("kg.ttl", "kg.nt")))
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


def test_fields_the_fixture_leaves_out_convert_too(mini: Path, vocab: Vocabulary) -> None:
    """Every field the fixture does not use, added to it: each gives its triple."""
    edits = {
        "shared.yaml": [
            ("    label: River Front\n", "    label: River Front\n    description: a militia\n"),
            (
                "    place: port-city\n",
                "    place: port-city\n    end_date: 2021-06\n    note: big\n"
                "  - id: march\n    type: protest\n    label: March\n    part_of: "
                "port-city-rally-2021-05\n",
            ),
        ],
        "gazette-2021-06-01.yaml": [
            ("  source_file: gazette.txt\n", "  source_file: gazette.txt\n  note: one issue\n"),
            ("    date_text: on Sunday\n", "    date_text: on Sunday\n    end_date: --05-31\n"),
            ("    date: --05-31\n", "    date: --05-31\n    note: a claim\n"),
            (
                "    hedge: range\n    lower: 2000\n    upper: 3000\n",
                "    hedge: at-least\n    value: 0\n",
            ),
            (
                "    as_of: 2021-05-30\n",
                "    as_of: 2021-05-30\n    period_start: {value: 2021-05, inferred: why}\n"
                "    period_text: since May\n",
            ),
        ],
    }
    for name, pairs in edits.items():
        path = mini / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    data, _ = convert(load_corpus(mini, vocab))
    article, report = ID["article/gazette-2021-06-01"], ID["report/gazette-2021-06-01/"]
    figure = ID["figure/gazette-2021-06-01/crowd"]
    rally = ID["event/port-city-rally-2021-05"]
    expected = [
        (ID["actor/river-front"], N.description, Literal("a militia")),
        (rally, N.endDate, Literal("2021-06", datatype=XSD.gYearMonth)),
        (rally, N.curatorNote, Literal("big")),
        (ID["event/march"], N.subEventOf, rally),
        (article, N.curatorNote, Literal("one issue")),
        (
            URIRef(f"{report}port-city-rally-2021-05"),
            N.endDate,
            Literal("--05-31", datatype=XSD.gMonthDay),
        ),
        (ID["statement/gazette-2021-06-01/front-claim"], N.curatorNote, Literal("a claim")),
        (figure, N.value, Literal(0, datatype=XSD.integer)),
        (figure, N.periodStart, Literal("2021-05", datatype=XSD.gYearMonth)),
        (figure, N.periodText, Literal("since May")),
        (figure, N.inferred, URIRef(f"{figure}/inferred/period-start")),
        (URIRef(f"{figure}/inferred/period-start"), N.onProperty, N.periodStart),
        (URIRef(f"{figure}/inferred/period-start"), N.reason, Literal("why")),
    ]
    for triple in expected:
        assert triple in data, triple
    assert (figure, N.lowerBound, None) not in data
