"""The Python API on the real corpus: build, stored and ad-hoc queries, exports, DataFrames."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

import kg
from kg.api import python_value
from kg.errors import DataError, UsageError, ValidationFailed

from .conftest import ROOT, SOURCES

ID = "https://w3id.org/newskg/id/"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> kg.Project:
    root = tmp_path_factory.mktemp("project")
    for folder in ("extractions", "ontology", "queries", "links"):
        shutil.copytree(ROOT / folder, root / folder)
    p = kg.open(root)
    p.build()
    return p


def test_build_reports_what_it_built(project: kg.Project) -> None:
    built = project.build()  # the second time: everything from the cache
    assert (built.files, built.articles, built.reparsed, built.written) == (6, 5, 0, False)
    assert (project.out / "kg.nt").read_bytes() == built.nt
    assert built.triples == built.nt.count(b"\n")


def test_stored_query_rows_are_dicts_of_python_values(project: kg.Project) -> None:
    result = project.query("spellings", contains="kata")
    assert result.variables == ["actor", "spelling", "article"]
    assert result.rows[:2] == [
        {
            "actor": ID + "actor/abu-mahdi-al-muhandis",
            "spelling": "the leader of the Kata\u2019ib Hizbollah militia",
            "article": ID + "article/opinion-2020-01-25-we-want-them-out",
        },
        {
            "actor": ID + "actor/kataeb-hezbollah",
            "spelling": "Kataeb Hezbollah",
            "article": ID + "article/militant-2020-01-13-us-hands-off-iraq",
        },
    ]
    assert len(result) == 6


def test_parameters_take_python_values_and_a_trailing_underscore(project: kg.Project) -> None:
    by_text = project.query("timeline", from_="2020-01-01", to="2020-01-31").rows
    by_date = project.query("timeline", from_=dt.date(2020, 1, 1), to=dt.date(2020, 1, 31)).rows
    assert by_text == by_date
    dated = [row["date"] for row in by_text if row["date"]]  # undated events come last
    assert (dated[0], dated[-1], len(dated), len(by_text)) == ("2020-01", "2020-01-25", 11, 16)
    pairs = project.query("co-participants", min=3).rows
    assert pairs[0] == {
        "actor1": ID + "actor/iran",
        "actor2": ID + "actor/united-states",
        "events": 3,
    }


def test_unknown_query_or_parameter_is_a_usage_error(project: kg.Project) -> None:
    with pytest.raises(UsageError, match="unknown query 'timelin'; did you mean 'timeline'"):
        project.query("timelin")
    with pytest.raises(UsageError, match="has no parameter 'actr'"):
        project.query("actor-profile", actr="iran")
    with pytest.raises(UsageError, match="cannot be a boolean"):
        project.query("co-participants", min=True)


def test_sparql_select_ask_construct(project: kg.Project) -> None:
    rows = project.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?a a nkg:Article }")
    assert isinstance(rows, kg.Result) and rows.rows == [{"n": 5}]
    assert project.sparql("ASK { actor:iran a nkg:State }") is True
    graph = project.sparql("CONSTRUCT { ?a nkg:title ?t } WHERE { ?a nkg:title ?t }")
    assert isinstance(graph, Graph) and len(graph) == 5
    with pytest.raises(DataError, match="SPARQL syntax error"):
        project.sparql("SELECT WHERE {")


def test_export_is_what_kg_export_writes(project: kg.Project) -> None:
    built = project.build()
    nt = project.export("nt")
    assert nt.startswith(built.nt)
    assert isomorphic(
        Graph().parse(data=project.export("turtle"), format="turtle"),
        Graph().parse(data=nt, format="nt"),
    )


def test_to_pandas(project: kg.Project) -> None:
    pytest.importorskip("pandas")
    frame = project.query("disagreements").to_pandas()
    assert list(frame.columns) == project.query("disagreements").variables
    assert len(frame) == len(project.query("disagreements"))


def test_python_values_keep_date_precision() -> None:
    assert python_value(Literal("2020-01", datatype=XSD.gYearMonth)) == "2020-01"
    assert python_value(Literal("2020-01-03", datatype=XSD.date)) == dt.date(2020, 1, 3)
    assert python_value(Literal("12", datatype=XSD.integer)) == 12
    assert python_value(Literal("1.5", datatype=XSD.decimal)) == Decimal("1.5")
    assert python_value(URIRef(ID + "actor/iran")) == ID + "actor/iran"
    assert python_value(None) is None


def test_build_errors_are_located(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", tmp_path / "extractions")
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    path = tmp_path / "extractions" / "gazette-2021-06-01.yaml"
    path.write_text(path.read_text().replace("actor: river-front", "actor: river-frnt", 1))
    with pytest.raises(ValidationFailed) as raised:
        kg.open(tmp_path).build()
    assert str(raised.value).startswith(f"{path}:")
    assert "unknown actor id 'river-frnt'; did you mean 'river-front'?" in str(raised.value)
    assert not (tmp_path / "build").exists()


def test_export_right_after_a_build_converts_nothing(
    project: kg.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg.convert import Converter

    def refuse(*args: object) -> None:
        raise AssertionError("kg export converted a file again")

    monkeypatch.setattr(Converter, "convert_file", refuse)
    assert project.export("nquads").startswith(project.build().nq)


def test_no_triple_is_in_two_named_graphs(project: kg.Project) -> None:
    """So the union of the graphs is the RDF merge on any store, set or bag (the real corpus
    states 26 participations in several articles: each article's is its own node)."""
    graphs: dict[str, str] = {}
    for line in project.export("nquads").decode().splitlines():
        triple, graph = line.rsplit(" ", 2)[0], line.rsplit(" ", 2)[1]
        assert graphs.setdefault(triple, graph) == graph, triple
    participations = {t.split(" ")[0] for t in graphs if t.startswith(f"<{ID}participation/")}
    assert len(participations) == 160
    shared = project.sparql(
        "SELECT ?e ?a ?r WHERE { ?p a nkg:Participation ; nkg:inEvent ?e ; nkg:participant ?a ;"
        " nkg:role ?r } GROUP BY ?e ?a ?r HAVING (COUNT(?p) > 1)"
    )
    assert isinstance(shared, kg.Result) and len(shared) == 26


@pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/sources is not beside the checkout")
def test_export_and_push_give_what_was_built_with_sources(tmp_path: Path) -> None:
    """`kg build --sources DIR` then `kg export` (no --sources): the quote offsets stay."""
    for folder in ("extractions", "ontology", "links"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    with_sources = kg.open(tmp_path, sources=SOURCES).build()
    start = b' <https://w3id.org/newskg/ontology#start> "'  # an evidence node's offset
    offsets = with_sources.nt.count(start)
    assert offsets == 396  # one per evidence quote (`make verify`: 396 quotes found)
    assert kg.open(tmp_path).export("nt").count(start) == offsets
    assert kg.open(tmp_path).validate().triples == with_sources.triples
    assert kg.open(tmp_path).build().written is True  # plain `kg build`: no sources, no offsets
    assert kg.open(tmp_path).export("nt").count(start) == 0
