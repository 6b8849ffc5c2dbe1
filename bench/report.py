"""Markdown tables of benchmark results: `python -m bench.report [bench/results.json]`.

One column per corpus size (the median of the runs), and for each stored query how many
times faster pyoxigraph answered than rdflib's engine on the same data.
"""

from __future__ import annotations

import json
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
        "the same with rows as rdflib terms (what `kg query run` prints) / rdflib's engine; "
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
            rows = r.get(f"query {name}: pyoxigraph, rdflib rows (s)")
            rdf = r.get(f"query {name}: rdflib (s)")
            text = f"{cell(ox, '')} / {cell(rows, '')} / {cell(rdf, '')}"
            if ox and rdf:
                text += f" ({statistics.median(rdf) / max(statistics.median(ox), 1e-4):,.0f}x)"
            cells.append(text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    print(tables(json.loads(path.read_text())), end="")


if __name__ == "__main__":
    main()
