"""Real SPARQL servers on 127.0.0.1: the real corpus pushed with `kg push`, then every stored
query with its example parameters, compared row for row with the embedded engine.

- an Oxigraph server (the `oxigraph` binary of the PyPI package), started with the README's
  recipe, loaded through its Graph Store (`/store`), queried at `/query`;
- Virtuoso 7.2.5 (Debian's `virtuoso-opensource`), started here with its own ini file,
  loaded through `/sparql-graph-crud-auth` with Digest authentication (dba/dba on the fresh
  database), queried at `/sparql`.

Without a server binary these tests skip, unless CI_REQUIRE_ENGINES=1 (set by .ci/run).
Protocol faults (refusals, timeouts, answers of the wrong shape) are tested against small
HTTP servers of the standard library, on 127.0.0.1 too.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from click.testing import CliRunner, Result

from bench.anchors import OXIGRAPH, VIRTUOSO, free_port, stop, virtuoso_ini, wait_until_ready
from kg import queries as q
from kg.cli import cli
from kg.engine import OxigraphEngine, RemoteEngine
from kg.errors import ServiceError
from kg.results import Rows

from .conftest import MINI, ONTOLOGY, SOURCES
from .engines import (  # noqa: F401 - real_nt is a fixture
    EXTRACTIONS,
    LINKS,
    QUERIES,
    REQUIRE,
    STORED,
    real_nt,
    run_example,
)


def missing(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"{what} is required (CI_REQUIRE_ENGINES=1)")
    pytest.skip(f"{what} is not installed")


BUILDS = Path(tempfile.mkdtemp(prefix="kg-push-"))  # never the checkout's build/


def push(
    store: str,
    extractions: Path = EXTRACTIONS,
    links: Path | None = LINKS,
    out: Path | None = None,
    update: str | None = None,
) -> Result:
    out = out or BUILDS / extractions.name
    args = ["push", "--endpoint", store, "-e", str(extractions), "--ontology", str(ONTOLOGY)]
    args += ["--out", str(out), *(["--update", update] if update else [])]
    if links is not None:
        args += ["--links", str(links)]
    if extractions == EXTRACTIONS and SOURCES.is_dir():
        args += ["--sources", str(SOURCES)]  # as tests/engines.py builds it: offsets too
    return CliRunner().invoke(cli, args)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server holding the real corpus; its base URL."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        result = push(base + "/store")
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith("pushed ")
        yield base


@contextlib.contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """An empty Oxigraph server started with the README's recipe; its base URL."""
    if not Path(OXIGRAPH).exists():
        missing("the oxigraph server binary (pip install oxigraph)")
    port = free_port()
    proc = subprocess.Popen(
        [
            *(OXIGRAPH, "serve", "--location", str(location)),
            *("--bind", f"127.0.0.1:{port}", "--union-default-graph"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base + "/query", proc, 30)
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Virtuoso holding the real corpus (pushed with Digest auth); its base URL."""
    if not Path(VIRTUOSO).exists():
        missing("Virtuoso (apt-get install virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        virtuoso_ini(folder, free_port(), http_port),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_ready(base + "/sparql", proc, 120)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("KG_ENDPOINT_USER", "dba")
            env.setenv("KG_ENDPOINT_PASSWORD", "dba")
            result = push(base + "/sparql-graph-crud-auth")
        assert result.exit_code == 0, result.output
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def embedded(real_nt: Path) -> OxigraphEngine:  # noqa: F811
    return OxigraphEngine.load(real_nt)


SPARQL = {"oxigraph": "/query", "virtuoso": "/sparql"}  # each server's query endpoint


@pytest.mark.parametrize("server", sorted(SPARQL))
@pytest.mark.parametrize("name", STORED)
def test_servers_give_the_embedded_rows(
    request: pytest.FixtureRequest, server: str, embedded: OxigraphEngine, name: str
) -> None:
    """Every stored query with its example parameters, on a server loaded by `kg push`."""
    base = request.getfixturevalue(server)
    expected = run_example(embedded, name)
    assert isinstance(expected, Rows) and expected.rows
    with RemoteEngine(base + SPARQL[server], embedded.lookup) as remote_engine:
        served = run_example(remote_engine, name)
    assert isinstance(served, Rows)
    assert (served.variables, served.rows) == (expected.variables, expected.rows)


README_QUESTION = """SELECT ?article ?value ?hedge WHERE {
  ?f a nkg:Figure ; nkg:quantity qty:killed ; nkg:counted actor:iraqi-protesters ;
     nkg:statedIn/nkg:title ?article ; nkg:hedge/skos:prefLabel ?hedge ; nkg:value ?value .
} ORDER BY ?value
"""


def sparql_cli(endpoint: str, graph: Path, text: str, *more: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["sparql", "-", "--endpoint", endpoint, "--graph", str(graph), "-f", "csv", *more],
        input=text,
    )


def test_the_readme_question_on_both_servers(
    oxigraph: str,
    virtuoso: str,
    real_nt: Path,  # noqa: F811
) -> None:
    embedded = CliRunner().invoke(
        cli, ["sparql", "-", "--graph", str(real_nt), "-f", "csv"], input=README_QUESTION
    )
    assert embedded.exit_code == 0, embedded.output
    assert len(embedded.stdout.splitlines()) == 5  # header and the README's four rows
    for endpoint in (oxigraph + "/query", virtuoso + "/sparql"):
        result = sparql_cli(endpoint, real_nt, README_QUESTION)
        assert result.exit_code == 0, result.output
        # the two 400s tie in the ORDER BY: engines may give them in either order
        assert sorted(result.stdout.splitlines()) == sorted(embedded.stdout.splitlines())


def test_ask_and_construct_on_both_servers(oxigraph: str, virtuoso: str) -> None:
    for endpoint in (oxigraph + "/query", virtuoso + "/sparql"):
        with RemoteEngine(endpoint) as server:
            assert server.ask("ASK { actor:kataeb-hezbollah a nkg:ArmedGroup }") is True
            assert server.ask("ASK { actor:nobody ?p ?o }") is False
            g = server.construct(
                "CONSTRUCT { ?a rdfs:label ?l } WHERE { VALUES ?a { actor:kataeb-hezbollah } "
                "?a rdfs:label ?l }"
            )
            assert {str(o) for o in g.objects()} == {"Kata'ib Hezbollah"}, endpoint


def test_push_replaces_only_our_graphs(oxigraph: str) -> None:
    other = "http://example.org/not-ours"
    requests.put(
        oxigraph + "/store",
        params={"graph": other},
        timeout=5,
        data=b"<http://a> <http://b> <http://c> .\n",
        headers={"Content-Type": "application/n-triples"},
    ).raise_for_status()
    with RemoteEngine(oxigraph + "/query") as server:
        before = server.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert push(oxigraph + "/store").exit_code == 0
        assert server.ask(f"ASK {{ GRAPH <{other}> {{ ?s ?p ?o }} }}") is True
        after = server.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert after == before


def test_push_removes_the_graphs_of_files_that_are_gone(tmp_path: Path) -> None:
    corpus = tmp_path / "extractions"
    shutil.copytree(EXTRACTIONS, corpus)
    gone = "opinion-2020-01-25-we-want-them-out"
    graphs = "SELECT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"
    with oxigraph_server(tmp_path / "store") as base, RemoteEngine(base + "/query") as server:
        assert push(base + "/store", corpus, None, tmp_path / "build").exit_code == 0
        first = [str(g) for (g,) in server.select(graphs).rows]
        assert f"https://w3id.org/newskg/id/graph/{gone}" in first
        (corpus / f"{gone}.yaml").unlink()
        result = push(base + "/store", corpus, None, tmp_path / "build")
        assert result.exit_code == 0, result.output
        assert result.stderr.rstrip().endswith(
            f"; removed <https://w3id.org/newskg/id/graph/{gone}>"
        )
        second = [str(g) for (g,) in server.select(graphs).rows]
        assert second == [g for g in first if not g.endswith("/" + gone)]
        assert server.ask(f"ASK {{ ?s nkg:statedIn article:{gone} }}") is False
        total = server.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        built = (tmp_path / "build" / "kg.nt").read_bytes().count(b"\n")
        meta = server.select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/newskg/id/graph/metadata> "
            "{ ?s ?p ?o } }"
        )
        assert int(total.rows[0][0]) == built + int(meta.rows[0][0])  # type: ignore[arg-type]


def _store_state(server: RemoteEngine) -> list[tuple[str, int]]:
    rows = server.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return sorted((str(g), int(n)) for g, n in rows.rows)  # type: ignore[arg-type]


def test_push_with_an_update_endpoint_is_all_or_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "extractions"
    shutil.copytree(EXTRACTIONS, corpus)
    gone = "opinion-2020-01-25-we-want-them-out"
    with oxigraph_server(tmp_path / "store") as base, RemoteEngine(base + "/query") as server:
        store, update = base + "/store", base + "/update"
        assert push(store, corpus, None, tmp_path / "build", update).exit_code == 0
        first = _store_state(server)
        assert [g for g, _ in first if "/staging-" in g] == []
        (corpus / f"{gone}.yaml").unlink()
        failed = push(store, corpus, None, tmp_path / "build", base + "/no-such-endpoint")
        assert failed.exit_code == 1
        assert failed.stderr.startswith(f"{base}/no-such-endpoint: HTTP 404")
        assert failed.stderr.rstrip().endswith(
            "; nothing was changed in the store (the staged graphs were removed)"
        )
        assert _store_state(server) == first  # no graph replaced, none removed, none staged
        result = push(store, corpus, None, tmp_path / "build", update)
        assert result.exit_code == 0, result.output
        assert result.stderr.rstrip().endswith(
            f"; removed <https://w3id.org/newskg/id/graph/{gone}>"
        )
        after = _store_state(server)
        assert [g for g, _ in after if "/staging-" in g or g.endswith("/" + gone)] == []
        assert len(after) == len(first) - 1


class _FailsAfter(http.server.BaseHTTPRequestHandler):
    """A Graph Store that takes two PUTs, then answers 500."""

    puts: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.puts.append(self.path)
        self.send_response(204 if len(self.puts) <= 2 else 500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_push_that_fails_half_way_says_what_the_store_holds(tmp_path: Path) -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FailsAfter)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    store = f"http://127.0.0.1:{httpd.server_address[1]}/store"
    try:
        result = push(store, MINI, None, tmp_path / "build")
    finally:
        httpd.shutdown()
        httpd.server_close()
    graphs = [f"<https://w3id.org/newskg/id/graph/{g}>" for g in ("gazette-2021-06-01", "ontology")]
    graphs += [
        "<https://w3id.org/newskg/id/graph/shared>",
        "<https://w3id.org/newskg/id/graph/metadata>",
    ]
    assert (result.exit_code, result.stderr) == (
        1,
        f"{store}: HTTP 500: Internal Server Error; the push stopped at {graphs[2]}: 2 of 4 "
        f"graph(s) were replaced ({graphs[0]}, {graphs[1]}), 2 still hold what was there "
        f"before ({graphs[2]}, {graphs[3]}), nothing was removed; run kg push again (with "
        "--update URL, a push is all or nothing)\n",
    )


def test_injection_value_over_the_protocol(oxigraph: str, virtuoso: str) -> None:
    sq = q.find(QUERIES, "spellings")
    text = sq.text
    for endpoint in (oxigraph + "/query", virtuoso + "/sparql"):
        with RemoteEngine(endpoint) as server:
            for value in ('"} ; DROP ALL ; #', 'zzz") || true || CONTAINS("a", "'):
                rows = server.select(text, q.bind(sq, {"contains": value}, None))
                assert rows.rows == [], endpoint
            assert server.ask("ASK { ?s a nkg:Figure }")


def test_server_errors_are_reported(oxigraph: str) -> None:
    with pytest.raises(ServiceError) as info:
        RemoteEngine(oxigraph + "/query").query("SELECT * WHERE { ?s ?p ?o FILTER(nope:x()) }")
    assert str(info.value).startswith(f"{oxigraph}/query: HTTP 400: ")
    port = free_port()
    with pytest.raises(ServiceError) as info:
        RemoteEngine(f"http://127.0.0.1:{port}/query").query("ASK {}")
    assert str(info.value) == (
        f"http://127.0.0.1:{port}/query: cannot connect to the server (is it running?)"
    )


# --- the protocol, against small servers of the standard library ---------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers by path: /slow (late), /basic (wants Basic auth), /seen (records the request),
    /answer/NAME (one of ANSWERS); else 401."""

    ANSWERS: ClassVar[dict[str, tuple[str, bytes]]] = {
        "html": ("text/html", b"<html>busy</html>"),
        "nohead": ("application/sparql-results+json", b'{"results": {"bindings": []}}'),
        "list": ("application/sparql-results+json", b"[1, 2]"),
        "badtype": (
            "application/sparql-results+json",
            b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": '
            b'{"type": "triple", "value": "s p o"}}]}}',
        ),
        "novalue": (
            "application/sparql-results+json",
            b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri"}}]}}',
        ),
        "ask01": (
            "application/sparql-results+json",
            b'{"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": [{"__ASK_RETVAL": '
            b'{"type": "typed-literal", "datatype": '
            b'"http://www.w3.org/2001/XMLSchema#integer", "value": "1"}}]}}',
        ),
        "boolean1": ("application/sparql-results+json", b'{"head": {}, "boolean": 1}'),
        "boolean2": ("application/sparql-results+json", b'{"head": {}, "boolean": 2}'),
        "graph": ("application/json", b"{}"),
    }
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def answer(self, status: int, kind: str = "", body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode() if length else ""
        if self.path.startswith("/slow"):
            time.sleep(1.5)
        if self.path.startswith("/seen"):
            _Handler.seen.append((self.command, self.headers.get("Content-Type", ""), body))
            rows = b'{"head": {"vars": []}, "results": {"bindings": [{}]}}'
            return self.answer(200, "application/sparql-results+json", rows)
        if self.path.startswith("/basic"):
            if self.headers.get("Authorization") == "Basic dTpwdw==":  # u:pw
                return self.answer(200, "application/sparql-results+json", b'{"boolean": true}')
            return self.answer(401, WWW_Authenticate='Basic realm="test"')
        if self.path.startswith("/answer/"):
            kind, body_bytes = self.ANSWERS[self.path.split("/")[2].split("?")[0]]
            return self.answer(200, kind, body_bytes)
        return self.answer(401)

    do_POST = do_PUT = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def local() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_unauthorised_and_timeout(local: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_ENDPOINT_TOKEN", "secret")
    result = push(local + "/store", MINI, None)
    assert (result.exit_code, result.stderr) == (
        1,
        (
            f"{local}/store: HTTP 401: not authorised; set KG_ENDPOINT_TOKEN, or "
            "KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD\n"
        ),
    )
    slow = RemoteEngine(local + "/slow")
    slow.timeout = 0.5  # the read timeout follows the query's timeout (--timeout)
    with pytest.raises(ServiceError) as info:
        slow.query("ASK {}")
    assert str(info.value) == f"{local}/slow: timed out waiting for the server"


def test_basic_auth_answers_a_basic_challenge(local: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ServiceError) as info:
        RemoteEngine(local + "/basic").query("ASK {}")
    assert "HTTP 401: not authorised" in str(info.value)
    monkeypatch.setenv("KG_ENDPOINT_USER", "u")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "pw")
    assert RemoteEngine(local + "/basic").query("ASK {}") is True
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "wrong")
    with pytest.raises(ServiceError) as info:
        RemoteEngine(local + "/basic").query("ASK {}")
    assert "HTTP 401: not authorised" in str(info.value)


def test_short_queries_are_got_long_ones_form_posted(local: str) -> None:
    _Handler.seen.clear()
    with RemoteEngine(local + "/seen") as server:
        server.query("SELECT * { ?s ?p ?o }")
        server.query("SELECT * { ?s ?p actor:iran } # " + "x" * 3000)
    (get, post) = _Handler.seen
    assert get == ("GET", "", "")
    assert post[:2] == ("POST", "application/x-www-form-urlencoded")
    assert post[2].startswith("query=PREFIX+actor%3A+%3Chttps%3A%2F%2Fw3id.org%2Fnewskg%2Fid")


@pytest.mark.parametrize(
    ("answer", "query", "expected"),
    [
        ("html", "SELECT * {}", "not SPARQL JSON results (text/html)"),
        ("nohead", "SELECT * {}", "SPARQL JSON results without 'head' and 'results'"),
        ("list", "SELECT * {}", "SPARQL JSON results must be an object"),
        ("badtype", "SELECT * {}", "a binding of unknown type 'triple'"),
        ("novalue", "SELECT * {}", "a binding without a 'value': {'type': 'uri'}"),
        ("ask01", "SELECT * {}", None),
        ("ask01", "ASK {}", True),
        ("boolean1", "ASK {}", True),
        ("boolean2", "ASK {}", "2 is not a boolean"),
        ("graph", "CONSTRUCT WHERE { ?s ?p ?o }", "a graph was asked for, got application/json"),
    ],
)
def test_answers_of_the_wrong_shape(local: str, answer: str, query: str, expected: Any) -> None:
    server = RemoteEngine(f"{local}/answer/{answer}")
    if isinstance(expected, str):
        with pytest.raises(ServiceError) as info:
            server.query(query)
        assert (
            str(info.value)
            == f"{local}/answer/{answer}: unexpected answer from the server: {expected}"
        )
    elif expected is None:  # a SELECT keeps its table, 0/1 and all
        result = server.query(query)
        assert isinstance(result, Rows) and result.variables == ["__ASK_RETVAL"]
    else:
        assert server.query(query) is expected


def test_a_benchmark_server_that_dies_is_started_again(tmp_path: Path) -> None:
    """The benchmark's anchors run every stored query on a server under a memory limit: a
    server that died on one query is noted and started again (on its database) for the next."""
    from bench.anchors import SERVER_MEMORY, Server

    if not Path(OXIGRAPH).exists():
        missing("the oxigraph server binary (pip install oxigraph)")
    port = free_port()
    cmd = [OXIGRAPH, "serve", "--location", str(tmp_path / "store")]
    url = f"http://127.0.0.1:{port}/query"
    with Server([*cmd, "--bind", f"127.0.0.1:{port}"], url) as server:
        assert server.proc is not None
        limits = Path(f"/proc/{server.proc.pid}/limits").read_text().splitlines()
        (line,) = [line for line in limits if line.startswith("Max address space")]
        assert line.split()[3:5] == [str(SERVER_MEMORY)] * 2
        assert server.revive() is None  # alive: left as it is
        first = server.proc.pid
        server.proc.kill()
        server.proc.wait()
        assert server.revive() == -9
        assert server.proc.pid != first
        answer = requests.get(url, params={"query": "ASK {}"}, timeout=10)
        assert answer.status_code == 200
    assert server.proc.poll() is not None  # stopped on leaving
