"""Cached `kg build` versus cold `kg build`: run both through the CLI and list how they differ.

The invariant (the design's "One build"): after any sequence of edits, a build on top of
the cache in OUT gives the outcome a build into an empty folder gives. Compared:

- the exit code;
- on failure, stderr byte for byte; the cached OUT is as it was before the build, and the cold
  OUT holds no output;
- on success, stderr with only the cache statistics normalised (`CACHE_STATS`, and the OUT
  folder's own path), stdout, the names of the files in OUT and each file's bytes.

Files are compared following symlinks. The cache (`.cache/`, the version folders under
`.versions/` and the index in each) and lock files (`ignored`) are not compared: they are the
build's business, not its output; the outputs reached through `current/` are. The on-disk
store (`kg.oxigraph/`, whose files are RocksDB's business) is compared by its contents, its
quads in N-Quads sorted, and each must hold exactly the triples of the `kg.nt` beside it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyoxigraph as ox
from click.testing import CliRunner

from kg.build import STATE
from kg.cli import cli
from kg.store import STORE

CACHE_FOLDERS = (".cache", ".versions")
CACHE_STATS = re.compile(r" \([^()\n]*\bread\b[^()\n]*\)")
"""The part of the success line that says what came from the cache: `(3 read, 0 from
OUT/.cache; validated as a whole)`."""


def ignored(rel: PurePosixPath) -> bool:
    """Whether a path in OUT is the cache or a lock file, not output."""
    name = rel.name
    return (
        rel.parts[0] in CACHE_FOLDERS
        or name == "index.json"
        or name in ("lock", ".lock")
        or name.endswith((".lock", ".lck"))
        or name == STORE + ".of"  # the size and time of kg.nt, for the engine to check
    )


def quads(nquads: bytes) -> bytes:
    """N-Quads (or N-Triples) in one form: each quad as pyoxigraph writes it, sorted."""
    parsed = ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
    return "".join(sorted(f"{q} .\n" for q in parsed)).encode()


def store_quads(path: Path) -> bytes:
    """The quads of the on-disk store at ``path``, as ``quads`` writes them."""
    store = ox.Store.read_only(str(path))
    return "".join(sorted(f"{q} .\n" for q in store)).encode()


def output_files(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` with its bytes, following symlinks; not the cache or locks;
    a store as its quads (``store_quads``)."""
    files: dict[str, bytes] = {}
    if not out.is_dir():
        return files
    for root, dirs, names in os.walk(out, followlinks=True):
        here = PurePosixPath(Path(root).relative_to(out).as_posix())
        for d in dirs:
            if d == STORE:
                files[str(here / d)] = store_quads(Path(root) / d)
        dirs[:] = sorted(d for d in dirs if not ignored(here / d) and d != STORE)
        for name in sorted(names):
            rel = here / name
            if name == STATE:  # the digest of the inputs and the figures; not the stat
                state = json.loads((Path(root) / name).read_bytes())
                files[str(rel)] = json.dumps({**state, "stat": None}, sort_keys=True).encode()
            elif not ignored(rel):
                files[str(rel)] = (Path(root) / name).read_bytes()
    return files


@dataclass(frozen=True)
class Outcome:
    """What one `kg build` did: exit code, stdout, stderr, and the files of OUT after it."""

    out: Path
    code: int
    stdout: str
    stderr: str
    files: dict[str, bytes]

    def message(self) -> str:
        """stderr, with the OUT folder's path and the cache statistics normalised."""
        return CACHE_STATS.sub(" (CACHE)", self.stderr.replace(str(self.out), "OUT"))


def kg_build(
    extractions: Path,
    ontology: Path,
    out: Path,
    links: Path | None = None,
    sources: Path | None = None,
) -> Outcome:
    """`kg build` through the CLI, in this process; a crash (an exception that is not a
    clean exit) fails the test at once, with its traceback."""
    args = ["build", "-e", str(extractions), "--ontology", str(ontology), "-o", str(out)]
    if links is not None:
        args += ["--links", str(links)]
    if sources is not None:
        args += ["--sources", str(sources)]
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kg {' '.join(args)} crashed") from result.exception
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    return Outcome(out, result.exit_code, result.stdout, result.stderr, output_files(out))


def _diff(name: str, cached: bytes | str, cold: bytes | str, limit: int = 12) -> str:
    a = cached.decode("utf-8", "replace") if isinstance(cached, bytes) else cached
    b = cold.decode("utf-8", "replace") if isinstance(cold, bytes) else cold
    lines = difflib.unified_diff(
        a.splitlines(), b.splitlines(), f"cached {name}", f"cold {name}", n=0, lineterm=""
    )
    shown = list(lines)
    more = f"\n  ... ({len(shown) - limit} more diff lines)" if len(shown) > limit else ""
    return "\n".join("  " + line for line in shown[:limit]) + more


def _files_differ(what: str, a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """How two snapshots of OUT differ: names only in one, then each file that differs."""
    problems = []
    if a.keys() != b.keys():
        problems.append(
            f"{what}: files only in the first: {sorted(a.keys() - b.keys())}, "
            f"only in the second: {sorted(b.keys() - a.keys())}"
        )
    for name in sorted(a.keys() & b.keys()):
        if a[name] != b[name]:
            problems.append(f"{what}: {name} differs\n{_diff(name, a[name], b[name])}")
    return problems


def differences(cached: Outcome, cold: Outcome, before: dict[str, bytes]) -> list[str]:
    """How the cached build (given the files of its OUT ``before`` it ran) differs from the
    cold one; empty when the invariant holds."""
    if cached.code != cold.code:
        return [
            f"exit code: cached {cached.code}, cold {cold.code}\n"
            f"  cached stderr: {cached.stderr!r}\n  cold stderr: {cold.stderr!r}"
        ]
    problems = []
    if cached.code != 0:
        if cached.stderr != cold.stderr:
            problems.append("stderr differs\n" + _diff("stderr", cached.stderr, cold.stderr))
        changed = _files_differ(
            "failed cached build changed OUT (before, after)", before, cached.files
        )
        problems += changed
        if cold.files:
            problems.append(f"failed cold build wrote {sorted(cold.files)}")
    else:
        if cached.message() != cold.message():
            problems.append(
                "stderr differs (cache statistics normalised)\n"
                + _diff("stderr", cached.message(), cold.message())
            )
        problems += _files_differ("OUT (cached, cold)", cached.files, cold.files)
        if STORE not in cached.files:
            problems.append(f"no {STORE} in OUT")
        for name, data in cached.files.items():
            if PurePosixPath(name).name == STORE:
                nt = str(PurePosixPath(name).with_name("kg.nt"))
                if data != quads(cached.files.get(nt, b"")):
                    problems.append(f"{name} does not hold the triples of {nt}")
    if cached.stdout != cold.stdout:
        problems.append("stdout differs\n" + _diff("stdout", cached.stdout, cold.stdout))
    return problems
