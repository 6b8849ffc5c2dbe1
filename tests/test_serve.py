"""The explorer's routes (``kg serve``) through Starlette's test client, on the real corpus and
on a fixture whose labels are hostile HTML: status codes, media types, content negotiation,
the SPARQL 1.1 Protocol, refusals, escaping, the link review's guards and its atomic writes,
and the static site (``kg site``)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

pytest.importorskip("starlette")
from starlette.testclient import TestClient

import kg
from kg import links as lk
from kg.cli import cli
from kg.errors import UsageError
from kg.namespaces import ID
from kg.serve import create_app
from kg.serve.server import check_binding

from .conftest import MINI, ROOT
from .engines import kg_build, real_nt  # noqa: F401

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
KH = "/id/actor/kataeb-hezbollah"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def project(real_nt: Path) -> kg.Project:  # noqa: F811
    return kg.open(ROOT, graph=real_nt)


@pytest.fixture(scope="module")
def client(project: kg.Project) -> TestClient:
    return TestClient(create_app(project))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> kg.Project:
    """The mini fixture with an actor's label and an article's title that are HTML."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(MINI, root / "extractions", ignore=shutil.ignore_patterns("expected.ttl"))
    shared = root / "extractions" / "shared.yaml"
    shared.write_text(
        shared.read_text().replace("label: River Front", f"label: '{HOSTILE}'"), "utf-8"
    )
    article = root / "extractions" / "gazette-2021-06-01.yaml"
    article.write_text(
        article.read_text().replace("title: Thousands rally in Port City", f"title: '{HOSTILE}'"),
        "utf-8",
    )
    nt = kg_build(root / "extractions", root / "build")
    shutil.copytree(ROOT / "queries", root / "queries")
    shutil.copytree(ROOT / "ontology", root / "ontology")
    return kg.open(root, graph=nt)


def rows_of(project: kg.Project, text: str) -> list[dict[str, object]]:
    result = project.sparql(text)
    assert isinstance(result, kg.api.Result)
    return result.rows


def disagreement_groups(project: kg.Project) -> list[list[dict[str, object]]]:
    """The stored ``disagreements`` query's figures in the groups the page shows: the same
    quantity and group counted, linked by a subject in common (here by its label)."""
    groups: list[tuple[set[tuple[object, ...]], list[dict[str, object]]]] = []
    for row in project.query("disagreements").rows:
        keys = {(row["quantity"], row["counted"], s) for s in str(row["about"]).split("; ")}
        joined = [g for g in groups if g[0] & keys]
        groups = [g for g in groups if not g[0] & keys]
        groups.append(
            (keys.union(*(g[0] for g in joined)), [r for g in joined for r in g[1]] + [row])
        )
    return [rows for _, rows in groups]


# --- pages ----------------------------------------------------------------------------------


def test_home_counts_what_is_in_the_graph(client: TestClient, project: kg.Project) -> None:
    r = client.get("/", headers=HTML)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    articles = rows_of(project, "SELECT ?a WHERE { ?a a nkg:Article }")
    assert f"<b>{len(articles)}</b> articles" in r.text
    # disagreements: the groups of figures in which the stored query finds one that differs
    groups = disagreement_groups(project)
    differing = [g for g in groups if any(row["comparison"] == "differs" for row in g)]
    assert 0 < len(differing) < len(groups)
    assert f'<b id="disagreement-count">{len(differing)}</b>' in r.text
    for a in articles:
        assert str(a["a"]).removeprefix("https://w3id.org/newskg") in r.text


def test_actor_page_shows_each_articles_spellings(client: TestClient, project: kg.Project) -> None:
    r = client.get(KH, headers=HTML)
    assert r.status_code == 200
    table = r.text.split('id="spellings"')[1].split("</table>")[0]
    rows = rows_of(
        project,
        "SELECT ?form ?title WHERE { ?m nkg:denotes actor:kataeb-hezbollah ;"
        " nkg:surfaceForm ?form ; nkg:mentionedIn/nkg:title ?title }",
    )
    assert rows
    for row in rows:
        assert _html(str(row["form"])) in table
        assert _html(str(row["title"])) in table


def test_actor_page_shows_the_relations_each_article_states(
    client: TestClient, project: kg.Project
) -> None:
    text = client.get(KH, headers=HTML).text
    tables = {
        name: re.findall(r"<tr>(.*?)</tr>", text.split(f'id="{name}"')[1].split("</table>")[0])
        for name in ("relations-out", "relations-in")
    }
    relations = project.query("relations", actor="kataeb-hezbollah").rows
    assert len(relations) == sum(len(rows) - 1 for rows in tables.values())  # (- the head)
    titles = {str(r["a"]): str(r["t"]) for r in rows_of(
        project, "SELECT ?a ?t WHERE { ?a nkg:title ?t }")}  # fmt: skip
    actors = "SELECT ?x ?l WHERE { ?x a/rdfs:subClassOf* nkg:Actor ; rdfs:label ?l }"
    labels = {str(r["x"]): str(r["l"]) for r in rows_of(project, actors)}
    for row in relations:
        mine = str(row["subject"]).endswith("/kataeb-hezbollah")
        other = labels[str(row["object" if mine else "subject"])]
        expected = [other, str(row["relation"]), str(row["wording"]), titles[str(row["article"])]]
        table = tables["relations-out" if mine else "relations-in"]
        assert any(all(f">{_html(x)}<" in r for x in expected) for r in table), expected
    # Iran backs it, according to two articles, each in its own words
    backs = [r for r in tables["relations-in"] if ">Iran<" in r and "<td>backs</td>" in r]
    assert len(backs) == 2
    assert {"Iranian-backed", "Tehran-backed"} == {
        w for w in ("Iranian-backed", "Tehran-backed") for r in backs if f">{w}<" in r}  # fmt: skip


def test_actor_page_shows_each_articles_framing_words(
    client: TestClient, project: kg.Project
) -> None:
    table = client.get(KH, headers=HTML).text.split('id="spellings"')[1].split("</table>")[0]
    rows = {
        re.search(r'href="([^"]+)"', row).group(1): row  # type: ignore[union-attr]
        for row in re.findall(r"<tr><td>(.*?)</tr>", table, re.S)
    }
    framing = [r for r in project.query("framing", entity="kataeb-hezbollah").rows
               if r["aspect"] == "framing"]  # fmt: skip
    assert framing
    for r in framing:
        cell = rows[_path(r["article"])].split('<td class="framing">')[1].split("</td>")[0]
        assert _html(str(r["words"])) in cell


def test_entity_page_links_wikidata(client: TestClient, project: kg.Project) -> None:
    [linked] = rows_of(project, "SELECT ?e ?w WHERE { ?e skos:exactMatch ?w } ORDER BY ?e LIMIT 1")
    path = str(linked["e"]).removeprefix("https://w3id.org/newskg")
    r = client.get(path, headers=HTML)
    assert f'<a class="wikidata" href="{linked["w"]}"' in r.text


def test_event_page_puts_accounts_side_by_side(client: TestClient, project: kg.Project) -> None:
    r = client.get("/id/event/us-strikes-2019-12-29", headers=HTML)
    assert r.status_code == 200
    reports = rows_of(
        project,
        "SELECT ?title WHERE { ?r nkg:reports event:us-strikes-2019-12-29 ;"
        " nkg:statedIn/nkg:title ?title }",
    )
    head = r.text.split('id="accounts"')[1].split("</thead>")[0]
    assert head.count("<th>") == len(reports) + 1
    for row in reports:
        assert _html(str(row["title"])) in head
    # the articles name different participants (the Pentagon in one of them)
    participants = re.search(r'<tr class="differs"><th>participants', r.text)
    assert participants is not None
    # words as written are shown, never marked as a difference
    assert '<tr class="differs"><th>evidence' not in r.text


def accounts(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """An event page's accounts: the articles' paths, column by column, and each row's cells
    (the rows before the figures)."""
    table = text.split('id="accounts"')[1]
    head, body = table.split("</thead>")
    columns = re.findall(r'<th><a href="(/id/article/[^"]+)"', head)
    body = body.split("<tr><th>figures</th>")[0]
    rows = {
        name.strip(): re.findall(r"<td>(.*?)</td>", cells, re.S)
        for name, cells in re.findall(r"<tr[^>]*><th>([^<]+)(?:<span[^>]*>[^<]*</span>)?</th>"
                                      r"(.*?)</tr>", body, re.S)
    }  # fmt: skip
    return columns, rows


def _path(iri: object) -> str:
    return str(iri).removeprefix("https://w3id.org/newskg")


def test_event_page_shows_each_articles_framing_near_and_modality(
    client: TestClient, project: kg.Project
) -> None:
    """Every report's framing, near-places and modality with its words, in its article's
    column, for every event that has one."""
    said = rows_of(
        project,
        "SELECT ?e ?a ?framing ?near ?m ?words WHERE { ?r nkg:reports ?e ; nkg:statedIn ?a ."
        " { ?r nkg:framing ?framing } UNION { ?r nkg:near/rdfs:label ?near } UNION"
        " { ?r nkg:modality/skos:prefLabel ?m OPTIONAL { ?r nkg:modalityText ?words } } }",
    )
    assert {k for row in said for k, v in row.items() if v is not None} >= {
        "framing", "near", "m", "words"}  # fmt: skip
    pages: dict[str, tuple[list[str], dict[str, list[str]]]] = {}
    for row in said:
        event = _path(row["e"])
        if event not in pages:
            pages[event] = accounts(client.get(event, headers=HTML).text)
        columns, cells = pages[event]
        i = columns.index(_path(row["a"]))
        if row["framing"] is not None:
            assert _html(str(row["framing"])) in cells["framing"][i]
        if row["near"] is not None:
            assert f">{_html(str(row['near']))}</a>" in cells["near"][i]
        if row["m"] is not None:
            words = f" (\u201c{_html(str(row['words']))}\u201d)" if row["words"] else ""
            assert f">{_html(str(row['m']) + words)}</a>" in cells["modality"][i]
    # the embassy siege: a "Pro-Tehran rally" in The Militant, an "assault" in the other
    columns, cells = pages["/id/event/us-embassy-baghdad-siege-2019-12-31"]
    militant = columns.index("/id/article/militant-2020-01-13-us-hands-off-iraq")
    assert "Pro-Tehran rally" in cells["framing"][militant]
    assert not any("Pro-Tehran rally" in c for j, c in enumerate(cells["framing"]) if j != militant)


def test_event_page_shows_the_causes_and_responses_each_article_states(
    client: TestClient, project: kg.Project
) -> None:
    event = "us-embassy-baghdad-siege-2019-12-31"
    columns, cells = accounts(client.get(f"/id/event/{event}", headers=HTML).text)
    links = [
        row
        for row in project.query("cause-chains", event=event).rows
        if event in (str(row["from"]).rsplit("/", 1)[1], str(row["to"]).rsplit("/", 1)[1])
    ]
    assert {str(row["link"]) for row in links} >= {"in response to", "followed by"}
    shown = cells["causes and responses"]
    assert sum(c.count("<br>") + 1 for c in shown if c) == len(links)
    for row in links:
        i = columns.index(_path(row["article"]))
        outgoing = str(row["from"]).endswith(event)
        other = rows_of(project, f"SELECT ?l WHERE {{ <{row['to' if outgoing else 'from']}>"
                        " rdfs:label ?l }")[0]["l"]  # fmt: skip
        text = f"{row['link']}: {other}" if outgoing else f"{other}: {row['link']} this"
        assert f">{_html(text)}</a>" in shown[i]
        assert _html(f"\u201c{row['wording']}\u201d") in shown[i]


def test_event_pages_mark_what_contested_events_flags(
    client: TestClient, project: kg.Project
) -> None:
    """The date and place rows of every contested event are marked exactly where the stored
    query ``contested-events`` flags a report's date or place."""
    flagged: dict[str, dict[str, bool]] = {}
    for row in project.query("contested-events").rows:
        seen = flagged.setdefault(str(row["event"]), {"date": False, "place": False})
        seen["date"] |= bool(row["dateDiffers"])
        seen["place"] |= bool(row["placeDiffers"])
    assert any(f["date"] for f in flagged.values())  # (no two reports' places conflict here)
    for event, expected in flagged.items():
        text = client.get(event.removeprefix("https://w3id.org/newskg"), headers=HTML).text
        for name in ("date", "place"):
            marked = f'<tr class="differs"><th>{name} <span' in text
            assert marked == expected[name], (event, name)


@pytest.mark.parametrize(
    ("columns", "differs"),
    [
        ([["baghdad"], ["iraq"]], False),
        ([["baghdad"], ["basra"]], True),
        ([["baghdad", "iraq"], ["baghdad"], []], False),
        ([["iraq", "syria"], ["iraq"]], True),
        ([["border"], ["iraq", "syria"]], False),
    ],
)
def test_a_place_inside_another_does_not_contradict_it(
    columns: list[list[str]], differs: bool
) -> None:
    from kg.serve.views import Cell, Row, mark_places

    within = {"baghdad": {"baghdad", "iraq"}, "basra": {"basra", "iraq"},
              "border": {"border", "iraq", "syria"}}  # fmt: skip
    row = Row("place", "p", [[Cell(p, iri=p) for p in cells] for cells in columns])
    mark_places(row, within)
    assert row.differs is differs


def test_disagreements_page_shows_the_stored_querys_figures_side_by_side(
    client: TestClient, project: kg.Project
) -> None:
    r = client.get("/disagreements", headers=HTML)
    assert r.status_code == 200
    sections = r.text.split('<section class="group ')[1:]
    groups = disagreement_groups(project)
    assert len(sections) == len(groups)
    seen = 0
    for section in sections:
        head, body = section.split("</thead>")
        figures = re.findall(r'<div class="small"><a href="(/id/figure/[^"]+)"', head)
        cells = {
            name: re.findall(r"<td[^>]*>(.*?)</td>", row)
            for name, row in re.findall(r"<tr[^>]*><th>([^<]+)</th>(.*?)</tr>", body)
        }
        rows = {str(row["figure"]).removeprefix("https://w3id.org/newskg"): row for g in groups
                for row in g}  # fmt: skip
        [group] = [g for g in groups if {str(row["figure"]) for row in g} == {
            "https://w3id.org/newskg" + f for f in figures}]  # fmt: skip
        flag = next((c for c in ("differs", "changed over time")
                     if any(row["comparison"] == c for row in group)), "agrees")  # fmt: skip
        assert section.startswith(flag.replace(" ", "-") + '"')
        for i, figure in enumerate(figures):
            row = rows[figure]
            assert cells["number"][i] == _html(str(row["value"]))
            assert cells["hedge"][i] == _html(str(row["hedge"]))
            assert cells["when"][i] == str(row["when"])
            assert str(row["comparison"]) in cells["comparison"][i]
            seen += 1
    assert seen == sum(len(g) for g in groups)
    # the troops in Iraq: 5,000 and 5,300 in January 2020 differ; 2,500 in 2024 is a change
    troops = next(s for s in sections if "us-troops-in-iraq-5300" in s)
    for number in ("5,000", "5,300", "2,500"):
        assert f"<td>{number}</td>" in troops
    assert troops.startswith('differs"') and "changed over time" in troops


def test_article_page_lists_every_attributed_node(client: TestClient, project: kg.Project) -> None:
    article = "militant-2020-01-13-us-hands-off-iraq"
    r = client.get(f"/id/article/{article}", headers=HTML)
    assert r.status_code == 200
    nodes = rows_of(
        project,
        f"SELECT DISTINCT ?n WHERE {{ {{ ?n nkg:statedIn article:{article} }} UNION"
        f" {{ ?n nkg:mentionedIn article:{article} }} }}",
    )
    for row in nodes:
        assert 'href="' + str(row["n"]).removeprefix("https://w3id.org/newskg") + '"' in r.text


def test_article_page_shows_its_stances_citations_and_relations(
    client: TestClient, project: kg.Project
) -> None:
    for found in rows_of(project, "SELECT ?a WHERE { ?a a nkg:Article }"):
        article = found["a"]
        text = client.get(_path(article), headers=HTML).text
        tables = {
            name: re.findall(r"<tr>(.*?)</tr>", text.split(f'id="{name}"')[1].split("</table>")[0])
            if f'id="{name}"' in text else []
            for name in ("stances", "citations", "relations", "event-links")
        }  # fmt: skip
        stances = project.query("stances", article=str(article)).rows
        assert len(tables["stances"]) == len(stances) + 1 > 1  # every article has a position
        for row in stances:
            assert any(f"<td>{_html(str(row['position']))}</td>" in r for r in tables["stances"])
        for name, query in (("citations", "cited-works"), ("relations", "relations"),
                            ("event-links", "cause-chains")):  # fmt: skip
            mine = [r for r in project.query(query).rows if r["article"] == str(article)]
            assert len(tables[name]) == (len(mine) + 1 if mine else 0), (article, name)
            for row in mine:
                assert any(_html(str(row["evidence"])) in r for r in tables[name])
    # the republished statement and the tweet The Militant cites
    text = client.get("/id/article/militant-2020-01-13-us-hands-off-iraq", headers=HTML).text
    assert "Tweet by Sarkawt Shams of 31 December 2019" in text.split('id="citations"')[1]


def test_timeline_is_svg_with_spans_as_wide_as_the_precision(client: TestClient) -> None:
    r = client.get("/timeline?from=2019&to=2020", headers=HTML)
    assert r.status_code == 200
    svg = r.text.split('<svg id="timeline"')[1].split("</svg>")[0]
    bars = re.findall(r'<rect class="bar (a\d)" x="[\d.]+" y="[\d.]+" width="([\d.]+)"[^>]*>'
                      r"<title>([^<]*)</title>", svg)  # fmt: skip
    month = [float(w) for _, w, t in bars if "(precision: month)" in t]
    day = [float(w) for _, w, t in bars if "(precision: day)" in t and "curator" not in t]
    assert month and day
    assert min(month) >= 9 * max(day)  # a month spans a month of the axis, a day a day
    assert client.get("/timeline?from=20x9", headers=HTML).status_code == 400


def test_stored_query_form_and_downloads(client: TestClient, project: kg.Project) -> None:
    r = client.get("/queries/spellings", headers=HTML)
    assert r.status_code == 200
    assert '<input name="contains"' in r.text
    r = client.get("/queries/spellings?contains=kata&run=1", headers=HTML)
    expected = project.query("spellings", contains="kata")
    assert r.text.count("<tr><td>") == len(expected) > 0
    data = client.get("/queries/spellings.csv?contains=kata")
    assert data.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.DictReader(io.StringIO(data.text))) == [
        {k: str(v) for k, v in row.items()} for row in expected.rows
    ]
    answer = client.get("/queries/spellings.json?contains=kata").json()
    assert len(answer["results"]["bindings"]) == len(expected)
    bad = client.get("/queries/figures-about?entity=no-such-thing", headers=HTML)
    assert bad.status_code == 400
    assert "no entity with id or label &#39;no-such-thing&#39;" in bad.text
    assert client.get("/queries/nope", headers=HTML).status_code == 404


def test_query_page_runs_a_query_and_lists_prefixes(client: TestClient) -> None:
    r = client.get("/query?query=" + quote("SELECT ?t WHERE { ?a nkg:title ?t } ORDER BY ?t"),
                   headers=HTML)  # fmt: skip
    assert r.status_code == 200
    assert r.text.count("<tr><td>") == 5
    assert "<th>nkg:</th>" in r.text and "Examples" in r.text


# --- the SPARQL endpoint --------------------------------------------------------------------

TITLES = "SELECT ?a ?t WHERE { ?a a nkg:Article ; nkg:title ?t } ORDER BY ?t"


def test_sparql_get_and_both_posts_give_the_same_rows(
    client: TestClient, project: kg.Project
) -> None:
    expected = rows_of(project, TITLES)
    answers = [
        client.get("/sparql", params={"query": TITLES}),
        client.post("/sparql", data={"query": TITLES}),
        client.post(
            "/sparql", content=TITLES, headers={"content-type": "application/sparql-query"}
        ),
    ]
    for r in answers:
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
        got = [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]
        assert got == [{k: str(v) for k, v in row.items()} for row in expected]
        assert r.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+json", "application/sparql-results+json"),
    ],
)
def test_sparql_select_formats(client: TestClient, accept: str, media: str) -> None:
    r = client.get("/sparql", params={"query": TITLES}, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == media + "; charset=utf-8"
    if media.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(ET.fromstring(r.content).findall(f"{ns}results/{ns}result")) == 5
    elif media == "text/csv":
        assert len(list(csv.reader(io.StringIO(r.text)))) == 6


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_sparql_construct_formats(client: TestClient, accept: str, fmt: str) -> None:
    query = "CONSTRUCT { ?a rdfs:label ?t } WHERE { ?a a nkg:Article ; nkg:title ?t }"
    r = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    g = Graph().parse(data=r.text, format=fmt)
    assert len(g) == 5


def test_sparql_ask(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?a a nkg:Article }"})
    assert r.json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    ("how", "status", "words"),
    [
        ({"params": {"update": "DROP ALL"}}, 403, "updates are refused"),
        ({"data": {"update": "DROP ALL"}}, 403, "updates are refused"),
        ({"params": {"query": "DROP ALL"}}, 400, "update queries are refused"),
        ({"params": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, 400, "update queries"),
        ({"params": {"query": "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"}}, 400, "SERVICE"),
        ({"params": {"query": "SELECT * FROM <http://x/> { ?s ?p ?o }"}}, 400, "FROM"),
        ({"params": {"query": "SELECT ?x {", "default-graph-uri": "http://x/"}}, 400, "refused"),
        ({"params": {"query": "SELECT ?x WHERE {"}}, 400, "SPARQL syntax error"),
    ],
)
def test_sparql_refusals(
    client: TestClient, how: dict[str, object], status: int, words: str
) -> None:
    r = client.post("/sparql", **how) if "data" in how else client.get("/sparql", **how)  # type: ignore[arg-type]
    assert r.status_code == status
    assert words in r.text


def test_sparql_update_media_type_is_refused(client: TestClient) -> None:
    r = client.post(
        "/sparql", content="DROP ALL", headers={"content-type": "application/sparql-update"}
    )
    assert r.status_code == 403


def test_sparql_not_acceptable(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": TITLES}, headers={"accept": "image/png"})
    assert r.status_code == 406


def test_sparql_limits(real_nt: Path) -> None:  # noqa: F811
    small = TestClient(create_app(kg.open(ROOT, graph=real_nt, max_rows=3)))
    r = small.get("/sparql", params={"query": TITLES})
    assert r.status_code == 413
    slow = TestClient(create_app(kg.open(ROOT, graph=real_nt, timeout=0.05)))
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = slow.get("/sparql", params={"query": heavy})
    assert r.status_code == 503
    assert "was stopped" in r.text


def test_service_description_and_void(client: TestClient, project: kg.Project) -> None:
    sd = client.get("/sparql", headers={"accept": "text/turtle"})
    assert sd.status_code == 200
    g = Graph().parse(data=sd.text, format="turtle")
    service = URIRef("http://www.w3.org/ns/sparql-service-description#Service")
    assert (URIRef("http://testserver/sparql"), None, service) in g
    void = client.get("/.well-known/void", headers={"accept": "text/turtle"})
    g = Graph().parse(data=void.text, format="turtle")
    triples = rows_of(project, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    assert (URIRef(str(ID) + "dataset"), URIRef("http://rdfs.org/ns/void#triples"),
            Literal(triples)) in g  # fmt: skip
    assert client.get("/sparql", headers=HTML, follow_redirects=False).status_code == 303


def test_cors_preflight(client: TestClient) -> None:
    r = client.options("/sparql", headers={"origin": "https://example.org",
                                           "access-control-request-method": "POST"})  # fmt: skip
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"


# --- linked data ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "fmt", "media"),
    [
        (KH, "text/turtle", "turtle", "text/turtle"),
        (KH, "application/n-triples", "nt", "application/n-triples"),
        (KH, "application/ld+json", "json-ld", "application/ld+json"),
        (KH + ".ttl", "text/html", "turtle", "text/turtle"),
        (KH + ".nt", "*/*", "nt", "application/n-triples"),
        (KH + ".jsonld", "*/*", "json-ld", "application/ld+json"),
    ],
)
def test_linked_data_negotiation(
    client: TestClient, path: str, accept: str, fmt: str, media: str
) -> None:
    r = client.get(path, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    g = Graph().parse(data=r.text, format=fmt)
    kh = URIRef(str(ID) + "actor/kataeb-hezbollah")
    assert (kh, RDFS.label, Literal("Kata'ib Hezbollah")) in g  # outgoing
    assert (None, URIRef("https://w3id.org/newskg/ontology#denotes"), kh) in g  # incoming


def test_linked_data_html_for_browsers_and_404s(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get(KH, headers={"accept": browser})
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get(KH + ".html").headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/vocab/role/agent", headers=HTML).status_code == 200
    assert client.get("/id/actor/no-such-actor", headers=HTML).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/id/../pyproject.toml",
        "/id/%2e%2e/%2e%2e/etc/passwd",
        "/static/../../pyproject.toml",
        "/static/%2e%2e%2fpyproject.toml",
        "/static/views.py",
        "/templates/base.html",
        "/kg/api.py",
        "/build/kg.nt",
    ],
)
def test_no_path_outside_the_project(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "[build-system]" not in r.text and "root:" not in r.text


def test_ontology_at_its_namespace(client: TestClient) -> None:
    r = client.get("/ontology", headers={"accept": "text/turtle"})
    assert r.content == (ROOT / "ontology" / "ontology.ttl").read_bytes()
    page = client.get("/ontology", headers=HTML)
    assert '<tr id="Actor"><td><code>nkg:Actor</code>' in page.text


# --- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/actors",
        "/articles",
        "/id/actor/river-front",
        "/id/article/gazette-2021-06-01",
        "/id/event/port-city-rally-2021-05",
        "/timeline",
        "/queries/spellings?contains=",
        "/query?query=" + quote("SELECT ?l WHERE { ?x rdfs:label ?l }"),
    ],
)
def test_hostile_labels_are_shown_as_text(hostile: kg.Project, path: str) -> None:
    r = TestClient(create_app(hostile)).get(path, headers=HTML)
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img" not in r.text
    assert "onerror=alert(2)&gt;" in r.text  # the label is there, as text


def test_hostile_query_text_and_messages_are_escaped(client: TestClient) -> None:
    r = client.get("/query", params={"query": f"SELECT * WHERE {{ {HOSTILE}"}, headers=HTML)
    assert r.status_code == 400
    assert "<script>alert" not in r.text and "<img" not in r.text


# --- link review ----------------------------------------------------------------------------


@pytest.fixture
def reviewed(real_nt: Path, tmp_path: Path) -> tuple[kg.Project, Path]:  # noqa: F811
    links = tmp_path / "wikidata.csv"
    shutil.copy(ROOT / "links" / "wikidata.csv", links)
    return kg.open(ROOT, graph=real_nt, links=links), links


def _local(app: object, **kw: object) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5555), **kw)  # type: ignore[arg-type]


def _review(project: kg.Project, links: Path, decision: str) -> tuple[TestClient, dict[str, str]]:
    """A loopback client of the review, and the form deciding the first proposed link."""
    c = _local(create_app(project, allow_edits=True))
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/review").text)
    assert csrf is not None
    row = next(r for r in lk.read_links(links) if r.status is lk.Status.PROPOSED)
    form = {"csrf": csrf.group(1), "entity": row.entity, "qid": row.qid, "decision": decision,
            "decided_by": "Tester"}  # fmt: skip
    return c, form


def test_review_is_off_without_allow_edits(client: TestClient) -> None:
    assert client.get("/review", headers=HTML).status_code == 404


def test_review_accept_rewrites_the_links_file(reviewed: tuple[kg.Project, Path]) -> None:
    project, links = reviewed
    app = create_app(project, allow_edits=True)
    c = _local(app)
    page = c.get("/review", headers=HTML)
    assert page.status_code == 200
    assert "access-control-allow-origin" not in page.headers
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    row = next(r for r in lk.read_links(links) if r.status is lk.Status.PROPOSED)
    before = lk.read_links(links)
    form = {"csrf": csrf.group(1), "entity": row.entity, "qid": row.qid, "decision": "accept",
            "decided_by": "Tester"}  # fmt: skip
    r = c.post("/review", data=form, follow_redirects=False)
    assert r.status_code == 303
    after = lk.read_links(links)
    changed = [a for a, b in zip(after, before, strict=True) if a != b]
    assert [(c.entity, c.qid, c.status, c.decided_by) for c in changed] == [
        (row.entity, row.qid, lk.Status.ACCEPTED, "Tester")
    ]
    assert links.read_bytes() == lk.render_links(after)
    # deciding it again is a conflict, and the file stays as it is
    again = c.post("/review", data=form, follow_redirects=False)
    assert again.status_code == 409
    assert lk.read_links(links) == after


def test_review_reject(reviewed: tuple[kg.Project, Path]) -> None:
    project, links = reviewed
    c, form = _review(project, links, "reject")
    assert c.post("/review", data=form, follow_redirects=False).status_code == 303
    found = [r for r in lk.read_links(links) if (r.entity, r.qid) == (form["entity"], form["qid"])]
    assert [(r.status, r.decided_by) for r in found] == [(lk.Status.REJECTED, "Tester")]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"csrf": "forged"}, 403),
        ({"origin": "https://evil.example"}, 403),
        ({"decided_by": ""}, 409),
        ({"decided_by": "auto"}, 409),
        ({"decided_by": "x\x1b[2J"}, 409),
    ],
)
def test_review_refuses_forged_or_bad_decisions(
    reviewed: tuple[kg.Project, Path], change: dict[str, str], status: int
) -> None:
    project, links = reviewed
    c, form = _review(project, links, "accept")
    origin = change.pop("origin", None)
    form.update(change)
    before = links.read_bytes()
    headers = {"origin": origin} if origin else {}
    r = c.post("/review", data=form, headers=headers, follow_redirects=False)
    assert r.status_code == status
    assert links.read_bytes() == before


def test_review_write_failure_leaves_the_file(
    reviewed: tuple[kg.Project, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, links = reviewed
    c, form = _review(project, links, "accept")
    before = links.read_bytes()

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    monkeypatch.setattr(os, "rename", full)
    r = c.post("/review", data=form, follow_redirects=False)
    assert r.status_code == 500
    assert "No space left on device" in r.text
    assert links.read_bytes() == before
    assert sorted(p.name for p in links.parent.iterdir()) == ["wikidata.csv"]


def test_review_only_on_loopback_or_with_the_token(reviewed: tuple[kg.Project, Path]) -> None:
    project, _ = reviewed
    app = create_app(project, allow_edits=True)
    remote = TestClient(app, base_url="http://127.0.0.1:8000", client=("192.0.2.7", 5555))
    assert remote.get("/review").status_code == 403
    rebound = TestClient(app, base_url="http://evil.example", client=("127.0.0.1", 5555))
    assert rebound.get("/review").status_code == 403
    secret = create_app(project, allow_edits=True, token="s3cret")
    c = TestClient(secret, base_url="http://192.0.2.1:8000", client=("192.0.2.7", 5555))
    assert c.get("/review").status_code == 403
    assert c.get("/review", headers={"authorization": "Bearer s3cret"}).status_code == 200
    first = c.get("/review?token=s3cret")
    assert first.status_code == 200
    assert "samesite=strict" in first.headers["set-cookie"].lower()
    assert c.get("/review").status_code == 200  # the cookie


def test_binding_beyond_loopback() -> None:
    assert check_binding("127.0.0.1", True, None) == []
    assert check_binding("::1", False, None) == []
    [warning] = check_binding("0.0.0.0", False, None)
    assert warning.startswith("warning: serving on 0.0.0.0, not loopback")
    with pytest.raises(UsageError, match="needs --token"):
        check_binding("0.0.0.0", True, None)
    assert len(check_binding("192.0.2.1", True, "secret")) == 1


# --- the static site ------------------------------------------------------------------------


def test_site_has_relative_links_that_resolve(real_nt: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "site"
    args = ["site", "-o", str(out), "--graph", str(real_nt), "--queries", str(ROOT / "queries"),
            "-e", str(ROOT / "extractions"), "--ontology", str(ROOT / "ontology")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    pages = sorted(out.rglob("*.html"))
    assert f"wrote {len(pages):,} pages" in result.output
    for name in ("index.html", "actors.html", "id/actor/kataeb-hezbollah.html",
                 "id/event/us-strikes-2019-12-29.html", "disagreements.html", "timeline.html",
                 "queries/spellings.html", "queries/spellings.csv"):  # fmt: skip
        assert (out / name).is_file(), name
    for page in pages:
        for href in re.findall(r'(?:href|src)="([^"#?]*)', page.read_text("utf-8")):
            if href.startswith(("http://", "https://", "data:")) or not href:
                continue
            assert not href.startswith("/"), (page, href)
            target = (page.parent / href.replace("%27", "'")).resolve()
            assert target.is_file(), (page, href)
    # written again over its own site; never over another folder
    assert CliRunner().invoke(cli, args).exit_code == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    refused = CliRunner().invoke(cli, [*args[:1], "-o", str(other), *args[3:]])
    assert refused.exit_code == 1
    assert "is not a site kg wrote" in refused.output
    assert (other / "keep.txt").read_text() == "mine"


def test_site_escapes_hostile_labels(hostile: kg.Project, tmp_path: Path) -> None:
    from kg.site import write_site

    write_site(hostile, tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        text = page.read_text("utf-8")
        assert "<script>alert" not in text and "<img" not in text, page


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&#34;").replace("'", "&#39;")  # fmt: skip


def test_results_json_is_valid(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": TITLES, "format": "json"})
    assert json.loads(r.text)["head"]["vars"] == ["a", "t"]


def test_only_web_iris_become_links(tmp_path: Path) -> None:
    nt = tmp_path / "kg.nt"
    x = "<https://w3id.org/newskg/id/actor/x>"
    nt.write_text(
        f'{x} <http://www.w3.org/2000/01/rdf-schema#label> "{HOSTILE.replace(chr(34), "")}" .\n'
        f"{x} <http://www.w3.org/2002/07/owl#sameAs> <javascript:alert(1)> .\n"
        f"{x} <http://www.w3.org/2002/07/owl#sameAs> <https://example.org/x> .\n",
        "utf-8",
    )
    r = TestClient(create_app(kg.open(ROOT, graph=nt))).get("/id/actor/x", headers=HTML)
    assert r.status_code == 200
    assert 'href="javascript:' not in r.text and "<script>alert" not in r.text
    assert 'href="https://example.org/x"' in r.text


def test_serve_refuses_before_binding(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["serve", "--graph", str(tmp_path / "kg.nt")])
    assert (missing.exit_code, missing.stderr) == (
        1,
        f"{tmp_path / 'kg.nt'}: no built graph at {tmp_path / 'kg.nt'}: run `kg build` first\n",
    )
    open_edits = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--allow-edits"])
    assert open_edits.exit_code == 2
    assert "--allow-edits on 0.0.0.0 (not loopback) needs --token" in open_edits.stderr


def test_a_page_asked_for_again_is_given_again_without_querying(project: kg.Project) -> None:
    """The served graph never changes, so a GET answered once (by URL and Accept) is kept:
    the same bytes, the same type, no query run; another Accept is another answer."""
    app = create_app(project)
    client = TestClient(app)
    ex = app.state.explorer
    calls = []
    query = ex.engine.query

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return query(*args, **kwargs)  # type: ignore[arg-type]

    ex.engine.query = counted
    path = "/id/actor/kataeb-hezbollah"
    first = client.get(path, headers={"accept": "text/html"})
    asked = len(calls)
    again = client.get(path, headers={"accept": "text/html"})
    assert asked > 0 and len(calls) == asked
    assert (again.status_code, again.content, again.headers["content-type"]) == (
        first.status_code,
        first.content,
        first.headers["content-type"],
    )
    turtle = client.get(path, headers={"accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle") and len(calls) > asked
    assert client.get("/id/actor/no-such-actor").status_code == 404
    assert len(ex.answers) == 2  # an error is not kept
    assert all(answer.status_code == 200 for answer in ex.answers.values())
