"""Benchmark the pipeline on synthetic corpora: `python -m bench.run [N ...] [--repeat R]`.

For each N it generates a corpus (bench.generate, seeded) and measures:

- a cold `kg build` in a child process: wall time and the peak memory of its whole process
  tree (the build reads files in worker processes), sampled from /proc;
- `kg build` again after one article changes, and with nothing changed (the per-file cache);
- in this process, the stages of a full build: reading the YAML, converting into the store,
  SHACL validation with the fast validator (and pySHACL up to --pyshacl-max articles);
- every export format;
- loading build/kg.nt into each engine and opening the build's on-disk store, then every
  stored query on pyoxigraph (engine time: all solutions fetched, in memory and on the
  on-disk store; rows as rdflib terms; the whole `kg query run` process) and, up to
  --rdflib-max articles, on rdflib's engine over the same data; `kg --version`;
- the anchors (bench.anchors, unless --no-servers): the same build served by an Oxigraph
  server (its on-disk store) and bulk-loaded into Virtuoso, every stored query on each, and
  the ratios to the embedded engine.
- ``kg serve`` under load on loopback (bench.serve): page latency (p50, p95), and SPARQL
  endpoint throughput side by side with an Oxigraph server on the same data.

From --large articles on (default 100,000) only the builds, the lower bounds (libyaml alone,
pyoxigraph parsing and loading kg.nt) and each stored query as a whole `kg query run`:
`python -m bench.run 100000 --repeat 1 --merge` adds that size to bench/results.json.

Prints a table (median, min, max over --repeat runs; one run for the slow steps) and writes
the figures as JSON (bench/results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import Graph

from bench import report
from bench import serve as serve_bench
from bench.anchors import anchors, ratios
from bench.generate import generate
from bench.targets import check
from kg import ontology as onto
from kg import oxi
from kg import queries as q
from kg import store as kgstore
from kg.convert import Converter
from kg.engine import OxigraphEngine, RdflibEngine
from kg.export import FORMATS
from kg.extraction import load_corpus
from kg.results import render
from kg.validate import fast_findings, pyshacl_findings

ROOT = Path(__file__).resolve().parent.parent
KG = str(Path(sys.executable).with_name("kg"))
ONTOLOGY = ROOT / "ontology"
Results = dict[str, list[float]]
RDFLIB_LIMIT = 300  # seconds; an rdflib query still running then is reported as "> 300 s"


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


class Timeout(Exception):
    pass


def timed_within(fn: Callable[[], Any], limit: int) -> list[float]:
    """One run, or [] if it takes more than ``limit`` seconds (rdflib is pure Python, so an
    alarm can stop it)."""

    def stop(signum: int, frame: Any) -> None:
        raise Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(limit)
    try:
        return timed(fn, 1)
    except Timeout:
        return []
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            pass
        todo += children.get(p, [])
    return total


def kg_build(ext: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB, whole process tree) of `kg build` in a child process."""
    cmd = [sys.executable, "-m", "kg.cli", "build", "-e", str(ext), "--ontology", str(ONTOLOGY)]
    start = time.perf_counter()
    proc = subprocess.Popen([*cmd, "-o", str(out)], stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"kg build failed: {err.decode()}")
    return seconds, peak / 2**20


LIBYAML = "lower bound: libyaml (C) loads every file, one core (s)"
PARSE = "lower bound: pyoxigraph parses kg.nt (s)"
LOAD = "lower bound: pyoxigraph loads kg.nt into memory (s)"


def lower_bounds(ext: Path, nt: Path, results: Results) -> ox.Store:
    """What a cold build cannot go below: libyaml alone loading every extraction file (one
    core), pyoxigraph alone parsing ``nt`` and loading it into memory (the store, returned)."""
    start = time.perf_counter()
    for path in sorted(ext.glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    results[LIBYAML] = [time.perf_counter() - start]
    start = time.perf_counter()
    for _ in ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES):
        pass
    results[PARSE] = [time.perf_counter() - start]
    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    results[LOAD] = [time.perf_counter() - start]
    return store


def stages(ext: Path, n: int, pyshacl_max: int, results: Results) -> None:
    """The steps of a full (uncached) build, one at a time, in this process; and the lower
    bounds of a cold build: libyaml alone reading every file, pyoxigraph alone parsing and
    loading the built N-Triples."""
    lower_bounds(ext, ext.parent / "build" / "kg.nt", results)
    ontology = onto.load("ontology.ttl", ONTOLOGY)
    shapes = onto.load("shapes.ttl", ONTOLOGY)
    start = time.perf_counter()
    corpus = load_corpus(ext, onto.vocabulary(ontology))
    results["read YAML, check references (s)"] = [time.perf_counter() - start]
    start = time.perf_counter()
    store = ox.Store()
    terms = oxi.TermCache()
    converter = Converter(corpus, track=False)
    for f in corpus.files:
        oxi.store_of(converter.convert_file(f), None, store, terms)
    oxi.store_of(ontology, None, store, terms)
    results["convert into the store (s)"] = [time.perf_counter() - start]
    results["triples"] = [float(len(store))]
    results["SHACL validation, fast (s)"] = timed(lambda: fast_findings(store, shapes), 1)
    if n <= pyshacl_max:
        data = oxi_graph(store)
        results["SHACL validation, pySHACL (s)"] = timed(
            lambda: pyshacl_findings(data, shapes, ontology), 1
        )


def oxi_graph(store: ox.Store) -> Graph:
    g = Graph(bind_namespaces="none")
    nt = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    g.parse(data=nt, format="nt")
    return g


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)


def exports(ext: Path, out: Path, results: Results) -> None:
    """Each `kg export` as a whole process, right after a build into ``out``."""
    for fmt in FORMATS:
        target = out.parent / f"export.{FORMATS[fmt].suffix}"
        cmd = [sys.executable, "-m", "kg.cli", "export", "-f", fmt, "-e", str(ext)]
        cmd += ["--ontology", str(ONTOLOGY), "--out", str(out), "-o", str(target)]
        results[f"kg export -f {fmt} after a build (s)"] = timed(partial(_run, cmd), 1)
        target.unlink()


def synthetic_params(synthetic: OxigraphEngine) -> dict[str, dict[str, str]]:
    """Parameter values for the synthetic corpus, from each stored query's ``# example:``
    lines: an IRI example is resolved in the real corpus (extractions/), and replaced by the
    synthetic entity of the same class that most triples point to; other examples are kept."""
    with tempfile.TemporaryDirectory() as tmp:
        real_nt = Path(tmp) / "kg.nt"
        kg_build(ROOT / "extractions", Path(tmp))
        real = OxigraphEngine.load(real_nt)
    params: dict[str, dict[str, str]] = {}
    for name, sq in q.stored_queries(ROOT / "queries").items():
        values = dict(sq.examples)
        for var, term in q.bind(sq, sq.examples, real.lookup).items():
            if str(var) not in sq.examples or sq.param(str(var)).type != "iri":
                continue
            cls = real.select(f"SELECT ?c WHERE {{ <{term}> a ?c }} ORDER BY ?c LIMIT 1").rows
            busiest = synthetic.select(
                f"SELECT ?x WHERE {{ ?x a {cls[0][0].n3()} . ?s ?p ?x }} "  # type: ignore[union-attr]
                "GROUP BY ?x ORDER BY DESC(COUNT(*)) ?x LIMIT 1"
            ).rows
            values[str(var)] = f"<{busiest[0][0]}>"
        params[name] = values
    return params


def kg_process(args: list[str]) -> float:
    """Seconds of one whole `kg ARGS` process (its output thrown away)."""
    start = time.perf_counter()
    subprocess.run([KG, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def queries(
    nt: Path, repeat: int, with_rdflib: bool, results: Results, with_anchors: bool = True
) -> None:
    start = time.perf_counter()
    fast = OxigraphEngine.load(nt)
    fast.timeout = fast.max_rows = None  # measured as long as they take
    results["load kg.nt into pyoxigraph (s)"] = [time.perf_counter() - start]
    start = time.perf_counter()
    disk = OxigraphEngine(kgstore.open_read_only(nt.parent / kgstore.STORE))
    results["open the on-disk store (s)"] = [time.perf_counter() - start]
    results["kg --version (s)"] = [kg_process(["--version"]) for _ in range(repeat)]
    reference = None
    if with_rdflib:
        start = time.perf_counter()
        reference = RdflibEngine.load(nt)
        reference.timeout = reference.max_rows = None  # stopped at RDFLIB_LIMIT instead
        results["load kg.nt into rdflib (s)"] = [time.perf_counter() - start]
    params = synthetic_params(fast)
    for name, sq in q.stored_queries(ROOT / "queries").items():
        bindings = q.bind(sq, params[name], fast.lookup)

        def engine(s: q.StoredQuery = sq, b: dict[Any, Any] = bindings) -> None:
            for _ in fast.solutions(s.text, b)[0]:  # fetch, do not convert
                pass

        results[f"query {name}: pyoxigraph (s)"] = timed(engine, repeat)

        def on_disk(s: q.StoredQuery = sq, b: dict[Any, Any] = bindings) -> None:
            for _ in disk.solutions(s.text, b)[0]:
                pass

        results[f"query {name}: pyoxigraph, on-disk store (s)"] = timed(on_disk, repeat)
        args = ["query", "run", name, "--graph", str(nt), "--queries", str(ROOT / "queries")]
        args += [f"-p{k}={v}" for k, v in params[name].items()] + ["-f", "csv"]
        results[f"query {name}: kg query run, whole process (s)"] = [
            kg_process(args) for _ in range(repeat)
        ]
        results[f"query {name}: {report.PRINTED}"] = timed(
            lambda s=sq, b=bindings: render(fast.query(s.text, b), "csv", None), repeat
        )
        if reference is not None:
            results[f"query {name}: rdflib (s)"] = timed_within(
                lambda s=sq, b=bindings, r=reference: r.query(s.text, b), RDFLIB_LIMIT
            )
    if with_anchors:
        for note in anchors(nt.parent, fast.lookup, params, repeat, timed, results):
            print(note, file=sys.stderr)


def bench(n: int, repeat: int, rdflib_max: int, pyshacl_max: int, servers: bool) -> Results:
    results: Results = {}
    with tempfile.TemporaryDirectory() as tmp:
        ext = generate(n, Path(tmp))
        out = Path(tmp) / "build"
        builds(ext, out, repeat, results)
        stages(ext, n, pyshacl_max, results)
        exports(ext, out, results)
        queries(out / "kg.nt", repeat, n <= rdflib_max, results, servers)
        results.update(serve_bench.measure(out / "kg.nt"))  # kg serve, and an Oxigraph server
    return results


LARGE_TIMEOUT = 60
"""Seconds a whole `kg query run` may take in ``large`` (its --timeout)."""


def large(n: int, repeat: int) -> Results:
    """What the targets of the largest corpora need, and nothing that holds the whole graph
    in this process for long: the cold build, the rebuilds, the lower bounds, and every
    stored query as a whole `kg query run` process (stopped after ``LARGE_TIMEOUT`` s,
    which is then its figure)."""
    results: Results = {}
    with tempfile.TemporaryDirectory() as tmp:
        ext = generate(n, Path(tmp))
        out = Path(tmp) / "build"
        builds(ext, out, repeat, results)
        nt = out / "kg.nt"
        memory = OxigraphEngine(lower_bounds(ext, nt, results))
        start = time.perf_counter()
        OxigraphEngine(kgstore.open_read_only(out / kgstore.STORE))
        results["open the on-disk store (s)"] = [time.perf_counter() - start]
        params = synthetic_params(memory)
        del memory
        results["kg --version (s)"] = [kg_process(["--version"]) for _ in range(repeat)]
        for name in q.stored_queries(ROOT / "queries"):
            args = ["query", "run", name, "--graph", str(nt), "--queries", str(ROOT / "queries")]
            args += [f"-p{k}={v}" for k, v in params[name].items()]
            args += ["-f", "csv", "--timeout", str(LARGE_TIMEOUT)]
            start = time.perf_counter()
            subprocess.run([KG, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            results[f"query {name}: kg query run, whole process (s)"] = [
                time.perf_counter() - start
            ]
            print(
                f"{name}: {results[f'query {name}: kg query run, whole process (s)'][0]:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    return results


def builds(ext: Path, out: Path, repeat: int, results: Results) -> None:
    """A cold `kg build` (time and peak memory), then `kg build` after one article changed,
    and with nothing changed, ``repeat`` times."""
    seconds, peak = kg_build(ext, out)
    results["cold kg build (s)"] = [seconds]
    results["cold kg build peak memory, all processes (MB)"] = [peak]
    article = ext / "article-00000.yaml"
    text = article.read_text(encoding="utf-8")
    changed, unchanged = [], []
    for i in range(repeat):
        article.write_text(text.replace("Synthetic article 0", f"Edited {i}"), "utf-8")
        changed.append(kg_build(ext, out)[0])
        unchanged.append(kg_build(ext, out)[0])
    results["kg build after one article changed (s)"] = changed
    results["kg build with nothing changed (s)"] = unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description="newskg benchmark")
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rdflib-max", type=int, default=1000, help="rdflib's engine up to N")
    parser.add_argument("--pyshacl-max", type=int, default=1000, help="pySHACL up to N")
    parser.add_argument(
        "--no-servers", action="store_true", help="no Oxigraph server and Virtuoso anchors"
    )
    parser.add_argument(
        "--large",
        type=int,
        default=100_000,
        help="from N articles on, only the builds, the lower bounds and whole `kg query run` "
        "processes (what the targets at that size are about)",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument(
        "--merge", action="store_true", help="keep the other sizes already in the JSON file"
    )
    args = parser.parse_args()
    everything: dict[str, Results] = {}
    if args.merge and args.json.exists():
        everything = json.loads(args.json.read_text(encoding="utf-8"))
    for n in args.sizes:
        if n >= args.large:
            everything[str(n)] = large(n, args.repeat)
        else:
            everything[str(n)] = bench(
                n, args.repeat, args.rdflib_max, args.pyshacl_max, not args.no_servers
            )
        print(f"\nN = {n}")
        print(f"{'measure':60} {'median':>10} {'min':>10} {'max':>10}")
        for key, values in everything[str(n)].items():
            if not values:
                print(f"{key:60} {'> ' + str(RDFLIB_LIMIT):>10}")
                continue
            print(
                f"{key:60} {statistics.median(values):10.3f} {min(values):10.3f} "
                f"{max(values):10.3f}",
                flush=True,
            )
        print("\n".join(ratios(everything[str(n)])))
        args.json.write_text(json.dumps(everything, indent=2) + "\n")
    print("\nTargets (issue 17)")
    print("\n".join(check(everything)))


if __name__ == "__main__":
    main()
