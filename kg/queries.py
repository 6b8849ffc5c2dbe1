"""Stored SPARQL queries: finding them, and their parameter values as RDF terms.

A stored query is a ``.rq`` file whose leading comment lines say what it is::

    # title: Figures about an entity
    # description: Every figure an article states about the entity,
    #   one row per article and figure.
    # param: entity iri -- the actor, place or event (curated id, label or IRI)
    # param: limit integer = 100 -- at most this many rows
    # example: entity=iraq

(read by ``kg.sparqltext.parse_header``). An example gives a value that returns rows on the
project's corpus (``extractions/``); the tests run every query with its examples on every
engine. Parameter values are bound to the query's variables of the same name as RDF terms
(``kg.engine``); they are never pasted into the query text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef, Variable
from rdflib.namespace import RDFS, SKOS, XSD

from .errors import DataError, FileError, Location, UsageError
from .fsutil import read_regular
from .namespaces import ID, PREFIXES, SLUG, N
from .results import GraphLike
from .sparqltext import PARAM_TYPES, Param, parse_header

__all__ = ["PARAM_TYPES", "Param", "StoredQuery", "bind", "find", "load_query", "stored_queries"]


@dataclass
class StoredQuery:
    name: str
    path: Path
    text: str
    title: str
    description: str
    params: list[Param] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        valid = ", ".join(p.name for p in self.params) or "none"
        raise UsageError(f"query '{self.name}' has no parameter {name!r}; its parameters: {valid}")


def load_query(path: Path) -> StoredQuery:
    try:
        text = read_regular(path).decode("utf-8")  # a folder or a FIFO is a located error
    except FileError as e:
        if e.message == "file not found":
            raise UsageError("file not found", Location(path)) from None
        raise
    except UnicodeDecodeError as e:
        raise DataError(f"cannot read as UTF-8 text: {e}", Location(path)) from None
    h = parse_header(text, path)
    return StoredQuery(path.stem, path, text, h.title, h.description, h.params, h.examples)


def stored_queries(folder: Path) -> dict[str, StoredQuery]:
    """Every ``*.rq`` file of the folder, by name."""
    if not folder.is_dir():
        raise DataError("queries folder not found", Location(folder))
    return {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}


def find(folder: Path, name: str) -> StoredQuery:
    queries = stored_queries(folder)
    if name not in queries:
        hint = difflib.get_close_matches(name, list(queries), n=1)
        suggestion = f"did you mean '{hint[0]}'? " if hint else ""
        raise UsageError(
            f"unknown query {name!r}; {suggestion}stored queries: " + ", ".join(queries)
        )
    return queries[name]


# --- parameter values -------------------------------------------------------------------------


def bind(
    query: StoredQuery, values: dict[str, str], graph: GraphLike | None
) -> dict[Variable, Any]:
    """Turn ``-p name=value`` strings into RDF terms of each parameter's declared type."""
    for name in values:
        query.param(name)  # unknown names fail with the list of valid ones
    bindings: dict[Variable, Any] = {}
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            raise UsageError(f"query '{query.name}' needs -p {p.name}=VALUE ({p.type}): {p.help}")
        if raw == "" and p.type == "iri":  # an optional filter, left out: matches anything
            continue
        bindings[Variable(p.name)] = to_term(p, raw, graph)
    return bindings


INTEGER_MIN, INTEGER_MAX = -(2**63), 2**63 - 1
"""The integers every engine represents (pyoxigraph's xsd:integer is 64 bits)."""
_INTEGER = re.compile(r"-?[0-9]+")
_DATES = (  # a date parameter at the precision given: a day, a month or a year
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), XSD.date, ""),
    (re.compile(r"[0-9]{4}-[0-9]{2}"), XSD.gYearMonth, "-01"),
    (re.compile(r"[0-9]{4}"), XSD.gYear, "-01-01"),
)
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\\x7f-\x9f]*")


def to_term(p: Param, raw: str, graph: GraphLike | None) -> URIRef | Literal:
    """The value as an RDF term of the parameter's type. Only what means the same to Python
    and to every engine is accepted: integers as ASCII digits (an optional ``-``, no blanks,
    ``+``, ``_`` or other scripts' digits) within 64 bits, dates as ``YYYY-MM-DD`` (not
    ``20200103`` or week dates), text that is valid Unicode; anything else is a UsageError."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"parameter '{p.name}' is not valid text (not UTF-8): {raw!r}") from None
    if p.type == "string":
        return Literal(raw)
    if p.type == "integer":
        if not _INTEGER.fullmatch(raw):
            raise UsageError(f"parameter '{p.name}' must be an integer, got {raw!r}")
        if len(raw.lstrip("-").lstrip("0")) > 19 or not INTEGER_MIN <= int(raw) <= INTEGER_MAX:
            raise UsageError(
                f"parameter '{p.name}' must be an integer from {INTEGER_MIN} to {INTEGER_MAX} "
                f"(64 bits, what every engine represents), got {raw[:40]}"
                + ("..." if len(raw) > 40 else "")
            )
        return Literal(int(raw))
    if p.type == "date":
        for pattern, datatype, padding in _DATES:
            if pattern.fullmatch(raw):
                try:
                    dt.date.fromisoformat(raw + padding)
                except ValueError:
                    break
                return Literal(raw, datatype=datatype)
        raise UsageError(
            f"parameter '{p.name}' must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, "
            f"got {raw!r}"
        )
    return resolve_iri(p.name, raw, graph)


def _iri(name: str, value: str) -> URIRef:
    """``value`` as an IRI, if it is one every engine accepts (no blanks, controls or
    ``<>"{}|^`\\``)."""
    if not _IRI.fullmatch(value):
        raise UsageError(f"parameter '{name}': {value!r} is not an IRI")
    return URIRef(value)


_LABELS = (RDFS.label, SKOS.altLabel, SKOS.prefLabel, N.surfaceForm, N.title)


def resolve_iri(name: str, raw: str, graph: GraphLike | None) -> URIRef:
    """An entity by full IRI, prefixed name, curated id or (case-insensitive) label.

    Ids and labels need the built graph; without it only IRIs and prefixed names resolve.
    """
    value = raw.strip()
    if value.startswith("<") and value.endswith(">"):
        return _iri(name, value[1:-1])
    if re.match(r"https?://", value):
        return _iri(name, value)
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES:
        return _iri(name, PREFIXES[prefix] + local)
    if graph is None:
        raise UsageError(
            f"parameter '{name}': without a built graph, give an IRI or a prefixed name "
            f"such as actor:{value}"
        )
    found: list[URIRef] = []
    if SLUG.fullmatch(value):  # a curated id (only a slug can be one)
        kinds = ("actor", "place", "event", "work", "article")
        found = sorted(c for c in (ID[f"{k}/{value}"] for k in kinds) if (c, None, None) in graph)
    if not found:
        wanted = value.casefold()
        hits: set[URIRef] = set()
        for prop in _LABELS:
            for s, o in graph.subject_objects(prop):
                if isinstance(o, Literal) and str(o).casefold() == wanted:
                    target = graph.value(s, N.denotes) if prop == N.surfaceForm else s
                    if isinstance(target, URIRef):
                        hits.add(target)
        found = sorted(hits)
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(f"parameter '{name}': no entity with id or label {raw!r}")
    raise UsageError(
        f"parameter '{name}': {raw!r} is ambiguous: " + ", ".join(str(f) for f in found)
    )
