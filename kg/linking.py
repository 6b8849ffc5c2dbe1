"""Link actors, places and events to Wikidata items: find candidates, score them, and update the
reviewed links file (``links/wikidata.csv``, read and written by ``kg.links``).

Scoring (each candidate, from 0 to 1):

- name: 0.5 when the item's English label is the entity's label; 0.4 when its label or an
  alias is one of the entity's other spellings (``also`` and every spelling the articles use);
  0.1 when only the search found it. Spellings are compared without case, accents,
  apostrophes, dots, hyphens and a leading "the".
- type: +0.4 when the item is an instance (P31) of a class that fits the entity's kind
  (``TYPE_TARGETS``), directly or through up to ``MAX_DEPTH`` subclass-of (P279) steps;
  -0.5 when it has P31 claims and none fits; 0 when it has none, or the kind has no target.
- context: +0.05 per word (up to 0.1) that the item's description shares with the entity's
  description and the roles the articles give it.

A candidate is accepted automatically only when it scores at least ``ACCEPT`` (so its name and
type both match) and leads the next candidate by at least ``MARGIN``; otherwise the best
candidate scoring at least ``PROPOSE`` is proposed for review, and an entity without one gets a
``no-match`` row.

The links file has one row per entity (accepted, proposed or no-match) plus one row per
rejected item. Rows whose ``decided_by`` is not ``auto`` and whose status is accepted,
rejected or no-match are a person's decisions: ``kg link`` never changes them, never looks
for another item for an entity a person accepted or marked no-match, and never proposes an
item a person rejected.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import wikidata as wd
from .errors import FileError, Location, ServiceError, UsageError
from .fsutil import write_output
from .links import (
    AUTO,
    QID,
    LinkRow,
    Status,
    parse_links,
    qid_order,
    read_links_bytes,
    render_links,
    row_order,
)
from .model import Actor, Corpus, Event, Place

ACCEPT = 0.80  # lowest score accepted without review
MARGIN = 0.15  # ... and by how much it must lead the runner-up
PROPOSE = 0.30  # lowest score proposed for review
MAX_DEPTH = 4  # subclass-of steps followed from a candidate's classes
MAX_CLASSES = 40  # class items read per candidate, at most

# Wikidata classes that fit each kind of entity (the actor's type or the place's type).
COUNTRY = {"Q6256": "country", "Q3624078": "sovereign state"}
TYPE_TARGETS: dict[str, dict[str, str]] = {
    "person": {"Q5": "human"},
    "state": COUNTRY,
    "country": COUNTRY,
    "city": {"Q515": "city", "Q486972": "human settlement"},
    "district": {
        "Q123705": "neighborhood",
        "Q486972": "human settlement",
        "Q56061": "administrative territorial entity",
    },
    "region": {"Q56061": "administrative territorial entity", "Q82794": "geographic region"},
    "world-region": {"Q82794": "geographic region"},
    "site": {"Q2221906": "geographic location", "Q17334923": "location", "Q41176": "building"},
    "armed-group": {"Q17149090": "armed organization"},
    "political-party": {"Q7278": "political party"},
    "media-outlet": {
        "Q11033": "mass media",
        "Q1193236": "news media",
        "Q192283": "news agency",
        "Q11032": "newspaper",
        "Q1002697": "periodical",
    },
    "government-body": {"Q327333": "government agency", "Q2659904": "government organization"},
    "organisation": {"Q43229": "organization"},
    "movement": {"Q49773": "social movement"},
    "collective-group": {},  # "protesters": no class to check
    # events, by event type (types not listed here are not checked)
    "war": {"Q198": "war", "Q350604": "armed conflict"},
    "invasion": {"Q467011": "invasion", "Q198": "war"},
    "revolution": {"Q10931": "revolution"},
    "protest": {"Q273120": "protest"},
    "protest-movement": {"Q273120": "protest"},
    "violent-protest": {"Q273120": "protest", "Q124757": "riot"},
    "military-action": {"Q645883": "military operation", "Q350604": "armed conflict"},
    "airstrike": {"Q678146": "bombardment", "Q645883": "military operation"},
    "drone-strike": {"Q678146": "bombardment", "Q645883": "military operation"},
}
NOT_AN_ENTITY = {
    "Q4167410": "Wikimedia disambiguation page",
    "Q4167836": "Wikimedia category",
    "Q13406463": "Wikimedia list article",
}
_STOPWORDS = frozenset(
    [
        "about",
        "after",
        "also",
        "among",
        "been",
        "before",
        "between",
        "born",
        "during",
        "former",
        "from",
        "have",
        "into",
        "known",
        "more",
        "most",
        "other",
        "over",
        "since",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "under",
        "until",
        "were",
        "when",
        "where",
        "which",
        "while",
        "with",
        "within",
    ]
)


# --- what to link ---------------------------------------------------------------------------


@dataclass
class Target:
    """An actor or place to link, with every spelling and the words that describe it."""

    id: str
    kind: str
    label: str
    names: list[str]
    queries: list[str]
    context: list[str]


def norm(text: str) -> str:
    """A spelling for comparison: no case, accents, apostrophes, dots, hyphens or leading 'the'."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = re.sub(r"[.'\u2019\u2018`\u00b4\u02bc\u02bb]", "", t)
    t = re.sub(r"[\W_]+", " ", t).strip()
    return re.sub(r"^the ", "", t)


def _words(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(w for w in re.findall(r"[a-z]{4,}", norm(text)) if w not in _STOPWORDS)
    return found


def targets(corpus: Corpus) -> list[Target]:
    """Every actor and place of the corpus, sorted by id.

    Searched spellings: the label, the other names (``also``) and every spelling an article
    uses that has a capital letter (names, not descriptions such as "the capital").
    """
    forms: dict[str, list[str]] = {}
    roles: dict[str, list[str]] = {}
    for f in corpus.files:
        for m in f.mentions:
            forms.setdefault(m.entity, []).extend(m.forms)
            roles.setdefault(m.entity, []).extend(m.roles)
    found = []
    for ident in sorted(corpus.entities):
        e = corpus.entities[ident]
        if not isinstance(e, Actor | Place | Event):
            continue
        names = _unique([e.label, *e.alt_labels, *forms.get(ident, [])])
        queries = [n for n in names if n == e.label or any(c.isupper() for c in n)]
        context = [x for x in [e.description, *roles.get(ident, [])] if x]
        found.append(Target(ident, e.type, e.label, names, queries, context))
    return found


def _unique(spellings: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for s in spellings:
        key = norm(s)
        if key and key not in seen:
            seen.add(key)
            kept.append(s.strip())
    return kept


# --- candidates and scores ----------------------------------------------------------------------


@dataclass
class Candidate:
    qid: str
    label: str
    score: float
    name: str  # label | alias | search
    type_ok: bool | None
    matched: list[str]

    def brief(self) -> str:
        return f"{self.qid} {self.label} ({max(self.score, 0.0):.2f})"


class Linker:
    """Scores the candidates of each target through a ``wikidata.Client``."""

    def __init__(self, client: wd.Client) -> None:
        self.client = client
        self._parents: dict[str, list[str]] = {}

    def candidates(self, target: Target, rejected: set[str]) -> list[Candidate]:
        """Every item a search for one of the target's spellings finds, best first."""
        hits: dict[str, wd.Json] = {}
        for query in target.queries:
            for hit in self.client.search(query):
                hits.setdefault(str(hit["id"]), hit)
        ids = [q for q in hits if q not in rejected and QID.fullmatch(q)]
        details = self.client.entities(ids) if ids else {}
        by_id = {str(e.get("id", key)): e for key, e in details.items()} | details
        found = [
            self.score(target, qid, by_id[qid], hits[qid])
            for qid in sorted(ids, key=qid_order)
            if qid in by_id
        ]
        return sorted(found, key=lambda c: (-c.score, qid_order(c.qid)))

    def score(self, target: Target, qid: str, item: wd.Json, hit: wd.Json) -> Candidate:
        label = wd.label(item) or str(hit.get("label") or qid)
        matched: list[str] = []
        names = {norm(n): n for n in target.names}
        if norm(label) == norm(target.label):
            name, points = "label", 0.5
            matched.append(f'label "{target.label}"')
        else:
            spelling = next(
                (names[norm(x)] for x in [label, *wd.aliases(item)] if norm(x) in names), None
            )
            if spelling is not None:
                name, points = "alias", 0.4
                matched.append(f'alias "{spelling}"')
            else:
                name, points = "search", 0.1
                matched.append("search only")
        type_ok, why = self.type_check(target.kind, wd.claim_ids(item, "P31"))
        matched.append(why)
        points += {True: 0.4, None: 0.0, False: -0.5}[type_ok]
        shared = sorted(_words(target.context) & _words([wd.description(item) or ""]))
        if shared:
            points += min(0.05 * len(shared), 0.1)
            matched.append("context: " + ", ".join(shared[:5]))
        return Candidate(qid, label, round(points, 2), name, type_ok, matched)

    def type_check(self, kind: str, classes: list[str]) -> tuple[bool | None, str]:
        """(True / False / None for unknown, why): is an instance of ``classes`` a ``kind``?"""
        wanted = TYPE_TARGETS.get(kind, {})
        odd = [NOT_AN_ENTITY[c] for c in classes if c in NOT_AN_ENTITY]
        if odd:
            return False, f"type: {odd[0]}"
        if not wanted:
            return None, f"type: not checked for {kind}"
        if not classes:
            return None, "type: no instance-of (P31)"
        path = self._class_path(classes, wanted)
        if path is not None:
            return True, f"type: {wanted[path[-1]]} ({' > '.join(path)})"
        names = " or ".join(sorted(set(wanted.values())))
        return False, f"type: not a {names} (P31 {', '.join(classes)})"

    def _class_path(self, classes: list[str], wanted: dict[str, str]) -> list[str] | None:
        """Breadth first up subclass-of (P279): the first path from a class to a wanted one."""
        level = [[c] for c in sorted(set(classes), key=qid_order)]
        seen = {c for c in classes}
        reads = 0
        for depth in range(MAX_DEPTH + 1):
            for path in level:
                if path[-1] in wanted:
                    return path
            if depth == MAX_DEPTH:
                break
            following = []
            for path in level:
                if path[-1] not in self._parents and reads >= MAX_CLASSES:
                    continue
                if path[-1] not in self._parents:
                    reads += 1
                for parent in self.parents(path[-1]):
                    if parent not in seen:
                        seen.add(parent)
                        following.append([*path, parent])
            level = following
        return None

    def parents(self, cls: str) -> list[str]:
        """The superclasses (P279) of a class item, read once per run (and cached)."""
        if cls not in self._parents:
            item = self.client.entities([cls], props="claims").get(cls, {})
            self._parents[cls] = wd.claim_ids(item, "P279")
        return self._parents[cls]

    def decide(self, target: Target, rejected: set[str]) -> LinkRow:
        """The row for one target: accepted, proposed or no-match (decided_by auto)."""
        ranked = self.candidates(target, rejected)
        before = f"; rejected before: {', '.join(sorted(rejected, key=qid_order))}"
        earlier = before if rejected else ""
        best = ranked[0] if ranked else None
        if best is None or best.score < PROPOSE:
            if best is None:
                note = "no candidates"
            else:
                note = f"{len(ranked)} candidate(s), best {best.brief()} below {PROPOSE:.2f}"
            return LinkRow(
                target.id, target.kind, "", "", "", "", Status.NO_MATCH, AUTO, note + earlier
            )
        runner = ranked[1] if len(ranked) > 1 else None
        lead = best.score - (max(runner.score, 0.0) if runner else 0.0)
        clear = best.score >= ACCEPT and best.type_ok is True and best.name != "search"
        if clear and lead >= MARGIN - 1e-9:
            status = Status.ACCEPTED
            note = f"runner-up {runner.brief()}" if runner else "only candidate"
        else:
            status = Status.PROPOSED
            if best.score < ACCEPT:
                note = f"score below {ACCEPT:.2f}"
            elif not clear:
                note = "name or type not confirmed"
            else:
                note = f"no clear winner: {runner.brief() if runner else ''}"
            others = [c.brief() for c in ranked[1:4] if c.score > 0]
            if others and not note.startswith("no clear winner"):
                note += "; others: " + ", ".join(others)
        return LinkRow(
            target.id,
            target.kind,
            best.qid,
            best.label,
            f"{max(best.score, 0.0):.2f}",
            "; ".join(best.matched),
            status,
            AUTO,
            note + earlier,
        )


# --- a run ------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a run will do: the rows it starts from and the targets it evaluates."""

    path: Path
    existing: list[LinkRow]
    work: list[Target]
    only: set[str]
    settled: set[str]
    known: set[str]
    read: bytes | None = None  # the links file's bytes when the run started (None: no file)


@dataclass
class LinkReport:
    """The outcome of a run: the rows written, and curators' rows of unknown entities."""

    path: Path
    rows: list[LinkRow]
    evaluated: int
    stale: list[LinkRow]
    changed: bool
    cache_written: int

    def count(self, status: Status, decided_by: str | None = None) -> int:
        return sum(
            1
            for r in self.rows
            if r.status == status and (decided_by is None or r.decided_by == decided_by)
        )


def plan(corpus: Corpus, path: Path, only: Iterable[str] = ()) -> Plan:
    """Read the links file (if any) and choose the entities to evaluate."""
    read = read_links_bytes(path) if os.path.exists(path) else None  # a dangling link: none
    existing = parse_links(read, path) if read is not None else []
    all_targets = targets(corpus)
    known = {t.id for t in all_targets}
    wanted = set(only)
    unknown = sorted(wanted - known)
    if unknown:
        raise UsageError(f"no actor or place has the id {unknown[0]!r}", Location(field="--only"))
    settled = {r.entity for r in existing if r.decision and r.status is not Status.REJECTED}
    work = [t for t in all_targets if (not wanted or t.id in wanted) and t.id not in settled]
    return Plan(path, existing, work, wanted, settled, known, read)


def run(job: Plan, client: wd.Client, progress: Callable[[int], None] | None = None) -> LinkReport:
    """Evaluate the plan's targets, then write the new cache entries, then the links file.

    Nothing is written unless every target was evaluated: when the service fails (or, offline,
    an answer is not cached) the links file and the cache stay as they were. The cache is
    written first (its entries are checksummed, so extra ones are harmless), then the links
    file, atomically: a failure writing either leaves the links file as it was. If the links
    file changed while the run was under way (a curator's edit), it is not written: the run
    stops with a ``FileError``, and running again (from the cache) keeps the edit.
    """
    rejected: dict[str, set[str]] = {}
    for row in job.existing:
        if row.status is Status.REJECTED:
            rejected.setdefault(row.entity, set()).add(row.qid)
    linker = Linker(client)
    computed: dict[str, LinkRow] = {}
    try:
        for target in job.work:
            computed[target.id] = linker.decide(target, rejected.get(target.id, set()))
            if progress is not None:
                progress(1)
    except ServiceError as e:
        raise ServiceError(
            f"{e.message}; the links file and the cache are unchanged", e.location
        ) from None
    rows = merge(job, computed)
    data = render_links(rows)
    unchanged = " (the links file is as it was)"
    try:
        written = client.commit()
    except FileError as e:
        raise FileError(e.message + unchanged, e.location) from None
    now = read_links_bytes(job.path) if os.path.exists(job.path) else None
    if now != job.read:
        raise FileError(
            "the links file changed while kg link ran; nothing was written to it, so the "
            "change is kept: run kg link again (the answers are cached)",
            Location(job.path),
        )
    changed = data != job.read
    if changed:
        write_output(job.path, data)
    stale = [r for r in rows if r.decision and r.entity not in job.known]
    return LinkReport(job.path, rows, len(computed), stale, changed, written)


def merge(job: Plan, computed: dict[str, LinkRow]) -> list[LinkRow]:
    """The new rows: decisions kept verbatim, the run's rows, and (with --only) the rest."""
    rows = []
    for row in job.existing:
        if row.decision:
            rows.append(row)
        elif row.entity in computed or row.entity in job.settled:
            continue  # replaced by this run, or settled by a person's decision
        elif job.only and row.entity not in job.only:
            rows.append(row)  # outside this run's --only
        # else: an entity that is no longer in the corpus
    rows += computed.values()
    return sorted(rows, key=row_order)
