"""The reviewed links file (``links/wikidata.csv``): read and check it, write it, and turn its
accepted rows into ``entity skos:exactMatch wd:QID`` in the graph.

Kept apart from ``kg.linking`` (which searches Wikidata and scores candidates), so that a build
reads the links without importing the HTTP client.

The file has one row per entity (accepted, proposed or no-match) plus one row per rejected
item, sorted (``row_order``). A row whose ``decided_by`` is not ``auto`` and whose status is not
proposed is a person's decision (``LinkRow.decision``), which ``kg link`` keeps as it is.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula. In the free-text columns (``FREE_TEXT``: label, matched, decided_by,
note; the others only ever hold ids, numbers and statuses, checked when read) such a value is
written with a ``'`` before it (OWASP's advice), and so is a value that already starts with
``'`` followed, after any more ``'``, by one of those characters; reading drops that one
``'`` again, so the text read is the text written (``cell`` and ``uncell``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import SKOS

from .convert import Converted, Triple, entity_iri
from .errors import DataError, FileError, KgError, Location, ValidationFailed
from .fsutil import read_regular
from .model import Actor, Corpus, Event, Place
from .namespaces import LINKS_GRAPH, SLUG, WIKIDATA


class Status(StrEnum):
    """The status of a row: what the curator (or ``kg link``) decided about the item."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PROPOSED = "proposed"
    NO_MATCH = "no-match"


COLUMNS = ("entity", "kind", "qid", "label", "score", "matched", "status", "decided_by", "note")
AUTO = "auto"
DEFAULT_LINKS = Path("links/wikidata.csv")


def default_links(extractions: Path) -> Path:
    """Where the links file of an extraction folder is: ``links/wikidata.csv`` beside it."""
    return extractions.parent / DEFAULT_LINKS


QID = re.compile(r"Q[1-9][0-9]*")
FREE_TEXT = frozenset(("label", "matched", "decided_by", "note"))
"""Columns of free text, whose cells may start like a spreadsheet formula."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(value: str) -> bool:
    return value.lstrip("'").startswith(FORMULA_START)


def cell(value: str) -> str:
    """A free-text value as written in the file: ``'`` before one a spreadsheet would run."""
    return "'" + value if _formula_like(value) else value


def uncell(value: str) -> str:
    """The value a free-text cell holds (``cell`` undone)."""
    return value[1:] if value.startswith("'") and _formula_like(value) else value


def qid_order(qid: str) -> tuple[int, str]:
    """Sort key of item ids: Q2 before Q10."""
    return (len(qid), qid)


@dataclass(frozen=True)
class LinkRow:
    """One row of the links file; ``line`` is where it was read (None for new rows)."""

    entity: str
    kind: str
    qid: str
    label: str
    score: str
    matched: str
    status: Status
    decided_by: str
    note: str
    line: int | None = field(default=None, compare=False)

    @property
    def decision(self) -> bool:
        """A person's decision, which ``kg link`` keeps as it is."""
        return self.decided_by != AUTO and self.status is not Status.PROPOSED

    def values(self) -> tuple[str, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)


def row_order(row: LinkRow) -> tuple[str, bool, tuple[int, str]]:
    """Sorted by entity; the current row first, then rejected items by QID."""
    return (row.entity, row.status is Status.REJECTED, qid_order(row.qid))


def read_links(path: Path) -> list[LinkRow]:
    """Read and check a links file; every problem is a located ``path:line: field: message``."""
    return parse_links(read_links_bytes(path), path)


def read_links_bytes(path: Path) -> bytes:
    """The links file's bytes: a regular file, or a located error (never blocks on a FIFO)."""
    try:
        return read_regular(path)
    except FileError as e:
        if e.message == "file not found":
            raise FileError("links file not found", Location(path)) from None
        raise


def parse_links(data: bytes, path: Path) -> list[LinkRow]:
    """The rows of the links file ``path`` whose bytes are ``data``, checked."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason})", Location(path)) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[KgError] = []
    rows: list[LinkRow] = []
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            raise DataError(
                f"expected the columns {','.join(COLUMNS)}", Location(path, 1, "header")
            )
        while True:
            line = reader.line_num + 1
            record = next(reader, None)
            if record is None:
                break
            if not record or all(not v.strip() for v in record):
                continue
            try:
                rows.append(_row(record, Location(path, line)))
            except DataError as e:
                errors.append(e)
    except csv.Error as e:
        raise DataError(f"not valid CSV ({e})", Location(path, reader.line_num, "row")) from None
    errors += _check_rows(rows, path)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ValidationFailed(sorted(errors, key=lambda e: e.location.line or 0))
    return rows


def _row(record: list[str], at: Location) -> LinkRow:
    def loc(name: str) -> Location:
        return Location(at.path, at.line, name)

    if len(record) != len(COLUMNS):
        raise DataError(f"expected {len(COLUMNS)} fields, found {len(record)}", loc("row"))
    v = dict(zip(COLUMNS, (x.strip() for x in record), strict=True))
    v.update({name: uncell(v[name]) for name in FREE_TEXT})
    if not SLUG.fullmatch(v["entity"]):
        raise DataError(f"{v['entity']!r} is not an entity id (a lowercase slug)", loc("entity"))
    given = v.pop("status")
    if given not in list(Status):
        raise DataError(f"unknown status {given!r}; allowed: {', '.join(Status)}", loc("status"))
    status = Status(given)
    if status is Status.NO_MATCH:
        if v["qid"]:
            raise DataError("a no-match row has no QID; leave qid empty", loc("qid"))
    elif not QID.fullmatch(v["qid"]):
        shown = repr(v["qid"]) if v["qid"] else "empty"
        raise DataError(
            f"{shown} is not a Wikidata item id (Q followed by digits, e.g. Q796)", loc("qid")
        )
    if v["score"]:
        try:
            score = float(v["score"])
        except ValueError:
            score = -1.0
        if not 0.0 <= score <= 1.0:
            raise DataError(f"{v['score']!r} is not a number from 0 to 1", loc("score"))
    if not v["decided_by"]:
        raise DataError("empty; write auto, or who decided (e.g. curator)", loc("decided_by"))
    if status is Status.REJECTED and v["decided_by"] == AUTO:
        raise DataError(
            "only a person rejects a link: write who decided (e.g. curator)", loc("decided_by")
        )
    return LinkRow(**v, status=status, line=at.line)


def _check_rows(rows: list[LinkRow], path: Path) -> list[KgError]:
    errors: list[KgError] = []
    seen: dict[tuple[str, str], LinkRow] = {}
    current: dict[str, LinkRow] = {}
    for row in rows:
        if row.qid:
            first = seen.setdefault((row.entity, row.qid), row)
            if first is not row:
                errors.append(
                    DataError(
                        f"{row.qid} for '{row.entity}' is already on line {first.line}",
                        Location(path, row.line, "qid"),
                    )
                )
                continue
        if row.status is not Status.REJECTED:
            other = current.setdefault(row.entity, row)
            if other is not row:
                errors.append(
                    DataError(
                        f"'{row.entity}' already has a {other.status} row (line {other.line}); "
                        "keep one accepted, proposed or no-match row per entity",
                        Location(path, row.line, "entity"),
                    )
                )
    return errors


def render_links(rows: Iterable[LinkRow]) -> bytes:
    """The links file: a header and the rows, sorted; the same rows give the same bytes.
    Free-text cells that a spreadsheet would run as a formula get a ``'`` first (``cell``)."""
    lines = [",".join(COLUMNS)]
    for row in sorted(rows, key=row_order):
        values = (
            cell(value) if name in FREE_TEXT else value
            for name, value in zip(COLUMNS, row.values(), strict=True)
        )
        lines.append(",".join(_quoted(value) for value in values))
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _quoted(value: str) -> str:
    """A CSV field as csv.writer writes it, but quoted when it holds a carriage return too
    (csv.writer leaves a lone CR bare, which any reader takes for the end of the row)."""
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def apply_links(converted: Converted, corpus: Corpus, path: Path) -> list[KgError]:
    """Add ``entity skos:exactMatch wd:QID`` for every accepted row, in the named graph
    ``LINKS_GRAPH``; return the problems.

    Raises for a malformed file; an accepted row for an unknown entity or an event is
    returned as a located error.
    """
    errors: list[KgError] = []
    triples: list[Triple] = []
    for row in read_links(path):
        if row.status is not Status.ACCEPTED:
            continue
        entity = corpus.entities.get(row.entity)
        if not isinstance(entity, Actor | Place | Event):
            what = "no actor, place or event has this id" if entity is None else "it is a work"
            errors.append(
                DataError(
                    f"cannot link '{row.entity}': {what}; only actors, places and events are "
                    "linked",
                    Location(path, row.line, "entity"),
                )
            )
            continue
        triple = (entity_iri(entity), SKOS.exactMatch, URIRef(WIKIDATA + row.qid))
        triples.append(triple)
        converted.where.setdefault(triple[:2], Location(path, row.line, "qid"))
    if triples:
        converted.parts.setdefault(LINKS_GRAPH, []).extend(triples)
    return errors
