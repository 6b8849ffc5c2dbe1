"""Read extraction files (the curated YAML) into model objects, checking everything a curator
can get wrong: unknown fields, bad ids, dates, numbers, controlled values and references.

The format is documented, with an annotated example, in ``docs/extraction-format.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from . import yamlstrict
from .errors import DataError, KgError, Location, ValidationFailed
from .model import (
    ACTOR_TYPES,
    Actor,
    Article,
    Corpus,
    Date,
    Entity,
    Event,
    ExtractionFile,
    Figure,
    Mention,
    Participant,
    Place,
    Quote,
    Report,
    Statement,
    StatementKind,
)
from .yamlstrict import LMap, line_of

T = TypeVar("T")
Vocabulary = dict[str, list[str]]  # scheme name -> allowed slugs, in ontology order

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE_FORMS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "date"),
    (re.compile(r"\d{4}-\d{2}"), "gYearMonth"),
    (re.compile(r"\d{4}"), "gYear"),
    (re.compile(r"--\d{2}-\d{2}"), "gMonthDay"),
)


class _Record:
    """One YAML mapping being read into an object: tracks fields, lines and unknown keys."""

    def __init__(self, node: Any, path: str, field: str, allowed: Iterable[str], line: int) -> None:
        self.path = path
        self.field = field
        if not isinstance(node, LMap):
            got = "a list" if isinstance(node, list) else "nothing" if node is None else "text"
            raise DataError(f"expected a mapping of fields, got {got}", self._at(field, line))
        self.node = node
        allowed = list(allowed)
        for key in node:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f"did you mean '{hint[0]}'? " if hint else ""
                raise DataError(
                    f"unknown field '{key}'; {suggestion}allowed: {', '.join(allowed)}",
                    self._at(self._sub(key), node.key_lines[key]),
                )

    def _sub(self, key: str) -> str:
        return f"{self.field}.{key}" if self.field else key

    def _at(self, field: str, line: int) -> Location:
        return Location(self.path, line, field)

    @property
    def line(self) -> int:
        return self.node.line

    def loc(self, key: str | None = None) -> Location:
        if key is None:
            return self._at(self.field, self.node.line)
        return self._at(self._sub(key), self.node.key_lines.get(key, self.node.line))

    def lines(self) -> dict[str, int]:
        return dict(self.node.key_lines)

    def opt(self, key: str, parse: Callable[[Any, Location], T]) -> T | None:
        value = self.node.get(key)
        if value is None:
            return None
        return parse(value, self.loc(key))

    def req(self, key: str, parse: Callable[[Any, Location], T]) -> T:
        if self.node.get(key) is None:
            raise DataError("required field is missing", self.loc(key))
        return parse(self.node[key], self.loc(key))

    def many(self, key: str, parse: Callable[[Any, Location], T]) -> list[T]:
        """A list field; a single scalar is accepted as a list of one."""
        value = self.node.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        base = self.loc(key)
        return [
            parse(item, Location(self.path, line_of(item, base.line or 0), f"{base.field}[{i}]"))
            for i, item in enumerate(items)
        ]

    def inferable(
        self, key: str, parse: Callable[[Any, Location], T], inferred: dict[str, str]
    ) -> T | None:
        """A field whose value may be written ``{value: X, inferred: "reason"}``."""
        value = self.node.get(key)
        if isinstance(value, LMap):
            rec = _Record(value, self.path, self._sub(key), ("value", "inferred"), value.line)
            inferred[key] = rec.req("inferred", text)
            return rec.req("value", parse)
        return self.opt(key, parse)


# --- scalar parsers: (value, location) -> typed value ---------------------------------------


def text(value: Any, loc: Location) -> str:
    if not isinstance(value, str):
        raise DataError("expected text, got a " + _kind(value), loc)
    if not value.strip():
        raise DataError("text is empty", loc)
    return str(value)


def slug(value: Any, loc: Location) -> str:
    s = text(value, loc)
    if not SLUG.fullmatch(s):
        suggestion = "-".join(re.findall(r"[a-z0-9]+", s.lower()))
        hint = f" (e.g. {suggestion})" if suggestion else ""
        raise DataError(
            f"{s!r} is not a valid id: use lowercase letters, digits and single hyphens{hint}",
            loc,
        )
    return s


def date(value: Any, loc: Location) -> Date:
    s = text(value, loc).strip()
    for pattern, datatype in _DATE_FORMS:
        if pattern.fullmatch(s):
            probe = {
                "date": s,
                "gYearMonth": s + "-01",
                "gYear": s + "-01-01",
                "gMonthDay": "2000" + s[1:],
            }[datatype]  # 2000 is a leap year
            try:
                dt.date.fromisoformat(probe)
            except ValueError as e:
                raise DataError(f"{s!r} is not a real date ({e})", loc) from None
            return Date(s, datatype)
    raise DataError(
        f"{s!r} is not a date: write YYYY-MM-DD, YYYY-MM, YYYY, or --MM-DD for a day "
        "whose year the text does not give",
        loc,
    )


def count(value: Any, loc: Location) -> int:
    s = text(value, loc).strip()
    if not re.fullmatch(r"\d+", s):
        raise DataError(f"{s!r} is not a count: write a whole number >= 0, digits only", loc)
    return int(s)


def url(value: Any, loc: Location) -> str:
    s = text(value, loc).strip()
    if not re.fullmatch(r"https?://\S+", s):
        raise DataError(f"{s!r} is not an http(s) URL", loc)
    try:  # the export names the article by its URL: it must be a valid IRI
        ox.NamedNode(s)
    except ValueError as e:
        reason = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(e))
        raise DataError(
            f"{s!r} is not a valid URL ({reason}): percent-encode the characters a URL cannot hold",
            loc,
        ) from None
    return s


def file_name(value: Any, loc: Location) -> str:
    s = text(value, loc)
    if "/" in s or "\\" in s:
        raise DataError(f"{s!r}: give a file name, without folders", loc)
    return s


def choice(name: str, allowed: list[str]) -> Callable[[Any, Location], str]:
    def parse(value: Any, loc: Location) -> str:
        s = text(value, loc)
        if s not in allowed:
            hint = difflib.get_close_matches(s, allowed, n=1)
            suggestion = f"did you mean '{hint[0]}'? " if hint else ""
            raise DataError(f"unknown {name} {s!r}; {suggestion}allowed: {', '.join(allowed)}", loc)
        return s

    return parse


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "value"


# --- records ----------------------------------------------------------------------------------


class _FileReader:
    """Reads one extraction file's top-level sections."""

    SECTIONS = (
        "article",
        "actors",
        "places",
        "events",
        "mentions",
        "reports",
        "statements",
        "figures",
    )

    def __init__(self, path: str, vocab: Vocabulary) -> None:
        self.path = path
        self.vocab = vocab

    def read(self, doc: Any) -> ExtractionFile:
        if doc is None:
            raise DataError(
                "empty file: expected 'article:' and/or entity sections", Location(self.path, 1)
            )
        top = _Record(doc, self.path, "", self.SECTIONS, line_of(doc, 1))
        out = ExtractionFile(self.path)
        if top.node.get("article") is not None:
            out.article = self.article(
                _Record(
                    top.node["article"],
                    self.path,
                    "article",
                    self.ARTICLE,
                    top.loc("article").line or 1,
                )
            )
        out.actors = self._list(top, "actors", self.actor)
        out.places = self._list(top, "places", self.place)
        out.events = self._list(top, "events", self.event)
        article_only = ("mentions", "reports", "statements", "figures")
        if out.article is None:
            for key in article_only:
                if top.node.get(key):
                    raise DataError(
                        "only an article file (with 'article:') can have " + key, top.loc(key)
                    )
            if not out.entities():
                raise DataError(
                    "no article and no entities: nothing to read",
                    Location(self.path, line_of(doc, 1)),
                )
            return out
        out.mentions = self._list(top, "mentions", self.mention)
        out.reports = self._list(top, "reports", self.report)
        out.statements = self._list(top, "statements", self.statement)
        out.figures = self._list(top, "figures", self.figure)
        return out

    def _list(self, top: _Record, key: str, read: Callable[[_Record], T]) -> list[T]:
        node = top.node.get(key)
        if node is None:
            return []
        if not isinstance(node, list):
            raise DataError(f"expected a list of entries, got a {_kind(node)}", top.loc(key))
        allowed = getattr(self, key.upper())
        return [
            read(
                _Record(
                    item, self.path, f"{key}[{i}]", allowed, line_of(item, top.loc(key).line or 1)
                )
            )
            for i, item in enumerate(node)
        ]

    def _quotes(self, rec: _Record, key: str = "evidence") -> list[Quote]:
        return rec.many(key, lambda v, loc: Quote(text(v, loc), loc))

    ARTICLE = (
        "id",
        "title",
        "authors",
        "outlet",
        "published",
        "url",
        "genre",
        "source_file",
        "note",
    )

    def article(self, r: _Record) -> Article:
        inferred: dict[str, str] = {}
        a = Article(
            id=r.req("id", slug),
            title=r.req("title", text),
            genre=r.req("genre", choice("genre", self.vocab["genre"])),
            where=r.loc(),
            authors=r.many("authors", slug),
            outlet=r.inferable("outlet", slug, inferred),
            published=r.inferable("published", date, inferred),
            url=r.opt("url", url),
            source_file=r.opt("source_file", file_name),
            note=r.opt("note", text),
            field_lines=r.lines(),
        )
        a.inferred = inferred
        return a

    ENTITY = ("id", "type", "label", "also", "description", "note")
    ACTORS = (*ENTITY, "part_of", "located_in")
    PLACES = (*ENTITY, "located_in")
    EVENTS = (*ENTITY, "date", "end_date", "place", "part_of")

    def _entity(self, r: _Record, types: list[str], kind: str) -> dict[str, Any]:
        return dict(
            id=r.req("id", slug),
            type=r.req("type", choice(kind, types)),
            label=r.req("label", text),
            where=r.loc(),
            alt_labels=r.many("also", text),
            description=r.opt("description", text),
            note=r.opt("note", text),
            field_lines=r.lines(),
        )

    def actor(self, r: _Record) -> Actor:
        actor = Actor(
            **self._entity(r, list(ACTOR_TYPES), "actor type"),
            part_of=r.many("part_of", slug),
            located_in=r.many("located_in", slug),
        )
        if actor.located_in and actor.type != "state":
            raise DataError(
                "only a state (a place too) can be located in a place", r.loc("located_in")
            )
        return actor

    def place(self, r: _Record) -> Place:
        return Place(
            **self._entity(r, self.vocab["place-type"], "place type"),
            located_in=r.many("located_in", slug),
        )

    def event(self, r: _Record) -> Event:
        return Event(
            **self._entity(r, self.vocab["event-type"], "event type"),
            date=r.opt("date", date),
            end_date=r.opt("end_date", date),
            places=r.many("place", slug),
            sub_event_of=r.opt("part_of", slug),
        )

    MENTIONS = ("entity", "as", "role", "evidence")

    def mention(self, r: _Record) -> Mention:
        forms = r.many("as", text)
        if not forms:
            raise DataError(
                "required field is missing: the spelling(s) the article uses", r.loc("as")
            )
        return Mention(
            entity=r.req("entity", slug),
            forms=forms,
            where=r.loc(),
            roles=r.many("role", text),
            evidence=self._quotes(r),
        )

    REPORTS = (
        "event",
        "date",
        "end_date",
        "date_text",
        "place",
        "participants",
        "evidence",
        "note",
    )

    def report(self, r: _Record) -> Report:
        inferred: dict[str, str] = {}
        report = Report(
            event=r.req("event", slug),
            where=r.loc(),
            date=r.inferable("date", date, inferred),
            end_date=r.inferable("end_date", date, inferred),
            date_text=r.opt("date_text", text),
            places=r.many("place", slug),
            participants=r.many("participants", self.participant),
            evidence=self._quotes(r),
            note=r.opt("note", text),
            inferred=inferred,
            field_lines=r.lines(),
        )
        if not report.evidence:
            raise DataError(
                "required field is missing: an exact quote from the article", r.loc("evidence")
            )
        return report

    def participant(self, value: Any, loc: Location) -> Participant:
        r = _Record(value, self.path, loc.field or "", ("actor", "role"), loc.line or 1)
        return Participant(
            actor=r.req("actor", slug),
            role=r.req("role", choice("role", self.vocab["role"])),
            where=r.loc(),
        )

    STATEMENTS = (
        "id",
        "kind",
        "text",
        "speaker",
        "channel",
        "source",
        "about",
        "date",
        "date_text",
        "evidence",
        "note",
    )

    def statement(self, r: _Record) -> Statement:
        inferred: dict[str, str] = {}
        s = Statement(
            id=r.req("id", slug),
            kind=StatementKind(r.req("kind", choice("statement kind", list(StatementKind)))),
            text=r.req("text", text),
            where=r.loc(),
            speaker=r.opt("speaker", slug),
            channel=r.opt("channel", slug),
            sources=r.many("source", slug),
            about=r.many("about", slug),
            date=r.inferable("date", date, inferred),
            date_text=r.opt("date_text", text),
            evidence=self._quotes(r),
            note=r.opt("note", text),
            inferred=inferred,
            field_lines=r.lines(),
        )
        if not s.evidence:
            raise DataError(
                "required field is missing: an exact quote from the article", r.loc("evidence")
            )
        return s

    FIGURES = (
        "id",
        "quantity",
        "hedge",
        "value",
        "lower",
        "upper",
        "counted",
        "about",
        "as_of",
        "period_start",
        "period_text",
        "speaker",
        "source",
        "evidence",
        "note",
    )

    def figure(self, r: _Record) -> Figure:
        inferred: dict[str, str] = {}
        f = Figure(
            id=r.req("id", slug),
            quantity=r.req("quantity", choice("quantity", self.vocab["quantity"])),
            hedge=r.req("hedge", choice("hedge", self.vocab["hedge"])),
            where=r.loc(),
            about=r.many("about", slug),
            counted=r.opt("counted", slug),
            value=r.opt("value", count),
            lower=r.opt("lower", count),
            upper=r.opt("upper", count),
            as_of=r.inferable("as_of", date, inferred),
            period_start=r.inferable("period_start", date, inferred),
            period_text=r.opt("period_text", text),
            speaker=r.opt("speaker", slug),
            sources=r.many("source", slug),
            evidence=self._quotes(r),
            note=r.opt("note", text),
            inferred=inferred,
            field_lines=r.lines(),
        )
        if not f.evidence:
            raise DataError(
                "required field is missing: an exact quote from the article", r.loc("evidence")
            )
        return f


# --- files and the corpus -------------------------------------------------------------------


def read_file(
    path: Path, vocab: Vocabulary, display: str | None = None, data: bytes | None = None
) -> ExtractionFile:
    """Read and check one extraction file on its own (references are checked by the corpus).
    With ``data``, those are the file's bytes (already read)."""
    shown = display or str(path)
    text = yamlstrict.read_text(path) if data is None else yamlstrict.decode(data, shown)
    doc = yamlstrict.load(text, shown)
    return _FileReader(shown, vocab).read(doc)


def extraction_paths(folder: Path) -> list[Path]:
    """The extraction files of a folder, sorted by name."""
    if not folder.exists():
        raise DataError("folder not found", Location(folder))
    if not folder.is_dir():
        raise DataError("not a folder", Location(folder))
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(".yaml") and e.is_file())
    paths = [folder / name for name in names]
    if not paths:
        raise DataError("no extraction files (*.yaml) in this folder", Location(folder))
    return paths


def load_corpus(folder: Path, vocab: Vocabulary) -> Corpus:
    """Read every extraction file of ``folder`` and check all references between them.

    Raises ValidationFailed listing every problem found (all files are read before failing).
    """
    errors: list[KgError] = []
    files: list[ExtractionFile] = []
    for path in extraction_paths(folder):
        try:
            files.append(read_file(path, vocab))
        except DataError as e:
            errors.append(e)
    corpus, ref_errors = link(files)
    if not errors:  # references into a file that failed to load would only add noise
        errors.extend(ref_errors)
    if errors:
        raise ValidationFailed(sorted(errors, key=_error_order))
    return corpus


def _error_order(e: KgError) -> tuple[str, int]:
    return (str(e.location.path or ""), e.location.line or 0)


def link(files: list[ExtractionFile]) -> tuple[Corpus, list[KgError]]:
    """Index the entities of all files and check every reference; return the problems found."""
    entities, errors = index_entities((f.entities(), f.article) for f in files)
    corpus = Corpus(files, entities)
    for f in files:
        errors.extend(check_references(corpus, f)[0])
    return corpus, errors


def index_entities(
    groups: Iterable[tuple[list[Entity], Article | None]],
) -> tuple[dict[str, Entity], list[KgError]]:
    """Entities by id from each file's (entities, article); duplicate ids are errors."""
    errors: list[KgError] = []
    entities: dict[str, Entity] = {}
    articles: dict[str, Article] = {}
    for defined, article in groups:
        for entity in defined:
            first = entities.get(entity.id)
            if first is not None:
                errors.append(
                    DataError(
                        f"duplicate id '{entity.id}' (also defined at {first.where.path}:"
                        f"{first.where.line})",
                        _id_loc(entity.where, entity.field_lines),
                    )
                )
            else:
                entities[entity.id] = entity
        if article is not None:
            first_article = articles.get(article.id)
            if first_article is not None:
                errors.append(
                    DataError(
                        f"duplicate article id '{article.id}' (also at "
                        f"{first_article.where.path}:"
                        f"{first_article.where.line})",
                        _id_loc(article.where, article.field_lines),
                    )
                )
            else:
                articles[article.id] = article
    return entities, errors


def check_references(corpus: Corpus, f: ExtractionFile) -> tuple[list[KgError], set[str]]:
    """The problems of one file's references, and the ids it refers to."""
    refs = _References(corpus, f)
    return refs.check(), refs.used


def _id_loc(where: Location, lines: dict[str, int]) -> Location:
    return Location(where.path, lines.get("id", where.line), f"{where.field}.id")


_KINDS: dict[str, tuple[type, ...]] = {
    "actor": (Actor,),
    "place": (Place, Actor),  # states are places too (checked below)
    "event": (Event,),
    "entity": (Actor, Place, Event),
    "mentionable": (Actor, Place),
}


class _References:
    """Checks the references of one file against the corpus index."""

    def __init__(self, corpus: Corpus, f: ExtractionFile) -> None:
        self.corpus = corpus
        self.f = f
        self.errors: list[KgError] = []
        self.mentioned: set[str] = {m.entity for m in f.mentions}
        self.used: set[str] = set()

    def ref(
        self,
        ident: str | None,
        kind: str,
        where: Location,
        key: str,
        lines: dict[str, int] | None = None,
        needs_mention: bool = False,
    ) -> None:
        if ident is None:
            return
        self.used.add(ident)
        loc = Location(where.path, (lines or {}).get(key, where.line), f"{where.field}.{key}")
        target = self.corpus.entities.get(ident)
        wanted = _KINDS[kind]
        if (
            target is None
            or not isinstance(target, wanted)
            or (kind == "place" and isinstance(target, Actor) and target.type != "state")
        ):
            candidates = [
                i
                for i, e in self.corpus.entities.items()
                if isinstance(e, wanted)
                and (kind != "place" or not isinstance(e, Actor) or e.type == "state")
            ]
            hint = difflib.get_close_matches(ident, candidates, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            if target is None:
                self.errors.append(DataError(f"unknown {kind} id '{ident}'{suggestion}", loc))
            else:
                self.errors.append(
                    DataError(
                        f"'{ident}' is a {type(target).__name__.lower()}, not a {kind}{suggestion}",
                        loc,
                    )
                )
            return
        if needs_mention and isinstance(target, Actor) and ident not in self.mentioned:
            self.errors.append(
                DataError(
                    f"actor '{ident}' has no entry under 'mentions' in this article: add it "
                    "with the spelling the article uses",
                    loc,
                )
            )

    def check(self) -> list[KgError]:
        f = self.f
        for actor in f.actors:
            for i in actor.part_of:
                self.ref(i, "actor", actor.where, "part_of", actor.field_lines)
            for i in actor.located_in:
                self.ref(i, "place", actor.where, "located_in", actor.field_lines)
        for place in f.places:
            for i in place.located_in:
                self.ref(i, "place", place.where, "located_in", place.field_lines)
        for event in f.events:
            for i in event.places:
                self.ref(i, "place", event.where, "place", event.field_lines)
            self.ref(event.sub_event_of, "event", event.where, "part_of", event.field_lines)
        if f.article is None:
            return self.errors
        a = f.article
        for i in a.authors:
            self.ref(i, "actor", a.where, "authors", a.field_lines)
        self.ref(a.outlet, "actor", a.where, "outlet", a.field_lines)
        seen: dict[str, Location] = {}
        for m in f.mentions:
            self.ref(m.entity, "mentionable", m.where, "entity")
            self._unique(seen, "mention of", m.entity, m.where)
        seen = {}
        for r in f.reports:
            self.ref(r.event, "event", r.where, "event", r.field_lines)
            self._unique(seen, "report of event", r.event, r.where)
            for i in r.places:
                self.ref(i, "place", r.where, "place", r.field_lines)
            for p in r.participants:
                self.ref(p.actor, "actor", p.where, "actor", needs_mention=True)
        seen = {}
        for s in f.statements:
            self._unique(seen, "statement id", s.id, s.where)
            self._statement_refs(s.where, s.field_lines, s.speaker, s.sources, s.about)
            self.ref(s.channel, "actor", s.where, "channel", s.field_lines, True)
        for fig in f.figures:
            self._unique(seen, "statement id", fig.id, fig.where)
            self._statement_refs(fig.where, fig.field_lines, fig.speaker, fig.sources, fig.about)
            self.ref(fig.counted, "actor", fig.where, "counted", fig.field_lines, True)
        return self.errors

    def _statement_refs(
        self,
        where: Location,
        lines: dict[str, int],
        speaker: str | None,
        sources: list[str],
        about: list[str],
    ) -> None:
        self.ref(speaker, "actor", where, "speaker", lines, True)
        for i in sources:
            self.ref(i, "actor", where, "source", lines, True)
        for i in about:
            self.ref(i, "entity", where, "about", lines, True)

    def _unique(self, seen: dict[str, Location], what: str, key: str, where: Location) -> None:
        if key in seen:
            self.errors.append(
                DataError(
                    f"duplicate {what} '{key}' in this article (first at line {seen[key].line})",
                    where,
                )
            )
        else:
            seen[key] = where
