"""SELECT results as text, in the formats of ``FORMATS``: an aligned table, CSV, TSV, SPARQL
JSON or Markdown. (ASK and CONSTRUCT results are printed by the command line.)

The formats for people (``table``, ``markdown``) show control characters visibly
(``visible``): a label or an answer from a server cannot send terminal escape sequences,
C0/C1 controls or bidirectional overrides to the screen. The data formats (CSV, TSV, JSON)
keep every character exactly, as the SPARQL 1.1 results formats say: they are data, to be read
by programs (a spreadsheet reading the CSV may take a cell starting with ``=`` as a formula).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD

from .choices import RESULT_FORMATS
from .namespaces import ID, PREFIXES, N

Term = URIRef | Literal | BNode | None


class GraphLike(Protocol):
    """What labels and parameter lookup need of a graph: an rdflib Graph, or a
    ``kg.oxi.StoreGraph`` over the embedded pyoxigraph store."""

    def __contains__(self, triple: Any) -> bool: ...

    def value(self, subject: Any, predicate: Any) -> Any: ...

    def subject_objects(self, predicate: Any) -> Iterator[tuple[Any, Any]]: ...


@dataclass
class Rows:
    """The result of a SELECT query: variable names and rows of RDF terms (None if unbound)."""

    variables: list[str]
    rows: list[tuple[Term, ...]]


def compact(iri: str) -> str:
    """For display: ``actor:kataeb-hezbollah``, ``statement:ARTICLE/ID``; else ``<iri>``."""
    if iri.startswith(str(ID)):
        kind, _, rest = iri[len(ID) :].partition("/")
        if rest and "#" not in rest:
            return f"{kind}:{rest}"
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            local = iri[len(ns) :]
            if local and "/" not in local and "#" not in local:
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else f"<{iri}>"


class Labeller:
    """Finds a human label for an IRI in the graph (rdfs:label, skos:prefLabel, title)."""

    def __init__(self, graph: GraphLike | None) -> None:
        self.graph = graph
        self.cache: dict[URIRef, str | None] = {}

    def __call__(self, iri: URIRef) -> str | None:
        if self.graph is None:
            return None
        if iri not in self.cache:
            label = None
            for prop in (RDFS.label, SKOS.prefLabel, N.title):
                value = self.graph.value(iri, prop)
                if value is not None:
                    label = str(value)
                    break
            self.cache[iri] = label
        return self.cache[iri]


def readable(term: Term, label: Callable[[URIRef], str | None]) -> str:
    """A cell for people: a literal's value; an IRI as ``Label (prefix:local)``."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        name = compact(str(term))
        text = label(term)
        return f"{text} ({name})" if text else name
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def visible(text: str) -> str:
    """``text`` with control characters (C0, DEL, C1), bidirectional marks, embeddings,
    overrides and isolates and the line and paragraph separators written as ``\\x1b``,
    ``\\u202e``...: harmless on a terminal, and visible."""
    return _CONTROL.sub(lambda m: _escaped(m.group()), text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def table(rows: Rows, label: Callable[[URIRef], str | None]) -> str:
    cells = [[visible(readable(t, label).replace("\n", " ")) for t in row] for row in rows.rows]
    names = [visible(v) for v in rows.variables]
    widths = [len(v) for v in names]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(names), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    out.append(f"({len(rows.rows)} row{'s' if len(rows.rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def markdown(rows: Rows, label: Callable[[URIRef], str | None]) -> str:
    def cell(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")
        return visible(escaped)

    out = [
        "| " + " | ".join(cell(v) for v in rows.variables) + " |",
        "|" + "|".join("---" for _ in rows.variables) + "|",
    ]
    for row in rows.rows:
        out.append("| " + " | ".join(cell(readable(t, label)) for t in row) + " |")
    return "\n".join(out) + "\n"


def csv_text(rows: Rows) -> str:
    """SPARQL 1.1 Query Results CSV: IRIs and literal values, no datatypes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(rows.variables)
    for row in rows.rows:
        writer.writerow(
            ["" if t is None else f"_:{t}" if isinstance(t, BNode) else str(t) for t in row]
        )
    return buf.getvalue()


def tsv_text(rows: Rows) -> str:
    """SPARQL 1.1 Query Results TSV: terms in Turtle/N-Triples syntax."""
    out = ["\t".join("?" + v for v in rows.variables)]
    for row in rows.rows:
        out.append("\t".join(_tsv_term(t) for t in row))
    return "\n".join(out) + "\n"


def _tsv_term(term: Term) -> str:
    if term is None:
        return ""
    if (
        isinstance(term, Literal)
        and term.datatype == XSD.integer
        and re.fullmatch(r"-?\d+", str(term))
    ):
        return str(term)  # the TSV format writes integers bare, as Turtle does
    return term.n3()


def json_text(rows: Rows) -> str:
    """SPARQL 1.1 Query Results JSON."""
    bindings = []
    for row in rows.rows:
        b: dict[str, dict[str, str]] = {}
        for var, term in zip(rows.variables, row, strict=True):
            if term is None:
                continue
            if isinstance(term, URIRef):
                b[var] = {"type": "uri", "value": str(term)}
            elif isinstance(term, BNode):
                b[var] = {"type": "bnode", "value": str(term)}
            else:
                lit: dict[str, str] = {"type": "literal", "value": str(term)}
                if term.language:
                    lit["xml:lang"] = term.language
                elif term.datatype:
                    lit["datatype"] = str(term.datatype)
                b[var] = lit
        bindings.append(b)
    doc = {"head": {"vars": rows.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class Format:
    """A way to print SELECT results: its renderer (rows and a labeller to text), its media
    type and what it is, for ``--help``."""

    render: Callable[[Rows, Callable[[URIRef], str | None]], str]
    media_type: str
    description: str


FORMATS: dict[str, Format] = {
    "table": Format(table, "text/plain", RESULT_FORMATS["table"]),
    "csv": Format(lambda rows, _: csv_text(rows), "text/csv", RESULT_FORMATS["csv"]),
    "tsv": Format(
        lambda rows, _: tsv_text(rows), "text/tab-separated-values", RESULT_FORMATS["tsv"]
    ),
    "json": Format(
        lambda rows, _: json_text(rows), "application/sparql-results+json", RESULT_FORMATS["json"]
    ),
    "markdown": Format(markdown, "text/markdown", RESULT_FORMATS["markdown"]),
}

"""The result formats of ``kg query run -f`` and ``kg sparql -f``, by name."""


def render(rows: Rows, fmt: str, graph: GraphLike | None) -> str:
    """``rows`` in the format named ``fmt`` (a key of ``FORMATS``); IRIs labelled from
    ``graph`` where the format shows labels."""
    return FORMATS[fmt].render(rows, Labeller(graph))
