"""SPARQL as text: a small tokenizer, and the few edits kg makes to a query before an engine
sees it (parameters as a VALUES block, parameters added to the projection, the project's
prefixes declared), plus the header comment of a stored query.

Every edit keeps the query's line numbers: text is only ever inserted inside a line, so an
engine's ``line:column`` still points into the file the user wrote (columns may shift on the
line that received the insertion).

A stored query's header is its leading comment block::

    # title: Figures about an entity
    # description: Every figure an article states about the entity,
    #   one row per article and figure.
    # param: entity iri -- the actor, place or event (curated id, label or IRI)
    # param: limit integer = 100 -- at most this many rows
    # example: entity=iraq
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError, Location, UsageError

OPAQUE = (
    r'#[^\n]*|"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>"
)
"""Comments, strings and IRIs: text in which a keyword or brace is not one."""

_TOKEN = re.compile(
    rf"(?P<opaque>{OPAQUE})"
    r"|(?P<var>[?$]\w+)"
    r"|(?P<pname>(?:[A-Za-z_][\w.-]*)?:[\w.:%-]*)"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<punct>\S)"
)

_UPDATE_WORDS = frozenset(
    ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
)
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@dataclass(frozen=True)
class Token:
    kind: str  # opaque (comment, string, IRI), var, pname, word, punct
    text: str
    start: int
    end: int
    depth: int  # braces and parentheses open before this token

    @property
    def word(self) -> str:
        """The keyword, upper case ('' if the token is not a bare word)."""
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a query that matter for kg's edits; comments, strings and IRIs are one
    opaque token each, so a keyword or a brace inside them is not seen."""
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        value = m.group(0)
        if kind == "opaque" and value.startswith("#"):
            kind = "comment"
        if value in ")}":
            depth -= 1
        yield Token(kind, value, m.start(), m.end(), depth)
        if value in "({":
            depth += 1


def _code(text: str) -> Iterator[Token]:
    return (t for t in tokens(text) if t.kind != "comment")


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; UPDATE for an update request; None if neither
    (the engine's parser will say what is wrong)."""
    for t in _code(text):
        if t.word in ("PREFIX", "BASE"):
            continue
        if t.word in QUERY_FORMS:
            return t.word
        if t.word in _UPDATE_WORDS:
            return "UPDATE"
        if t.kind in ("word", "var", "punct"):
            return None
    return None


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def expand_codepoints(text: str) -> str:
    """The text with SPARQL's codepoint escapes (``\\u0053``, ``\\U00000053``) replaced by their
    characters, as the SPARQL grammar says to do before parsing (rdflib does; pyoxigraph reads
    them inside strings only)."""

    def char(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    return _CODEPOINT.sub(char, text)


def readings(text: str) -> list[str]:
    """Every way an engine may read the query: as written, and with codepoint escapes
    expanded first (when that differs). A check of the text must hold for both."""
    expanded = expand_codepoints(text)
    return [text] if expanded == text else [text, expanded]


@dataclass(frozen=True)
class Found:
    """A keyword found in a query: the word, and its line and column (1-based) in the text
    as written (None when it only appears once codepoint escapes are expanded)."""

    word: str
    line: int | None
    column: int | None


def find_keywords(text: str, words: frozenset[str]) -> Found | None:
    """The first of ``words`` (upper case) used as a keyword anywhere in the query (at any
    depth: in subqueries too), never in a string, comment or IRI, in any reading of it."""
    for n, reading in enumerate(readings(text)):
        for t in _code(reading):
            if t.word in words:
                if n:
                    return Found(t.word, None, None)
                line = reading.count("\n", 0, t.start) + 1
                column = t.start - (reading.rfind("\n", 0, t.start) + 1) + 1
                return Found(t.word, line, column)
    return None


def declared_prefixes(text: str) -> set[str]:
    """The prefixes a query declares itself (``PREFIX nkg: <...>`` gives ``nkg``)."""
    found: set[str] = set()
    previous = ""
    for t in _code(text):
        if previous == "PREFIX" and t.kind == "pname":
            found.add(t.text.rstrip(":").partition(":")[0])
        previous = t.word
    return found


def used_prefixes(text: str) -> set[str]:
    """The prefixes of the prefixed names a query uses (``actor:iran`` gives ``actor``)."""
    return {t.text.partition(":")[0] for t in _code(text) if t.kind == "pname"}


def with_prefixes(text: str, prefixes: Mapping[str, str]) -> str:
    """The query with a PREFIX declaration for each of ``prefixes`` it uses and does not
    declare itself, all on its first line (so the line numbers an engine reports stay
    right; the ones it does not use are left out, so a short query stays short)."""
    wanted = used_prefixes(text) - declared_prefixes(text)
    added = "".join(
        f"PREFIX {name}: <{ns}> " for name, ns in sorted(prefixes.items()) if name in wanted
    )
    return added + text


def has_order_by(text: str) -> bool:
    """Whether the (outermost) query has an ORDER BY clause."""
    previous = ""
    for t in _code(text):
        if previous == "ORDER" and t.word == "BY" and t.depth == 0:
            return True
        previous = t.word
    return False


def where_group_start(text: str) -> int:
    """The offset just inside the query's WHERE group (the ``{`` after WHERE, or for a
    SELECT, ASK or DESCRIBE without the keyword, its first group)."""
    form = query_form(text)
    seen_where = False
    after_form = False
    for t in _code(text):
        if t.depth != 0:
            continue
        if t.word in QUERY_FORMS:
            after_form = True
        elif t.word == "WHERE":
            seen_where = True
        elif t.text == "{" and (seen_where or (after_form and form != "CONSTRUCT")):
            return t.end
    raise UsageError("cannot bind parameters: the query has no WHERE clause")


def insert_in_where(text: str, block: str) -> str:
    """``text`` with ``block`` inserted just inside its WHERE group."""
    at = where_group_start(text)
    return text[:at] + " " + block + " " + text[at:]


def with_values(text: str, bindings: Mapping[Any, Any]) -> str:
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


def projecting(text: str, names: list[str]) -> tuple[str, list[str]] | None:
    """The query with ``names`` added to its outermost SELECT clause, and which of them were
    added; None if it is not a SELECT query. Engines that bind parameters by substitution
    (pyoxigraph) need them projected. ``SELECT *`` already projects everything."""
    selected: set[str] = set()
    in_select = False
    previous = ""
    for t in _code(text):
        if not in_select:
            if t.word == "SELECT" and t.depth == 0:
                in_select = True
            elif t.word in QUERY_FORMS:
                return None
            continue
        if t.depth == 0 and t.text == "*":
            return text, []
        if t.kind == "var" and (t.depth == 0 or previous == "AS"):
            selected.add(t.text[1:])
        elif t.depth == 0 and (t.word == "WHERE" or t.text == "{"):
            added = [n for n in names if n not in selected]
            extra = "".join(f"?{n} " for n in added)
            return text[: t.start] + extra + text[t.start :], added
        previous = t.word
    return None


# --- the header of a stored query ---------------------------------------------------------

PARAM_TYPES = ("iri", "string", "date", "integer")
_HEADER = re.compile(r"#\s?(\w+):\s*(.*)")
_PARAM = re.compile(r"(\w+)\s+(\w+)(?:\s*=\s*(.*?))?\s*--\s*(.+)")
_EXAMPLE = re.compile(r"(\w+)=(.*)")


@dataclass
class Param:
    name: str
    type: str
    help: str
    default: str | None = None


@dataclass
class Header:
    title: str
    description: str
    params: list[Param] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)
    """Parameter values that give rows on the project's corpus (``# example: name=value``)."""


def parse_header(text: str, path: str | Path) -> Header:
    """Read title, description, parameters and examples from the leading comment block."""
    header = Header("", "")
    description: list[str] = []
    last = ""
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        m = _HEADER.fullmatch(stripped)
        if m and m.group(1) in ("title", "description", "param", "example"):
            key, value = m.groups()
            last = key
            if key == "title":
                header.title = value
            elif key == "description":
                description.append(value)
            elif key == "param":
                header.params.append(_param(value, path, lineno))
            else:
                name, raw = _example(value, header, path, lineno)
                header.examples[name] = raw
        elif last == "description" and stripped.lstrip("#").strip():
            description.append(stripped.lstrip("#").strip())
    if not header.title:
        raise DataError("missing '# title:' header line", Location(path, 1))
    header.description = " ".join(description)
    return header


def _param(value: str, path: str | Path, lineno: int) -> Param:
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
    return Param(pm.group(1), pm.group(2), pm.group(4), default)


def _example(value: str, header: Header, path: str | Path, lineno: int) -> tuple[str, str]:
    em = _EXAMPLE.fullmatch(value.strip())
    if not em:
        raise DataError("example: write '# example: NAME=VALUE'", Location(path, lineno))
    name, raw = em.groups()
    if name not in {p.name for p in header.params}:
        raise DataError(
            f"example: '{name}' is not a parameter declared above it", Location(path, lineno)
        )
    if name in header.examples:
        raise DataError(f"example: '{name}' is given twice", Location(path, lineno))
    return name, raw


# --- parameters written into the query ------------------------------------------------------

_IRI_TEXT = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_AFTER_CLAUSE = frozenset(("HAVING", "ORDER", "LIMIT", "OFFSET", "GROUP", "WHERE"))
_KEYS = frozenset(("GROUP", "ORDER"))


def term_text(term: Any) -> str | None:
    """An rdflib IRI or literal as SPARQL text (escaped so that it can only be that one
    term), or None for anything else (a blank node, an IRI with characters no IRI has)."""
    from rdflib import Literal, URIRef  # rdflib is only needed when there are terms

    if isinstance(term, URIRef):
        return f"<{term}>" if _IRI_TEXT.fullmatch(str(term)) else None
    if not isinstance(term, Literal):
        return None
    body = '"' + "".join(_ESCAPES.get(c, c) for c in str(term)) + '"'
    if term.language:
        return body + "@" + term.language if re.fullmatch(r"[A-Za-z0-9-]+", term.language) else None
    if term.datatype is not None:
        datatype = term_text(URIRef(term.datatype))
        return None if datatype is None else f"{body}^^{datatype}"
    return body


@dataclass
class _Group:
    """A ``{`` group being read: whether it is a subquery or a MINUS block, and the
    variables a subquery projects (None: ``SELECT *``)."""

    kind: str  # "group", "subquery", "minus"
    projects: set[str] | None = field(default_factory=set)


def inlined(text: str, bindings: Mapping[Any, Any]) -> str | None:
    """The query with each bound variable replaced by its term's text, or None when that
    would not mean what binding it means, and the engine binds them itself.

    Written into the text, a constant reaches the engine's planner (pyoxigraph plans a query
    before it substitutes parameters, and then scans what a constant would have looked up:
    an article's summary takes 0.9 s on the on-disk store substituted, 5 ms written in, at
    10,000 articles). The result is the same as binding, as long as the variable is the
    outer query's wherever it appears: so there is no inlining when a subquery that does not
    project the variable (or a MINUS block, which does not see outer bindings) mentions it,
    nor when it is assigned (``AS``, ``VALUES``), tested with ``BOUND``, or in a ``SELECT *``.
    A projected variable becomes ``(TERM AS ?v)``, a grouping or ordering key ``(TERM)``.
    """
    terms = {str(v): term_text(t) for v, t in bindings.items()}
    if not terms or any(t is None for t in terms.values()):
        return None
    code = [t for t in tokens(text) if t.kind != "comment"]
    stack: list[_Group] = []
    clause, clause_depth = "", 0  # SELECT, BY (GROUP BY, ORDER BY), VALUES or ""
    edits: list[tuple[int, int, str]] = []
    in_subquery = limited = False
    for i, t in enumerate(code):
        before = code[i - 1].word if i else ""
        if t.text == "{":
            after = code[i + 1].word if i + 1 < len(code) else ""
            kind = "subquery" if after == "SELECT" else "minus" if before == "MINUS" else "group"
            stack.append(_Group(kind))
            clause = ""
            continue
        if t.text == "}":
            if stack:
                stack.pop()
            clause = ""
            continue
        if t.word == "SELECT" or t.word == "VALUES" or (t.word == "BY" and before in _KEYS):
            clause, clause_depth = t.word, t.depth
        elif t.word in _AFTER_CLAUSE and t.depth == clause_depth:
            clause = ""
        if t.word in ("LIMIT", "OFFSET") and stack:
            limited = True
        head = clause == "SELECT" and t.depth == clause_depth
        if head and t.text == "*":
            if not stack:
                return None  # every variable of the outer query is a column
            stack[-1].projects = None
        if t.kind != "var":
            continue
        name = t.text[1:]
        group = stack[-1] if stack else None
        if head and group is not None and group.kind == "subquery" and group.projects is not None:
            group.projects.add(name)
        term = terms.get(name)
        if term is None:
            continue
        if clause == "VALUES" or before == "AS" or (i > 1 and code[i - 2].word == "BOUND"):
            return None
        for g in stack:
            if g.kind == "minus" or (
                g.kind == "subquery" and g.projects is not None and name not in g.projects
            ):
                return None
            in_subquery = in_subquery or g.kind == "subquery"
        if head:
            edits.append((t.start, t.end, f"({term} AS {t.text})"))
        elif clause == "BY" and t.depth == clause_depth:
            edits.append((t.start, t.end, f"({term})"))
        else:
            edits.append((t.start, t.end, term))
    if in_subquery and limited:
        return None  # a subquery's LIMIT would cut other rows than the bound value's
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text
