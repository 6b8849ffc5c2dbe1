"""The performance targets of issue 17, each checked against the benchmark's figures:
`python -m bench.targets [bench/results.json]` (``bench.run`` prints them after its tables).

A target is a measure of ``bench.run`` (its key, or a pattern with ``*`` for every stored
query), the corpus size it is for, and the bound its median must not pass. A size that was
not run, or a measure the benchmark does not take, is shown as "not measured".
"""

from __future__ import annotations

import fnmatch
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    what: str
    size: int
    key: str  # a key of bench.run's results; "*" stands for each stored query's name
    bound: float
    unit: str = "s"


TARGETS = [
    Target(
        "every stored query, whole `kg query run` process",
        10_000,
        "query *: kg query run, whole process (s)",
        1.0,
    ),
    Target("`disagreements` engine time", 10_000, "query disagreements: pyoxigraph (s)", 0.5),
    Target("`kg export -f nt` after a build", 10_000, "kg export -f nt after a build (s)", 2.0),
    Target(
        "`kg export -f nquads` after a build", 10_000, "kg export -f nquads after a build (s)", 2.0
    ),
    Target(
        "`kg export -f turtle` after a build", 10_000, "kg export -f turtle after a build (s)", 5.0
    ),
    Target("`kg export -f trig` after a build", 10_000, "kg export -f trig after a build (s)", 5.0),
    Target(
        "`kg export -f jsonld` after a build", 10_000, "kg export -f jsonld after a build (s)", 10.0
    ),
    Target("cold `kg build`", 10_000, "cold kg build (s)", 30.0),
    Target(
        "cold `kg build` memory, all processes",
        10_000,
        "cold kg build peak memory, all processes (MB)",
        2048.0,
        "MB",
    ),
    Target("`kg build` after one edit", 10_000, "kg build after one article changed (s)", 2.0),
    Target("`kg build` with nothing changed", 10_000, "kg build with nothing changed (s)", 1.0),
    Target("start-up, `kg --version`", 10_000, "kg --version (s)", 0.15),
    Target("every page of `kg serve` (warm), median", 10_000, "page *: p50 (ms)", 100.0, "ms"),
    Target("cold `kg build`", 100_000, "cold kg build (s)", 480.0),
    Target(
        "cold `kg build` memory, all processes",
        100_000,
        "cold kg build peak memory, all processes (MB)",
        8192.0,
        "MB",
    ),
    Target("`kg build` after one edit", 100_000, "kg build after one article changed (s)", 5.0),
    Target(
        "every stored query, whole `kg query run` process",
        100_000,
        "query *: kg query run, whole process (s)",
        2.0,
    ),
]
"""The targets of issue 17, each a measure ``bench.run`` takes."""


def check(results: dict[str, dict[str, list[float]]]) -> list[str]:
    """One line per target: the bound, the measured median (the worst over the stored
    queries for a pattern) and "met", "missed" or "not measured"."""
    lines = []
    for t in TARGETS:
        figures = results.get(str(t.size), {})
        found = {
            k: statistics.median(v) for k, v in figures.items() if fnmatch.fnmatchcase(k, t.key)
        }
        bound = f"≤ {t.bound:g} {t.unit}"
        head = f"N = {t.size:,}: {t.what} {bound}"
        if not found:
            lines.append(f"{head}: not measured")
            continue
        worst = max(found, key=lambda k: found[k])
        value = found[worst]
        verdict = "met" if value <= t.bound else "missed"
        where = ""
        if "*" in t.key:
            over = sum(1 for v in found.values() if v > t.bound)
            slowest = worst.split(":")[0].removeprefix("query ").removeprefix("page ")
            where = f" (slowest: {slowest}; {over} of "
            where += f"{len(found)} over)"
        lines.append(f"{head}: {value:,.3g} {t.unit}{where}: {verdict}")
    return lines


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    print("\n".join(check(json.loads(path.read_text(encoding="utf-8")))))


if __name__ == "__main__":
    main()
