"""The engine interface (kg.engine): the embedded engines agree on every stored query of the
real corpus, and every engine refuses updates, locates syntax errors and orders rows alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import RDFS, XSD

from kg import engine, oxi
from kg import queries as q
from kg.cli import cli
from kg.engine import OxigraphEngine, RdflibEngine, RemoteEngine
from kg.errors import DataError, UsageError
from kg.results import Rows

from .engines import (  # noqa: F401 - real_nt is a fixture
    QUERIES,
    STORED,
    example_bindings,
    real_nt,
    run_example,
    same_results,
)

ACTOR = "https://w3id.org/newskg/id/actor/"

# Where the embedded engines disagree, and why. Remove an entry when its query is fixed
# (strict xfail: the test fails once the engines agree).
DISAGREE: dict[str, str] = {}


@pytest.fixture(scope="module")
def embedded(real_nt: Path) -> tuple[RdflibEngine, OxigraphEngine]:  # noqa: F811
    return RdflibEngine.load(real_nt), OxigraphEngine.load(real_nt)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=DISAGREE[n], strict=True))
        if n in DISAGREE
        else n
        for n in STORED
    ],
)
def test_rdflib_and_pyoxigraph_agree_on_the_real_corpus(
    embedded: tuple[RdflibEngine, OxigraphEngine], name: str
) -> None:
    reference, fast = embedded
    expected = run_example(reference, name)
    assert isinstance(expected, Rows) and expected.rows, f"{name}: no rows on the real corpus"
    assert same_results(expected, run_example(fast, name))


@pytest.fixture(scope="module")
def engines(
    embedded: tuple[RdflibEngine, OxigraphEngine],
) -> list[engine.Engine]:
    # nothing listens on port 9 (discard): a remote engine that got this far would fail
    return [*embedded, RemoteEngine("http://127.0.0.1:9/sparql")]


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX x: <http://x/>\n# DELETE\nDELETE WHERE { ?s ?p ?o }",
        "load <http://example.org/data.ttl>",
        "DROP ALL",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused_by_every_engine(engines: list[engine.Engine], text: str) -> None:
    for eng in engines:
        with pytest.raises(UsageError) as info:
            eng.query(text, where="q.rq")
        assert str(info.value) == "q.rq: update queries are refused: kg only reads the graph"


def test_syntax_errors_are_located_as_each_parser_reports_them(
    engines: list[engine.Engine],
) -> None:
    rdflib_engine, oxigraph_engine, remote_engine = engines
    text = "# a comment\nSELECT ?s\nWHERE { ?s ?p ?o . ?s nope:x ?y }\n"
    with pytest.raises(DataError) as info:
        oxigraph_engine.query(text, where="bad.rq")
    assert str(info.value) == "bad.rq:3:29: SPARQL syntax error: Prefix not found"
    # pyoxigraph gives up at the end of the input: the error points at the last character
    with pytest.raises(DataError) as info:
        oxigraph_engine.query("SELECT ?s\nWHERE { ?s ?p }\n", where="bad.rq")
    assert str(info.value) == "bad.rq:2:15: SPARQL syntax error: expected OPTIONAL"
    for eng in (rdflib_engine, remote_engine):  # a remote query is checked by rdflib's parser
        with pytest.raises(DataError) as info:
            eng.query("SELECT ?s\nWHERE { ?s ?p }\n", where="bad.rq")
        assert str(info.value) == "bad.rq:2:9: SPARQL syntax error: Expected SelectQuery"


def test_rows_without_order_by_are_sorted_alike(engines: list[engine.Engine]) -> None:
    text = "SELECT ?a ?n WHERE { VALUES (?a ?n) { (actor:zed 2) (actor:abe UNDEF) (actor:abe 1) } }"
    rows = [(URIRef(ACTOR + "abe"), None), (URIRef(ACTOR + "abe"), Literal(1))]
    rows.append((URIRef(ACTOR + "zed"), Literal(2)))
    for eng in engines[:2]:
        assert eng.select(text) == Rows(["a", "n"], rows)
        ordered = eng.select(text + " ORDER BY DESC(?n)")
        assert [r[1] for r in ordered.rows] == [Literal(2), Literal(1), None]


def test_parameters_are_bound_as_terms(engines: list[engine.Engine]) -> None:
    text = "SELECT ?s WHERE { ?s rdfs:label ?label } ORDER BY ?s"
    for eng in engines[:2]:
        hit = eng.select(text, {Variable("label"): Literal("Kata'ib Hezbollah")})
        assert hit.rows == [(URIRef(ACTOR + "kataeb-hezbollah"),)]
        injected = Literal('x" } ?s ?p ?o . { ?s rdfs:label "y')
        assert eng.select(text, {Variable("label"): injected}).rows == []
        # a parameter the projection does not name: pyoxigraph needs it projected, then hidden
        count = eng.select(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?label }",
            {Variable("label"): Literal("Kata'ib Hezbollah")},
        )
        assert count == Rows(["n"], [(Literal(1),)])


def test_select_ask_construct(engines: list[engine.Engine]) -> None:
    for eng in engines[:2]:
        assert eng.ask("ASK { actor:kataeb-hezbollah a ?c }") is True
        assert eng.ask("ASK { actor:nobody a ?c }") is False
        g = eng.construct(
            "CONSTRUCT { ?a rdfs:label ?l } WHERE { VALUES ?a { actor:kataeb-hezbollah } "
            "?a rdfs:label ?l }"
        )
        assert set(g) == {
            (URIRef(ACTOR + "kataeb-hezbollah"), RDFS.label, Literal("Kata'ib Hezbollah"))
        }
        with pytest.raises(UsageError) as info:
            eng.select("ASK {}", where="q.rq")
        assert str(info.value) == "q.rq: expected a SELECT query"


def test_open_chooses_the_engine(real_nt: Path, tmp_path: Path) -> None:  # noqa: F811
    assert isinstance(engine.open("rdflib", real_nt), RdflibEngine)
    assert isinstance(engine.open("oxigraph", real_nt), OxigraphEngine)
    remote = engine.open("oxigraph", real_nt, "http://127.0.0.1:9/sparql")
    assert isinstance(remote, RemoteEngine) and remote.lookup is not None
    assert engine.open("oxigraph", tmp_path / "none.nt", "http://127.0.0.1:9/sparql").lookup is None
    with pytest.raises(DataError) as info:
        engine.open("oxigraph", tmp_path / "none.nt")
    assert (
        str(info.value)
        == f"{tmp_path / 'none.nt'}: no built graph at {tmp_path / 'none.nt'}: run `kg build` first"
    )
    with pytest.raises(UsageError) as info:
        engine.open("jena", real_nt)
    assert str(info.value) == "unknown engine 'jena'; engines: oxigraph, rdflib"


def test_terms_round_trip() -> None:
    for term in (
        URIRef("https://w3id.org/newskg/id/actor/x"),
        BNode("b1"),
        Literal("plain"),
        Literal("fr", lang="fr"),
        Literal("2020-01", datatype=XSD.gYearMonth),
        Literal(5),
    ):
        assert oxi.from_ox(oxi.to_ox(term)) == term


def test_every_parameter_without_a_default_has_an_example() -> None:
    for name in STORED:
        sq = q.find(QUERIES, name)
        needed = {p.name for p in sq.params if p.default is None}
        assert needed <= set(sq.examples), f"{name}: no '# example:' for {needed}"


def test_query_list_shows_the_examples() -> None:
    result = CliRunner().invoke(cli, ["query", "list", "--queries", str(QUERIES)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    at = lines.index("actor-profile: Actor profile")
    assert lines[at + 1 : at + 3] == [
        "    -p actor=<iri>  the actor (curated id, label, spelling, or IRI)",
        "    example: kg query run actor-profile -p actor=kataeb-hezbollah",
    ]
    assert sum(line.startswith("    example: ") for line in lines) == 8


def test_federated_queries_and_dataset_clauses_are_refused_by_every_engine(
    engines: list[engine.Engine],
) -> None:
    service = (
        "SELECT * WHERE {\n  { SELECT ?s WHERE { service <http://127.0.0.1:9/> { ?s ?p ?o } } }\n}"
    )
    for eng in engines:
        who = "the endpoint" if eng.is_remote else "the engine"
        allow = (
            "with --allow-service kg sends the query and the endpoint decides"
            if eng.is_remote
            else "allow it with --allow-service"
        )
        with pytest.raises(UsageError) as info:
            eng.query(service, where="q.rq")
        assert str(info.value) == (
            f"q.rq:2:23: SERVICE is refused: a federated query makes {who} send requests to "
            f"other servers; {allow} (allow_service=True in the Python API)"
        )
        with pytest.raises(UsageError) as info:
            eng.query("ASK FROM NAMED <http://127.0.0.1:9/g> { }", where="q.rq")
        assert str(info.value).startswith("q.rq:1:5: FROM and FROM NAMED are refused: ")
    assert [e.is_remote for e in engines] == [False, False, True]


def test_parameters_written_into_the_query_give_the_rows_binding_gives(
    embedded: tuple[RdflibEngine, OxigraphEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every stored query with parameters takes them as constants written into its text
    (which is what makes a selective query fast on the on-disk store), with the same rows
    as when pyoxigraph substitutes them."""
    fast = embedded[1]
    with_params = [n for n in STORED if q.find(QUERIES, n).examples]
    written = {n: run_example(fast, n) for n in with_params}
    for n in with_params:
        sq = q.find(QUERIES, n)
        assert engine.inlined(sq.text, example_bindings(n, fast.lookup)) is not None, n
    monkeypatch.setattr(engine, "inlined", lambda text, bindings: None)
    for n in with_params:
        assert same_results(written[n], run_example(fast, n)), n
