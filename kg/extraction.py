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

from . import model, schema, yamlstrict
from .errors import DataError, KgError, Location, ValidationFailed
from .model import (
    Actor,
    Article,
    Corpus,
    Date,
    Entity,
    Event,
    ExtractionFile,
    Place,
    Quote,
    Work,
)
from .namespaces import LINKS_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH, SLUG
from .yamlstrict import LMap, line_of

T = TypeVar("T")
Vocabulary = dict[str, list[str]]  # scheme name -> allowed slugs, in ontology order
Parser = Callable[[Any, Location], Any]  # (YAML value, where it is) -> model value

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

    def req(
        self,
        key: str,
        parse: Callable[[Any, Location], T],
        missing: str = "required field is missing",
    ) -> T:
        if self.node.get(key) is None:
            raise DataError(missing, self.loc(key))
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
            rec = _Record(value, self.path, self._sub(key), schema.INFERRED.keys, value.line)
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


MAX_COUNT = 2**63 - 1
"""The largest count: what every engine and validator the graph goes to holds as an integer
(xsd:integer is unbounded, but stores and validators use 64 bits and disagree beyond)."""


def count(value: Any, loc: Location) -> int:
    s = text(value, loc).strip()
    if not re.fullmatch(r"\d+", s):
        raise DataError(f"{s!r} is not a count: write a whole number >= 0, digits only", loc)
    digits = "".join(str(int(c)) for c in s).lstrip("0")  # any script's digits, no leading 0s
    if len(digits) > len(str(MAX_COUNT)) or int(digits or "0") > MAX_COUNT:
        shown = repr(s) if len(s) <= 25 else f"'{s[:20]}…' ({len(s):,} digits)"
        raise DataError(
            f"{shown} is too large for a count: the largest is {MAX_COUNT:,} (2^63 - 1)", loc
        )
    return int(digits or "0")


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


# --- records ---------------------------------------------------------------------------------


class _FileReader:
    """Reads one extraction file's sections into model objects, as ``kg.schema`` declares them."""

    def __init__(self, path: str, vocab: Vocabulary) -> None:
        self.path = path
        self.vocab = vocab
        self._plans: dict[schema.Record, list[tuple[schema.Field, Parser]]] = {}

    def read(self, doc: Any) -> ExtractionFile:
        if doc is None:
            raise DataError(
                "empty file: expected 'article:' and/or entity sections", Location(self.path, 1)
            )
        top = _Record(doc, self.path, "", [s.key for s in schema.SECTIONS], line_of(doc, 1))
        out = ExtractionFile(self.path)
        has_article = top.node.get("article") is not None
        for section in schema.SECTIONS:
            if section.article_only and not has_article:
                if top.node.get(section.key):
                    raise DataError(
                        "only an article file (with 'article:') can have " + section.key,
                        top.loc(section.key),
                    )
                continue
            setattr(out, section.key, self._section(top, section))
        if not has_article and not out.entities():
            raise DataError(
                "no article and no entities: nothing to read", Location(self.path, line_of(doc, 1))
            )
        return out

    def _section(self, top: _Record, section: schema.Section) -> Any:
        spec = schema.RECORDS[section.record]
        node = top.node.get(section.key)
        line = top.loc(section.key).line or 1
        if not section.many:
            return None if node is None else self.record(spec, node, section.key, line)
        if node is None:
            return []
        if not isinstance(node, list):
            raise DataError(
                f"expected a list of entries, got a {_kind(node)}", top.loc(section.key)
            )
        return [
            self.record(spec, item, f"{section.key}[{i}]", line_of(item, line))
            for i, item in enumerate(node)
        ]

    def record(self, spec: schema.Record, node: Any, field: str, line: int) -> Any:
        """The model object of one record; required fields are read first."""
        r = _Record(node, self.path, field, spec.keys, line)
        inferred: dict[str, str] = {}
        found: dict[str, Any] = {}
        plan = self._plans.get(spec)
        if plan is None:  # required single-valued fields first: a missing one is reported first
            order = sorted(spec.fields, key=lambda f: not (f.required and not f.many))
            plan = self._plans[spec] = [(f, self._parser(f.type)) for f in order]
        for f, parse in plan:
            found[f.name] = self._value(r, f, parse, inferred)
        if any(f.inferable for f in spec.fields):
            found["inferred"] = inferred
        obj = getattr(model, spec.cls)(where=r.loc(), field_lines=r.lines(), **found)
        if isinstance(obj, Actor) and obj.located_in and obj.type != "state":
            raise DataError(
                "only a state (a place too) can be located in a place", r.loc("located_in")
            )
        return obj

    def _value(self, r: _Record, f: schema.Field, parse: Parser, inferred: dict[str, str]) -> Any:
        if f.many:
            items = r.many(f.key, parse)
            if f.required and not items:
                raise DataError(_missing(f), r.loc(f.key))
            return items
        if f.inferable:
            return r.inferable(f.key, parse, inferred)
        if f.required:
            return r.req(f.key, parse, _missing(f))
        return r.opt(f.key, parse)

    def _parser(self, t: schema.FieldType) -> Parser:
        if isinstance(t, schema.Scalar):
            return _SCALARS[t.name]
        if isinstance(t, schema.Vocab):
            return choice(t.scheme.replace("-", " "), self.vocab[t.scheme])
        if isinstance(t, schema.Classes):
            return choice(t.what, t.values())
        if isinstance(t, schema.Ref):
            return slug
        spec = schema.RECORDS[t.record]
        return lambda value, loc: self.record(spec, value, loc.field or "", loc.line or 1)


def _missing(f: schema.Field) -> str:
    return "required field is missing" + (f": {f.missing}" if f.missing else "")


def quote(value: Any, loc: Location) -> Quote:
    return Quote(text(value, loc), loc)


_SCALARS: dict[str, Parser] = {
    "text": text,
    "slug": slug,
    "date": date,
    "count": count,
    "url": url,
    "file name": file_name,
    "quote": quote,
}


# --- files and the corpus -------------------------------------------------------------------


def read_file(
    path: Path, vocab: Vocabulary, display: str | None = None, data: bytes | None = None
) -> ExtractionFile:
    """Read and check one extraction file on its own (references are checked by the corpus).
    With ``data``, those are the file's bytes (already read)."""
    shown = display or str(path)
    text = yamlstrict.read_text(path) if data is None else yamlstrict.decode(data, shown)
    doc = yamlstrict.load(text, shown)
    f = _FileReader(shown, vocab).read(doc)
    if f.article is None and Path(shown).stem in _RESERVED:
        raise DataError(
            f"a file without an article names its graph after the file: id/graph/"
            f"{Path(shown).stem} is the {_RESERVED[Path(shown).stem]}'s graph; rename the file",
            Location(shown),
        )
    return f


_RESERVED = {
    str(graph).rsplit("/", 1)[1]: what
    for graph, what in (
        (ONTOLOGY_GRAPH, "ontology"),
        (LINKS_GRAPH, "Wikidata links"),
        (METADATA_GRAPH, "dataset description"),
    )
}


def extraction_paths(folder: Path) -> list[Path]:
    """The extraction files of a folder, sorted by name."""
    if not folder.exists():
        raise DataError("folder not found", Location(folder))
    if not folder.is_dir():
        raise DataError("not a folder", Location(folder))
    with os.scandir(folder) as entries:
        # a folder or a FIFO named *.yaml is an error when read; a dangling symbolic link
        # (an editor's lock file, .#name.yaml) is skipped
        names = sorted(
            e.name
            for e in entries
            if e.name.endswith(".yaml") and (e.is_file() or not e.is_symlink())
        )
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
    "work": (Work,),
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
        ident: str,
        kind: str,
        where: Location,
        key: str,
        lines: dict[str, int],
        needs_mention: bool,
    ) -> None:
        self.used.add(ident)
        loc = Location(where.path, lines.get(key, where.line), f"{where.field}.{key}")
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
        seen: dict[str, dict[str, Location]] = {}  # what must be unique -> key -> first place
        for spec, obj in schema.walk(self.f):
            if spec.unique is not None:
                key, what = spec.unique
                self._unique(seen.setdefault(what, {}), what, getattr(obj, key), obj.where)
            for f in spec.fields:
                if isinstance(f.type, schema.Ref):
                    for ident in schema.values(obj, f):
                        self.ref(ident, f.type.kind, obj.where, f.key, obj.field_lines, f.mention)
        return self.errors

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
