"""The anchors of the benchmark: the same built corpus served by an Oxigraph server (the
build's own on-disk store, `oxigraph serve-read-only`, no load step) and by Virtuoso
(Debian's `virtuoso-opensource`, bulk-loaded with `ld_dir` and `rdf_loader_run()`), and
every stored query run on each through `kg`'s remote engine, so their times can be set
against the embedded engine's (``bench.run`` prints the ratios). A server that is not
installed is left out, with a note.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
MaxQueryMem = {query_memory}

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
    query_memory: str = "1G",
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
        query_memory=query_memory,
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


SERVER_MEMORY = 12 * 2**30
"""The address space a server of the benchmark may take (bytes): a query that needs more fails
there, and is noted, instead of taking the machine's memory (Virtuoso took 22 GB on
``disagreements`` at 10,000 articles before ``MaxQueryMem``)."""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (SERVER_MEMORY, SERVER_MEMORY))


class Server:
    """A SPARQL server of the benchmark's own, in a process under ``SERVER_MEMORY``: started
    on entering, stopped on leaving, and started again by ``revive`` when it has died (its
    database, on disk, is kept)."""

    def __init__(self, cmd: list[str], url: str, cwd: Path | None = None) -> None:
        self.cmd, self.url, self.cwd = cmd, url, cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_limited,
        )
        wait_until_ready(self.url, self.proc, 120)

    def revive(self) -> int | None:
        """Start the server again if it has exited; its exit status, if it had."""
        assert self.proc is not None
        status = self.proc.poll()
        if status is not None:
            self.start()
        return status

    def restart(self) -> None:
        """Stop the server and start it again (one that answers that it is out of memory
        stays so: Virtuoso's SR337 for every later query)."""
        assert self.proc is not None
        stop(self.proc)
        self.start()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop(self.proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server: SIGTERM, then SIGKILL after 30 s."""
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _run_queries(
    endpoint: Server,
    server: str,
    lookup: GraphLike,
    params: dict[str, dict[str, str]],
    repeat: int,
    timed: Callable[[Callable[[], Any], int], list[float]],
    results: Results,
) -> list[str]:
    """Each stored query on the endpoint, timed into ``results``; what failed, as notes (a
    query the server died on, or said it was out of memory for, is noted, and the server
    started again for the next one)."""
    notes = []
    eng = RemoteEngine(endpoint.url, lookup)
    eng.timeout, eng.max_rows = 600.0, None
    with eng:
        for name, sq in q.stored_queries(ROOT / "queries").items():
            bindings = q.bind(sq, params[name], lookup)
            try:
                results[f"query {name}: {server} (s)"] = timed(
                    lambda s=sq, b=bindings: eng.query(s.text, b), repeat
                )
            except KgError as e:
                status = endpoint.revive()
                if status is not None:
                    limit = SERVER_MEMORY // 2**30
                    notes.append(
                        f"{server}: {name} failed: the server exited ({status}; "
                        f"at most {limit} GB of address space)"
                    )
                elif "out of memory" in str(e):
                    endpoint.restart()
                    notes.append(f"{server}: {name} failed: out of memory (restarted)")
                else:
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
        with Server(
            [*cmd, "--bind", f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query"
        ) as server:
            notes += _run_queries(server, "Oxigraph server", lookup, params, repeat, timed, results)
    else:
        notes.append("Oxigraph server: not installed (pip install oxigraph)")
    if Path(VIRTUOSO).exists() and Path(ISQL).exists():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            shutil.copyfile(out / "kg.nt", folder / "kg.nt")
            sql, http = free_port(), free_port()
            ini = folder / "virtuoso.ini"
            big = virtuoso_ini(
                folder,
                sql,
                http,
                buffers=340_000,
                threads=4,
                max_rows=10_000_000,
                max_seconds=600,
                query_memory="4G",
            )
            ini.write_text(big, "utf-8")
            cmd = [VIRTUOSO, "+foreground", "+configfile", str(ini)]
            url = f"http://127.0.0.1:{http}/sparql"
            with Server(cmd, url, cwd=folder) as server:
                load = f"ld_dir('{folder}', 'kg.nt', '{GRAPH}'); rdf_loader_run(); checkpoint;"
                start = time.perf_counter()
                subprocess.run(
                    [ISQL, str(sql), "dba", "dba", f"exec={load}"],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                results["bulk-load kg.nt into Virtuoso (s)"] = [time.perf_counter() - start]
                notes += _run_queries(server, "Virtuoso", lookup, params, repeat, timed, results)
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
