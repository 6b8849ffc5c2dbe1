"""A real Oxigraph server on 127.0.0.1: push the graph, run every stored query both ways."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result

from kg import queries as q
from kg import remote
from kg.build import build
from kg.cli import cli
from kg.errors import ServiceError
from kg.export import graph_payloads

from .conftest import MINI, ONTOLOGY, ROOT
from .engines import PARAMS, same_results

OXIGRAPH = shutil.which("oxigraph") or str(Path(os.sys.executable).parent / "oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(OXIGRAPH).exists():
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    store = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen(
        [
            OXIGRAPH,
            "serve",
            "--location",
            str(store),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def push(server: str, extractions: Path) -> Result:
    return CliRunner().invoke(
        cli,
        [
            "push",
            "--endpoint",
            server + "/store",
            "-e",
            str(extractions),
            "--ontology",
            str(ONTOLOGY),
        ],
    )


@pytest.fixture(scope="module")
def pushed(server: str, two_articles: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    build(two_articles, ONTOLOGY, out)
    result = push(server, two_articles)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("pushed ")
    return out / "kg.nt"


def test_push_replaces_only_our_graphs(server: str, pushed: Path, two_articles: Path) -> None:
    other = "http://example.org/not-ours"
    requests.put(
        server + "/store",
        params={"graph": other},
        timeout=5,
        data=b"<http://a> <http://b> <http://c> .\n",
        headers={"Content-Type": "application/n-triples"},
    ).raise_for_status()
    result = push(server, two_articles)
    assert result.exit_code == 0
    ask = remote.query(server + "/query", f"ASK {{ GRAPH <{other}> {{ ?s ?p ?o }} }}")
    assert ask is True
    count = remote.query(
        server + "/query",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/newskg/')) }",
    )
    payloads = graph_payloads(build(two_articles, ONTOLOGY, None))
    expected = sum(body.count(b"\n") for body in payloads.values())
    assert isinstance(count, q.Rows) and int(count.rows[0][0]) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(q.stored_queries(ROOT / "queries")))
def test_every_stored_query_gives_the_same_rows(server: str, pushed: Path, name: str) -> None:
    graph = q.load_graph(pushed)
    sq = q.find(ROOT / "queries", name)
    bindings = q.bind(sq, PARAMS.get(name, {}), graph)
    local = q.execute(graph, q.prepare(sq.text, sq.path), sq.text, bindings)
    served = remote.query(server + "/query", sq.text, bindings)
    assert same_results(local, served), (local, served)
    assert not isinstance(local, q.Rows) or local.rows, f"{name} returns no rows on the fixture"


def test_query_run_with_endpoint(server: str, pushed: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "query",
            "run",
            "co-participants",
            "--endpoint",
            server + "/query",
            "--graph",
            str(pushed),
            "-f",
            "table",
            "--queries",
            str(ROOT / "queries"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "Protesters in Testland (actor:protesters)  River Front (actor:river-front)  1"
        in result.output
    )


def test_injection_value_over_the_protocol(server: str, pushed: Path) -> None:
    sq = q.find(ROOT / "queries", "spellings")
    for value in ('"} ; DROP ALL ; #', 'zzz") || true || CONTAINS("a", "'):
        bindings = q.bind(sq, {"contains": value}, None)
        rows = remote.query(server + "/query", sq.text, bindings)
        assert isinstance(rows, q.Rows) and rows.rows == []
    assert remote.query(server + "/query", "ASK { ?s a <https://w3id.org/newskg/ontology#Figure> }")


def test_server_errors_are_reported(server: str) -> None:
    with pytest.raises(ServiceError) as info:
        remote.query(server + "/query", "SELECT * WHERE { ?s ?p }")
    assert str(info.value).startswith(f"{server}/query: HTTP 400: ")
    port = free_port()
    with pytest.raises(ServiceError) as info:
        remote.query(f"http://127.0.0.1:{port}/query", "ASK {}")
    assert str(info.value) == (
        f"http://127.0.0.1:{port}/query: cannot connect to the server (is it running?)"
    )


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(1.5)
        self.send_response(401)
        self.end_headers()

    do_PUT = do_POST

    def log_message(self, *args: object) -> None:
        pass


def test_unauthorised_and_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        monkeypatch.setenv("KG_ENDPOINT_TOKEN", "secret")
        result = CliRunner().invoke(
            cli,
            ["push", "--endpoint", base + "/store", "-e", str(MINI), "--ontology", str(ONTOLOGY)],
        )
        assert (result.exit_code, result.stderr) == (
            1,
            (
                f"{base}/store: HTTP 401: not authorised; set KG_ENDPOINT_TOKEN, or "
                "KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD\n"
            ),
        )
        monkeypatch.setattr(remote, "TIMEOUT", (1.0, 0.5))
        with pytest.raises(ServiceError) as info:
            remote.query(base + "/slow", "ASK {}")
        assert str(info.value) == f"{base}/slow: timed out waiting for the server"
    finally:
        httpd.shutdown()
