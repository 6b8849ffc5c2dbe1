"""The explorer under load on loopback: page latency (p50, p95) of ``kg serve``, and SPARQL
endpoint throughput under a bounded concurrent load, side by side with an Oxigraph server on
the same data, in the same run. Whole processes: ``kg serve`` and ``oxigraph serve`` run as
child processes; ``CONCURRENCY`` client threads each send the next query as soon as the
previous answer arrived, for a fixed time.

    python -m bench.serve build/kg.nt [--seconds 10] [--concurrency 8]

``bench.run`` calls ``measure`` for each corpus size (``make bench``, ``make bench-quick``).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

Results = dict[str, list[float]]
BIN = Path(sys.executable).parent
CONCURRENCY = 8
PREFIXES = (
    "PREFIX nkg: <https://w3id.org/newskg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
QUERIES = {
    "article titles": PREFIXES
    + "SELECT ?a ?t WHERE { ?a a nkg:Article ; nkg:title ?t } ORDER BY ?t LIMIT 100",
    "figures per quantity": PREFIXES
    + "SELECT ?q (COUNT(?f) AS ?n) WHERE { ?f a nkg:Figure ; nkg:quantity ?q } GROUP BY ?q",
    "an actor's spellings": PREFIXES
    + "SELECT ?form ?article WHERE { ?m nkg:denotes ?e ; nkg:surfaceForm ?form ;"
    " nkg:mentionedIn ?article . ?e rdfs:label ?l } ORDER BY ?form LIMIT 200",
}
"""The endpoint load: the same queries, with their prefixes declared, on both servers."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def process(cmd: list[str], ready: str) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, once ``ready`` (a URL) answers; stopped at the end."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} ended with {proc.returncode}")
            try:
                requests.get(ready, timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def pages(base: str) -> list[str]:
    """The pages to time: the home page, the most mentioned actor, the most reported event,
    the disagreements, the timeline and a stored query."""

    def first(query: str) -> str:
        answer = requests.get(base + "/sparql", params={"query": query}, timeout=600).json()
        iri = answer["results"]["bindings"][0]["x"]["value"]
        return "/" + iri.removeprefix("https://w3id.org/newskg/")

    actor = first(
        "SELECT ?x WHERE { ?m nkg:denotes ?x . FILTER(STRSTARTS(STR(?x), STR(actor:))) }"
        " GROUP BY ?x ORDER BY DESC(COUNT(?m)) ?x LIMIT 1"
    )
    event = first(
        "SELECT ?x WHERE { ?r nkg:reports ?x } GROUP BY ?x ORDER BY DESC(COUNT(?r)) ?x LIMIT 1"
    )
    return ["/", actor, event, "/disagreements", "/timeline", "/queries/spellings?contains=a"]


def latency(base: str, path: str, runs: int) -> list[float]:
    session = requests.Session()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        r = session.get(base + path, headers={"accept": "text/html"}, timeout=600)
        r.raise_for_status()
        times.append(time.perf_counter() - start)
    return times


def throughput(url: str, seconds: float, concurrency: int) -> float:
    """Queries answered per second when ``concurrency`` clients send the queries in turn,
    each as soon as its previous answer arrived, for ``seconds``."""
    texts = list(QUERIES.values())
    deadline = time.monotonic() + seconds

    def client(k: int) -> int:
        session, done = requests.Session(), 0
        while time.monotonic() < deadline:
            r = session.post(
                url,
                data={"query": texts[(k + done) % len(texts)]},
                headers={"accept": "application/sparql-results+json"},
                timeout=600,
            )
            r.raise_for_status()
            done += 1
        return done

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answered = sum(pool.map(client, range(concurrency)))
    return answered / (time.perf_counter() - start)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def measure(nt: Path, seconds: float = 10.0, concurrency: int = CONCURRENCY) -> Results:
    """The explorer's figures on the built graph ``nt`` (and an Oxigraph server's)."""
    results: Results = {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [str(BIN / "kg"), "serve", "--graph", str(nt), "--port", str(port)]
    start = time.perf_counter()
    with process(serve, base + "/static/style.css"):
        results["kg serve: start, graph loaded (s)"] = [time.perf_counter() - start]
        for path in pages(base):
            times = latency(base, path, 21)
            name = path.split("?")[0] if not path.startswith("/id/") else "/" + path.split("/")[2]
            results[f"page {name}: first request (ms)"] = [times[0] * 1000]
            times = times[1:]  # warm: the page was asked for before
            results[f"page {name}: p50 (ms)"] = [statistics.median(times) * 1000]
            results[f"page {name}: p95 (ms)"] = [percentile(times, 0.95) * 1000]
        results[f"kg serve /sparql, {concurrency} concurrent (queries/s)"] = [
            throughput(base + "/sparql", seconds, concurrency)
        ]
    oxigraph = shutil.which("oxigraph") or str(BIN / "oxigraph")
    if Path(oxigraph).exists():
        with tempfile.TemporaryDirectory() as store:
            subprocess.run(
                [oxigraph, "load", "--location", store, "--file", str(nt)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            port = free_port()
            cmd = [oxigraph, "serve-read-only", "--location", store, "--bind", f"127.0.0.1:{port}"]
            with process(cmd, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"):
                results[f"oxigraph server /query, {concurrency} concurrent (queries/s)"] = [
                    throughput(f"http://127.0.0.1:{port}/query", seconds, concurrency)
                ]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="kg serve under load")
    parser.add_argument("graph", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0, help="of load on each server")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    args = parser.parse_args()
    for key, values in measure(args.graph, args.seconds, args.concurrency).items():
        print(f"{key:52} {values[0]:10.1f}")


if __name__ == "__main__":
    main()
