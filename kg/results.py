"""SELECT results as text, in the formats of ``FORMATS``: an aligned table, CSV, TSV, SPARQL
JSON, SPARQL XML or Markdown. (ASK and CONSTRUCT results are printed by the command line.)

The rows are printed from pyoxigraph's terms (``Rows.cells``), as the embedded engine gives
them: rdflib terms are made only for a caller that asks for ``Rows.rows``. The data formats
write what pyoxigraph's own result serialisers write (tests compare them on every stored
query): CSV and TSV byte for byte, JSON and XML term for term.

The formats for people (``table``, ``markdown``) show control characters visibly
(``visible``): a label or an answer from a server cannot send terminal escape sequences,
C0/C1 controls or bidirectional overrides to the screen. The data formats (CSV, TSV, JSON, XML)
keep every character exactly, as the SPARQL 1.1 results formats say (XML 1.0 cannot hold most
C0 controls: they are written as U+FFFD there): they are data, to be read by programs (a
spreadsheet reading the CSV may take a cell starting with ``=`` as a formula).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from .choices import RESULT_FORMATS
from .namespaces import ID, PREFIXES, N

Term = URIRef | Literal | BNode | None
Cell = ox.NamedNode | ox.BlankNode | ox.Literal | None
"""A result's term as pyoxigraph gives it (None if unbound)."""


class GraphLike(Protocol):
    """What labels and parameter lookup need of a graph: an rdflib Graph, or a
    ``kg.oxi.StoreGraph`` over the embedded pyoxigraph store."""

    def __contains__(self, triple: Any) -> bool: ...

    def value(self, subject: Any, predicate: Any) -> Any: ...

    def subject_objects(self, predicate: Any) -> Iterator[tuple[Any, Any]]: ...


class Rows:
    """The result of a SELECT query: variable names, and rows of RDF terms (None if unbound),
    as rdflib terms (``rows``) and as pyoxigraph terms (``cells``). Each is made from the other
    when first asked for; two Rows are equal when their variables and rows are."""

    __slots__ = ("_cells", "_rows", "variables")

    def __init__(
        self,
        variables: list[str],
        rows: list[tuple[Term, ...]] | None = None,
        *,
        cells: list[tuple[Cell, ...]] | None = None,
    ) -> None:
        self.variables = variables
        self._rows = rows if rows is not None or cells is not None else []
        self._cells = cells

    @property
    def rows(self) -> list[tuple[Term, ...]]:
        if self._rows is None:
            from .oxi import FromOx

            convert = FromOx()
            self._rows = [tuple(convert(c) for c in row) for row in self._cells or ()]
        return self._rows

    @property
    def cells(self) -> list[tuple[Cell, ...]]:
        if self._cells is None:
            from .oxi import TermCache

            convert = TermCache()
            self._cells = [
                tuple(None if t is None else convert(t) for t in row) for row in self.rows
            ]
        return self._cells

    def __len__(self) -> int:
        return len(self._cells if self._cells is not None else self.rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rows):
            return NotImplemented
        return self.variables == other.variables and self.rows == other.rows

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({self.variables!r}, {self.rows!r})"


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

    PROPERTIES = (RDFS.label, SKOS.prefLabel, N.title)

    def __init__(self, graph: GraphLike | None) -> None:
        self.graph = graph
        self.cache: dict[str, str | None] = {}

    def __call__(self, iri: str) -> str | None:
        if self.graph is None:
            return None
        if iri not in self.cache:
            label = None
            for prop in self.PROPERTIES:
                value = self.graph.value(URIRef(iri), prop)
                if value is not None:
                    label = str(value)
                    break
            self.cache[iri] = label
        return self.cache[iri]


def readable(term: Cell, label: Callable[[str], str | None]) -> str:
    """A cell for people: a literal's value; an IRI as ``Label (prefix:local)``."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        name = compact(iri)
        text = label(iri)
        return f"{text} ({name})" if text else name
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


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


def table(rows: Rows, label: Callable[[str], str | None]) -> str:
    cells = [[visible(readable(t, label).replace("\n", " ")) for t in row] for row in rows.cells]
    names = [visible(v) for v in rows.variables]
    widths = [len(v) for v in names]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        # padded up to the last cell that is not empty: the line is stripped at its end
        last = len(values)
        while last > 0 and not values[last - 1]:
            last -= 1
        if last == 0:
            return ""
        padded = [v.ljust(w) for v, w in zip(values[: last - 1], widths, strict=False)]
        return "  ".join([*padded, *values[last - 1 : last]]).rstrip()

    out = [line(names), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def markdown(rows: Rows, label: Callable[[str], str | None]) -> str:
    def cell(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")
        return visible(escaped)

    out = [
        "| " + " | ".join(cell(v) for v in rows.variables) + " |",
        "|" + "|".join("---" for _ in rows.variables) + "|",
    ]
    for row in rows.cells:
        out.append("| " + " | ".join(cell(readable(t, label)) for t in row) + " |")
    return "\n".join(out) + "\n"


def _plain(term: Cell) -> str:
    """A term as the CSV format writes it: an IRI or a literal's value; ``_:`` and a blank
    node's label (``_csv_field``)."""
    if term is None:
        return ""
    return _csv_field(f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value)


def _csv_field(text: str) -> str:
    """``text`` as a CSV field: quoted when it holds a quote, a comma or a line break."""
    if _CSV_QUOTED.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


_CSV_QUOTED = re.compile('[",\n\r]')


def csv_text(rows: Rows) -> str:
    """SPARQL 1.1 Query Results CSV: IRIs and literal values, no datatypes."""
    out = [",".join(_csv_field(v) for v in rows.variables)]
    out += [",".join([_plain(t) for t in row]) for row in rows.cells]
    return "\r\n".join(out) + "\r\n"


def tsv_text(rows: Rows) -> str:
    """SPARQL 1.1 Query Results TSV: terms in Turtle syntax, numbers and booleans bare."""
    out = ["\t".join("?" + v for v in rows.variables)]
    out += ["\t".join([_tsv_term(t) for t in row]) for row in rows.cells]
    return "\n".join(out) + "\n"


_XSD = "http://www.w3.org/2001/XMLSchema#"
_BARE = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    _XSD + "double": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+"),
    _XSD + "boolean": re.compile(r"true|false"),
}
"""The literals Turtle writes without quotes or datatype, by datatype: their lexical forms."""
_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"})


def _tsv_term(term: Cell) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if term.language:
        return f'"{term.value.translate(_TSV_ESCAPES)}"@{term.language}'
    datatype = term.datatype.value
    bare = _BARE.get(datatype)
    if bare is not None and bare.fullmatch(term.value):
        return term.value
    quoted = f'"{term.value.translate(_TSV_ESCAPES)}"'
    return quoted if datatype == _XSD + "string" else f"{quoted}^^<{datatype}>"


def _literal_type(term: ox.Literal) -> tuple[str, str] | None:
    """A literal's language (``xml:lang``) or datatype other than xsd:string, if any."""
    if term.language:
        return "xml:lang", term.language
    datatype = term.datatype.value
    return None if datatype == _XSD + "string" else ("datatype", datatype)


def json_text(rows: Rows) -> str:
    """SPARQL 1.1 Query Results JSON."""
    bindings = []
    for row in rows.cells:
        b: dict[str, dict[str, str]] = {}
        for var, term in zip(rows.variables, row, strict=True):
            if term is None:
                continue
            if isinstance(term, ox.NamedNode):
                b[var] = {"type": "uri", "value": term.value}
            elif isinstance(term, ox.BlankNode):
                b[var] = {"type": "bnode", "value": term.value}
            else:
                lit = {"type": "literal", "value": term.value}
                kind = _literal_type(term)
                if kind is not None:
                    lit[kind[0]] = kind[1]
                b[var] = lit
        bindings.append(b)
    doc = {"head": {"vars": rows.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def xml_text(rows: Rows) -> str:
    """SPARQL 1.1 Query Results XML."""
    out = [
        '<?xml version="1.0"?>',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "  <head>",
    ]
    out += [f"    <variable name={quoteattr(v)}/>" for v in rows.variables]
    out += ["  </head>", "  <results>"]
    for row in rows.cells:
        out.append("    <result>")
        for var, term in zip(rows.variables, row, strict=True):
            if term is None:
                continue
            if isinstance(term, ox.NamedNode):
                value = f"<uri>{escape(term.value)}</uri>"
            elif isinstance(term, ox.BlankNode):
                value = f"<bnode>{escape(term.value)}</bnode>"
            else:
                kind = _literal_type(term)
                attr = "" if kind is None else f" {kind[0]}={quoteattr(kind[1])}"
                value = f"<literal{attr}>{escape(_xml_chars(term.value), _XML_CR)}</literal>"
            out.append(f"      <binding name={quoteattr(var)}>{value}</binding>")
        out.append("    </result>")
    out += ["  </results>", "</sparql>"]
    return "\n".join(out) + "\n"


_XML_CR = {"\r": "&#13;"}
"""A carriage return written as a reference: an XML parser reads a raw one as a line feed."""


def _xml_chars(text: str) -> str:
    """XML 1.0 cannot hold most C0 controls, even escaped: they are written as U+FFFD."""
    return "".join(
        "\ufffd" if (ord(c) < 0x20 and c not in "\t\n\r") or c in "\ufffe\uffff" else c
        for c in text
    )


@dataclass(frozen=True)
class Format:
    """A way to print SELECT results: its renderer (rows and a labeller to text), its media
    type and what it is, for ``--help``."""

    render: Callable[[Rows, Callable[[str], str | None]], str]
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
    "xml": Format(
        lambda rows, _: xml_text(rows), "application/sparql-results+xml", RESULT_FORMATS["xml"]
    ),
    "markdown": Format(markdown, "text/markdown", RESULT_FORMATS["markdown"]),
}

"""The result formats of ``kg query run -f`` and ``kg sparql -f``, by name."""


def render(rows: Rows, fmt: str, graph: GraphLike | None) -> str:
    """``rows`` in the format named ``fmt`` (a key of ``FORMATS``); IRIs labelled from
    ``graph`` where the format shows labels."""
    return FORMATS[fmt].render(rows, Labeller(graph))
