"""Page latency and SPARQL endpoint throughput of ``kg serve`` on loopback (whole process:
the explorer runs as ``kg serve`` in a child process; requests from a bounded pool).

    python -m bench.serve build/kg.nt [--requests 200] [--concurrency 8]

Not yet part of ``make bench`` (no side-by-side Oxigraph server run).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

PAGES = [
    "/",
    "/id/actor/kataeb-hezbollah",
    "/id/event/us-strikes-2019-12-29",
    "/disagreements",
    "/timeline",
    "/queries/spellings?contains=kata",
]
QUERY = "SELECT ?a ?t WHERE { ?a a nkg:Article ; nkg:title ?t } ORDER BY ?t"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("graph", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    kg = Path(sys.executable).parent / "kg"
    cmd = [str(kg), "serve", "--graph", str(args.graph), "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                requests.get(base + "/static/style.css", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        session = requests.Session()
        for path in PAGES:
            times = []
            for _ in range(max(args.requests // 10, 5)):
                t = time.perf_counter()
                r = session.get(base + path, headers={"accept": "text/html"})
                r.raise_for_status()
                times.append(time.perf_counter() - t)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"{path:40} p50 {statistics.median(times) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
            )

        def ask(_: int) -> None:
            requests.get(base + "/sparql", params={"query": QUERY}, timeout=60).raise_for_status()

        t = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(ask, range(args.requests)))
        elapsed = time.perf_counter() - t
        print(f"/sparql: {args.requests / elapsed:.0f} queries/s ({args.concurrency} concurrent)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
