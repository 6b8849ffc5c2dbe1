"""kg.sparqltext: the tokenizer and the edits kg makes to query text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef, Variable

from kg import sparqltext as st
from kg.errors import DataError, UsageError
from kg.sparqltext import Param

TRICKY = (
    "# WHERE { in a comment\n"
    "PREFIX ex: <http://ex.org/WHERE/>\n"
    'SELECT ?where ?o WHERE { ?where ex:where "WHERE { #" . ?where <http://ex.org/WHERE> ?o }\n'
)


def test_tokens_keep_comments_strings_and_iris_whole() -> None:
    kinds = [(t.kind, t.text) for t in st.tokens('?s ex:p """a\n{ b""" # c {\n<http://x/#a> .')]
    assert kinds == [
        ("var", "?s"),
        ("pname", "ex:p"),
        ("opaque", '"""a\n{ b"""'),
        ("comment", "# c {"),
        ("opaque", "<http://x/#a>"),
        ("punct", "."),
    ]
    assert [t.text for t in st.tokens("'it''s' \"a\\\"b\"")] == ["'it'", "'s'", '"a\\"b"']
    # not an IRI (an IRI cannot hold a brace): the brace counts
    assert [t.text for t in st.tokens("<a{>")] == ["<", "a", "{", ">"]
    depths = [(t.text, t.depth) for t in st.tokens("{ ( ?x ) { } }")]
    assert depths == [("{", 0), ("(", 1), ("?x", 2), (")", 1), ("{", 1), ("}", 1), ("}", 0)]


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("# ASK\nPREFIX a: <http://a/> BASE <http://b/>\nask {}", "ASK"),
        ("PREFIX : <http://a/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://a>", "DESCRIBE"),
        ("PREFIX x: <http://x/>\nINSERT DATA { x:a x:b x:c }", "UPDATE"),
        ("with <http://g> delete { ?s ?p ?o } where { ?s ?p ?o }", "UPDATE"),
        ("LOAD <http://example.org/x>", "UPDATE"),
        ('"SELECT"', None),
        ("?s ?p ?o", None),
        ("", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    assert st.query_form(text) == form


def test_has_order_by_only_at_the_top() -> None:
    assert st.has_order_by("SELECT * { ?s ?p ?o } order\n  by ?s")
    assert not st.has_order_by("SELECT * { { SELECT ?s { ?s ?p ?o } ORDER BY ?s } }")
    assert not st.has_order_by('SELECT * { ?s ?p "ORDER BY" } # ORDER BY ?s')
    assert not st.has_order_by("SELECT ?order ?by { ?order ?by ?o }")


def test_values_go_into_the_where_group() -> None:
    bindings = {Variable("o"): Literal('a "quoted" } value'), Variable("b"): URIRef("http://b")}
    out = st.with_values(TRICKY, bindings)
    block = 'VALUES (?b ?o) { (<http://b> "a \\"quoted\\" } value") }'
    first, rest = TRICKY.split("WHERE {", 1)[0], TRICKY.split("?o WHERE {", 1)[1]
    assert out == TRICKY.replace("?o WHERE {" + rest, "?o WHERE { " + block + " " + rest)
    assert out.startswith(first)
    assert out.count("\n") == TRICKY.count("\n")  # line numbers unchanged
    assert st.with_values(TRICKY, {}) == TRICKY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ASK { ?s ?p ?o }", "ASK { X  ?s ?p ?o }"),
        ("SELECT * { ?s ?p ?o }", "SELECT * { X  ?s ?p ?o }"),
        (
            "SELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE { ?s ?p ?o }",
            "SELECT (EXISTS { ?a ?b ?c } AS ?e) WHERE { X  ?s ?p ?o }",
        ),
        (
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "CONSTRUCT { ?s ?p ?o } WHERE { X  ?s ?p ?o }",
        ),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { X  ?s ?p ?o }"),
        (
            "SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?o } } }",
            "SELECT ?x WHERE { X  { SELECT ?x WHERE { ?x ?p ?o } } }",
        ),
    ],
)
def test_insert_in_where(text: str, expected: str) -> None:
    assert st.insert_in_where(text, "X") == expected


def test_insert_in_where_needs_a_group() -> None:
    with pytest.raises(UsageError) as info:
        st.insert_in_where("DESCRIBE <http://a>", "X")
    assert str(info.value) == "cannot bind parameters: the query has no WHERE clause"
    with pytest.raises(UsageError):
        st.insert_in_where("CONSTRUCT { ?s ?p ?o }", "X")


def test_projecting() -> None:
    assert st.projecting(TRICKY, ["o", "x"]) == (TRICKY.replace("?o WHERE", "?o ?x WHERE"), ["x"])
    assert st.projecting("SELECT * WHERE { ?s ?p ?o }", ["s"]) == (
        "SELECT * WHERE { ?s ?p ?o }",
        [],
    )
    text = "SELECT (MIN(?d) AS ?first) (COUNT(*) AS ?n) { ?s ?p ?d }"
    assert st.projecting(text, ["d", "n"]) == (text.replace(") {", ") ?d {"), ["d"])
    nested = "SELECT ?a { { SELECT ?b WHERE { ?b ?p ?a } } }"
    assert st.projecting(nested, ["b"]) == (nested.replace("?a {", "?a ?b {", 1), ["b"])
    assert st.projecting("ASK { ?s ?p ?o }", ["s"]) is None
    assert st.projecting("CONSTRUCT { ?s ?p ?o } WHERE { SELECT ?s {} }", ["s"]) is None


def test_prefixes_are_added_on_the_first_line_unless_declared() -> None:
    text = "# q\nPREFIX nkg: <http://mine/>\nSELECT * { ?s nkg:p a:o } # b:x\n"
    known = {"nkg": "https://w3id.org/newskg/ontology#", "a": "http://a/", "b": "http://b/"}
    out = st.with_prefixes(text, known)
    assert out == "PREFIX a: <http://a/> " + text  # only what it uses and does not declare
    assert st.declared_prefixes("PREFIX : <http://x/> prefix B: <http://b/> # PREFIX c: <>") == {
        "",
        "B",
    }


HEADER = """# title: Events in a place
# description: Every event in the place
#   or inside it.
# param: place iri -- the place
# param: min integer = 1 -- at least
# param: contains string = "" -- text
# example: place=baghdad
# example: contains=Kata'ib Hizbollah
PREFIX nkg: <https://w3id.org/newskg/ontology#>
# example: min=3
"""


def test_header() -> None:
    h = st.parse_header(HEADER, Path("q.rq"))
    assert (h.title, h.description) == (
        "Events in a place",
        "Every event in the place or inside it.",
    )
    assert h.params == [
        Param("place", "iri", "the place"),
        Param("min", "integer", "at least", "1"),
        Param("contains", "string", "text", ""),
    ]
    assert h.examples == {"place": "baghdad", "contains": "Kata'ib Hizbollah"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("# example: nowhere=x", "q.rq:4: example: 'nowhere' is not a parameter declared above it"),
        ("# example: place", "q.rq:4: example: write '# example: NAME=VALUE'"),
        ("# example: place=x", "q.rq:4: example: 'place' is given twice"),
        (
            "# param: x list -- y",
            "q.rq:4: param: write '# param: NAME TYPE [= DEFAULT] -- help' "
            "with TYPE one of iri, string, date, integer",
        ),
    ],
)
def test_header_errors(line: str, message: str) -> None:
    text = "# title: T\n# param: place iri -- p\n# example: place=a\n" + line + "\n"
    with pytest.raises(DataError) as info:
        st.parse_header(text, Path("q.rq"))
    assert str(info.value) == message


def test_header_needs_a_title() -> None:
    with pytest.raises(DataError) as info:
        st.parse_header("# description: no title\n", Path("q.rq"))
    assert str(info.value) == "q.rq:1: missing '# title:' header line"


A = URIRef("http://ex.org/a")


def test_inlined_writes_the_terms_where_the_variable_is() -> None:
    text = (
        "SELECT ?x ?n WHERE { { SELECT ?x (COUNT(?o) AS ?n) WHERE { ?x ?p ?o . "
        'FILTER(?x != <http://ex.org/b> && STR(?y) != "?x") } GROUP BY ?x } } ORDER BY ?x'
    )
    assert st.inlined(text, {Variable("x"): A}) == (
        f"SELECT (<{A}> AS ?x) ?n WHERE {{ {{ SELECT (<{A}> AS ?x) (COUNT(?o) AS ?n) WHERE "
        f'{{ <{A}> ?p ?o . FILTER(<{A}> != <http://ex.org/b> && STR(?y) != "?x") }} '
        f"GROUP BY (<{A}>) }} }} ORDER BY (<{A}>)"
    )


def test_inlined_escapes_a_literal_so_it_stays_one_term() -> None:
    hostile = Literal('a" } ; DROP ALL ; # \\\n\t' + "\u00e9", lang="fr")
    out = st.inlined("SELECT ?o WHERE { ?s ?p ?o . FILTER(?o = ?v) }", {Variable("v"): hostile})
    assert out == (
        'SELECT ?o WHERE { ?s ?p ?o . FILTER(?o = "a\\" } ; DROP ALL ; # \\\\\\n\\t\u00e9"@fr) }'
    )
    typed = Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))
    assert st.term_text(typed) == '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?v }",  # ?v is a column of SELECT *
        "SELECT ?s WHERE { BIND(1 AS ?v) ?s ?p ?o }",  # assigned
        "SELECT ?s WHERE { VALUES ?v { 1 } ?s ?p ?v }",
        "SELECT ?s WHERE { VALUES (?a ?v) { (1 2) } ?s ?p ?v }",
        "SELECT ?s WHERE { ?s ?p ?o FILTER(BOUND(?v)) }",
        "SELECT ?s WHERE { ?s ?p ?o MINUS { ?s ?q ?v } }",  # MINUS sees no outer binding
        "SELECT ?s WHERE { ?s ?p ?o { SELECT ?s WHERE { ?s ?q ?v } } }",  # another ?v
        "SELECT ?s WHERE { { SELECT ?s ?v WHERE { ?s ?q ?v } LIMIT 1 } }",  # LIMIT cuts
    ],
)
def test_inlined_leaves_binding_to_the_engine_when_writing_would_change_the_meaning(
    text: str,
) -> None:
    assert st.inlined(text, {Variable("v"): A}) is None


def test_inlined_keeps_terms_that_cannot_be_written() -> None:
    from rdflib import BNode

    q = "SELECT ?s WHERE { ?s ?p ?v }"
    assert st.inlined(q, {Variable("v"): BNode()}) is None
    assert st.inlined(q, {Variable("v"): URIRef("http://ex.org/a> . ?s ?p <b")}) is None
    assert st.inlined(q, {}) is None
    # a subquery that projects it, or all of its variables, has the outer variable
    assert st.inlined("SELECT ?s WHERE { { SELECT * WHERE { ?s ?q ?v } } }", {Variable("v"): A})
