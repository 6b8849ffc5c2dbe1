"""`kg verify` and `kg build --sources`: quotes checked against source texts, with offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Literal
from rdflib.namespace import XSD

from kg.build import build
from kg.cli import cli
from kg.namespaces import N
from kg.verify import Normalised, numbers_in, quote_parts

from .conftest import MINI, ONTOLOGY

ARTICLE = "gazette-2021-06-01.yaml"


def verify(folder: Path, sources: Path) -> Result:
    return CliRunner().invoke(
        cli, ["verify", "--sources", str(sources), "-e", str(folder), "--ontology", str(ONTOLOGY)]
    )


def test_all_quotes_found(mini: Path) -> None:
    result = verify(mini, MINI)
    assert (result.exit_code, result.stderr) == (
        0,
        f"ok: 3 quote(s) in 1 article(s) found in {MINI}\n",
    )


def test_offsets_are_recorded_by_build(mini: Path) -> None:
    graph = build(mini, ONTOLOGY, None, MINI).data
    source = (MINI / "gazette.txt").read_text(encoding="utf-8")
    spans = {}
    for ev in graph.subjects(None, N.Evidence):
        exact = str(graph.value(ev, N.exact))
        start = graph.value(ev, N.start)
        end = graph.value(ev, N.end)
        assert isinstance(start, Literal) and start.datatype == XSD.integer
        spans[exact] = (int(start), int(end))  # type: ignore[arg-type]
    assert len(spans) == 3
    for exact, (start, end) in spans.items():
        assert source[start:end] == exact
    assert spans["the Front told the Gazette"] == (
        source.index("the Front told"),
        source.index(" on Monday"),
    )


def test_missing_quote_is_located(mini: Path) -> None:
    path = mini / ARTICLE
    path.write_text(
        path.read_text().replace(
            "evidence: the Front told the Gazette", "evidence: the Front told the Times"
        )
    )
    result = verify(mini, MINI)
    assert (result.exit_code, result.stderr) == (
        1,
        f"{path}:48: statements[0].evidence[0]: quote not found in gazette.txt: "
        "'the Front told the Times'\n",
    )


def test_ambiguous_quote_is_located(mini: Path) -> None:
    path = mini / ARTICLE
    path.write_text(
        path.read_text().replace(
            "evidence: Thousands of protesters rallied in Port City on Sunday.",
            "evidence: Port City",
        )
    )
    result = verify(mini, MINI)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:39: reports[0].evidence[0]: quote is ambiguous: found 2 times in gazette.txt "
        "(at offsets 19, 65); quote more of the sentence\n"
    )


# With the sources, what a curator says is in the text: (old text, new text, expected message
# after "PATH:"), for `kg verify` and `kg build --sources` alike.
SOURCE_CASES = [
    pytest.param(
        "    kind: claim\n    text: The River Front says it organised the rally.",
        "    kind: quote\n    text: We organised the rally.",
        "43: statements[0].text: quoted words not found in gazette.txt: 'We organised the rally'",
        id="quote-words-not-in-text",
    ),
    pytest.param(
        "    kind: claim\n    text: The River Front says it organised the rally.",
        "    kind: quote\n    text: the Front told the Gazette … between 2,000 and 3,000 people",
        "43: statements[0].text: quoted words out of order in gazette.txt: "
        "'between 2,000 and 3,000 people' is not after the part before",
        id="quote-parts-out-of-order",
    ),
    pytest.param(
        "    kind: claim\n    text: The River Front says it organised the rally.",
        "    kind: quote\n    text: Organisers counted between 2,000 and 3,000 people. ... on "
        "Monday, the Front said",
        "43: statements[0].text: quoted words not found in gazette.txt: "
        "'on Monday, the Front said'",
        id="quote-second-part-not-in-text",
    ),
    pytest.param(
        "as: [River Front, the Front]",
        "as: [River Front, the Frnt]",
        "27: mentions[2].as[1]: spelling not found in gazette.txt: 'the Frnt'",
        id="invented-spelling",
    ),
    pytest.param(
        "as: [River Front, the Front]",
        "as: [river front, the Front]",
        "27: mentions[2].as[0]: spelling not found in gazette.txt: 'river front'",
        id="spelling-in-another-case",
    ),
    pytest.param(
        "title: Thousands rally in Port City",
        "title: Thousands rally in Port Town",
        "3: article.title: title not found in gazette.txt: 'Thousands rally in Port Town'",
        id="title-not-in-text",
    ),
    pytest.param(
        "role: armed wing",
        "role: military wing",
        "28: mentions[2].role[0]: title given not found in gazette.txt: 'military wing'",
        id="mention-title-not-in-text",
    ),
    pytest.param(
        "    kind: claim\n    text: The River Front says it organised the rally.",
        '    kind: quote\n    text: "… ..."',
        "43: statements[0].text: no quoted words, only punctuation: '… ...'",
        id="quote-of-punctuation-only",
    ),
    pytest.param(
        "date_text: on Sunday",
        "date_text: on Saturday",
        "34: reports[0].date_text: date text not found in gazette.txt: 'on Saturday'",
        id="date-text-not-in-text",
    ),
    pytest.param(
        "    as_of: 2021-05-30\n",
        "    as_of: 2021-05-30\n    period_text: since May\n",
        "58: figures[0].period_text: period text not found in gazette.txt: 'since May'",
        id="period-text-not-in-text",
    ),
    pytest.param(
        "lower: 2000",
        "lower: 2500",
        "53: figures[0].lower: 2500 is not in the figure's evidence, in digits or in words: quote "
        'the words that give it, or mark it inferred ({value: 2500, inferred: "why"})',
        id="figure-number-not-in-evidence",
    ),
    pytest.param(
        "lower: 2000",
        "lower: 200",
        "53: figures[0].lower: 200 is not in the figure's evidence, in digits or in words: quote "
        'the words that give it, or mark it inferred ({value: 200, inferred: "why"})',
        id="figure-number-a-part-of-one-in-evidence",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), SOURCE_CASES)
def test_claims_must_be_in_the_text(
    mini: Path, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = mini / ARTICLE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = verify(mini, MINI)
    assert (result.exit_code, result.stderr) == (1, f"{path}:{expected}\n")
    args = ["build", "-e", str(mini), "--ontology", str(ONTOLOGY), "-o", str(tmp_path / "out")]
    built = CliRunner().invoke(cli, [*args, "--sources", str(MINI)])
    assert (built.exit_code, built.stderr) == (1, f"{path}:{expected}\n")
    assert not (tmp_path / "out").exists()
    plain = CliRunner().invoke(cli, args)  # without the sources, nothing to check against
    assert plain.exit_code == 0, plain.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            "    kind: claim\n    text: The River Front says it organised the rally.",
            "    kind: quote\n    text: Organisers counted … 3,000 people. … the Front told",
            id="quote-in-parts-in-order-final-period-a-comma-in-the-text",
        ),
        pytest.param(
            "    kind: claim\n    text: The River Front says it organised the rally.",
            "    kind: quote\n    text: \u201cthe Front told   the Gazette\u201d",
            id="quote-with-its-quote-marks-and-spaces",
        ),
        pytest.param(
            "lower: 2000", 'lower: {value: 2500, inferred: "the midpoint"}', id="inferred-number"
        ),
        pytest.param(
            "    kind: claim\n    text: The River Front says it organised the rally.",
            "    kind: claim\n    text: A claim in the curator's words is not checked.",
            id="claim-in-other-words",
        ),
    ],
)
def test_claims_in_the_text_pass(mini: Path, old: str, new: str) -> None:
    path = mini / ARTICLE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = verify(mini, MINI)
    assert (result.exit_code, result.stderr) == (
        0,
        f"ok: 3 quote(s) in 1 article(s) found in {MINI}\n",
    )


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("killing at least 25 militia members", {25}),
        ("wounded some 25,000", {25000}),
        ("3.500 more US troops", {3500, 3, 500}),  # or 3 and 500
        ("some 5 000 troops", {5000, 5, 0}),
        ("Between 8000 and 10,000", {8000, 10000}),
        ("the 11th time", {11}),
        ("2.5 million people", {2, 2_500_000}),
        ("at least six others", {6}),
        ("wounded four U.S. soldiers", {4}),
        ("which killed a U.S. contractor", {1}),
        ("twenty-five", {25}),
        ("three hundred and fifty thousand", {350_000, 50_000}),
        ("over half a million children", {500_000}),
        ("Dozens of participants", {12}),
        ("a dozen people", {12}),
        ("Hundreds set up tents", {100}),
        ("hundreds of thousands rallied", {100_000}),
        ("tens of thousands", {10_000}),
        ("nearly four-decade-long", {4}),
        ("no number at all", set()),
    ],
)
def test_numbers_in_evidence(text: str, numbers: set[int]) -> None:
    assert numbers_in(Normalised.of(text).text) == numbers


def test_quote_parts() -> None:
    assert quote_parts(
        "additional actions \u2026 bad behavior from militia groups or from Iran."
    ) == [
        "additional actions",
        "bad behavior from militia groups or from Iran",
    ]
    assert quote_parts("\u201cFirst,\u201d ... then...; last!") == ["First", "then", "last"]


def test_whitespace_and_typographic_quotes_are_normalised(tmp_path: Path) -> None:
    text = 'He said \u201cadditional  actions\u201d\nin response.\u00e2Euros" s'
    norm = Normalised.of(text)
    assert norm.find_all('said "additional actions" in') == [(3, 32)]
    assert norm.find_all('\u00e2Euros" s') == [(len(text) - 9, len(text))]
    assert norm.find_all("additional action.") == []


def test_missing_source_file(mini: Path, tmp_path: Path) -> None:
    result = verify(mini, tmp_path)
    assert (result.exit_code, result.stderr) == (
        1,
        f"{mini / ARTICLE}:9: article.source_file: file not found: {tmp_path / 'gazette.txt'}\n",
    )


def test_missing_sources_folder(mini: Path, tmp_path: Path) -> None:
    result = verify(mini, tmp_path / "nowhere")
    assert (result.exit_code, result.stderr) == (
        1,
        f"{tmp_path / 'nowhere'}: sources folder not found\n",
    )
