"""Bad extraction input: each case gives an exact, located message, exit 1, and writes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.yamlstrict import MAX_BYTES

from .conftest import ONTOLOGY

ARTICLE = "gazette-2021-06-01.yaml"


def run_build(folder: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["build", "-e", str(folder), "--ontology", str(ONTOLOGY), "-o", str(out)]
    )
    return result.exit_code, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (outputs and build cache) with its bytes, and every
    symbolic link with its target."""
    return {
        str(p.relative_to(folder)): b"-> " + os.readlink(p).encode()
        if p.is_symlink()
        else p.read_bytes()
        for p in folder.rglob("*")
        if p.is_symlink() or p.is_file()
    }


def edit(folder: Path, old: str, new: str, name: str = ARTICLE) -> Path:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# (old text, new text, expected message after "PATH:")
ARTICLE_CASES = [
    pytest.param(
        "- {actor: river-front, role: organiser}",
        "- {actor: river-frnt, role: organiser}",
        "38: reports[0].participants[1].actor: unknown actor id 'river-frnt'; "
        "did you mean 'river-front'?",
        id="dangling-actor",
    ),
    pytest.param(
        "  - id: protesters\n",
        "  - id: ada-writer\n    type: person\n    label: Ada again\n  - id: protesters\n",
        "17: actors[2].id: duplicate id 'ada-writer' (also defined at {path}:11)",
        id="duplicate-id-in-file",
    ),
    pytest.param(
        "published: 2021-06-01",
        "published: 2020-13-01",
        "7: article.published: '2020-13-01' is not a real date (month must be in 1..12)",
        id="impossible-date",
    ),
    pytest.param(
        "as_of: 2021-05-30",
        "as_of: Jan 3",
        "57: figures[0].as_of: 'Jan 3' is not a date: write YYYY-MM-DD, YYYY-MM, YYYY, or "
        "--MM-DD for a day whose year the text does not give",
        id="date-in-another-form",
    ),
    pytest.param(
        "lower: 2000",
        "lower: -5",
        "53: figures[0].lower: '-5' is not a count: write a whole number >= 0, digits only",
        id="negative-count",
    ),
    pytest.param(
        "upper: 3000",
        "upper: many",
        "54: figures[0].upper: 'many' is not a count: write a whole number >= 0, digits only",
        id="non-numeric-count",
    ),
    pytest.param(
        "role: organiser}",
        "role: leader}",
        "38: reports[0].participants[1].role: unknown role 'leader'; allowed: agent, authoriser, "
        "bystander, organiser, participant, supporter, target, victim",
        id="unknown-role",
    ),
    pytest.param(
        "  title: Thousands rally in Port City\n",
        "",
        "2: article.title: required field is missing",
        id="missing-required-field",
    ),
    pytest.param(
        "    date_text: on Sunday",
        "    date_txt: on Sunday",
        "34: reports[0].date_txt: unknown field 'date_txt'; did you mean 'date_text'? allowed: "
        "event, date, end_date, date_text, place, near, participants, framing, modality, "
        "modality_text, evidence, note, draft",
        id="unknown-field",
    ),
    pytest.param(
        "    kind: claim\n",
        "    kind: claim\n   text2: x\n",
        "43:4: YAML syntax error: did not find expected '-' indicator (check indentation and "
        "quoting here and just above)",
        id="wrong-indentation",
    ),
    pytest.param(
        "    date_text: on Sunday",
        "    date_text:\ton Sunday",
        "34: tab character: indent with spaces (write a tab inside text as \\t in double quotes)",
        id="tab",
    ),
    pytest.param(
        "    date_text: on Sunday",
        "    date_text: on Sunday\n    date_text: Sunday",
        "35: duplicate key 'date_text' (first at line 34)",
        id="duplicate-key",
    ),
    pytest.param(
        "  - id: front-claim",
        '  - id: "front claim\'s"',
        '41: statements[0].id: "front claim\'s" is not a valid id: use lowercase letters, '
        "digits and single hyphens (e.g. front-claim-s)",
        id="unsafe-slug-apostrophe",
    ),
    pytest.param(
        "  - id: front-claim",
        '  - id: "<front>"',
        "41: statements[0].id: '<front>' is not a valid id: use lowercase letters, digits and "
        "single hyphens (e.g. front)",
        id="unsafe-slug-angle-brackets",
    ),
    pytest.param(
        "  - id: front-claim",
        '  - id: "front\\nclaim"',
        "41: statements[0].id: 'front\\nclaim' is not a valid id: use lowercase letters, digits "
        "and single hyphens (e.g. front-claim)",
        id="unsafe-slug-newline",
    ),
    pytest.param(
        "  - id: front-claim",
        "  - id: !!python/object:os.system front",
        "41: tag tag:yaml.org,2002:python/object:os.system: YAML tags are not allowed",
        id="yaml-tag",
    ),
    pytest.param(
        "hedge: range\n    lower: 2000\n",
        "hedge: range\n    value: 2500\n    lower: 2000\n",
        "50: figures[0]: A figure with the hedge 'range' needs both a lower and an upper bound, "
        "and no value.",
        id="shacl-range-with-value",
    ),
    pytest.param(
        "url: https://example.org/gazette/2021/06/01/rally",
        "url: https://example.org/<rally>",
        "8: article.url: 'https://example.org/<rally>' is not a valid URL (Invalid IRI code "
        "point '<'): percent-encode the characters a URL cannot hold",
        id="url-not-an-iri",
    ),
    pytest.param(
        "  - entity: river-front\n    as: [River Front, the Front]\n    role: armed wing\n",
        "",
        "35: reports[0].participants[1].actor: actor 'river-front' has no entry under "
        "'mentions' in this article: add it with the spelling the article uses",
        id="actor-without-mention",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), ARTICLE_CASES)
def test_bad_article(mini: Path, tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = edit(mini, old, new)
    code, err = run_build(mini, tmp_path / "out")
    assert code == 1
    first = err.splitlines()[0]
    assert first == f"{path}:" + expected.replace("{path}", str(path))
    assert not (tmp_path / "out").exists()


def test_duplicate_id_across_files(mini: Path, tmp_path: Path) -> None:
    (mini / "zz-extra.yaml").write_text(
        "actors:\n  - id: testland\n    type: state\n    label: Testland again\n", encoding="utf-8"
    )
    code, err = run_build(mini, tmp_path / "out")
    assert code == 1
    assert err == (
        f"{mini / 'zz-extra.yaml'}:2: actors[0].id: duplicate id 'testland' "
        f"(also defined at {mini / 'shared.yaml'}:3)\n"
    )


def test_unknown_event_type_lists_allowed(
    mini: Path, tmp_path: Path, vocab: dict[str, list[str]]
) -> None:
    path = edit(mini, "type: protest", "type: bombing", name="shared.yaml")
    code, err = run_build(mini, tmp_path / "out")
    assert code == 1
    assert err == (
        f"{path}:17: events[0].type: unknown event type 'bombing'; allowed: "
        + ", ".join(vocab["event-type"])
        + "\n"
    )


FILE_CASES = [
    pytest.param(b"", "1: empty file: expected 'article:' and/or entity sections", id="empty"),
    pytest.param(
        b"article:\n  title: caf\xe9\n",
        "2: not UTF-8: byte 0xe9 cannot be decoded; save the file as UTF-8",
        id="not-utf8",
    ),
    pytest.param(
        b"actors:\n  - id: a\n    label: caf\xc3\xa9 \x01\n",
        "3: character U+0001 is not allowed in a YAML file (inside double quotes, write it "
        "as \\u0001)",
        id="control-character",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00",
        "3: binary file (NUL byte): not a YAML text file",
        id="binary",
    ),
    pytest.param(
        b'{"title": "a JSON document"}',
        "1: title: unknown field 'title'; did you mean 'article'? allowed: article, actors, "
        "places, events, works, mentions, reports, statements, figures, relations, "
        "event_relations, stances, citations",
        id="json-of-the-wrong-shape",
    ),
    pytest.param(
        b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
        "1: anchor &a: anchors and aliases are not allowed",
        id="billion-laughs",
    ),
    pytest.param(
        b"actors: []\n---\nactors: []\n",
        "2: more than one YAML document in the file",
        id="two-documents",
    ),
]


@pytest.mark.parametrize(("content", "expected"), FILE_CASES)
def test_bad_file(mini: Path, tmp_path: Path, content: bytes, expected: str) -> None:
    path = mini / "bad.yaml"
    path.write_bytes(content)
    code, err = run_build(mini, tmp_path / "out")
    assert code == 1
    assert err.splitlines()[0] == f"{path}:{expected}"


def test_huge_file(mini: Path, tmp_path: Path) -> None:
    path = mini / "huge.yaml"
    path.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    code, err = run_build(mini, tmp_path / "out")
    assert code == 1
    assert err == (
        f"{path}: file is {path.stat().st_size:,} bytes; the limit is "
        f"{MAX_BYTES:,} (split the file)\n"
    )


def test_missing_folder(tmp_path: Path) -> None:
    code, err = run_build(tmp_path / "nowhere", tmp_path / "out")
    assert (code, err) == (1, f"{tmp_path / 'nowhere'}: folder not found\n")


def test_folder_without_yaml(tmp_path: Path) -> None:
    code, err = run_build(tmp_path, tmp_path / "out")
    assert (code, err) == (1, f"{tmp_path}: no extraction files (*.yaml) in this folder\n")


def test_all_problems_are_reported_in_file_order(mini: Path, tmp_path: Path) -> None:
    edit(mini, "published: 2021-06-01", "published: yesterday")
    edit(mini, "type: protest", "type: bombing", name="shared.yaml")
    code, err = run_build(mini, tmp_path / "out")
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{mini / ARTICLE}:7: article.published:")
    assert lines[1].startswith(f"{mini / 'shared.yaml'}:17: events[0].type:")


def test_failed_build_leaves_previous_output_untouched(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_build(mini, out)[0] == 0
    before = snapshot(out)
    assert any(name.endswith("/index.json") for name in before)  # the cache is checked too
    edit(mini, "published: 2021-06-01", "published: 2021-02-30")
    assert run_build(mini, out)[0] == 1
    assert snapshot(out) == before


def test_the_error_catalogue_is_current() -> None:
    """docs/errors.md shows what kg says today (`make docs` rewrites it)."""
    from .error_catalogue import DOC, markdown

    assert DOC.read_text(encoding="utf-8") == markdown()
