"""`kg verify` and `kg build --sources`: quotes checked against source texts, with offsets."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from rdflib import Literal
from rdflib.namespace import XSD

from kg.build import build
from kg.cli import cli
from kg.namespaces import N
from kg.verify import Normalised

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
        path.read_text().replace("evidence: between 2,000 and 3,000 people", "evidence: Port City")
    )
    result = verify(mini, MINI)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:59: figures[0].evidence[0]: quote is ambiguous: found 2 times in gazette.txt "
        "(at offsets 19, 65); quote more of the sentence\n"
    )


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


def test_new_scaffolds_a_valid_file(tmp_path: Path) -> None:
    source = tmp_path / "story.txt"
    source.write_text("Storm hits the coast\n\nBy Jane Roe\nMarch 3, 2021\n\nText.\n")
    out = tmp_path / "extractions"
    out.mkdir()
    result = CliRunner().invoke(cli, ["new", str(source), "-e", str(out)])
    assert result.exit_code == 0, result.stderr
    path = out / "storm-hits-the-coast-2021-03-03.yaml"
    assert path.read_text().splitlines()[:8] == [
        "# Extraction file for story.txt. Format: docs/extraction-format.md",
        "article:",
        "  id: storm-hits-the-coast-2021-03-03",
        '  title: "Storm hits the coast"  # guessed from line 1: check',
        "  genre: news-report  # or opinion, statement, newsletter: check",
        "  authors: [jane-roe]  # guessed from line 3: check",
        "  published: 2021-03-03  # guessed from line 4: check",
        '  source_file: "story.txt"',
    ]
    check = CliRunner().invoke(cli, ["validate", "-e", str(out), "--ontology", str(ONTOLOGY)])
    assert check.exit_code == 0, check.stderr
    again = CliRunner().invoke(cli, ["new", str(source), "-e", str(out)])
    assert (again.exit_code, again.stderr) == (
        1,
        f"{path}: already exists; choose another id with --id\n",
    )


def test_new_refuses_a_bad_id(tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("A title for the story\n")
    result = CliRunner().invoke(
        cli, ["new", str(tmp_path / "s.txt"), "--id", "Bad Id", "-e", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("--id: 'Bad Id' is not a valid id")
