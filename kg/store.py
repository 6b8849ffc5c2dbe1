"""The built graph as an on-disk pyoxigraph store (``OUT/kg.oxigraph``), written by the build
beside ``kg.nt`` in the same version folder, and opened read-only by the query commands.

Opening it takes milliseconds where loading ``kg.nt`` into memory takes seconds (about 6 s
at 10,000 articles), so a command that runs one query opens the store; its contents are
exactly the triples of ``kg.nt``, in the default graph (``tests/test_build_invariant.py``).

A store is written whole into a new folder and never changed once the build that wrote it
is done: a cold build loads ``kg.nt`` in slices (pyoxigraph's bulk loader holds a slice in
memory, not the whole graph), then compacts it; a rebuild copies the current store (its
table files are immutable, so the copy is hard links plus a few small files), removes the
triples of the units that changed and adds their new ones.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

STORE = "kg.oxigraph"
"""The store's folder name, in a version folder and as a link in ``OUT``."""
_SLICE = 32 << 20
"""Bytes of N-Triples given to pyoxigraph's bulk loader at a time."""
_NT = ox.RdfFormat.N_TRIPLES


_OF = STORE + ".of"
"""The file beside the store that names the ``kg.nt`` it holds (by size and time)."""


def beside(graph: Path) -> Path | None:
    """The store written with the built graph ``graph`` (``OUT/kg.nt``, a link into the
    current version), if there is one and ``graph`` is still the file it was made of: found
    through the link, so both are of one version."""
    try:
        nt = graph.resolve(strict=True)
        of = (nt.parent / _OF).read_text(encoding="ascii")
        st = nt.stat()
    except (OSError, ValueError):
        return None
    store = nt.parent / STORE
    return store if of == f"{st.st_size} {st.st_mtime_ns}\n" and store.is_dir() else None


def mark(nt: Path) -> bytes:
    """What ``beside`` checks (written to ``STORE + ".of"``): the size and time of ``nt``."""
    st = nt.stat()
    return f"{st.st_size} {st.st_mtime_ns}\n".encode()


def open_read_only(path: Path) -> ox.Store:
    """The store at ``path``, read-only (nothing in the folder changes)."""
    return ox.Store.read_only(str(path))


def write(path: Path, nt: bytes) -> None:
    """A new store at ``path`` holding the N-Triples ``nt`` (closed when this returns)."""
    store = ox.Store(str(path))
    start = 0
    while start < len(nt):
        end = nt.find(b"\n", min(start + _SLICE, len(nt) - 1)) + 1 or len(nt)
        store.bulk_load(nt[start:end], format=_NT)
        start = end
    store.optimize()  # one table per index instead of one per slice: queries 2-3x faster
    store.flush()
    del store  # closes it


def write_changed(
    path: Path, previous: Path, removed: Iterable[bytes], added: Iterable[bytes]
) -> None:
    """A new store at ``path``: a copy of the store at ``previous`` (left as it is) without
    the triples of ``removed`` and with those of ``added`` (N-Triples; removed first)."""
    copy(previous, path)
    store = ox.Store(str(path))
    for nt in removed:
        for quad in ox.parse(nt, format=_NT):
            store.remove(quad)
    for nt in added:
        store.extend(ox.parse(nt, format=_NT))
    store.flush()
    del store


def copy(previous: Path, path: Path) -> None:
    """A copy of a closed store: its table files (``.sst``, never changed by RocksDB) hard
    linked, the rest copied."""
    path.mkdir()
    for entry in os.scandir(previous):
        target = path / entry.name
        if entry.name.endswith(".sst"):
            os.link(entry.path, target)
        elif entry.name != "LOCK":
            shutil.copyfile(entry.path, target)


def files(path: Path) -> dict[str, list[int]]:
    """Each file of a store with its size and modification time: what the build checks to
    know the store is the one it wrote."""
    found = {}
    for entry in os.scandir(path):
        st = entry.stat()
        found[entry.name] = [st.st_size, st.st_mtime_ns]
    return dict(sorted(found.items()))
