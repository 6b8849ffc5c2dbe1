"""The anchors of the benchmark: the same built corpus served by an Oxigraph server (the
build's own on-disk store, `oxigraph serve-read-only`, no load step) and by Virtuoso
(Debian's `virtuoso-opensource`, bulk-loaded with `ld_dir` and `rdf_loader_run()`), and
every stored query run on each through `kg`'s remote engine, so their times can be set
against the embedded engine's (``bench.run`` prints the ratios). A server that is not
installed is left out, with a note.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from kg import queries as q
from kg import store as kgstore
from kg.engine import RemoteEngine
from kg.errors import KgError
from kg.results import GraphLike

Results = dict[str, list[float]]
ROOT = Path(__file__).resolve().parent.parent
VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
GRAPH = "https://w3id.org/newskg/graph/bench"

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = {threads}
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
"""


def virtuoso_ini(
    folder: Path,
    sql_port: int,
    http_port: int,
    *,
    buffers: int = 10_000,
    threads: int = 10,
    max_rows: int = 100_000,
    max_seconds: int = 60,
) -> str:
    """A Virtuoso configuration for a server of its own in ``folder``, on 127.0.0.1 only (the
    tests' defaults; the benchmark gives it more memory, rows and time)."""
    return VIRTUOSO_INI.format(
        dir=folder,
        sql_port=sql_port,
        http_port=http_port,
        buffers=buffers,
        dirty=buffers * 3 // 4,
        threads=threads,
        max_rows=max_rows,
        max_seconds=max_seconds,
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_ready(url: str, proc: subprocess.Popen[bytes], seconds: float) -> None:
    """Wait until the SPARQL endpoint ``url`` of ``proc`` answers (at most ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} after {seconds} s")


@contextmanager
def _server(cmd: list[str], url: str, cwd: Path | None = None) -> Iterator[str]:
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(url, proc, 120)
        yield url
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server: SIGTERM, then SIGKILL after 30 s."""
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _run_queries(
    endpoint: str,
    server: str,
    lookup: GraphLike,
    params: dict[str, dict[str, str]],
    repeat: int,
    timed: Callable[[Callable[[], Any], int], list[float]],
    results: Results,
) -> list[str]:
    """Each stored query on the endpoint, timed into ``results``; what failed, as notes."""
    notes = []
    eng = RemoteEngine(endpoint, lookup)
    eng.timeout, eng.max_rows = 600.0, None
    with eng:
        for name, sq in q.stored_queries(ROOT / "queries").items():
            bindings = q.bind(sq, params[name], lookup)
            try:
                results[f"query {name}: {server} (s)"] = timed(
                    lambda s=sq, b=bindings: eng.query(s.text, b), repeat
                )
            except KgError as e:
                notes.append(f"{server}: {name} failed: {str(e)[:200]}")
    return notes


def anchors(
    out: Path,
    lookup: GraphLike,
    params: dict[str, dict[str, str]],
    repeat: int,
    timed: Callable[[Callable[[], Any], int], list[float]],
    results: Results,
) -> list[str]:
    """Every stored query on each server over the build in ``out``; the notes of what was
    left out."""
    notes = []
    if Path(OXIGRAPH).exists():
        port = free_port()
        cmd = [OXIGRAPH, "serve-read-only", "--location", str(out / kgstore.STORE)]
        with _server(
            [*cmd, "--bind", f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query"
        ) as url:
            notes += _run_queries(url, "Oxigraph server", lookup, params, repeat, timed, results)
    else:
        notes.append("Oxigraph server: not installed (pip install oxigraph)")
    if Path(VIRTUOSO).exists() and Path(ISQL).exists():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            shutil.copyfile(out / "kg.nt", folder / "kg.nt")
            sql, http = free_port(), free_port()
            ini = folder / "virtuoso.ini"
            big = {"buffers": 340_000, "threads": 4, "max_rows": 10_000_000, "max_seconds": 600}
            ini.write_text(virtuoso_ini(folder, sql, http, **big), "utf-8")
            cmd = [VIRTUOSO, "+foreground", "+configfile", str(ini)]
            url = f"http://127.0.0.1:{http}/sparql"
            with _server(cmd, url, cwd=folder):
                load = f"ld_dir('{folder}', 'kg.nt', '{GRAPH}'); rdf_loader_run(); checkpoint;"
                start = time.perf_counter()
                subprocess.run(
                    [ISQL, str(sql), "dba", "dba", f"exec={load}"],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                results["bulk-load kg.nt into Virtuoso (s)"] = [time.perf_counter() - start]
                notes += _run_queries(url, "Virtuoso", lookup, params, repeat, timed, results)
    else:
        notes.append("Virtuoso: not installed (apt-get install virtuoso-opensource)")
    return notes


def ratios(results: Results) -> list[str]:
    """For each stored query: the embedded engine's time (pyoxigraph in memory, all
    solutions fetched), the on-disk store's, each server's and rdflib's, and how many times
    the embedded engine's each is."""
    columns = [
        ("pyoxigraph", "pyoxigraph (s)"),
        ("on-disk store", "pyoxigraph, on-disk store (s)"),
        ("Oxigraph server", "Oxigraph server (s)"),
        ("Virtuoso", "Virtuoso (s)"),
        ("rdflib", "rdflib (s)"),
    ]
    names = sorted(
        {k.split(":")[0].removeprefix("query ") for k in results if k.startswith("query ")}
    )
    lines = ["query: " + " / ".join(label for label, _ in columns) + " (seconds, x pyoxigraph)"]
    for name in names:
        base = results.get(f"query {name}: pyoxigraph (s)")
        cells = []
        for label, key in columns:
            values = results.get(f"query {name}: {key}")
            if values is None:
                cells.append("n/a")  # not run, or failed (the notes say which)
            elif not values:
                cells.append("> limit")
            else:
                value = sorted(values)[len(values) // 2]
                ratio = (
                    f" ({value / max(sorted(base)[len(base) // 2], 1e-4):,.1f}x)" if base else ""
                )
                cells.append(f"{value:.3f}{ratio if label != 'pyoxigraph' else ''}")
        lines.append(f"{name}: " + " / ".join(cells))
    return lines
