"""Markdown tables of benchmark results: `python -m bench.report [bench/results.json]`.

One column per corpus size (the median of the runs), for each stored query how many times
faster pyoxigraph answered than rdflib's engine on the same data, and how each cost grows
from one size to the next (the exponent).
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cell(values: list[float] | None, key: str) -> str:
    if values is None:
        return "n/a"
    if not values:
        return "> 300"
    value = statistics.median(values)
    if "MB" in key or key == "triples":
        return f"{value:,.0f}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def tables(results: dict[str, dict[str, list[float]]]) -> str:
    sizes = list(results)
    keys = [k for k in results[sizes[0]] if not k.startswith("query ")]
    keys += [k for n in sizes for k in results[n] if k not in keys and not k.startswith("query ")]
    head = "| measure | " + " | ".join(f"N = {int(n):,}" for n in sizes) + " |"
    rule = "|---|" + "---:|" * len(sizes)
    lines = [head, rule]
    for key in keys:
        cells = [cell(results[n].get(key), key) for n in sizes]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    queries = {k for n in sizes for k in results[n] if k.startswith("query ")}
    names = sorted({k.split(":")[0].removeprefix("query ") for k in queries})
    lines += [
        "",
        "Stored queries, seconds (median): pyoxigraph engine time (all solutions fetched) / "
        "the same with its rows printed as CSV, as `kg query run` prints them / rdflib's "
        "engine; "
        "and how many times faster pyoxigraph is than rdflib.",
        "",
        "| query | " + " | ".join(f"N = {int(n):,}" for n in sizes) + " |",
        rule,
    ]
    for name in names:
        cells = []
        for n in sizes:
            r = results[n]
            ox = r.get(f"query {name}: pyoxigraph (s)")
            rows = r.get(f"query {name}: {PRINTED}")
            rdf = r.get(f"query {name}: rdflib (s)")
            text = f"{cell(ox, '')} / {cell(rows, '')} / {cell(rdf, '')}"
            if ox and rdf:
                text += f" ({statistics.median(rdf) / max(statistics.median(ox), 1e-4):,.0f}x)"
            cells.append(text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


PRINTED = "pyoxigraph, rows printed as CSV (s)"
"""The measure of a query's time with its rows printed (``bench.run.queries``)."""

GROWTH = [
    "cold kg build (s)",
    "cold kg build peak memory, all processes (MB)",
    "kg build after one article changed (s)",
    "kg build with nothing changed (s)",
    "lower bound: libyaml (C) loads every file, one core (s)",
    "lower bound: pyoxigraph parses kg.nt (s)",
    "lower bound: pyoxigraph loads kg.nt into memory (s)",
    "open the on-disk store (s)",
    "kg --version (s)",
]
"""The measures whose growth with the corpus ``growth`` shows, then each stored query's
whole `kg query run` process."""


def growth(results: dict[str, dict[str, list[float]]]) -> str:
    """How each cost grows from one size to the next: the exponent k of cost ~ N^k
    (log of the ratio of the medians over log of the ratio of the sizes)."""
    sizes = sorted(results, key=int)
    pairs = list(itertools.pairwise(sizes))
    keys = GROWTH + sorted(
        {k for n in sizes for k in results[n] if k.endswith(": kg query run, whole process (s)")}
    )
    head = "| measure | " + " | ".join(f"{int(a):,} → {int(b):,}" for a, b in pairs) + " |"
    lines = [head, "|---|" + "---:|" * len(pairs)]
    for key in keys:
        cells = []
        for a, b in pairs:
            va, vb = results[a].get(key), results[b].get(key)
            if not va or not vb:
                cells.append("n/a")
                continue
            ratio = statistics.median(vb) / max(statistics.median(va), 1e-6)
            cells.append(f"{math.log(ratio) / math.log(int(b) / int(a)):.2f}")
        name = key.removesuffix(": kg query run, whole process (s)").removeprefix("query ")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    results = json.loads(path.read_text())
    print(tables(results), end="")
    if len(results) > 1:
        print("\nGrowth: the exponent k of cost ~ N^k between two sizes\n")
        print(growth(results), end="")


if __name__ == "__main__":
    main()
