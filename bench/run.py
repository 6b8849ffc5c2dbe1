"""Benchmark the pipeline on synthetic corpora: `python -m bench.run [N ...] [--repeat R]`.

For each N it generates a corpus (bench.generate, seeded), then measures, in this process:
loading and converting into the store, fast SHACL validation, writing build/ (Turtle and
N-Triples), each export format, every stored query on pyoxigraph and (up to --rdflib-max
articles) on rdflib, and a rebuild after one file changes; and the peak memory of a cold
`kg build` in a child process. Prints a table (median, min, max) and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.generate import generate
from kg import oxi
from kg import queries as q
from kg.build import compile_graph, write_outputs
from kg.export import FORMATS, serialize

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
PARAMS = {
    "actor-profile": {"actor": "actor:actor-0"},
    "article-summary": {"article": "article:article-0"},
    "events-in-place": {"place": "actor:country-0"},
    "figures-about": {"entity": "event:event-0"},
}


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def peak_build_mb(ext: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of a cold `kg build` in a child process."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "build",
            "-e",
            str(ext),
            "--ontology",
            str(ONTOLOGY),
            "-o",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench(n: int, repeat: int, rdflib_max: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ext = generate(n, Path(tmp))
        seconds, peak = peak_build_mb(ext, Path(tmp) / "cold")
        results["cold kg build (s)"] = [seconds]
        results["cold kg build peak memory (MB)"] = [peak]
        compiled = compile_graph(ext, ONTOLOGY)
        results["load+convert+validate (s)"] = timed(lambda: compile_graph(ext, ONTOLOGY), 1)
        results["triples"] = [float(compiled.triple_count)]
        results["write build/ (s)"] = timed(
            lambda: write_outputs(compiled, Path(tmp) / "b"), repeat
        )
        named = compile_graph(ext, ONTOLOGY, named=True)
        for fmt in FORMATS:
            results[f"export {fmt} (s)"] = timed(lambda f=fmt: serialize(named, f), 1)
        first = ext / "article-00000.yaml"
        first.write_text(first.read_text().replace("Synthetic article 0", "Edited article 0"))
        results["rebuild after one change (s)"] = timed(
            lambda: write_outputs(compile_graph(ext, ONTOLOGY), Path(tmp) / "b"), 1
        )
        full = compiled.full if n <= rdflib_max else None
        for name, sq in q.stored_queries(ROOT / "queries").items():
            bindings = q.bind(sq, PARAMS.get(name, {}), None)
            results[f"query {name} oxigraph (s)"] = timed(
                lambda s=sq, b=bindings: oxi.execute(compiled.store, s.text, b), repeat
            )
            if full is not None:
                prepared = q.prepare(sq.text, sq.path)
                results[f"query {name} rdflib (s)"] = timed(
                    lambda s=sq, b=bindings, p=prepared: q.execute(full, p, s.text, b), 1
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="newskg benchmark")
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rdflib-max",
        type=int,
        default=1000,
        help="run rdflib's engine only up to this many articles",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    everything: dict[str, dict[str, list[float]]] = {}
    for n in args.sizes:
        everything[str(n)] = bench(n, args.repeat, args.rdflib_max)
        print(f"\nN = {n}")
        print(f"{'measure':48} {'median':>10} {'min':>10} {'max':>10}")
        for key, values in everything[str(n)].items():
            print(
                f"{key:48} {statistics.median(values):10.3f} {min(values):10.3f} "
                f"{max(values):10.3f}"
            )
    args.json.write_text(json.dumps(everything, indent=2) + "\n")


if __name__ == "__main__":
    main()
