"""What articles assert between things: relations, modality, framing, near, stances and cited
works. A small corpus of its own (with its source text) and the real curated graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Literal
from rdflib.namespace import RDF

from kg.build import Built, build
from kg.cli import cli
from kg.namespaces import ID, N, concept

from .conftest import ONTOLOGY, ROOT, SOURCES

TEXT = (
    "Valley militia strikes depot\n\n"
    "The Hill-backed Valley Militia reportedly struck a fuel depot near Port City on Monday, "
    "in retaliation for the arrest of its leader. "
    "Colonel Rask, the commander of the Valley Militia, called it \u201ca warning.\u201d "
    "The Daily Bugle noted that the depot was empty.\n"
)

SHARED = """\
actors:
  - id: hill-state
    type: state
    label: Hill State
  - id: valley-militia
    type: armed-group
    label: Valley Militia
places:
  - id: port-city
    type: city
    label: Port City
events:
  - id: depot-strike
    type: armed-attack
    label: Strike on a fuel depot near Port City
    date: 2021-06-07
  - id: leader-arrest
    type: arrests
    label: Arrest of the Valley Militia's leader
"""

ARTICLE = """\
article:
  id: bugle-2021-06-08
  title: Valley militia strikes depot
  genre: news-report
  published: 2021-06-08
  source_file: bugle.txt
actors:
  - id: colonel-rask
    type: person
    label: Colonel Rask
  - id: daily-bugle
    type: media-outlet
    label: The Daily Bugle
works:
  - id: bugle-depot-story
    type: news-story
    label: The Daily Bugle's story on the depot
    outlet: daily-bugle
mentions:
  - {entity: hill-state, as: Hill}
  - {entity: valley-militia, as: Valley Militia}
  - {entity: colonel-rask, as: Colonel Rask, role: the commander of the Valley Militia}
  - {entity: daily-bugle, as: The Daily Bugle}
  - {entity: port-city, as: Port City}
reports:
  - event: depot-strike
    near: port-city
    date_text: on Monday
    framing: struck a fuel depot
    modality: reported
    modality_text: reportedly
    participants:
      - {actor: valley-militia, role: agent}
    evidence: "The Hill-backed Valley Militia reportedly struck a fuel depot near Port City"
  - event: leader-arrest
    evidence: "in retaliation for the arrest of its leader"
relations:
  - id: hill-backs-militia
    subject: hill-state
    type: backs
    object: valley-militia
    wording: Hill-backed
    evidence: "The Hill-backed Valley Militia"
  - id: rask-commands
    subject: colonel-rask
    type: commands
    office: military-commander
    object: valley-militia
    wording: the commander of
    evidence: "Colonel Rask, the commander of the Valley Militia"
event_relations:
  - id: strike-retaliation
    subject: depot-strike
    type: retaliation-for
    object: leader-arrest
    wording: in retaliation for
    evidence: "in retaliation for the arrest of its leader"
statements:
  - id: rask-warning
    kind: quote
    speaker: colonel-rask
    text: a warning.
    evidence: "called it \u201ca warning.\u201d"
  - id: bugle-empty
    kind: claim
    source: daily-bugle
    text: The depot was empty.
    evidence: The Daily Bugle noted that the depot was empty.
stances:
  - id: neutral-report
    stance: critical
    toward: valley-militia
    text: The report presents the strike as the militia's retaliation, without endorsing it.
    evidence: "in retaliation for the arrest of its leader"
citations:
  - work: bugle-depot-story
    role: source
    as: The Daily Bugle noted
    evidence: The Daily Bugle noted that the depot was empty.
"""


def kg(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture()
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    extractions, sources = tmp_path / "extractions", tmp_path / "sources"
    extractions.mkdir()
    sources.mkdir()
    (extractions / "shared.yaml").write_text(SHARED, encoding="utf-8")
    (extractions / "bugle-2021-06-08.yaml").write_text(ARTICLE, encoding="utf-8")
    (sources / "bugle.txt").write_text(TEXT, encoding="utf-8")
    return extractions, sources


def built(corpus: tuple[Path, Path]) -> Built:
    extractions, sources = corpus
    return build(extractions, ONTOLOGY, None, sources)


def test_relations_are_attributed_nodes(corpus: tuple[Path, Path]) -> None:
    g = built(corpus).graph
    r = ID["relation/bugle-2021-06-08/hill-backs-militia"]
    article = ID["article/bugle-2021-06-08"]
    assert (r, RDF.type, N.ActorRelation) in g
    assert g.value(r, N.relationSubject) == ID["actor/hill-state"]
    assert g.value(r, N.relationType) == concept("relation-type", "backs")
    assert g.value(r, N.relationObject) == ID["actor/valley-militia"]
    assert g.value(r, N.wording) == Literal("Hill-backed")
    assert g.value(r, N.statedIn) == article
    # never an edge between the shared entities themselves
    assert not set(g.predicates(ID["actor/hill-state"], ID["actor/valley-militia"]))
    e = ID["relation/bugle-2021-06-08/strike-retaliation"]
    assert g.value(e, N.relationType) == concept("event-relation-type", "retaliation-for")
    report = ID["report/bugle-2021-06-08/depot-strike"]
    assert g.value(report, N.modality) == concept("modality", "reported")
    assert g.value(report, N.modalityText) == Literal("reportedly")
    assert g.value(report, N.near) == ID["place/port-city"]
    assert g.value(report, N.place) is None  # near is not in
    assert g.value(report, N.framing) == Literal("struck a fuel depot")
    c = ID["citation/bugle-2021-06-08/bugle-depot-story"]
    assert g.value(c, N.cites) == ID["work/bugle-depot-story"]
    assert (ID["work/bugle-depot-story"], RDF.type, N.Work) in g
    assert g.value(ID["work/bugle-depot-story"], N.publishedBy) == ID["actor/daily-bugle"]


def run(graph: Path, name: str, *params: str) -> list[str]:
    args = ["query", "run", name, "-f", "tsv", "--graph", str(graph)]
    for p in params:
        args += ["-p", p]
    result = kg(*args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[1:]


def test_stored_queries_show_relations_chains_and_accounts(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    extractions, sources = corpus
    out = tmp_path / "build"
    result = kg("build", "-e", str(extractions), "--sources", str(sources), "-o", str(out))
    assert result.exit_code == 0, result.output
    nt = out / "kg.nt"
    actor, bugle = "<https://w3id.org/newskg/id/actor/", "<https://w3id.org/newskg/id/article/"
    assert run(nt, "relations", "type=commands") == [
        f'{actor}colonel-rask>\t"commands"@en\t{actor}valley-militia>\t"military commander"@en'
        '\t"the commander of"\t\t\t""\t'
        f'{bugle}bugle-2021-06-08>\t"Colonel Rask, the commander of the Valley Militia"'
    ]
    chain = run(nt, "cause-chains", "event=leader-arrest")
    assert len(chain) == 1 and '"retaliation for"@en' in chain[0]
    (account,) = run(nt, "event-accounts", "event=depot-strike")
    assert '"Port City"' in account and '"reported (\\"reportedly\\")"' in account
    assert '"Valley Militia (agent)"' in account
    (said,) = run(nt, "who-said-what", "source=The Daily Bugle")
    assert said.startswith('\t"claim"\t"The depot was empty."\t\t' + actor + "daily-bugle>")


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [
        (
            "    speaker: colonel-rask\n",
            "    speaker: daily-bugle\n",
            "    speaker: colonel-rask\n",
            "statements[0].speaker: A media outlet is never a speaker: make it the channel of "
            "the named speaker, or the credited source. "
            "(value: <https://w3id.org/newskg/id/actor/daily-bugle>)",
        ),
        (
            "    object: leader-arrest\n",
            "    object: depot-strike\n",
            "  - id: strike-retaliation\n",
            "event_relations[0]: An event relation links two different events.",
        ),
        (
            "    subject: hill-state\n",
            "    subject: depot-strike\n",
            "    subject: hill-state\n",
            "relations[0].subject: 'depot-strike' is a event, not a actor",
        ),
        (
            "    type: backs\n",
            "    type: sponsors\n",
            "    type: backs\n",
            "relations[0].type: unknown relation type 'sponsors'; allowed: allied-with, backs, "
            "commands, holds-office, leads, member-of, opposes, part-of, proxy-of",
        ),
    ],
)
def test_bad_relations_are_located(
    corpus: tuple[Path, Path], tmp_path: Path, old: str, new: str, at: str, message: str
) -> None:
    extractions, _ = corpus
    path = extractions / "bugle-2021-06-08.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = 1 + text[: text.index(at)].count("\n")
    result = kg("build", "-e", str(extractions), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{path}:{line}: {message}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("field", "words", "where"),
    [
        ("framing", "struck a fuel depot", "reports[0].framing[0]"),
        ("wording", "Hill-backed", "relations[0].wording[0]"),
        ("modality_text", "reportedly", "reports[0].modality_text"),
    ],
)
def test_words_the_article_uses_are_checked_against_it(
    corpus: tuple[Path, Path], field: str, words: str, where: str
) -> None:
    extractions, sources = corpus
    path = extractions / "bugle-2021-06-08.yaml"
    text = path.read_text(encoding="utf-8")
    line = 1 + text[: text.index(f"{field}: {words}\n")].count("\n")
    path.write_text(text.replace(f"{field}: {words}\n", f"{field}: {words}!\n", 1))
    result = kg("verify", "-e", str(extractions), "--sources", str(sources))
    assert result.exit_code == 1
    assert result.stderr == f"{path}:{line}: {where}: {field} not found in bugle.txt: '{words}!'\n"


# --- the real curated graph -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real") / "build"
    args = ["build", "-e", str(ROOT / "extractions"), "-o", str(out)]
    if SOURCES.is_dir():
        args += ["--sources", str(SOURCES)]
    assert kg(*args).exit_code == 0
    return out / "kg.nt"


def test_us_troops_disagree_in_january_2020_and_changed_by_2024(real: Path) -> None:
    rows = [r.split("\t") for r in run(real, "disagreements")]
    troops = {
        (r[4].rsplit("/", 1)[1][:-1], r[5], r[9]) for r in rows if r[0] == '"troops stationed"@en'
    }
    assert troops == {
        ("militant-2020-01-13-us-hands-off-iraq", '"5,000"', '"differs"'),
        ("iv-2020-01-05-oppose-us-iran-war", '"5,300"', '"differs"'),
        ("cpi-newsletter-2024-iraq-sacrifice-and-resistance", '"2,500"', '"changed over time"'),
    }
    # a figure about several things is one row
    figures = [r[10] for r in rows]
    assert len(figures) == len(set(figures))


def test_who_backs_kataeb_hezbollah_according_to_each_article(real: Path) -> None:
    rows = run(real, "relations", "actor=Kata'ib Hezbollah", "type=backs")
    backers = sorted((r.split("\t")[0], r.split("\t")[8].rsplit("/", 1)[1][:-1]) for r in rows)
    iran = "<https://w3id.org/newskg/id/actor/iran>"
    assert (iran, "militant-2020-01-13-us-hands-off-iraq") in backers
    assert (iran, "iv-2020-01-05-oppose-us-iran-war") in backers


def test_a_label_with_a_space_resolves_without_warnings(real: Path) -> None:
    result = kg(
        "query", "run", "figures-about", "-p", "entity=US troops in Iraq", "--graph", str(real)
    )
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "5,300" in result.stdout


def test_timeline_takes_a_month(real: Path) -> None:
    dates = [r.split("\t")[0] for r in run(real, "timeline", "from=2019-12", "to=2019-12")]
    assert dates and all(d.strip('"')[:7] in ("2019-12", "2019", "") for d in dates)
    assert '"2019-12-29"' in dates


def test_every_outlet_an_article_relies_on_is_counted(real: Path) -> None:
    rows = run(real, "secondary-sources")
    outlets = {r.split("\t")[0].rsplit("/", 1)[1][:-1] for r in rows}
    assert {"the-guardian", "pbs", "wall-street-journal", "the-independent"} <= outlets
    articles = {r.split("\t")[2] for r in rows}
    assert len(articles) == 5  # every article relies on someone
