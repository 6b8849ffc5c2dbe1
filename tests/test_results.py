"""The result formats (kg.results) write what pyoxigraph's own serialisers write: CSV and TSV
byte for byte, JSON and XML term for term (read back by pyoxigraph's parser), on every stored
query of the real corpus and on hostile terms; and the same text whichever engine's rows."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import queries as q
from kg import results
from kg.engine import OxigraphEngine, RdflibEngine
from kg.namespaces import PREFIXES
from kg.results import Rows

from .engines import QUERIES, STORED, real_nt  # noqa: F401 - real_nt is a fixture

SERIALISED = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
XSD = "http://www.w3.org/2001/XMLSchema#"

# Terms a serialiser can get wrong: quotes, separators, line breaks, controls, non-ASCII,
# language tags, numbers Turtle writes bare and lexical forms it must quote, a blank node.
HOSTILE = f"""SELECT ?a ?b WHERE {{ VALUES (?a ?b) {{
  ("x\\ny\\t\\"q\\",z\\r" "tab\\tend")
  ("é\\u0001\\u202e\\u0085" 1.5)
  (<http://example.org/a%20b?c=d&e> "2"^^<{XSD}integer>)
  ("l"@en-GB true)
  (UNDEF "1.0e3"^^<{XSD}double>)
  ("-7"^^<{XSD}integer> "-.5"^^<{XSD}decimal>)
  ("not a number"^^<{XSD}integer> "TRUE"^^<{XSD}boolean>)
  ("<b>&amp;</b>" "a]]>b")
  ("" UNDEF)
}} }}"""


def solutions(
    store: ox.Store, text: str, bindings: dict[ox.Variable, object] | None = None
) -> ox.QuerySolutions:
    result = store.query(text, prefixes=PREFIXES, substitutions=bindings or {})
    assert isinstance(result, ox.QuerySolutions)
    return result


def serialised(result: ox.QuerySolutions, fmt: str) -> str:
    buf = io.BytesIO()
    result.serialize(buf, SERIALISED[fmt])
    return buf.getvalue().decode("utf-8")


def read_back(
    text: str, fmt: str
) -> list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | None, ...]]:
    parsed = ox.parse_query_results(text.encode("utf-8"), SERIALISED[fmt])
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [tuple(s[n] for n in names) for s in parsed]


def rows_of(result: ox.QuerySolutions) -> Rows:
    names = [v.value for v in result.variables]
    return Rows(names, cells=[tuple(s[n] for n in names) for s in result])


def check_formats(store: ox.Store, text: str) -> None:
    rows = rows_of(solutions(store, text))
    for fmt in ("csv", "tsv"):
        assert results.FORMATS[fmt].render(rows, lambda _: None) == serialised(
            solutions(store, text), fmt
        ), fmt
    for fmt in ("json", "xml"):
        written = results.FORMATS[fmt].render(rows, lambda _: None)
        expected = rows.cells if fmt == "json" else [tuple(map(in_xml, r)) for r in rows.cells]
        assert read_back(written, fmt) == expected, fmt


def in_xml(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> object:
    """``term`` as XML 1.0 can hold it: a literal's C0 controls (but tab and line breaks)
    as U+FFFD."""
    if not isinstance(term, ox.Literal):
        return term
    value = "".join("\ufffd" if ord(c) < 0x20 and c not in "\t\n\r" else c for c in term.value)
    if term.language:
        return ox.Literal(value, language=term.language)
    return ox.Literal(value, datatype=term.datatype)


def test_hostile_terms_are_written_as_pyoxigraph_writes_them() -> None:
    check_formats(ox.Store(), HOSTILE)


def test_xml_holds_no_c0_control() -> None:
    """XML 1.0 cannot hold U+0001 even escaped (pyoxigraph's serialiser writes it raw, and
    its parser then refuses the document): it is written as U+FFFD."""
    rows = rows_of(solutions(ox.Store(), 'SELECT ?a WHERE { BIND("a\\u0001b" AS ?a) }'))
    written = results.xml_text(rows)
    assert "<literal>a\ufffdb</literal>" in written
    assert read_back(written, "xml") == [(ox.Literal("a\ufffdb"),)]


@pytest.fixture(scope="module")
def memory(real_nt: Path) -> OxigraphEngine:  # noqa: F811
    return OxigraphEngine.load(real_nt)


@pytest.mark.parametrize("name", STORED)
def test_every_stored_query_is_written_as_pyoxigraph_writes_it(
    memory: OxigraphEngine, name: str
) -> None:
    sq = q.find(QUERIES, name)
    bindings = q.bind(sq, sq.examples, memory.lookup)
    rows = memory.select(sq.text, bindings)
    assert len(rows) > 0, name
    result, hidden = memory.solutions(sq.text, bindings)
    assert not hidden
    for fmt in ("csv", "tsv"):
        assert results.render(rows, fmt, None) == serialised(result, fmt), (name, fmt)
        result, _ = memory.solutions(sq.text, bindings)
    for fmt in ("json", "xml"):
        assert read_back(results.render(rows, fmt, None), fmt) == rows.cells, (name, fmt)


@pytest.mark.parametrize("fmt", list(results.FORMATS))
def test_the_same_text_from_either_engine(
    real_nt: Path,  # noqa: F811
    memory: OxigraphEngine,
    fmt: str,
) -> None:
    """Rows of rdflib terms (the reference engine, a server's answer) print as the embedded
    engine's pyoxigraph terms do."""
    reference = RdflibEngine.load(real_nt)
    for name in ("who-said-what", "disagreements", "contested-events"):
        sq = q.find(QUERIES, name)
        fast = memory.select(sq.text, q.bind(sq, sq.examples, memory.lookup))
        slow = reference.select(sq.text, q.bind(sq, sq.examples, reference.graph))
        assert fast == slow
        assert results.render(Rows(slow.variables, slow.rows), fmt, memory.lookup) == (
            results.render(fast, fmt, memory.lookup)
        ), (name, fmt)


def test_rows_made_from_either_side_are_equal() -> None:
    cells = rows_of(solutions(ox.Store(), HOSTILE))
    again = Rows(cells.variables, cells.rows)
    assert again == cells  # (rdflib writes some lexical forms anew: "1000"^^xsd:double)
    assert len(again) == len(cells) == 9
