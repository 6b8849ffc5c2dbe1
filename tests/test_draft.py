"""``kg draft``: the English rules on sentences written for these tests, the draft of a fixture
text against the mini corpus, the review marks that ``kg build`` refuses, and the command line
(including a draft of a real source text, verified, when ../shared/sources is there)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.draft import Known, draft_text, fold, known_corpus
from kg.draftmeta import guess_meta
from kg.drafttext import Text, date_phrases, number_phrases
from kg.extraction import Vocabulary, read_file

from .conftest import MINI_FILES, ONTOLOGY, ROOT, SOURCES, copy_corpus

# A made-up story about the fictional places of the mini corpus (tests/fixtures/mini).
STORY = """\
Harbour, Testland

Dockers shut the Port City terminal

By Ada Writer and Ben Scribe
June 3, 2021

Dockers blocked the Port City terminal on Tuesday, and at least 40 workers were arrested, \
according to the Gazette. Some 3,000 people marched the next day.

“We will not go back until the wages are paid,” Mara Lind, a union organiser, told the \
Gazette. Police said that the strike was unlawful.

Fighters of the Rivver Front attacked a depot in Port City on May 30, killing six guards and \
wounding over 20 others.
"""


def _rows(raw: str) -> list[tuple[str, str, object, object, object]]:
    return [(raw[n.start : n.end], n.hedge, n.value, n.lower, n.upper) for n in number_phrases(raw)]


def test_numbers_with_hedges_ranges_magnitudes_and_words() -> None:
    raw = (
        "At least 12 sailors drowned; some 3,400 workers struck; over 7,000 were injured; "
        "from 1,200 to 1,500 marched; between 30 and 40 were held; thousands rallied; "
        "half a million fled; 4.200 troops and (officially) 900 soldiers stayed; "
        "nearly two dozen left; a guard was killed; they killed a driver."
    )
    assert _rows(raw) == [
        ("At least 12", "at-least", 12, None, None),
        ("some 3,400", "approximately", 3400, None, None),
        ("over 7,000", "more-than", 7000, None, None),
        ("from 1,200 to 1,500", "range", None, 1200, 1500),
        ("between 30 and 40", "range", None, 30, 40),
        ("thousands", "magnitude", None, 1000, None),
        ("half a million", "exact", 500000, None, None),
        ("4.200", "exact", 4200, None, None),
        ("(officially) 900", "officially", 900, None, None),
        ("nearly two dozen", "nearly", 24, None, None),
        ("a guard was killed", "exact", 1, None, None),
        ("a", "exact", 1, None, None),
    ]


def test_dates_keep_their_precision_and_say_what_is_inferred() -> None:
    raw = (
        "The talks began Nov. 28 and ended on Tuesday. Since April the port has been closed; "
        "it opened in 1998. On March 3, 2021 the union met, and the next day it struck."
    )
    found = [(d.text, d.value, d.inferred is not None) for d in date_phrases(raw, "2021-01-07")]
    assert found == [
        ("Nov. 28", "2020-11-28", True),
        ("on Tuesday", "2021-01-05", True),
        ("Since April", "2020-04", True),
        ("in 1998", "1998", False),
        ("On March 3, 2021", "2021-03-03", False),
        ("the next day", "2021-03-04", True),
    ]
    # a day without a year in an article dated only by its year stays without a year
    assert [d.value for d in date_phrases("It happened on February 9th.", "2022")] == ["--02-09"]


def test_sentences_and_evidence_that_occurs_once() -> None:
    text = Text("The U.S. Navy left on Dec. 3. The Navy came back. The Navy came back later.")
    assert [text.raw[s:e] for s, e in text.sentences] == [
        "The U.S. Navy left on Dec. 3.",
        "The Navy came back.",
        "The Navy came back later.",
    ]
    start = text.raw.index("Navy came back later")
    # "Navy came back" occurs twice: the phrase grows until it occurs once
    assert text.evidence(start, start + len("Navy came back")) == "Navy came back later."


def test_spellings_fold_apostrophes_hyphens_and_dotted_acronyms() -> None:
    assert fold("Kata’ib Hezbollah") == fold("Kataib Hezbollah") == "Kataib Hezbollah"
    assert fold("al-Muhandis") == "al Muhandis"
    assert fold("U.S. troops") == fold("US troops")


def test_metadata_from_news_layout() -> None:
    meta = guess_meta(STORY)
    assert meta.values["title"] == "Dockers shut the Port City terminal"  # not the kicker
    assert meta.author_kinds == {"Ada Writer": "person", "Ben Scribe": "person"}
    assert (meta.values["published"], meta.values["genre"]) == ("2021-06-03", "news-report")
    signed = (
        "Leaders meet\n\nWe must act now. We should unite.\n\n"
        "– J. Doe, Harbour Newsletter, Vol. 3 2022\n"
    )
    meta = guess_meta(signed)
    assert (meta.values["outlet"], meta.values["published"]) == ("Harbour Newsletter", "2022")
    assert meta.values["genre"] == "newsletter"
    statement = "Stop the war\n\nWe oppose every war.\n\nSource [Union of Harbour Workers](#).\n"
    meta = guess_meta(statement)
    assert meta.author_kinds == {"Union of Harbour Workers": "organisation"}
    assert meta.values["genre"] == "statement"


@pytest.fixture()
def drafted(vocab: Vocabulary) -> object:
    corpus = known_corpus(copy_corpus_dir(), vocab)
    return draft_text(STORY, "story.txt", corpus)


def copy_corpus_dir() -> Path:
    return MINI_FILES[0].parent


def test_draft_of_a_story_against_the_mini_corpus(drafted: object) -> None:
    d = drafted
    mentions = {e.fields["entity"]: (e.fields["as"], e.check) for e in d.mentions}  # type: ignore[attr-defined]
    assert mentions["port-city"][0] == ["Port City"]
    assert mentions["example-gazette"][0] == ["Gazette"]
    forms, check = mentions["river-front"]
    assert forms == ["Rivver Front"] and check.startswith("fuzzy match: 'Rivver Front' is like")
    figures = [
        (f.fields["quantity"], f.fields["hedge"], f.fields["value"], f.fields.get("source"))
        for f in d.figures  # type: ignore[attr-defined]
    ]
    assert figures == [
        ("arrested", "at-least", 40, ["example-gazette"]),
        ("participants", "approximately", 3000, None),
        ("killed", "exact", 6, None),
        ("wounded", "more-than", 20, None),
    ]
    quote = next(s for s in d.statements if s.fields["kind"] == "quote")  # type: ignore[attr-defined]
    assert quote.fields["text"] == "We will not go back until the wages are paid,"
    speaker = next(a for a in d.actors if a.fields["id"] == quote.fields["speaker"])  # type: ignore[attr-defined]
    assert (speaker.fields["label"], speaker.fields["type"]) == ("Mara Lind", "person")
    assert quote.fields["channel"] == "example-gazette"
    dates = [(r.fields.get("date_text"), r.fields.get("date")) for r in d.reports]  # type: ignore[attr-defined]
    assert (
        "on Tuesday",
        {
            "value": "2021-06-01",
            "inferred": "the last Tuesday before the publication date (2021-06-03)",
        },
    ) in dates


def test_every_entry_of_a_draft_is_marked_and_kg_build_refuses_it(
    mini: Path, tmp_path: Path
) -> None:
    source = tmp_path / "story.txt"
    source.write_text(STORY)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["draft", str(source), "-e", str(mini), "--ontology", str(ONTOLOGY)]
    )
    assert result.exit_code == 0, result.stderr
    path = mini / "dockers-shut-the-port-city-terminal-2021-06-03.yaml"
    assert result.stderr.startswith(f"wrote {path} (")
    text = path.read_text()
    entries = len(re.findall(r"^(?:article:|  - )", text, re.MULTILINE))
    assert text.count("\n    draft: ") + text.count("\n  draft: ") == entries
    built = runner.invoke(
        cli, ["build", "-e", str(mini), "-o", str(tmp_path / "out"), "--ontology", str(ONTOLOGY)]
    )
    first = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("  draft: "))
    assert built.exit_code == 1
    assert built.stderr.startswith(
        f"{path}:{first}: article.draft: unreviewed entry proposed by kg draft (and "
    )
    assert not (tmp_path / "out" / "kg.nt").exists()
    # reviewed: every draft line deleted, the file builds
    reviewed = [line for line in text.splitlines(True) if not re.match(r"\s+draft: ", line)]
    path.write_text("".join(reviewed))
    built = runner.invoke(
        cli, ["build", "-e", str(mini), "-o", str(tmp_path / "out"), "--ontology", str(ONTOLOGY)]
    )
    assert built.exit_code == 0, built.stderr
    again = runner.invoke(cli, ["draft", str(source), "-e", str(mini), "--ontology", str(ONTOLOGY)])
    assert (again.exit_code, again.stderr.splitlines()[-1]) == (
        1,
        f"{path}: already exists; choose another id with --id",
    )
    assert f"story.txt is already curated in {path}" in again.stderr


def test_draft_to_stdout_writes_no_file(mini: Path, tmp_path: Path) -> None:
    source = tmp_path / "story.txt"
    source.write_text(STORY)
    result = CliRunner().invoke(
        cli, ["draft", str(source), "-e", str(mini), "-o", "-", "--ontology", str(ONTOLOGY)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Draft by `kg draft` from story.txt")
    assert "\narticle:\n  id: dockers-shut-the-port-city-terminal-2021-06-03\n" in result.stdout
    assert sorted(p.name for p in mini.iterdir()) == sorted(p.name for p in MINI_FILES)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "{p}: file not found"),
        (b"Title\n\nText\x00more", "{p}:3: binary file (NUL byte): not a source text"),
        (b"  \n\n", "{p}: empty source text: nothing to draft"),
        (b"\xff\xfe text", "{p}:1: not UTF-8: byte 0xff cannot be decoded; save the file as UTF-8"),
    ],
    ids=["missing", "binary", "empty", "not-utf8"],
)
def test_bad_source_texts(mini: Path, tmp_path: Path, content: bytes | None, message: str) -> None:
    source = tmp_path / "source.txt"
    if content is not None:
        source.write_bytes(content)
    result = CliRunner().invoke(
        cli, ["draft", str(source), "-e", str(mini), "--ontology", str(ONTOLOGY)]
    )
    assert (result.exit_code, result.stderr) == (1, message.format(p=source) + "\n")
    assert sorted(p.name for p in mini.iterdir()) == sorted(p.name for p in MINI_FILES)


def test_bad_id_is_a_usage_error(mini: Path, tmp_path: Path) -> None:
    source = tmp_path / "story.txt"
    source.write_text(STORY)
    result = CliRunner().invoke(cli, ["draft", str(source), "--id", "Bad Id", "-e", str(mini)])
    assert result.exit_code == 1
    assert result.stderr.startswith("--id: 'Bad Id' is not a valid id")


@pytest.mark.skipif(not SOURCES.is_dir(), reason="no ../shared/sources")
def test_a_draft_of_a_real_source_passes_kg_verify(tmp_path: Path, vocab: Vocabulary) -> None:
    """Leave one article out, draft it from its source text: every evidence quote, spelling,
    date text and number of the draft is in the text."""
    folder = tmp_path / "extractions"
    shutil.copytree(ROOT / "extractions", folder)
    curated = folder / "phipps-2020-01-trump-targeting-iran-and-iraq.yaml"
    source_file = read_file(curated, vocab).article.source_file  # type: ignore[union-attr]
    curated.unlink()
    runner = CliRunner()
    made = runner.invoke(cli, ["draft", str(SOURCES / str(source_file)), "-e", str(folder)])
    assert made.exit_code == 0, made.stderr
    verified = runner.invoke(cli, ["verify", "--sources", str(SOURCES), "-e", str(folder)])
    assert verified.exit_code == 0, verified.stderr
    assert Known.of(known_corpus(folder, vocab)).sources[str(source_file)].endswith(".yaml")


def _mentions(raw: str, folder: Path, vocab: Vocabulary) -> dict[str, tuple[object, str]]:
    d = draft_text(raw, "t.txt", known_corpus(folder, vocab))
    return {e.fields["entity"]: (e.fields["as"], e.check) for e in d.mentions}  # type: ignore[misc]


def test_mentions_by_coordination_military_and_definite_descriptions(
    tmp_path: Path, vocab: Vocabulary
) -> None:
    folder = copy_corpus(tmp_path / "e", *MINI_FILES)
    (folder / "forces.yaml").write_text(
        "actors:\n  - id: testland-armed-forces\n    type: armed-group\n"
        "    label: Testland Armed Forces\n    also: [Testland troops]\n"
    )
    raw = (
        "Dockers strike\n\nTestland and allied troops left the port. The Testland military "
        "stayed away. Later the protesters marched again.\n"
    )
    mentions = _mentions(raw, folder, vocab)
    assert mentions["testland-armed-forces"][0] == [
        "Testland and allied troops",
        "Testland military",
    ]
    assert "testland" not in mentions  # "Testland" modifies "troops" here: not the state
    forms, check = mentions["protesters"]
    assert forms == ["the protesters"]
    assert check == (
        "a description ('the protesters'): the entity the known graph mostly names with this "
        "noun; check which is meant"
    )
    possessive = _mentions(
        "Dockers strike\n\nThe protesters’ demands reached the capital’s mayor.\n", folder, vocab
    )
    assert (possessive["protesters"][0], possessive["testland"][0]) == (
        ["The protesters"],
        ["the capital"],
    )
    # not a description of the head noun: qualified by "of", or the noun modifies another
    for text in ("the protesters of the port", "the protesters movement"):
        assert "protesters" not in _mentions(
            f"Dockers strike\n\nThen {text} marched.\n", folder, vocab
        )


def test_a_media_outlet_is_never_a_speaker(vocab: Vocabulary) -> None:
    """It is the channel of a named speaker ("told the Gazette") or the credited source."""
    raw = (
        "Dockers shut the Port City terminal\n\nJune 3, 2021\n\n"
        "“The port will stay closed until Friday,” the Gazette reported.\n\n"
        "“We are ready to talk to the owners,” Mara Lind told the Gazette on Monday.\n\n"
        "“We are ready to talk, but not today,” a docker told the Gazette.\n\n"
        "“At least 300 workers were arrested last month,” the Gazette wrote.\n\n"
        "The Gazette said that the strike was unlawful.\n\n"
        "“The dockers are right,” said the Harbour Times.\n"
    )
    d = draft_text(raw, "t.txt", known_corpus(copy_corpus_dir(), vocab))
    credits = [
        (s.fields["kind"], s.fields.get("speaker"), s.fields.get("channel"), s.fields.get("source"))
        for s in d.statements
    ]
    assert credits == [
        ("quote", None, None, ["example-gazette"]),
        ("quote", "mara-lind", "example-gazette", None),
        ("quote", None, "example-gazette", None),
        ("quote", None, None, ["example-gazette"]),
        ("quote", None, None, ["harbour-times"]),
        ("claim", None, None, ["example-gazette"]),
    ]
    assert [(f.fields["speaker"], f.fields["source"]) for f in d.figures] == [
        (None, ["example-gazette"])
    ]
    outlets = {"example-gazette"} | {
        a.fields["id"] for a in d.actors if a.fields["type"] == "media-outlet"
    }
    assert outlets == {"example-gazette", "harbour-times"}


def test_the_wikidata_names_of_linked_entities_are_spellings(mini: Path, tmp_path: Path) -> None:
    """An accepted link's item labels and aliases, read from kg link's cache (no request),
    find a mention the extraction files never spelled; a damaged cache entry is skipped."""
    from kg import wikidata as wd
    from kg.links import COLUMNS

    source = tmp_path / "story.txt"
    source.write_text(
        "Riverside talks\n\nThe Freedom Front of the River said on Monday that it would talk.\n"
    )
    args = ["draft", str(source), "-e", str(mini), "-o", "-", "--ontology", str(ONTOLOGY)]
    before = CliRunner().invoke(cli, args)
    assert before.exit_code == 0, before.stderr
    assert (
        "Freedom Front of the River" not in before.stdout.split("mentions:")[1].split("reports:")[0]
        or "entity: river-front" not in before.stdout
    )
    links = mini.parent / "links" / "wikidata.csv"
    links.parent.mkdir()
    links.write_text(
        ",".join(COLUMNS) + "\nriver-front,armed-group,Q42,River Front,,,accepted,jd,\n"
    )
    cache = tmp_path / "cache"
    cache.mkdir()
    params = {"action": "wbgetentities", "ids": "Q42", "format": "json"}
    body = {
        "entities": {
            "Q42": {
                "labels": {"en": {"language": "en", "value": "River Front"}},
                "aliases": {"en": [{"language": "en", "value": "Freedom Front of the River"}]},
            }
        }
    }
    entry = {"url": wd.API_URL, "params": params, "sha256": wd.checksum(body), "body": body}
    (cache / f"{wd.cache_key(wd.API_URL, params)}.json").write_text(json.dumps(entry))
    (cache / "damaged.json").write_text("{not json")
    after = CliRunner().invoke(cli, [*args, "--cache", str(cache)])
    assert after.exit_code == 0, after.stderr
    assert '  - entity: river-front\n    as: "Freedom Front of the River"\n' in after.stdout
