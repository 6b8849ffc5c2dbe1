"""The build's invariant: after any sequence of edits, a cached `kg build` (the same OUT folder
every time) gives what a cold `kg build` (a new, empty OUT folder) gives.

Same exit code; on failure the same stderr, byte for byte, and the cached OUT left as it was;
on success the same files in OUT, byte for byte (the cache folder and lock files aside), and
the same message but for its cache statistics. `tests/samebuild.py` runs and compares them.

1. `TestCachedBuildIsColdBuild`, a hypothesis state machine on a copy of the fixture corpora
   (tests/fixtures/mini and second) with a links file and source texts: every step is an edit
   (an extraction file added, changed, renamed, deleted or restored; a dangling reference, a
   YAML error, a duplicate id, a range with lower > upper; links rows changed, removed, the
   file deleted and restored; the ontology and the shapes edited; the source texts edited, or
   used or not; a new kg version), then both builds.
2. `test_known_sequences`: short sequences the state machine found, replayed directly (fast,
   and clear when they fail).
3. `test_real_corpus_edit_by_edit`: a fixed sequence of edits on a copy of the real corpus
   (extractions/, links/wikidata.csv, ontology/), with and without `--sources`; it reports
   every step after which the two builds differed, not only the first.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import kg

from .conftest import MINI, ONTOLOGY, ROOT, SECOND, SOURCES
from .samebuild import differences, kg_build, output_files

SCALE = int(os.environ.get("KG_PROPERTY_SCALE", "1"))  # as in tests/test_properties.py

GAZETTE = "gazette-2021-06-01.yaml"
HERALD = "herald-2021-06-02.yaml"

# The fixture's herald.txt says "More than 5,000" where the article quotes "more than 5,000";
# this one has both articles' quotes, so the corpus builds with --sources.
HERALD_TXT = (
    "Port rally draws a crowd\n\n"
    "By one count, more than 5,000 demonstrators filled Harbour Square on Saturday, "
    "and RF claimed the day.\n"
)

LINK_COLUMNS = [
    "entity",
    "kind",
    "qid",
    "label",
    "score",
    "matched",
    "status",
    "decided_by",
    "note",
]
# Accepted rows for actors and places of the fixtures (one defined by the second article), a
# proposal, a no-match, a rejected item, and proposals for an id nobody defines and for an
# event: accepting either of those is an error.
LINK_ROWS = [
    ["ada-writer", "person", "", "", "", "", "no-match", "curator", "a fictional writer"],
    ["harbour-square", "district", "Q1005", "Harbour Square", "", "", "accepted", "curator", ""],
    ["nowhere", "city", "Q1006", "Nowhere", "0.4", "name", "proposed", "auto", ""],
    ["port-city", "city", "Q1003", "Port City", "", "", "accepted", "curator", ""],
    ["port-city-rally-2021-05", "protest", "Q1007", "Rally", "0.3", "", "proposed", "auto", ""],
    ["protesters", "collective-group", "Q1004", "", "0.5", "name", "proposed", "auto", ""],
    ["river-front", "armed-group", "Q1002", "River Front", "", "", "accepted", "curator", ""],
    ["river-front", "armed-group", "Q1900", "RF Party", "", "", "rejected", "curator", "a party"],
    ["testland", "state", "Q1001", "Testland", "0.9", "name; type", "accepted", "auto", ""],
]


def links_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINK_COLUMNS)
    writer.writerows(sorted(rows))
    return out.getvalue()


def extra_article(n: int) -> tuple[str, str]:
    """A new article file and its source text."""
    yaml_text = f"""article:
  id: extra-{n}
  title: Extra article {n}
  genre: news-report
  published: 2021-06-1{n % 10}
  source_file: extra-{n}.txt
mentions:
  - entity: testland
    as: Testland
figures:
  - id: crowd
    quantity: participants
    hedge: exact
    value: {n}0
    about: port-city-rally-2021-05
    evidence: only {n}0 people
"""
    return yaml_text, f"Extra article {n}\n\nIn the end only {n}0 people came.\n"


# Edits that can be made and undone: (file kind, text, its replacement).
TOGGLES = {
    # extraction files
    "dangling-reference": (
        "gazette",
        "{actor: river-front, role: organiser}",
        "{actor: river-frnt, role: organiser}",
    ),
    "duplicate-id": (
        "herald",
        "\nmentions:\n",
        "\nactors:\n  - id: ada-writer\n    type: person\n    label: Ada again\nmentions:\n",
    ),
    "new-place-in-article": (
        "herald",
        "\nmentions:\n",
        "\n  - id: pier\n    type: site\n    label: The Pier\n    located_in: harbour-square\n"
        "mentions:\n",
    ),
    "yaml-error-in-shared": ("shared", "places:\n", "places:\n  - [unclosed\n"),
    "yaml-error-in-article": ("gazette", "\nmentions:\n", "\nmentions:\n\t- tab\n"),
    # ontology and shapes
    "ontology-label": (
        "ontology.ttl",
        'rdfs:label "Article"@en ;',
        'rdfs:label "Article"@en ;\n    rdfs:label "Artikel"@de ;',
    ),
    "shape-message": (
        "shapes.ttl",
        "a non-negative integer not above the upper bound.",
        "never above the upper bound (edited message).",
    ),
    "tighter-constraint": (
        "shapes.ttl",
        "sh:path nkg:upperBound ; sh:maxCount 1 ; sh:datatype xsd:integer ; sh:minInclusive 0 ;",
        "sh:path nkg:upperBound ; sh:maxCount 1 ; sh:datatype xsd:integer ; sh:minInclusive 3500 ;",
    ),
    # source texts
    "quote-not-in-source": ("gazette.txt", "and 3,000 people", "and 3,500 people"),
    "offsets-shift": ("herald.txt", "Port rally", "UPDATED: Port rally"),
}


class CachedVersusCold(RuleBasedStateMachine):
    """A project folder and the edits a curator makes to it, with a build after each."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="kg-invariant-"))
        self.extractions = self.root / "extractions"
        self.ontology = self.root / "ontology"
        self.sources = self.root / "sources"
        self.links = self.root / "links" / "wikidata.csv"
        self.out = self.root / "out"
        shutil.copytree(ONTOLOGY, self.ontology)
        self.extractions.mkdir()
        self.sources.mkdir()
        self.links.parent.mkdir()
        # origin -> (original name, original text); origin -> current name (absent: deleted)
        self.original: dict[str, tuple[str, str]] = {
            "shared": ("shared.yaml", (MINI / "shared.yaml").read_text(encoding="utf-8")),
            "gazette": (GAZETTE, (MINI / GAZETTE).read_text(encoding="utf-8")),
            "herald": (HERALD, (SECOND / HERALD).read_text(encoding="utf-8")),
        }
        self.names: dict[str, str] = {}
        for origin, (name, text) in self.original.items():
            (self.extractions / name).write_text(text, encoding="utf-8")
            self.names[origin] = name
        shutil.copy(MINI / "gazette.txt", self.sources / "gazette.txt")
        (self.sources / "herald.txt").write_text(HERALD_TXT, encoding="utf-8")
        self.rows = [list(row) for row in LINK_ROWS]
        self.links.write_text(links_csv(self.rows), encoding="utf-8")
        self.links_explicit = True  # --links FILE, or the default file beside extractions/
        self.use_sources = True
        self.added = 0
        self.renamed = 0
        self.checks = 0
        self.version = kg.__version__

    def teardown(self) -> None:
        kg.__version__ = self.version
        shutil.rmtree(self.root, ignore_errors=True)

    # --- the builds ---------------------------------------------------------------------

    @invariant()
    def cached_build_is_cold_build(self) -> None:
        before = output_files(self.out)
        cached = kg_build(*self.args(self.out))
        self.checks += 1
        cold_out = self.root / f"cold-{self.checks}"
        cold = kg_build(*self.args(cold_out))
        shutil.rmtree(cold_out, ignore_errors=True)
        problems = differences(cached, cold, before)
        with contextlib.suppress(InvalidArgument):  # replayed outside hypothesis: no events
            event(f"build exit code {cold.code}")
        if problems:
            raise AssertionError("cached build != cold build:\n" + "\n".join(problems))

    def args(self, out: Path) -> tuple[Path, Path, Path, Path | None, Path | None]:
        links = self.links if self.links_explicit else None
        sources = self.sources if self.use_sources else None
        return self.extractions, self.ontology, out, links, sources

    # --- helpers ------------------------------------------------------------------------

    def path_of(self, kind: str) -> Path | None:
        """The file a toggle edits: an extraction file by origin, or an ontology or source file."""
        if kind in self.original:
            name = self.names.get(kind)
            return None if name is None else self.extractions / name
        if kind.endswith(".ttl"):
            return self.ontology / kind
        return self.sources / kind

    def sub(self, origin: str, pattern: str, repl: Callable[[re.Match[str]], str]) -> None:
        path = self.path_of(origin)
        if path is not None:
            path.write_text(re.sub(pattern, repl, path.read_text(encoding="utf-8"), count=1))

    def write_links(self) -> None:
        self.links.write_text(links_csv(self.rows), encoding="utf-8")

    # --- extraction files ---------------------------------------------------------------

    @rule(value=st.integers(0, 10**6))
    def figure_value(self, value: int) -> None:
        self.sub("herald", r"(?m)^(    value: )\d+$", lambda m: f"{m[1]}{value}")

    @rule(lower=st.integers(0, 4000), upper=st.integers(0, 4000))
    def figure_range(self, lower: int, upper: int) -> None:
        """A range; lower > upper violates a shape."""
        self.sub("gazette", r"(?m)^(    lower: )\d+$", lambda m: f"{m[1]}{lower}")
        self.sub("gazette", r"(?m)^(    upper: )\d+$", lambda m: f"{m[1]}{upper}")

    @rule(label=st.text(st.sampled_from("aZ '-\\\"é"), max_size=6))
    def shared_label(self, label: str) -> None:
        """A label every article's entities reach; an empty or blank one violates a shape."""
        quoted = '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'
        path = self.path_of("shared")
        if path is not None:
            text = path.read_text(encoding="utf-8")
            text = re.sub(
                r"(  - id: river-front\n    type: armed-group\n    label: ).*",
                lambda m: m[1] + quoted,
                text,
                count=1,
            )
            path.write_text(text, encoding="utf-8")

    @rule(name=st.sampled_from(sorted(TOGGLES)))
    def toggle(self, name: str) -> None:
        """Make one of the TOGGLES edits, or undo it."""
        kind, old, new = TOGGLES[name]
        path = self.path_of(kind)
        if path is None or not path.exists():
            return
        text = path.read_text(encoding="utf-8")
        if new in text:
            text = text.replace(new, old, 1)
        elif old in text:
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")

    @precondition(lambda self: self.added < 3)
    @rule()
    def add_article(self) -> None:
        self.added += 1
        origin = f"extra-{self.added}"
        text, source = extra_article(self.added)
        self.original[origin] = (f"{origin}.yaml", text)
        self.names[origin] = f"{origin}.yaml"
        (self.extractions / f"{origin}.yaml").write_text(text, encoding="utf-8")
        (self.sources / f"{origin}.txt").write_text(source, encoding="utf-8")

    @precondition(lambda self: bool(self.names))
    @rule(data=st.data(), first=st.booleans())
    def rename_file(self, data: st.DataObject, first: bool) -> None:
        """Rename a file, to a name sorted first or last."""
        origin = data.draw(st.sampled_from(sorted(self.names)))
        self.renamed += 1
        name = f"{'a' if first else 'z'}{self.renamed}-{self.original[origin][0]}"
        (self.extractions / self.names[origin]).rename(self.extractions / name)
        self.names[origin] = name

    @precondition(lambda self: bool(self.names))
    @rule(data=st.data())
    def delete_file(self, data: st.DataObject) -> None:
        origin = data.draw(st.sampled_from(sorted(self.names)))
        (self.extractions / self.names.pop(origin)).unlink()

    @rule(data=st.data())
    def restore_file(self, data: st.DataObject) -> None:
        """Put a file back as it first was, under its first name."""
        origin = data.draw(st.sampled_from(sorted(self.original)))
        if origin in self.names:
            (self.extractions / self.names[origin]).unlink()
        name, text = self.original[origin]
        (self.extractions / name).write_text(text, encoding="utf-8")
        self.names[origin] = name

    # --- the links file -----------------------------------------------------------------

    @precondition(lambda self: self.links.exists() and bool(self.rows))
    @rule(
        data=st.data(),
        status=st.sampled_from(("accepted", "rejected", "proposed", "no-match")),
    )
    def link_status(self, data: st.DataObject, status: str) -> None:
        row = self.rows[data.draw(st.integers(0, len(self.rows) - 1))]
        row[6], row[7] = status, "curator"
        if status == "no-match":
            row[2] = ""
        elif not row[2]:
            row[2] = "Q4242"
        self.write_links()

    @precondition(lambda self: self.links.exists() and bool(self.rows))
    @rule(data=st.data(), qid=st.integers(1, 10**6).map(lambda n: f"Q{n}") | st.just("Q0"))
    def link_qid(self, data: st.DataObject, qid: str) -> None:
        """Another item for a row; Q0 is not an item id (a malformed file)."""
        row = self.rows[data.draw(st.integers(0, len(self.rows) - 1))]
        if row[6] != "no-match":
            row[2] = qid
        self.write_links()

    @precondition(lambda self: self.links.exists() and bool(self.rows))
    @rule(data=st.data())
    def link_remove_row(self, data: st.DataObject) -> None:
        del self.rows[data.draw(st.integers(0, len(self.rows) - 1))]
        self.write_links()

    @precondition(lambda self: self.links.exists())
    @rule()
    def links_delete(self) -> None:
        self.links.unlink()

    @rule()
    def links_restore(self) -> None:
        self.rows = [list(row) for row in LINK_ROWS]
        self.write_links()

    @rule()
    def links_option(self) -> None:
        """Pass --links FILE, or let the build find the default file (when it exists)."""
        self.links_explicit = not self.links_explicit

    # --- sources and version ------------------------------------------------------------

    @rule()
    def sources_option(self) -> None:
        """Build with --sources, or without."""
        self.use_sources = not self.use_sources

    @rule(n=st.integers(1, 3))
    def new_kg_version(self, n: int) -> None:
        kg.__version__ = f"{self.version}+edit{n}"


TestCachedBuildIsColdBuild = CachedVersusCold.TestCase
TestCachedBuildIsColdBuild.settings = settings(
    max_examples=15 * SCALE,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _remove_row(entity: str) -> Callable[[CachedVersusCold], None]:
    def edit(m: CachedVersusCold) -> None:
        m.rows = [r for r in m.rows if not (r[0] == entity and r[6] == "accepted")]
        m.write_links()

    return edit


def _reject_row(entity: str) -> Callable[[CachedVersusCold], None]:
    def edit(m: CachedVersusCold) -> None:
        for row in m.rows:
            if row[0] == entity and row[6] == "accepted":
                row[6] = "rejected"
        m.write_links()

    return edit


# Sequences the state machine found, kept as quick regression cases.
SEQUENCES = {
    "accepted-links-row-removed": [_remove_row("testland")],
    "accepted-links-row-rejected": [_reject_row("port-city")],
    "default-links-file-deleted": [CachedVersusCold.links_option, CachedVersusCold.links_delete],
    "links-file-deleted-then-not-passed": [
        CachedVersusCold.links_delete,
        CachedVersusCold.links_option,
    ],
}


@pytest.mark.parametrize("edits", SEQUENCES.values(), ids=SEQUENCES.keys())
def test_known_sequences(edits: list[Callable[[CachedVersusCold], None]]) -> None:
    """Each edit in turn, then a cached and a cold build, as the state machine does."""
    machine = CachedVersusCold()
    try:
        machine.cached_build_is_cold_build()
        for edit in edits:
            edit(machine)
            machine.cached_build_is_cold_build()
    finally:
        machine.teardown()


# --- the real corpus -----------------------------------------------------------------------


def _evidence(data: object) -> list[str]:
    """Every evidence quote of a parsed extraction file."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "evidence":
                found += (
                    [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
                )
            else:
                found += _evidence(value)
    elif isinstance(data, list):
        for item in data:
            found += _evidence(item)
    return found


def _defined_ids(text: str) -> list[str]:
    data = yaml.safe_load(text)
    return [e["id"] for kind in ("actors", "places", "events") for e in data.get(kind) or []]


def _mentions(text: str, ident: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", text) is not None


class Project:
    """A copy of the real corpus, built after each edit on top of the cache and cold."""

    def __init__(self, tmp: Path, with_sources: bool) -> None:
        self.tmp = tmp
        self.extractions = tmp / "extractions"
        self.ontology = tmp / "ontology"
        self.links = tmp / "links" / "wikidata.csv"
        self.sources = tmp / "sources" if with_sources else None
        self.out = tmp / "out"
        shutil.copytree(ROOT / "extractions", self.extractions)
        shutil.copytree(ONTOLOGY, self.ontology)
        self.links.parent.mkdir()
        shutil.copy(ROOT / "links" / "wikidata.csv", self.links)
        if self.sources is not None:
            shutil.copytree(SOURCES, self.sources)
        self.failures: list[str] = []
        self.steps = 0

    def check(self, step: str, expected_code: int | None = 0) -> None:
        """Build on top of the cache and cold; record how they differ."""
        self.steps += 1
        links = self.links if self.links.exists() else None
        before = output_files(self.out)
        cached = kg_build(self.extractions, self.ontology, self.out, links, self.sources)
        cold_out = self.tmp / f"cold-{self.steps}"
        cold = kg_build(self.extractions, self.ontology, cold_out, links, self.sources)
        shutil.rmtree(cold_out, ignore_errors=True)
        if expected_code is not None:  # the edit is the one meant
            assert cold.code == expected_code, (step, cold.stderr)
        self.failures += [f"after {step!r}: {p}" for p in differences(cached, cold, before)]

    def edit(self, path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def articles(self) -> list[Path]:
        return sorted(p for p in self.extractions.glob("*.yaml") if p.name != "shared.yaml")


@pytest.mark.parametrize("with_sources", [False, True], ids=["without-sources", "with-sources"])
def test_real_corpus_edit_by_edit(
    tmp_path: Path, with_sources: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fixed sequence of edits to the real corpus; after each, cached == cold."""
    if with_sources and not SOURCES.is_dir():
        pytest.skip("../shared/sources is not beside the checkout")
    p = Project(tmp_path, with_sources)
    p.check("first build")

    links_text = p.links.read_text(encoding="utf-8")
    accepted = [line for line in links_text.splitlines(keepends=True) if ",accepted," in line]
    p.edit(p.links, accepted[0], "")
    p.check(f"remove the accepted links row {accepted[0].split(',')[0]!r}")
    p.links.unlink()
    p.check("delete the links file")
    p.links.write_text(links_text, encoding="utf-8")
    p.check("restore the links file")

    article = next(a for a in p.articles() if re.search(r"(?m)^    value: \d+$", a.read_text()))
    value = re.search(r"(?m)^    value: (\d+)$", article.read_text(encoding="utf-8"))
    assert value is not None
    # inferred: with the sources, a value not in its evidence is an error
    p.edit(article, value[0], f'    value: {{value: {int(value[1]) + 1}, inferred: "an edit"}}')
    p.check(f"change a figure's value in {article.name}")
    renamed = article.with_name("renamed-" + article.name)
    article.rename(renamed)
    p.check(f"rename {article.name}")

    # The article whose actors, places and events no other file refers to (the links file
    # aside), else the one referred to least: unlink its entities, then delete it.
    texts = {a: a.read_text(encoding="utf-8") for a in p.extractions.glob("*.yaml")}

    def referrers(a: Path) -> int:
        ids = _defined_ids(texts[a])
        return sum(_mentions(t, i) for other, t in texts.items() if other != a for i in ids)

    lonely = min(p.articles(), key=lambda a: (referrers(a), a.name))
    ids = set(_defined_ids(texts[lonely]))
    rows = p.links.read_text(encoding="utf-8").splitlines(keepends=True)
    p.links.write_text("".join(r for r in rows if r.split(",")[0] not in ids), encoding="utf-8")
    p.check(f"remove the links rows of {lonely.name}'s entities")
    lonely.unlink()
    p.check(f"delete {lonely.name}", 0 if referrers(lonely) == 0 else None)

    shapes = p.ontology / "shapes.ttl"
    p.edit(
        shapes, "a non-negative integer not above the upper bound.", "not above the upper (edited)."
    )
    p.check("edit a shape's message")
    figure = next(
        (a, m)
        for a in p.articles()
        if (
            m := re.search(r"(?m)^    lower: (\d+)\n    upper: \d+$", a.read_text(encoding="utf-8"))
        )
    )
    bounded, match = figure
    broken = f"    lower: {match[1]}\n    upper: {int(match[1]) - 1}"
    p.edit(bounded, match[0], broken)
    p.check(f"a range with lower > upper in {bounded.name}", 1)
    p.edit(bounded, broken, match[0])
    p.check("the range fixed")

    if p.sources is not None:
        quoted = p.articles()[0]
        source_of = re.search(r"(?m)^  source_file: (\S+)$", quoted.read_text(encoding="utf-8"))
        assert source_of is not None
        source = p.sources / source_of[1]
        original = source.read_text(encoding="utf-8")
        quote = next(
            q
            for q in _evidence(yaml.safe_load(quoted.read_text(encoding="utf-8")))
            if original.count(q) == 1
        )
        source.write_text(original.replace(quote, quote[:-1] + "#"), encoding="utf-8")
        p.check(f"edit {source.name} so a quote of {quoted.name} is not found", 1)
        source.write_text(original, encoding="utf-8")
        p.check(f"restore {source.name}")

    monkeypatch.setattr(kg, "__version__", kg.__version__ + "+next")
    p.check("a new kg version")
    if p.failures:
        pytest.fail("\n".join(p.failures), pytrace=False)
