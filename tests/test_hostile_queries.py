"""Hostile and careless queries, parameters and output: no request nobody asked for, no query
without an end, no parameter value that means something else to an engine, nothing put on a
terminal that acts on it, no formula in the links file (docs/guarantees.md).

Requests are caught by a small HTTP server on 127.0.0.1 that records every one it receives.
"""

from __future__ import annotations

import csv
import http.server
import io
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner, Result
from rdflib import Literal, URIRef

from kg import engine
from kg import queries as q
from kg.cli import cli
from kg.engine import OxigraphEngine, RdflibEngine
from kg.errors import DataError, ServiceError, UsageError
from kg.links import FORMULA_START, LinkRow, Status, read_links, render_links
from kg.results import Rows, markdown, render, table

from .conftest import MINI, ONTOLOGY, ROOT
from .engines import real_nt  # noqa: F401 - a fixture
from .test_cli import DATE_MSG

QUERIES = ROOT / "queries"
EMBEDDED = ("oxigraph", "rdflib")


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request; answers SPARQL JSON with no rows (after DELAY seconds)."""

    seen: ClassVar[list[str]] = []
    delay: ClassVar[float] = 0.0

    def do_GET(self) -> None:
        _Recorder.seen.append(f"{self.command} {self.path}")
        time.sleep(self.delay)
        body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def recorder() -> Iterator[str]:
    """The URL of a recording SPARQL endpoint on 127.0.0.1 (requests in ``_Recorder.seen``)."""
    _Recorder.seen.clear()
    _Recorder.delay = 0.0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def mini_nt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mini")
    args = ["build", "-e", str(MINI), "--ontology", str(ONTOLOGY), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return out / "kg.nt"


def sparql(graph: Path, text: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["sparql", "-", "--graph", str(graph), *args], input=text)


def run(graph: Path, name: str, *args: str) -> Result:
    command = ["query", "run", name, "--graph", str(graph), "--queries", str(QUERIES), *args]
    return CliRunner().invoke(cli, command)


# --- 1. federated queries and dataset clauses ---------------------------------------------

REFUSED = (
    "SERVICE is refused: a federated query makes the engine send requests to other servers; "
    "allow it with --allow-service (allow_service=True in the Python API)\n"
)
REFUSED_REMOTE = (
    "SERVICE is refused: a federated query makes the endpoint send requests to other "
    "servers; with --allow-service kg sends the query and the endpoint decides "
    "(allow_service=True in the Python API)\n"
)

# (query with URL standing for the recorder, where SERVICE is: line:column or None)
SERVICES = [
    ("SELECT * WHERE { SERVICE <URL> { ?s ?p ?o } }", "1:18"),
    ("select * where {\n  ?a ?b ?c .\n  service <URL> { ?s ?p ?o } }", "3:3"),
    ("SELECT * { OPTIONAL { SeRvIcE SILENT <URL> { ?s ?p ?o } } }", "1:23"),
    ("SELECT * { { SELECT ?s WHERE { SERVICE <URL> { ?s ?p ?o } } } }", "1:32"),
    ("SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <URL> { ?s ?p ?o } } }", "1:37"),
    # rdflib reads codepoint escapes before parsing: this comment ends at the \u000a
    ("SELECT * { ?s ?p ?o # \\u000a SERVICE <URL> { ?s ?p ?o }\n}", None),
    ("SELECT * { \\u0053ERVICE <URL> { ?s ?p ?o } }", None),
]


@pytest.mark.parametrize(("text", "at"), SERVICES)
@pytest.mark.parametrize("kind", EMBEDDED)
def test_service_is_refused_and_no_request_is_sent(
    mini_nt: Path, recorder: str, kind: str, text: str, at: str | None
) -> None:
    result = sparql(mini_nt, text.replace("URL", recorder), "--engine", kind)
    where = f"<stdin>:{at}: " if at else "<stdin>: "
    assert (result.exit_code, result.stderr) == (2, where + REFUSED)
    assert _Recorder.seen == []


@pytest.mark.parametrize(("text", "at"), SERVICES[:3])
def test_service_to_an_endpoint_is_refused_unless_allowed(
    recorder: str, tmp_path: Path, text: str, at: str | None
) -> None:
    query = text.replace("URL", "http://127.0.0.1:9/other")
    args = ["--endpoint", recorder, "-f", "csv"]
    result = sparql(tmp_path / "none.nt", query, *args)
    assert (result.exit_code, result.stderr) == (2, f"<stdin>:{at}: " + REFUSED_REMOTE)
    assert _Recorder.seen == []
    allowed = sparql(tmp_path / "none.nt", query, *args, "--allow-service")
    assert (allowed.exit_code, allowed.stdout_bytes) == (0, b"s\r\n")
    assert len(_Recorder.seen) == 1  # the query went to the endpoint, which decides


@pytest.mark.parametrize("kind", EMBEDDED)
def test_allow_service_lets_the_engine_call_out(mini_nt: Path, recorder: str, kind: str) -> None:
    """The control of the tests above: the same query, allowed, reaches the recorder."""
    text = f"SELECT * WHERE {{ SERVICE <{recorder}> {{ ?s ?p ?o }} }}"
    result = sparql(mini_nt, text, "--engine", kind, "--allow-service", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    # no triples there: only the header (rdflib puts the columns in any order)
    assert sorted(result.stdout_bytes.rstrip(b"\r\n").split(b",")) == [b"o", b"p", b"s"]
    assert result.stdout_bytes.count(b"\r\n") == 1
    assert len(_Recorder.seen) == 1 and _Recorder.seen[0].startswith(("GET /sparql", "POST"))


def test_the_python_api_refuses_and_allows_service(mini_nt: Path, recorder: str) -> None:
    import kg

    project = kg.open(ROOT, graph=mini_nt)
    text = f"ASK {{ SERVICE <{recorder}> {{ ?s ?p ?o }} }}"
    with pytest.raises(UsageError) as info:
        project.sparql(text)
    assert str(info.value) == "<query>:1:7: " + REFUSED.rstrip("\n")
    assert _Recorder.seen == []
    assert project.sparql(text, allow_service=True) is False
    assert len(_Recorder.seen) == 1


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?s WHERE { ?s rdfs:label "SERVICE <http://127.0.0.1:9/> { }" }',
        "SELECT ?s WHERE { ?s rdfs:label 'none' } # SERVICE <http://127.0.0.1:9/> { }",
        "SELECT ?s WHERE { ?s <http://example.org/SERVICE> ?service }",
        'SELECT ?s WHERE { ?s rdfs:label """a\nSERVICE <http://127.0.0.1:9/> {}""" }',
        "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l = 'FROM <http://127.0.0.1:9/>') }",
    ],
)
@pytest.mark.parametrize("kind", EMBEDDED)
def test_the_words_in_strings_comments_and_iris_are_not_refused(
    mini_nt: Path, recorder: str, kind: str, text: str
) -> None:
    result = sparql(mini_nt, text, "--engine", kind, "-f", "csv")
    assert (result.exit_code, result.stdout_bytes) == (0, b"s\r\n")


DATASET = (
    "FROM and FROM NAMED are refused: kg queries the built graph as it is, and the engines "
    "read a dataset clause differently (rdflib may fetch its IRI from the web); read a named "
    "graph with GRAPH <iri> { ... }\n"
)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("SELECT * FROM <URL> WHERE { ?s ?p ?o }", "1:10"),
        ("SELECT *\nfrom named <URL>\nWHERE { GRAPH ?g { ?s ?p ?o } }", "2:1"),
        ("ASK FROM <URL> { ?s ?p ?o }", "1:5"),
        ("CONSTRUCT { ?s ?p ?o } FROM <URL> WHERE { ?s ?p ?o }", "1:24"),
        ("DESCRIBE ?s FROM <URL> WHERE { ?s ?p ?o }", "1:13"),
    ],
)
def test_dataset_clauses_are_refused_by_every_engine(
    mini_nt: Path, recorder: str, text: str, at: str
) -> None:
    query = text.replace("URL", recorder)
    for args in (("--engine", "oxigraph"), ("--engine", "rdflib"), ("--endpoint", recorder)):
        result = sparql(mini_nt, query, *args)
        assert (result.exit_code, result.stderr) == (2, f"<stdin>:{at}: " + DATASET), args
    assert _Recorder.seen == []


# --- 2. timeouts, Ctrl-C and row limits ---------------------------------------------------

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIMED_OUT = (
    "<stdin>: the query ran for more than 1 s and was stopped; give it more time with "
    "--timeout SECONDS (timeout= in the Python API), or narrow it\n"
)


@pytest.mark.parametrize("kind", EMBEDDED)
def test_a_query_of_minutes_stops_at_its_timeout(
    real_nt: Path,  # noqa: F811
    kind: str,
) -> None:
    # a process of its own, as on the command line: pyoxigraph's native COUNT cannot be
    # interrupted, and would go on in the background of the test process
    command = [sys.executable, "-m", "kg.cli", "sparql", "-", "--graph", str(real_nt)]
    start = time.monotonic()
    done = subprocess.run(
        [*command, "--engine", kind, "--timeout", "1"],
        input=CROSS_JOIN.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - start
    assert (done.returncode, done.stderr.decode()) == (1, TIMED_OUT)
    assert 1.0 <= elapsed < 10.0


def _query_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kg-query"]


@pytest.mark.parametrize("kind", EMBEDDED)
def test_the_timeout_of_the_python_api_stops_the_query(mini_nt: Path, kind: str) -> None:
    eng = engine.open(kind, mini_nt, timeout=0.5, max_rows=None)
    with pytest.raises(DataError) as info:
        eng.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", where="q.rq")
    assert str(info.value) == (
        "q.rq: the query ran for more than 0.5 s and was stopped; give it more time with "
        "--timeout SECONDS (timeout= in the Python API), or narrow it"
    )
    # its thread was stopped, not left running: solutions are read in Python code
    deadline = time.monotonic() + 5
    while _query_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _query_threads() == []
    # the engine still answers, and a per-query timeout overrides the engine's
    assert eng.ask("ASK { ?s ?p ?o }", timeout=5) is True


def test_a_remote_query_waits_as_long_as_its_timeout(recorder: str) -> None:
    _Recorder.delay = 1.5
    start = time.monotonic()
    result = CliRunner().invoke(
        cli, ["sparql", "-", "--endpoint", recorder, "--timeout", "0.5"], input="ASK {}"
    )
    assert (result.exit_code, result.stderr) == (
        1,
        f"{recorder}: timed out waiting for the server\n",
    )
    assert time.monotonic() - start < 1.4
    _Recorder.delay = 1.0
    with engine.open(endpoint=recorder, graph=Path("no.nt"), timeout=0.3) as eng:
        with pytest.raises(ServiceError) as info:
            eng.select("SELECT ?s {}")
        assert str(info.value) == f"{recorder}: timed out waiting for the server"
        # a timeout for one query is its read timeout too (30 s against the server's 1 s: a
        # loaded CI machine once took more than 5)
        assert eng.select("SELECT ?s {}", timeout=30) == Rows(["s"], [])


def wait_until_reading_stdin(proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Wait until the process is blocked reading its stdin (Linux: /proc/PID/syscall is
    ``0 0x0 ...``, read from fd 0): then it has started and imported everything."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the process ended before reading its input"
        try:
            call = Path(f"/proc/{proc.pid}/syscall").read_text().split()
        except OSError:
            time.sleep(5)  # no /proc: give it time
            return
        if call[:2] == ["0", "0x0"]:
            return
        time.sleep(0.05)
    raise AssertionError("the process never read its input")


@pytest.mark.parametrize("kind", EMBEDDED)
def test_ctrl_c_stops_a_running_query_at_once(
    real_nt: Path,  # noqa: F811
    kind: str,
) -> None:
    command = [sys.executable, "-m", "kg.cli", "sparql", "-", "--graph", str(real_nt)]
    proc = subprocess.Popen(
        [*command, "--engine", kind, "--timeout", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(CROSS_JOIN.encode())
        proc.stdin.flush()
        wait_until_reading_stdin(proc)
        proc.stdin.close()
        time.sleep(2.0)  # the graph loaded, and deep in the query (which takes minutes)
        assert proc.poll() is None
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=10)
        waited = time.monotonic() - sent
        assert proc.stderr is not None
        assert (code, proc.stderr.read()) == (130, b"interrupted\n")
        assert waited < 5.0  # well under a second here; slack for a loaded CI machine
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("kind", EMBEDDED)
def test_more_rows_than_max_rows_is_an_error(mini_nt: Path, kind: str) -> None:
    text = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    result = sparql(mini_nt, text, "--engine", kind, "--max-rows", "1000")
    assert (result.exit_code, result.stderr) == (
        1,
        "<stdin>: the query gives more than 1,000 rows; add a LIMIT, or allow more with "
        "--max-rows N (max_rows= in the Python API)\n",
    )
    limited = sparql(mini_nt, text + " LIMIT 1000", "--engine", kind, "--max-rows", "1000")
    assert limited.exit_code == 0
    assert len(limited.stdout.splitlines()) == 1001


def test_the_options_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for option in ("--timeout SECONDS", "--max-rows N", "--allow-service"):
        assert option in readme, option
    guarantees = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    assert "## Queries, parameters and output" in guarantees
    for command in (["sparql", "--help"], ["query", "run", "--help"]):
        shown = " ".join(CliRunner().invoke(cli, command).output.split())
        assert "--timeout SECONDS Stop the query after this many seconds" in shown
        assert "[default: 60.0; x>=0]" in shown and "[default: 1000000; x>=0]" in shown


# --- 3. parameter values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("min=\u0663", "parameter 'min' must be an integer, got '\u0663'"),
        ("min=1_000", "parameter 'min' must be an integer, got '1_000'"),
        ("min= 5 ", "parameter 'min' must be an integer, got ' 5 '"),
        ("min=+5", "parameter 'min' must be an integer, got '+5'"),
        ("min=5\n", "parameter 'min' must be an integer, got '5\\n'"),
        ("min=0x10", "parameter 'min' must be an integer, got '0x10'"),
        ("min=2.0", "parameter 'min' must be an integer, got '2.0'"),
        ("min=", "parameter 'min' must be an integer, got ''"),
        (
            "min=9223372036854775808",
            "parameter 'min' must be an integer from -9223372036854775808 to "
            "9223372036854775807 (64 bits, what every engine represents), got "
            "9223372036854775808",
        ),
        (
            "min=-9223372036854775809",
            "parameter 'min' must be an integer from -9223372036854775808 to "
            "9223372036854775807 (64 bits, what every engine represents), got "
            "-9223372036854775809",
        ),
        (
            "min=" + "9" * 5000,
            "parameter 'min' must be an integer from -9223372036854775808 to "
            "9223372036854775807 (64 bits, what every engine represents), got " + "9" * 40 + "...",
        ),
        ("from=20200103", DATE_MSG + "'20200103'"),
        ("from=2020-W01-1", DATE_MSG + "'2020-W01-1'"),
        ("from=2020W011", DATE_MSG + "'2020W011'"),
        ("from=2020-1-3", DATE_MSG + "'2020-1-3'"),
        ("from= 2020-01-03", DATE_MSG + "' 2020-01-03'"),
        ("from=2020-02-30", DATE_MSG + "'2020-02-30'"),
        ("from=0000-01-01", DATE_MSG + "'0000-01-01'"),
        (
            "from=\u0662\u0660\u0662\u0660-\u0660\u0661-\u0660\u0663",
            DATE_MSG + "'\u0662\u0660\u0662\u0660-\u0660\u0661-\u0660\u0663'",
        ),
        ("contains=\udcff", "parameter 'contains' is not valid text (not UTF-8): '\\udcff'"),
        ("entity=<http://a b>", "parameter 'entity': 'http://a b' is not an IRI"),
        ("entity=http://x/\x1b[2J", "parameter 'entity': 'http://x/\\x1b[2J' is not an IRI"),
        (
            "entity=actor:a>b",
            "parameter 'entity': 'https://w3id.org/newskg/id/actor/a>b' is not an IRI",
        ),
        ("entity=<>", "parameter 'entity': '' is not an IRI"),
    ],
)
def test_values_an_engine_would_read_otherwise_are_refused(
    mini_nt: Path, param: str, message: str
) -> None:
    name = {"min": "co-participants", "from": "timeline", "contains": "spellings"}.get(
        param.partition("=")[0], "figures-about"
    )
    result = run(mini_nt, name, "-p", param)
    assert (result.exit_code, result.stderr) == (2, message + "\n")


def test_a_parameter_given_twice_is_refused(mini_nt: Path) -> None:
    result = run(mini_nt, "co-participants", "-p", "min=1", "-p", "min=2")
    assert (result.exit_code, result.stderr) == (2, "parameter 'min' is given twice\n")


@pytest.fixture(scope="module")
def both(mini_nt: Path) -> tuple[OxigraphEngine, RdflibEngine]:
    return OxigraphEngine.load(mini_nt), RdflibEngine.load(mini_nt)


@pytest.mark.parametrize(
    ("name", "values", "rows"),
    [
        ("co-participants", {"min": "-9223372036854775808"}, 1),
        ("co-participants", {"min": "9223372036854775807"}, 0),
        ("co-participants", {"min": "0"}, 1),
        ("co-participants", {"min": "-1"}, 1),
        ("co-participants", {"min": "007"}, 0),
        ("co-participants", {"min": "1"}, 1),
        ("co-participants", {"min": "2"}, 0),
        ("timeline", {"from": "0001-01-01", "to": "9999-12-31"}, 1),
        ("timeline", {"from": "2021-05-31"}, 1),
        ("timeline", {"from": "2021-06-01", "to": "2021-06-01"}, 0),
        ("timeline", {"to": "2021-05-31"}, 1),
        ("timeline", {"from": "2024-02-29"}, 0),
        ("spellings", {"contains": "Front"}, 2),
        ("spellings", {"contains": "\x1b[2J\u202e"}, 0),
        ("spellings", {"contains": ""}, 5),
    ],
)
def test_both_embedded_engines_read_every_accepted_value_alike(
    both: tuple[OxigraphEngine, RdflibEngine], name: str, values: dict[str, str], rows: int
) -> None:
    sq = q.find(QUERIES, name)
    fast, reference = both
    expected = reference.select(sq.text, q.bind(sq, values, reference.lookup), sq.path)
    got = fast.select(sq.text, q.bind(sq, values, fast.lookup), sq.path)
    assert (got.variables, got.rows) == (expected.variables, expected.rows)
    assert len(got.rows) == rows


def test_the_python_api_bounds_integers_too(mini_nt: Path) -> None:
    import kg

    project = kg.open(ROOT, graph=mini_nt)
    with pytest.raises(UsageError) as info:
        project.query("co-participants", min=2**64)
    assert str(info.value).startswith("parameter 'min' must be an integer from ")
    assert len(project.query("co-participants", min=2**63 - 1)) == 0
    assert len(project.query("co-participants", min=-(2**63))) == 1


# --- 4. output for people, and data ---------------------------------------------------------

HOSTILE = "a\x1b[2Jb\x07c\x9bd\u202ee\u2066f\rg\th"
SHOWN = "a\\x1b[2Jb\\x07c\\x9bd\\u202ee\\u2066f\\x0dg\\x09h"


def test_tables_and_markdown_show_control_characters_escaped() -> None:
    actor = URIRef("https://w3id.org/newskg/id/actor/x")
    rows = Rows(["v", "who"], [(Literal(HOSTILE), actor)])
    assert table(rows, lambda _: "Evil\x1b]0;title\x07") == (
        "v"
        + " " * (len(SHOWN) - 1)
        + "  who\n"
        + "-" * len(SHOWN)
        + "  "
        + "-" * len("Evil\\x1b]0;title\\x07 (actor:x)")
        + "\n"
        + SHOWN
        + "  Evil\\x1b]0;title\\x07 (actor:x)\n(1 row)\n"
    )
    assert markdown(rows, lambda _: None) == (f"| v | who |\n|---|---|\n| {SHOWN} | actor:x |\n")


def test_data_formats_keep_every_character(mini_nt: Path) -> None:
    text = (
        'SELECT ?v WHERE { VALUES ?v { "'
        + HOSTILE.replace("\r", "\\r").replace("\t", "\\t")
        + '" } }'
    )
    rows = Rows(["v"], [(Literal(HOSTILE),)])
    for fmt in ("csv", "tsv", "json"):
        result = sparql(mini_nt, text, "-f", fmt)
        assert result.exit_code == 0, result.stderr
        # written to a pipe, nothing is stripped (click would strip escape sequences)
        assert result.stdout_bytes == render(rows, fmt, None).encode("utf-8"), fmt
    csv_bytes = sparql(mini_nt, text, "-f", "csv").stdout_bytes
    assert csv_bytes == ('v\r\n"' + HOSTILE + '"\r\n').encode("utf-8")
    shown = sparql(mini_nt, text, "-f", "table").stdout
    assert shown.splitlines()[2] == SHOWN and "\x1b" not in shown


# --- the links file: no formulas, and the text read back is the text written -------------


def _row(entity: str, label: str, matched: str, decided_by: str, note: str) -> LinkRow:
    return LinkRow(entity, "state", "Q1", label, "0.9", matched, Status.ACCEPTED, decided_by, note)


FORMULAS = [
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "'=already quoted",
    "''+twice",
    "'plain",
    "plain = fine",
]


def test_the_links_file_defuses_formulas_and_reads_back_the_same(tmp_path: Path) -> None:
    rows = [
        _row(f"e{n}", value, value, value if n % 2 else "curator", value)
        for n, value in enumerate(FORMULAS)
    ]
    data = render_links(rows)
    path = tmp_path / "wikidata.csv"
    path.write_bytes(data)
    back = read_links(path)
    assert [r.values() for r in back] == [r.values() for r in sorted(rows, key=lambda r: r.entity)]
    cells = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    for record in cells[1:]:
        for value in record:
            assert not value.startswith(FORMULA_START), record
    lines = data.decode("utf-8").split("\n")
    assert lines[1] == (
        'e0,state,Q1,"\'=HYPERLINK(""http://x"")",0.9,"\'=HYPERLINK(""http://x"")",accepted,'
        'curator,"\'=HYPERLINK(""http://x"")"'
    )
    assert lines[2] == "e1,state,Q1,'+1+1,0.9,'+1+1,accepted,'+1+1,'+1+1"
    assert render_links(back) == data
    assert "'plain,0.9,'plain" in data.decode("utf-8")  # not formula-like: as it is


@pytest.mark.parametrize("kind", EMBEDDED)
@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s \x1b[2J WHERE { ?s ?p ?o }",
        'SELECT ?s WHERE { ?s ?p "\x1b]0;owned\x07" . ?s \x9b31m }',
        "SELECT ?s WHERE { ?s ?p ?o \u202e }",
    ],
)
def test_error_messages_put_no_control_character_on_screen(
    mini_nt: Path, kind: str, text: str
) -> None:
    result = sparql(mini_nt, text, "--engine", kind)
    assert result.exit_code == 1
    assert "SPARQL syntax error" in result.stderr
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.stderr)


def test_an_unknown_query_name_is_shown_escaped(mini_nt: Path) -> None:
    result = run(mini_nt, "x\x1b[2J")
    assert result.exit_code == 2
    assert result.stderr.startswith("unknown query 'x\\x1b[2J'; stored queries: actor-profile, ")
