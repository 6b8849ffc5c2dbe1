"""Stored SPARQL queries: their header, parameters bound as RDF terms, and running them.

A stored query is a ``.rq`` file whose leading comment lines say what it is::

    # title: Figures about an entity
    # description: Every figure an article states about the entity,
    #   one row per article and figure.
    # param: entity iri -- the actor, place or event (curated id, label or IRI)
    # param: limit integer = 100 -- at most this many rows

Parameter values are bound to the query's variables of the same name as RDF terms
(``initBindings``); they are never pasted into the query text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyparsing import ParseException
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import RDFS, SKOS, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.sparql import Query

from .errors import DataError, Location, UsageError
from .namespaces import ID, PREFIXES, N, new_graph
from .results import GraphLike, Rows, Term

PARAM_TYPES = ("iri", "string", "date", "integer")
_HEADER = re.compile(r"#\s?(\w+):\s*(.*)")
_PARAM = re.compile(r"(\w+)\s+(\w+)(?:\s*=\s*(.*?))?\s*--\s*(.+)")


@dataclass
class Param:
    name: str
    type: str
    help: str
    default: str | None = None


@dataclass
class StoredQuery:
    name: str
    path: Path
    text: str
    title: str
    description: str
    params: list[Param] = field(default_factory=list)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        valid = ", ".join(p.name for p in self.params) or "none"
        raise UsageError(f"query '{self.name}' has no parameter '{name}'; its parameters: {valid}")


def parse_header(text: str, path: Path) -> tuple[str, str, list[Param]]:
    """Read title, description and parameters from the leading comment block."""
    title = ""
    description: list[str] = []
    params: list[Param] = []
    last = ""
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        m = _HEADER.fullmatch(stripped)
        if m and m.group(1) in ("title", "description", "param"):
            key, value = m.groups()
            last = key
            if key == "title":
                title = value
            elif key == "description":
                description.append(value)
            else:
                pm = _PARAM.fullmatch(value)
                if not pm or pm.group(2) not in PARAM_TYPES:
                    raise DataError(
                        "param: write '# param: NAME TYPE [= DEFAULT] -- help' with TYPE one of "
                        + ", ".join(PARAM_TYPES),
                        Location(path, lineno),
                    )
                default = pm.group(3)
                if default is not None and len(default) >= 2 and default[0] == default[-1] == '"':
                    default = default[1:-1]
                params.append(Param(pm.group(1), pm.group(2), pm.group(4), default))
        elif last == "description" and stripped.lstrip("#").strip():
            description.append(stripped.lstrip("#").strip())
    if not title:
        raise DataError("missing '# title:' header line", Location(path, 1))
    return title, " ".join(description), params


def load_query(path: Path) -> StoredQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("file not found", Location(path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read as UTF-8 text: {e}", Location(path)) from None
    title, description, params = parse_header(text, path)
    return StoredQuery(path.stem, path, text, title, description, params)


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
            f"unknown query '{name}'; {suggestion}stored queries: " + ", ".join(queries)
        )
    return queries[name]


def prepare(text: str, path: str | Path) -> Query:
    """Parse a SELECT/ASK/CONSTRUCT/DESCRIBE query; errors at ``path:line:column``.

    Update requests (INSERT, DELETE, LOAD, CLEAR, DROP...) are refused.
    """
    try:
        return prepareQuery(text, initNs=PREFIXES)
    except ParseException as e:
        if _is_update(text):
            raise UsageError(
                "update queries are refused: kg only reads the graph", Location(path)
            ) from None
        raise DataError(
            f"SPARQL syntax error: {e.msg}", Location(path, e.lineno, column=e.col)
        ) from None
    except Exception as e:  # rdflib raises plain Exceptions for some semantic errors
        raise DataError(f"SPARQL error: {e}", Location(path)) from None


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


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
        bindings[Variable(p.name)] = to_term(p, raw, graph)
    return bindings


def to_term(p: Param, raw: str, graph: GraphLike | None) -> URIRef | Literal:
    if p.type == "string":
        return Literal(raw)
    if p.type == "integer":
        if not re.fullmatch(r"-?\d+", raw.strip()):
            raise UsageError(f"parameter '{p.name}' must be an integer, got {raw!r}")
        return Literal(int(raw))
    if p.type == "date":
        try:
            dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise UsageError(
                f"parameter '{p.name}' must be a date YYYY-MM-DD, got {raw!r}"
            ) from None
        return Literal(raw.strip(), datatype=XSD.date)
    return resolve_iri(p.name, raw, graph)


_LABELS = (RDFS.label, SKOS.altLabel, SKOS.prefLabel, N.surfaceForm, N.title)


def resolve_iri(name: str, raw: str, graph: GraphLike | None) -> URIRef:
    """An entity by full IRI, prefixed name, curated id or (case-insensitive) label.

    Ids and labels need the built graph; without it only IRIs and prefixed names resolve.
    """
    value = raw.strip()
    if value.startswith("<") and value.endswith(">"):
        return URIRef(value[1:-1])
    if re.match(r"https?://", value):
        return URIRef(value)
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES:
        return URIRef(PREFIXES[prefix] + local)
    if graph is None:
        raise UsageError(
            f"parameter '{name}': without a built graph, give an IRI or a prefixed name "
            f"such as actor:{value}"
        )
    candidates = {ID[f"{kind}/{value}"] for kind in ("actor", "place", "event", "article")}
    found = sorted(c for c in candidates if (c, None, None) in graph)
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


_OPAQUE = (
    r'#[^\n]*|"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>"
)
"""Comments, strings and IRIs: text in which a keyword or brace is not one."""
_TOKEN = re.compile(_OPAQUE + r"|\bWHERE\b|\{", re.IGNORECASE)


def with_values(text: str, bindings: dict[Variable, Any]) -> str:
    """The query with a ``VALUES`` block of the bound terms at the start of its WHERE group.

    Each term is written by rdflib in N-Triples syntax (escaped), so a value can only ever be
    an RDF term: this is how parameters reach an endpoint that has no binding API.
    """
    if not bindings:
        return text
    names = sorted(bindings, key=str)
    block = (
        "VALUES ("
        + " ".join(f"?{v}" for v in names)
        + ") { ("
        + " ".join(bindings[v].n3() for v in names)
        + ") }"
    )
    return insert_in_where(text, block)


def insert_in_where(text: str, block: str) -> str:
    """``text`` with ``block`` inserted just inside its (first) WHERE group."""
    seen_where = False
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if token.upper() == "WHERE":
            seen_where = True
        elif token == "{" and seen_where:
            return text[: m.end()] + " " + block + " " + text[m.end() :]
    raise UsageError("cannot bind parameters: the query has no WHERE clause")


_PROJECTION = re.compile(_OPAQUE + r"|\bSELECT\b|\bWHERE\b|\{|[?$]\w+|\*", re.IGNORECASE)


def projecting(text: str, names: list[str]) -> tuple[str, list[str]] | None:
    """The query with ``names`` added to its (outermost) SELECT clause, and which of them
    were added; None if it is not a SELECT query. Engines that bind parameters by
    substitution need them projected."""
    selected: set[str] = set()
    in_select = False
    for m in _PROJECTION.finditer(text):
        token = m.group(0)
        upper = token.upper()
        if upper == "SELECT" and not in_select:
            in_select = True
        elif in_select and token == "*":
            return text, []
        elif in_select and token[0] in "?$":
            selected.add(token[1:])
        elif in_select and (upper == "WHERE" or token == "{"):
            added = [n for n in names if n not in selected]
            extra = "".join(f"?{n} " for n in added)
            return text[: m.start()] + extra + text[m.start() :], added
    return None


def has_order_by(text: str) -> bool:
    without_comments = re.sub(r"#[^\n]*", "", text)
    return re.search(r"\bORDER\s+BY\b", without_comments, re.IGNORECASE) is not None


def execute(
    graph: Graph, query: Query, text: str, bindings: dict[Variable, Any] | None = None
) -> Rows | bool | Graph:
    """Run a prepared query on the embedded engine (rdflib).

    SELECT gives Rows (in the query's ORDER BY, else sorted), ASK a bool, CONSTRUCT and DESCRIBE
    a Graph.
    """
    result = graph.query(query, initBindings=bindings or {})  # type: ignore[arg-type]
    if result.type == "ASK":
        return bool(result.askAnswer)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        out = new_graph()
        for triple in result:
            out.add(triple)  # type: ignore[arg-type]
        return out
    variables = [str(v) for v in (result.vars or [])]
    rows: list[tuple[Term, ...]] = [tuple(row) for row in result]  # type: ignore[arg-type]
    if not has_order_by(text):
        rows.sort(key=lambda row: tuple("" if t is None else t.n3() for t in row))
    return Rows(variables, rows)


def load_graph(path: Path) -> Graph:
    """The built graph (``build/kg.nt``), for the embedded engine."""
    if not path.is_file():
        raise DataError(f"no built graph at {path}: run `kg build` first", Location(path))
    g = new_graph()
    g.parse(path, format="nt")
    return g
