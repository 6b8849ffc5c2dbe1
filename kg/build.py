"""The build, the only pipeline: extraction files -> units -> validated graph in ``OUT``.

A *unit* is what one extraction file contributes: the entities it defines, the ids it refers
to (with the kind each had), its sorted N-Triples and its Turtle. The ontology and the links
file are units too. No two units state a triple about the same subject, so the graph is the
units' triples put together, and each unit is one named graph.

Each unit is cached by a digest of the file's path and bytes and of everything else its
conversion and verdict depend on (the ontology, the shapes, the source texts with
``--sources``, kg's version and code): a rebuild reads and converts only the files whose
bytes changed (or whose referenced ids changed kind), and validates only the units whose
triples, or the definitions of the entities they reach, changed. Each such unit is validated
with the triples of every entity it reaches (directly or through part-of / located-in /
sub-event-of chains) and the ontology, keeping the violations about its own nodes: every
constraint of the shapes looks only at the focus node's own triples and along such chains, so
this is the verdict of a full validation (``tests/test_incremental.py`` compares them). When
many units are stale, one validation of the whole graph is faster, and is what runs.

What ``OUT`` holds::

    kg.ttl, kg.nt           symbolic links into current/: Turtle and N-Triples
    kg.oxigraph             symbolic link into current/: kg.nt as an on-disk pyoxigraph store
    current                 symbolic link to .versions/ID, switched in one rename
    .versions/ID/           the outputs of one build, index.json (the cache's index) and
                            state.json (a digest of its inputs: a build of the same inputs
                            finds it there and reads nothing else)
    .cache/units/           each unit's N-Triples and Turtle, named by their SHA-256
    .lock                   held while a build runs

The outputs and the index change together or not at all: a build writes a new version folder
and then switches ``current`` (an atomic rename); a failed or killed build leaves the old
version whole. Cached blobs are checked against their digest when read; the index is JSON.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import itertools
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from . import ontology as onto
from . import oxi
from . import store as kgstore
from .choices import Validator
from .convert import Converted, Converter, Triple, Where, article_iri, entity_iri, graph_name
from .errors import DataError, FileError, KgError, Location, ValidationFailed
from .extraction import (
    Vocabulary,
    _error_order,
    check_references,
    extraction_paths,
    index_entities,
    read_file,
)
from .fsutil import FileRange, copy_range, located, read_regular, reason, write_atomic
from .links import apply_links
from .model import Actor, Article, Corpus, Entity, Event, ExtractionFile, Place, Work
from .namespaces import LINKS_GRAPH, ONTOLOGY_GRAPH, PREFIXES, N, new_graph
from .review import refuse_drafts
from .schema import entity_references
from .validate import Found, fast_findings, locate, pyshacl_findings
from .verify import Offsets, verify

CACHE_FORMAT = 4
FULL_VALIDATION_AT = 64
"""Validate the whole graph at once when at least this many units are stale."""
OUTPUTS = ("kg.ttl", "kg.nt")
STATE = "state.json"
"""In a version folder: the digest of the build's inputs, its figures and its files' stat."""
DEP_KEY = 16
"""Hex digits of a unit's key kept in the ``deps`` of the units validated with it: enough to
tell its versions apart (the full key names its cache entry), a quarter of the index's size."""
LINKS_UNIT = "(links)"
ONTOLOGY_UNIT = "(ontology)"
LOCK_WAIT = 600.0
"""Seconds a build waits for another build of the same folder before it gives up."""

_PACKAGE = Path(__file__).resolve().parent


class DamagedCache(Exception):
    """A cached blob is missing or does not match its digest (the build starts again cold)."""


@dataclass
class Unit:
    """One extraction file (or the ontology, or the links), converted and valid in the
    context recorded in ``deps``. Its triples (``nt``, ``ttl``) are read from the cache only
    when something needs them."""

    path: str
    key: str  # digest of the file's path and bytes and of the build's fingerprint
    graph: str  # the named graph of its triples
    article: Article | None = None
    entities: list[Entity] = field(default_factory=list)  # id, kind and location only
    reach: dict[str, list[str]] = field(default_factory=dict)  # entity id -> ids it refers to
    refs: dict[str, str] = field(default_factory=dict)  # id it refers to -> kind it had
    deps: dict[str, str] = field(default_factory=dict)  # path -> key (DEP_KEY hex digits) of
    # each unit it was checked with
    digests: tuple[str, str] = ("", "")  # SHA-256 of nt and ttl
    sizes: tuple[int, int] = (0, 0)  # of nt and ttl, in bytes
    triples: int = 0
    subjects: int = 0
    source: str | None = None  # an article's URL, else its IRI (dcterms:source)
    cache: Cache | None = field(default=None, repr=False)  # where nt and ttl are, if not read
    _rdf: tuple[bytes, bytes] | None = field(default=None, repr=False)

    @property
    def nt(self) -> bytes:
        """Sorted N-Triples, one line per distinct triple."""
        return self._triples()[0]

    @property
    def ttl(self) -> bytes:
        """Turtle without prefix lines."""
        return self._triples()[1]

    def _triples(self) -> tuple[bytes, bytes]:
        if self._rdf is None:
            self._rdf = (b"", b"") if self.cache is None else self.cache.blobs_of(self)
        return self._rdf

    def set_rdf(self, nt: bytes, ttl: bytes) -> None:
        """The unit's triples, newly converted, and the figures they give."""
        self._rdf, self.cache = (nt, ttl), None
        self.digests = (_digest(nt), _digest(ttl))
        self.sizes = (len(nt), len(ttl))
        self.triples = nt.count(b"\n")
        lines = nt.splitlines()
        self.subjects = len({line[: line.index(b" ")] for line in lines})
        self.source = None
        if self.article is not None:
            iri = article_iri(self.article.id)
            prefix = f'<{iri}> <{N.url}> "'.encode()
            url = next((line for line in lines if line.startswith(prefix)), None)
            end = url.index(b'"', len(prefix)) if url is not None else 0
            self.source = url[len(prefix) : end].decode() if url is not None else str(iri)

    def record(self) -> dict[str, Any]:
        """The unit in the index (plain JSON data; its triples are blobs)."""
        a = self.article
        return {
            "path": self.path,
            "key": self.key,
            "graph": self.graph,
            "article": None if a is None else [a.id, a.where.line, a.where.field, _id_line(a)],
            "entities": [
                [type(e).__name__, e.id, e.type, e.where.line, e.where.field, _id_line(e)]
                for e in self.entities
            ],
            "reach": self.reach,
            "refs": self.refs,
            "deps": self.deps,
            "nt": self.digests[0],
            "ttl": self.digests[1],
            "sizes": list(self.sizes),
            "figures": [self.triples, self.subjects, self.source],
        }

    @classmethod
    def of_record(cls, r: dict[str, Any], cache: Cache) -> Unit:
        path = r["path"]
        article = None
        if r["article"] is not None:
            ident, line, where, id_line = r["article"]
            article = Article(ident, "", "", Location(path, line, where), field_lines=id_line)
        entities = [
            _CLASSES[kind](ident, type_, "", Location(path, line, where), field_lines=id_line)
            for kind, ident, type_, line, where, id_line in r["entities"]
        ]
        triples, subjects, source = r["figures"]
        return cls(
            path,
            r["key"],
            r["graph"],
            article,
            entities,
            r["reach"],
            r["refs"],
            r["deps"],
            (r["nt"], r["ttl"]),
            tuple(r["sizes"]),
            triples,
            subjects,
            source,
            cache,
        )


_CLASSES: dict[str, type[Entity]] = {
    "Actor": Actor,
    "Place": Place,
    "Event": Event,
    "Work": Work,
}


@dataclass
class Built:
    """What a build made: the outputs and their figures, and what the cache spared. The
    outputs' bytes (``nt``, ``ttl``) are made, or read from ``OUT``, on first use; ``nq``,
    the N-Quads of the named graphs, is made from ``nt`` and ``layout``."""

    out: Path | None  # None: built without a folder (no cache, nothing written)
    files: int
    articles: int
    triples: int
    subjects: int
    sources: list[str]  # each article's URL, or its IRI when it has none
    layout: list[tuple[str, int, int]]  # (named graph, start, end) of each unit in ``nt``
    reparsed: int
    revalidated: int
    full_validation: bool
    turtle_spans: list[tuple[int, int]]  # (start, end) in ``ttl`` of each unit of ``layout``
    written: bool = False  # False when the outputs already were what this build made
    make: Callable[[str], bytes] = field(repr=False, default=lambda name: b"")
    folder: Path | None = None  # the version folder holding the outputs, once written

    @property
    def outputs(self) -> list[Path]:
        return [] if self.out is None else [self.out / name for name in OUTPUTS]

    @cached_property
    def nt(self) -> bytes:
        return self.make("kg.nt")

    @cached_property
    def ttl(self) -> bytes:
        return self.make("kg.ttl")

    @property
    def graphs(self) -> list[str]:
        """The named graphs, in output order."""
        return [graph for graph, start, end in self.layout if end > start]

    def named_graphs(self) -> dict[str, bytes]:
        """Each named graph's N-Triples (cut out of ``nt``), in output order."""
        nt = self.nt
        graphs: dict[str, bytes] = {}
        for graph, start, end in self.layout:
            if end > start:
                graphs[graph] = graphs.get(graph, b"") + nt[start:end]
        return graphs

    @cached_property
    def nq(self) -> bytes:
        """N-Quads: each unit's N-Triples in its named graph, in output order."""
        return b"".join(in_graph(nt, graph) for graph, nt in self.named_graphs().items())

    @cached_property
    def graph(self) -> Graph:
        """The whole graph (data and ontology) as an rdflib graph, made on first use."""
        return _graph_of(self.nt)

    @cached_property
    def data(self) -> Graph:
        """The instance data (every named graph but the ontology) as an rdflib graph."""
        graphs = self.named_graphs()
        return _graph_of(b"".join(nt for g, nt in graphs.items() if g != str(ONTOLOGY_GRAPH)))


def in_graph(nt: bytes, graph: str) -> bytes:
    """N-Triples as N-Quads in ``graph``: " .\\n" ends each line and nowhere else (a newline
    in a literal is written \\n)."""
    return nt.replace(b" .\n", f" <{graph}> .\n".encode())


def _graph_of(nt: bytes) -> Graph:
    g = new_graph()
    g.parse(data=nt, format="nt")
    return g


def _id_line(record: Entity | Article) -> dict[str, int]:
    """Of a record's field lines, the one duplicate-id messages point at."""
    return {"id": record.field_lines["id"]} if "id" in record.field_lines else {}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _kind(entity: Entity) -> str:
    return sys.intern(f"{type(entity).__name__}:{entity.type}")


def _trim(entity: Entity) -> Entity:
    """The entity with only its id, kind and location: what indexing and references need."""
    where = entity.where
    return type(entity)(entity.id, entity.type, "", where, field_lines=_id_line(entity))


def _trim_article(a: Article | None) -> Article | None:
    return None if a is None else Article(a.id, "", "", a.where, field_lines=_id_line(a))


# --- inputs, each read once ---------------------------------------------------------------


class Inputs:
    """The ontology, the shapes and the source texts, read once, and their fingerprint; the
    ontology and the shapes are parsed when first used (a build with nothing to do never
    parses them)."""

    def __init__(
        self,
        data: dict[str, bytes],
        paths: dict[str, Path],
        sources: Path | None,
        texts: dict[str, bytes],
        fingerprint: bytes,
    ) -> None:
        self._data, self._paths = data, paths
        self.sources = sources
        self.texts = texts  # source file name -> bytes
        self.fingerprint = fingerprint

    def _graph(self, name: str) -> Graph:
        return _parse_turtle(self._data[name], self._paths[name])

    @property
    def ontology(self) -> Graph:
        return self._graph("ontology.ttl")

    @property
    def shapes(self) -> Graph:
        return self._graph("shapes.ttl")

    @cached_property
    def vocab(self) -> Vocabulary:
        return onto.vocabulary(self.ontology)

    def key(self, path: str, data: bytes) -> str:
        """The cache key of an extraction file: its path and bytes, and the fingerprint."""
        return _digest(self.fingerprint + path.encode() + b"\0" + data)

    def parse(self) -> None:
        """Parse the ontology and the shapes now (a located DataError if either is not
        Turtle)."""
        self._graph("ontology.ttl")
        self._graph("shapes.ttl")
        self.vocab  # noqa: B018 - the property's work is the point

    def __getstate__(self) -> dict[str, Any]:  # sent to the workers: without parsed graphs
        return {k: v for k, v in self.__dict__.items() if k != "vocab"}


def read_inputs(ontology_dir: Path, sources: Path | None) -> Inputs:
    """Everything besides an extraction file's own bytes that its unit depends on."""
    import rdflib

    import kg  # the version at build time (a new kg version rebuilds everything)

    versions = f"{CACHE_FORMAT}-{kg.__version__}-{rdflib.__version__}-{ox.__version__}"
    h = hashlib.sha256(f"newskg-cache-{versions}".encode())
    for path in sorted(_PACKAGE.glob("*.py")):
        h.update(path.read_bytes())
    data: dict[str, bytes] = {}
    paths: dict[str, Path] = {}
    for name in ("ontology.ttl", "shapes.ttl"):
        paths[name] = ontology_dir / name
        data[name] = read_regular(paths[name])
        h.update(_digest(data[name]).encode())
    texts: dict[str, bytes] = {}
    if sources is not None:
        if not sources.is_dir():
            raise DataError("sources folder not found", Location(sources))
        with os.scandir(sources) as entries:
            names = sorted(e.name for e in entries if e.is_file())
        for name in names:
            texts[name] = read_regular(sources / name)
            h.update(name.encode() + b"\0" + _digest(texts[name]).encode())
    return Inputs(data, paths, sources, texts, h.digest())


@lru_cache(maxsize=4)
def _parse_turtle(data: bytes, path: Path) -> Graph:
    """The ontology or the shapes, parsed once per content (shared: never modified)."""
    return onto.parse_turtle_bytes(data, path)


# --- the build ------------------------------------------------------------------------------


def build(
    extractions: Path,
    ontology_dir: Path,
    out: Path | None,
    sources: Path | None = None,
    links: Path | None = None,
    validator: Validator = Validator.FAST,
    workers: int | None = None,
    write: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Built:
    """Build the graph into ``out``, using and updating its cache; raise ValidationFailed
    with every located problem. Without ``write`` (``kg validate``), the cache is used but
    nothing is written; without ``out``, there is no cache either (a cold build in memory).

    Files are read and converted in ``workers`` processes (default: one per CPU, up to four,
    when there are enough files to be worth it). Two builds of one folder never interleave:
    the second waits for the first (``on_wait`` is told once), for at most ``LOCK_WAIT`` s.
    """
    write = write and out is not None
    with _locked(out, on_wait) if write and out is not None else contextlib.nullcontext():
        try:
            return _build(
                extractions, ontology_dir, out, sources, links, validator, workers, write, True
            )
        except DamagedCache:  # a cold build does not read the cache (it still writes it)
            return _build(
                extractions, ontology_dir, out, sources, links, validator, workers, write, False
            )


def _build(
    extractions: Path,
    ontology_dir: Path,
    out: Path | None,
    sources: Path | None,
    links: Path | None,
    validator: Validator,
    workers: int | None,
    write: bool,
    use_cache: bool,
) -> Built:
    inputs = read_inputs(ontology_dir, sources)
    cache = Cache(out if out is not None else Path(os.devnull))  # devnull: an empty cache
    files = {str(path): read_regular(path) for path in extraction_paths(extractions)}
    keys = {shown: inputs.key(shown, data) for shown, data in files.items()}
    state = _state_key(inputs, keys, links, sources, extractions)
    if use_cache and validator == Validator.FAST:
        same = cache.same_build(state)
        if same is not None:  # nothing changed since the current version was built
            if write:
                cache.tidy()
            return same
    inputs.parse()  # an error in the ontology or the shapes, once, before any file is read
    cached = cache.load() if use_cache else {}

    # 1. read the files that changed; reuse the rest
    units: list[Unit] = []
    todo: dict[str, bytes] = {}
    for shown, data in files.items():
        key = keys[shown]
        unit = cached.get(shown)
        if unit is None or unit.key != key or not cache.has(unit):
            unit = Unit(shown, key, "")
            todo[shown] = data
        units.append(unit)
    del files
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(todo) >= 200 else 1
    readers = _Readers(todo, inputs, workers)
    by_path = {u.path: u for u in units}
    errors: list[KgError] = []
    for shown, defined, reach, article, graph, error in readers.read():
        if error is not None:
            errors.append(error)
            continue
        unit = by_path[shown]
        unit.entities, unit.reach, unit.article, unit.graph = defined, reach, article, graph
    if errors:
        readers.stop()
        raise ValidationFailed(sorted(errors, key=_error_order))

    # 2. index every entity; convert what was read, and the files whose references changed
    entities, ref_errors = index_entities((u.entities, u.article) for u in units)
    graphs = {u.graph: u.path for u in units if u.article is not None}
    for u in units:  # a file of entities names its graph after the file: not an article's
        if u.article is None and u.graph in graphs:
            ref_errors.append(
                DataError(
                    f"a file without an article names its graph after the file: {u.graph} is "
                    f"the graph of the article of {graphs[u.graph]}; rename the file",
                    Location(u.path),
                )
            )
    reach = {i: r for u in units for i, r in u.reach.items()}
    kinds = {i: _kind(e) for i, e in entities.items()}
    again = {  # a file whose referenced id vanished or changed kind
        u.path: reread(u, inputs)
        for u in units
        if u.path not in todo and not u.refs.items() <= kinds.items()
    }
    changed = _Readers(again, inputs, 1)
    changed.read()
    quote_errors: list[KgError] = []
    for shown, problems, quotes, refs, nt, ttl in itertools.chain(
        readers.convert(entities), changed.convert(entities)
    ):
        ref_errors += problems
        quote_errors += quotes
        unit = by_path[shown]
        unit.refs = refs
        unit.set_rdf(nt, ttl)
    if ref_errors:
        raise ValidationFailed(sorted(ref_errors, key=_error_order))
    errors = sorted(quote_errors, key=_error_order)
    corpus = Corpus([], entities)
    terms = oxi.TermCache()
    links_unit = Unit(LINKS_UNIT, "", str(LINKS_GRAPH))
    if links is not None:
        extra = Converted({}, {})
        errors += apply_links(extra, corpus, links)
        triples = [t for part in extra.parts.values() for t in part]
        links_unit.refs = {_id_of(t[0]): "" for t in sorted(triples)}
    else:
        triples = []
    links_unit.set_rdf(*_rdf(triples, terms))
    links_unit.key = links_unit.digests[0]
    ontology_unit = Unit(ONTOLOGY_UNIT, "", str(ONTOLOGY_GRAPH))
    ontology_unit.set_rdf(*_rdf(inputs.ontology, terms))
    everything = [ontology_unit, *units, links_unit]

    # 3. validate what is stale
    read = set(todo) | set(again)
    defined_in = {e.id: u for u in units for e in u.entities}
    keys = {u.path: u.key for u in units}
    links_unit.deps = cache.links_deps(links_unit.key) if use_cache else {}
    stale = [
        u
        for u in [*units, links_unit]
        if u.path in read
        or not u.deps
        or any(keys.get(p, "")[:DEP_KEY] != k for p, k in u.deps.items())
    ]
    if not links_unit.triples:
        stale.remove(links_unit)
    full = validator != "fast" or len(stale) >= FULL_VALIDATION_AT or not cached
    closures = {unit.path: _closure(unit, reach) for unit in stale}
    for unit in stale:
        reached = {defined_in[i].path for i in closures[unit.path] if i in defined_in}
        unit.deps = {p: keys[p][:DEP_KEY] for p in sorted(reached | {unit.path}) if p in keys}
    located = _Locator(everything, corpus, inputs, links, todo)
    if full:
        found = _validate_all(everything, inputs, validator)
        errors += located(found)
    else:
        for unit in stale:
            found = _violations(
                unit, closures[unit.path], entities, defined_in, ontology_unit, inputs
            )
            errors += located(found, unit)
    if errors:  # in one order, whichever way they were found
        errors.sort(key=lambda e: (str(e.location.path), e.location.line or 0, str(e)))
        raise ValidationFailed(errors)

    # 4. the outputs: written (in a new version, then the blobs' clean-up) unless unchanged
    composition = _digest(
        inputs.fingerprint
        + "".join(f"{u.graph} {u.digests[0]} {u.digests[1]}\n" for u in everything).encode()
    )
    built = Built(
        out=out,
        files=len(units),
        articles=sum(1 for u in units if u.article is not None),
        triples=sum(u.triples for u in everything),
        subjects=sum(u.subjects for u in everything),
        sources=[u.source for u in units if u.source is not None],
        layout=[
            (u.graph, *span) for u, span in zip(everything, _spans(everything, 0), strict=True)
        ],
        turtle_spans=_spans(everything, 1),
        reparsed=len(read),
        revalidated=len(stale),
        full_validation=full,
        make=partial(_output, everything),
    )
    if write:
        built.written = cache.save(
            units, links_unit, built, composition, everything, sources, extractions, state
        )
    return built


def _state_key(
    inputs: Inputs,
    keys: dict[str, str],
    links: Path | None,
    sources: Path | None,
    extractions: Path,
) -> str:
    """A digest of everything a build's outputs and verdict depend on: the fingerprint, every
    extraction file's key, the links file's bytes and the folders named. A version whose
    state is this one is what the build would make again."""
    h = hashlib.sha256(inputs.fingerprint)
    h.update(f"{extractions.resolve()}\0{sources}\0".encode())
    if links is not None:
        try:
            h.update(b"links\0" + read_regular(links))
        except KgError:
            h.update(b"unreadable links\0")  # the build reports it
    for shown, key in keys.items():
        h.update(f"{shown}\0{key}\n".encode())
    return h.hexdigest()


def reread(unit: Unit, inputs: Inputs) -> bytes:
    """A cached file read again: it must still be the bytes that were cached, or the build
    would mix two versions of it."""
    data = read_regular(Path(unit.path))
    if inputs.key(unit.path, data) != unit.key:
        raise DataError(
            "the file changed while kg was building: run the build again", Location(unit.path)
        )
    return data


def _output(everything: list[Unit], name: str) -> bytes:
    """One output file made of the units: Turtle or N-Triples."""
    if name == "kg.ttl":
        return _turtle_header() + b"".join(u.ttl for u in everything)
    assert name == "kg.nt"
    return b"".join(u.nt for u in everything)


def _spans(everything: list[Unit], which: int) -> list[tuple[int, int]]:
    """Where each unit's triples are in kg.nt (``which`` 0) or kg.ttl (1)."""
    at = len(_turtle_header()) if which else 0
    spans = []
    for u in everything:
        spans.append((at, at + u.sizes[which]))
        at += u.sizes[which]
    return spans


# --- the cache --------------------------------------------------------------------------------


class Cache:
    """The index of the current version (``OUT/current/index.json``) and the units' blobs."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.blobs = out / ".cache" / "units"
        self.index: dict[str, Any] = {}
        self._intact_outputs: bool | None = None
        self._digests: dict[str, tuple[str, str]] | None = None

    def load(self) -> dict[str, Unit]:
        """The units of the current version; empty for a missing, old or damaged index."""
        try:
            index = json.loads(read_regular(self.out / "current" / "index.json"))
            if index.get("format") != CACHE_FORMAT:
                return {}
            units = {r["path"]: Unit.of_record(r, self) for r in index["units"]}
        except (KgError, ValueError, KeyError, TypeError):  # only means a full build
            return {}
        self.index = index
        return units

    def links_deps(self, key: str) -> dict[str, str]:
        """What the links unit was last validated with, if it is still the same."""
        record = self.index.get("links") or {}
        return dict(record.get("deps", {})) if record.get("key") == key else {}

    def blob(self, digest: str, ext: str) -> str:
        return f"{self.blobs}/{digest}.{ext}"  # a string: 10,000 Paths cost 0.3 s

    def has(self, unit: Unit) -> bool:
        """Whether the unit's blobs are there (they are checked when read)."""
        nt, ttl = unit.digests
        return os.path.isfile(self.blob(nt, "nt")) and os.path.isfile(self.blob(ttl, "ttl"))

    def blobs_of(self, unit: Unit) -> tuple[bytes, bytes]:
        """A unit's N-Triples and Turtle, checked against their digests: read from its span
        in the current outputs when they are intact, else from its blobs."""
        span = self.index.get("spans", {}).get(unit.path)
        if span is not None and self.outputs_intact():
            current = self.out / "current"
            with contextlib.suppress(OSError):
                nt = FileRange(current / "kg.nt", span[0], span[1]).read()
                ttl = FileRange(current / "kg.ttl", span[2], span[3]).read()
                if (_digest(nt), _digest(ttl)) == unit.digests:
                    return nt, ttl
        found = []
        for digest, ext in zip(unit.digests, ("nt", "ttl"), strict=True):
            try:
                data = read_regular(Path(self.blob(digest, ext)))  # never blocks on a FIFO
            except KgError:
                raise DamagedCache(unit.path) from None
            if _digest(data) != digest:
                raise DamagedCache(unit.path)
            found.append(data)
        return found[0], found[1]

    def outputs_intact(self) -> bool:
        """Whether the current outputs are the files the current version's index describes
        (checked once)."""
        if self._intact_outputs is None:
            self._intact_outputs = bool(self.index) and self._intact(self.out / "current")
        return self._intact_outputs

    def unchanged(self, unit: Unit) -> bool:
        """Whether ``unit`` is in the current outputs as they are: from the cache, with the
        digests the current index gives its file, and the outputs intact."""
        if self._digests is None:
            self._digests = {r["path"]: (r["nt"], r["ttl"]) for r in self.index.get("units", [])}
        return (
            unit.cache is not None
            and self._digests.get(unit.path) == unit.digests
            and unit.path in self.index.get("spans", {})
            and self.outputs_intact()
        )

    def save(
        self,
        units: list[Unit],
        links: Unit,
        built: Built,
        composition: str,
        everything: list[Unit],
        sources: Path | None,
        extractions: Path,
        state: str,
    ) -> bool:
        """Write the new blobs and a new version, then switch ``current`` to it; False if
        the current version already is this build (and its outputs are untouched)."""
        index: dict[str, Any] = {
            "format": CACHE_FORMAT,
            "composition": composition,
            "units": [u.record() for u in units],
            "links": {"key": links.key, "deps": links.deps},
            "sources": None if sources is None else str(sources),
            "extractions": str(extractions.resolve()),
            "spans": {  # where each file's triples are in the outputs (kg.nt, kg.ttl)
                u.path: [nt[1], nt[2], *ttl]
                for u, nt, ttl in zip(everything, built.layout, built.turtle_spans, strict=True)
                if u.path not in (ONTOLOGY_UNIT, LINKS_UNIT)
            },
        }
        current = self.out / "current"
        same_outputs = self.index.get("composition") == composition and self._intact(current)
        summary = {"state": state, "built": _figures(built), "inputs": _inputs(index)}
        if (
            same_outputs
            and _json(index) == _json(_without(self.index, "stat"))
            and self.state() == summary
        ):
            built.make = partial(_read_output, current)
            built.folder = self.out / os.readlink(current)
            self.tidy()
            return False
        made: list[Path] = []  # what this build created, removed again if it fails
        try:
            versions, name = self._write_version(
                units, built, index, same_outputs, made, everything, summary
            )
            self._links(made)
            _symlink(Path(".versions") / name, current, sync=False)  # the build is done
        except BaseException as e:  # a failed write, or Ctrl-C: remove what was made
            live = self.out / os.readlink(current) if current.is_symlink() else None
            if live is not None and live in made:  # switched just before Ctrl-C: done
                raise
            for made_path in reversed(made):
                with contextlib.suppress(OSError):
                    if made_path.is_dir() and not made_path.is_symlink():
                        shutil.rmtree(made_path)
                    else:
                        made_path.unlink()
            if not isinstance(e, OSError):
                raise
            kept = "the previous build is kept" if current.is_dir() else "nothing was written"
            raise FileError(
                f"cannot write the build: {reason(e)} ({kept})", Location(self.out)
            ) from None
        built.make = partial(_read_output, versions / name)  # what is on disk now
        built.folder = versions / name
        with contextlib.suppress(OSError):  # after the switch: tidying, never a failure
            _fsync_dir(self.out)
        with contextlib.suppress(OSError):
            self._collect(versions, name, units)
        return True

    def _write_version(
        self,
        units: list[Unit],
        built: Built,
        index: dict[str, Any],
        same_outputs: bool,
        made: list[Path],
        everything: list[Unit],
        summary: dict[str, Any],
    ) -> tuple[Path, str]:
        """Write the new blobs and the new version folder (whole, synced); return the
        versions folder and the version's name. Every path made is appended to ``made``."""
        current = self.out / "current"
        _mkdirs(self.blobs, made)
        for unit in units:
            if unit.cache is None:  # converted in this build
                for digest, ext, data in zip(
                    unit.digests, ("nt", "ttl"), unit._triples(), strict=True
                ):
                    path = self.blob(digest, ext)
                    if not os.path.exists(path):
                        made.append(Path(path))
                        write_atomic(Path(path), data, sync=False)
        versions = self.out / ".versions"
        _mkdirs(versions, made)
        base = name = index["composition"][:16] + "-" + summary["state"][:8]
        n = 1
        while os.path.lexists(versions / name):  # never remove or reuse a version in place
            n += 1
            name = f"{base}-{n}"
        work = versions / f".{name}.{os.getpid()}.tmp"
        shutil.rmtree(work, ignore_errors=True)
        made.append(work)
        work.mkdir()
        for file in OUTPUTS:
            if same_outputs:  # only the index changed (a rename, new deps): share the files
                os.link(current / file, work / file)
            else:
                self._write_output(work / file, file, everything)
        self._write_store(work, everything, same_outputs)
        stats: dict[str, Any] = {f: _stat(work / f) for f in OUTPUTS}
        stats[kgstore.STORE] = kgstore.files(work / kgstore.STORE)
        _write_synced(work / "index.json", _json({**index, "stat": stats}))
        stats["index.json"] = _stat(work / "index.json")
        _write_synced(work / STATE, _json({**summary, "stat": stats}))
        _fsync_dir(work)
        final = versions / name
        made.append(final)
        os.rename(work, final)
        _fsync_dir(versions)
        return versions, name

    def _write_output(self, path: Path, name: str, everything: list[Unit]) -> None:
        """``path`` (synced): the output ``name`` of ``everything``, its unchanged units'
        bytes copied from the current output by the kernel, the others written."""
        current = self.out / "current" / name
        at = 0 if name == "kg.nt" else 2  # where the file's span is in ``spans``
        spans = self.index.get("spans", {})
        pieces: list[bytes | tuple[int, int]] = [] if at == 0 else [_turtle_header()]
        for u in everything:
            if self.unchanged(u):
                start, end = spans[u.path][at : at + 2]
                last = pieces[-1] if pieces else None
                if isinstance(last, tuple) and last[1] == start:  # one range for neighbours
                    pieces[-1] = (last[0], end)
                else:
                    pieces.append((start, end))
            else:
                pieces.append(u.nt if at == 0 else u.ttl)
        ranges = any(isinstance(piece, tuple) for piece in pieces)
        with open(path, "xb") as f, open(current, "rb") if ranges else _no_file() as src:
            for piece in pieces:
                if isinstance(piece, bytes):
                    f.write(piece)
                    continue
                copy_range(src, f, *piece)
            f.flush()
            os.fsync(f.fileno())

    def _write_store(self, work: Path, everything: list[Unit], same_outputs: bool) -> None:
        """The on-disk store of ``work/kg.nt`` (``kgstore.STORE``): a copy of the current
        one when the outputs are the same, the current one with the units that changed
        replaced when the current outputs are intact, else loaded from ``kg.nt``."""
        path, current = work / kgstore.STORE, self.out / "current" / kgstore.STORE
        if same_outputs:  # the current outputs, the store included, are intact
            kgstore.copy(current, path)
        elif self.outputs_intact():
            changes = _changed(
                self.index["spans"], self.out / "current" / "kg.nt", everything, self.unchanged
            )
            kgstore.write_changed(path, current, *changes)
        else:
            kgstore.write(path, (work / "kg.nt").read_bytes())
        _fsync_dir(path)
        _write_synced(work / (kgstore.STORE + ".of"), kgstore.mark(work / "kg.nt"))

    def _intact(self, current: Path, stats: dict[str, Any] | None = None) -> bool:
        """Whether the current outputs are the files the current version wrote (as ``stats``
        says, by default its index)."""
        stats = self.index.get("stat", {}) if stats is None else stats
        if not all(stats.get(f) == list(_stat(current / f)) for f in OUTPUTS):
            return False
        try:
            found = kgstore.files(current / kgstore.STORE)
        except OSError:
            return False
        return bool(stats.get(kgstore.STORE) == found)

    def state(self) -> dict[str, Any] | None:
        """The current version's state (``STATE``) without its files' stat, if readable."""
        try:
            data = json.loads(read_regular(self.out / "current" / STATE))
        except (KgError, ValueError):
            return None
        return _without(data, "stat") if isinstance(data, dict) else None

    def same_build(self, state: str) -> Built | None:
        """The current build, if its state is ``state`` and its outputs are intact: what
        building again would make, read from its figures (no unit is read)."""
        try:
            data = json.loads(read_regular(self.out / "current" / STATE))
            current = self.out / "current"
            stats = data["stat"]
            if (
                data.get("state") != state
                or stats.get("index.json") != list(_stat(current / "index.json"))
                or not self._intact(current, stats)
            ):
                return None
            figures = data["built"]
            version = self.out / os.readlink(self.out / "current")
            return Built(
                out=self.out,
                files=figures["files"],
                articles=figures["articles"],
                triples=figures["triples"],
                subjects=figures["subjects"],
                sources=figures["sources"],
                layout=[(g, a, b) for g, a, b in figures["layout"]],
                turtle_spans=[(a, b) for a, b in figures["turtle_spans"]],
                reparsed=0,
                revalidated=0,
                full_validation=False,
                make=partial(_read_output, version),
                folder=version,
            )
        except (KgError, OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def tidy(self) -> None:
        """After a build that wrote nothing: the links in ``OUT`` made if missing, and what
        a killed or failed build left removed."""
        with located(self.out, "cannot write the build"):
            self._links()
        with contextlib.suppress(OSError):
            self._collect_versions(self.out / ".versions", os.readlink(self.out / "current"))

    def _links(self, made: list[Path] | None = None) -> None:
        """``OUT/kg.ttl`` etc. as links into ``current`` (made once, replacing old files;
        made before ``current`` is, they dangle until it is)."""
        for file in (*OUTPUTS, kgstore.STORE):
            link = self.out / file
            target = Path("current") / file
            if not (link.is_symlink() and Path(os.readlink(link)) == target):
                if made is not None and not os.path.lexists(link):
                    made.append(link)
                _symlink(target, link)
        old = self.out / ".cache" / "units.pickle"  # the index of kg 0.1's cache, never read
        old.unlink(missing_ok=True)

    def _collect(self, versions: Path, keep: str, units: list[Unit]) -> None:
        """Remove old versions (and the temporary folders of killed builds: this build holds
        the lock), the blobs no unit uses, and temporary links left by killed builds."""
        self._collect_versions(versions, keep)
        used = {f"{u.digests[0]}.nt" for u in units} | {f"{u.digests[1]}.ttl" for u in units}
        with os.scandir(self.blobs) as entries:
            for entry in entries:
                if entry.name not in used:
                    Path(entry.path).unlink(missing_ok=True)

    def _collect_versions(self, versions: Path, keep: str) -> None:
        """Remove every version but ``keep``, and temporary links of killed builds."""
        keep = Path(keep).name
        with os.scandir(versions) as entries:
            for entry in entries:
                if entry.name != keep:
                    shutil.rmtree(entry.path, ignore_errors=True)
        with os.scandir(self.out) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    Path(entry.path).unlink(missing_ok=True)


def _changed(
    spans: dict[str, list[int]],
    old_nt: Path,
    everything: list[Unit],
    unchanged: Callable[[Unit], bool],
) -> tuple[list[bytes], list[bytes]]:
    """What a store of ``old_nt`` (the current kg.nt, with the files' ``spans`` in it) loses
    and gains to become the store of ``everything``: the N-Triples of each file unit that
    changed, was added or is gone, and of the ontology and links (what is not in a file's
    span) if they changed. Removing before adding is exact because no triple is stated by
    two units: no two files state triples about one subject, the links state only
    skos:exactMatch (which no file states) and the ontology only about its own terms."""
    removed, added = [], []
    paths = set()
    for u in everything:
        if u.path in (ONTOLOGY_UNIT, LINKS_UNIT):
            continue
        paths.add(u.path)
        if unchanged(u):
            continue
        span = spans.get(u.path)
        before = b"" if span is None else FileRange(old_nt, span[0], span[1]).read()
        if before != u.nt:
            removed.append(before)
            added.append(u.nt)
    removed += [FileRange(old_nt, s[0], s[1]).read() for p, s in spans.items() if p not in paths]
    rest, at = [], 0
    for start, end in sorted((s[0], s[1]) for s in spans.values()):
        rest.append(FileRange(old_nt, at, start).read())  # mostly empty: not opened
        at = end
    rest.append(FileRange(old_nt, at, old_nt.stat().st_size).read())
    new_rest = [u.nt for u in everything if u.path in (ONTOLOGY_UNIT, LINKS_UNIT)]
    if b"".join(rest) != b"".join(new_rest):
        removed += rest
        added += new_rest
    return removed, added


@contextlib.contextmanager
def _no_file() -> Iterator[Any]:
    yield None


def built_with_sources(out: Path, extractions: Path) -> Path | None:
    """The sources folder the current build in ``out`` of the same ``extractions`` checked
    its quotes against, if any: what ``kg export``, ``kg push`` and ``kg validate`` use when
    not told otherwise, so they give what ``kg build --sources`` built (offsets included).
    Read from the version's state (a version written before it held them: its index)."""
    try:
        inputs = json.loads(read_regular(out / "current" / STATE)).get("inputs")
        if not isinstance(inputs, dict):
            inputs = _inputs(json.loads((out / "current" / "index.json").read_bytes()))
        value, built = inputs.get("sources"), inputs.get("extractions")
    except (KgError, OSError, ValueError, AttributeError):
        return None
    if not isinstance(value, str) or built != str(extractions.resolve()):
        return None
    return Path(value)


def _inputs(index: dict[str, Any]) -> dict[str, Any]:
    """The folders a build read (its index's ``sources`` and ``extractions``)."""
    return {"sources": index.get("sources"), "extractions": index.get("extractions")}


def _read_output(version: Path, name: str) -> bytes:
    return (version / name).read_bytes()


def _figures(built: Built) -> dict[str, Any]:
    """What ``Built`` says of the outputs, as JSON data (the state of a version)."""
    return {
        "files": built.files,
        "articles": built.articles,
        "triples": built.triples,
        "subjects": built.subjects,
        "sources": built.sources,
        "layout": [list(span) for span in built.layout],
        "turtle_spans": [list(span) for span in built.turtle_spans],
    }


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _symlink(target: Path, link: Path, sync: bool = True) -> None:
    """Point ``link`` at ``target`` in one rename: readers see the old link or the new."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync:
        _fsync_dir(link.parent)


def _mkdirs(path: Path, made: list[Path]) -> None:
    """``path.mkdir(parents=True, exist_ok=True)``, appending each folder made to ``made``."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        made.append(folder)
        folder.mkdir()


@contextlib.contextmanager
def _locked(out: Path, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    """Hold ``OUT/.lock`` for the duration of a build. A build that fails leaves no trace:
    the lock file (and ``OUT``) are removed again if this build made them."""
    made_out = not os.path.lexists(out)
    if not made_out and not out.is_dir():
        raise FileError("not a folder: give the build folder", Location(out))
    with located(out, "cannot create the build folder"):
        out.mkdir(parents=True, exist_ok=True)
    path = out / ".lock"
    made_lock = not path.exists()
    deadline = time.monotonic() + LOCK_WAIT
    told = False
    while True:
        try:  # the build folder may have gone with a failed first build that held the lock
            out.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise FileError(f"cannot create the lock file: {reason(e)}", Location(path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise DataError(f"cannot lock: {e.strerror}", Location(path)) from None
            if time.monotonic() > deadline:
                raise DataError(
                    f"another kg build has held this lock for over {LOCK_WAIT:g} s",
                    Location(path),
                ) from None
            if not told and on_wait is not None:
                on_wait(f"{path}: waiting for another kg build of {out} to finish")
                told = True
            time.sleep(0.05)
            continue
        try:  # the holder before us may have removed the file: lock the one at the path
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    except BaseException:
        if made_lock:
            path.unlink(missing_ok=True)
            if made_out:
                with contextlib.suppress(OSError):
                    out.rmdir()
        raise
    finally:
        os.close(fd)


# --- reading and converting files, in worker processes when there are many ---------------------

Read = tuple[str, list[Entity], dict[str, list[str]], Article | None, str, DataError | None]
"""(path, entities defined (trimmed), their references, article, named graph, error)."""
Made = tuple[str, list[KgError], list[KgError], dict[str, str], bytes, bytes]
"""(path, reference problems, quote problems, referenced id -> kind, N-Triples, Turtle)."""


def _source_reader(inputs: Inputs) -> Callable[[Path], bytes]:
    """Source texts as read when the fingerprint was taken."""

    def read(path: Path) -> bytes:
        data = inputs.texts.get(path.name)
        if data is None or inputs.sources is None or path.parent != inputs.sources:
            read_regular(path)  # the reason: not found, a folder, a FIFO...
            raise DataError(
                "the file appeared while kg was building: run the build again", Location(path)
            )
        return data

    return read


class _Reader:
    """Reads, then converts, a share of the files, keeping the parsed files in between."""

    def __init__(self, todo: dict[str, bytes], inputs: Inputs) -> None:
        self.todo = todo
        self.inputs = inputs
        self.files: dict[str, ExtractionFile] = {}

    def read(self) -> list[Read]:
        out: list[Read] = []
        for path, data in self.todo.items():
            try:
                f = read_file(Path(path), self.inputs.vocab, data=data)
                refuse_drafts(f)  # a draft is not curated data (kg/review.py)
            except DataError as e:
                out.append((path, [], {}, None, "", e))
                continue
            self.files[path] = f
            defined = f.entities()
            reach = {e.id: entity_references(e) for e in defined}
            trimmed = [_trim(e) for e in defined]
            graph = str(graph_name(f))
            out.append((path, trimmed, reach, _trim_article(f.article), graph, None))
        self.todo = {}
        return out

    def convert(self, entities: dict[str, Entity]) -> Iterator[Made]:
        """Convert each file read, forgetting it once converted (to bound memory)."""
        corpus = Corpus(list(self.files.values()), entities)
        offsets: Offsets = {}
        quote_errors: dict[str, list[KgError]] = {}
        if self.inputs.sources is not None and self.files:
            offsets, problems, _ = verify(
                corpus, self.inputs.sources, read=_source_reader(self.inputs)
            )
            for e in problems:
                quote_errors.setdefault(str(e.location.path), []).append(e)
        converter = Converter(corpus, offsets, track=False)
        terms = oxi.TermCache()
        corpus.files = []
        while self.files:
            path, f = self.files.popitem()
            problems, used = check_references(corpus, f)
            refs = {i: _kind(entities[i]) for i in sorted(used) if i in entities}
            nt, ttl = _rdf(converter.convert_file(f), terms) if not problems else (b"", b"")
            yield path, problems, quote_errors.get(path, []), refs, nt, ttl


def _serve(conn: Connection, reader: _Reader) -> None:
    """A worker process: read its files, wait for the entity index, convert them, sending
    the results in batches (one big message would need a second copy of them all)."""
    conn.send(reader.read())
    entities = conn.recv()
    if entities is not None:
        batch: list[Made] = []
        for made in reader.convert(entities):
            batch.append(made)
            if len(batch) == 200:
                conn.send(batch)
                batch = []
        conn.send(batch)
        conn.send(None)
    conn.close()


class _Readers:
    """Reads and converts files in this process, or shared among forked worker processes."""

    def __init__(self, todo: dict[str, bytes], inputs: Inputs, workers: int) -> None:
        self.paths = set(todo)
        self.local = _Reader(todo, inputs) if workers <= 1 else None
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        if self.local is None:
            ctx = multiprocessing.get_context("fork")
            items = list(todo.items())
            for i in range(workers):
                parent, child = ctx.Pipe()
                share = _Reader(dict(items[i::workers]), inputs)
                proc = ctx.Process(target=_serve, args=(child, share), daemon=True)
                proc.start()
                child.close()
                self.conns.append(parent)
                self.procs.append(proc)

    def read(self) -> list[Read]:
        if self.local is not None:
            return self.local.read()
        return [r for conn in self.conns for r in _receive(conn)]

    def convert(self, entities: dict[str, Entity]) -> Iterator[Made]:
        if self.local is not None:
            yield from self.local.convert(entities)
            return
        for conn in self.conns:
            conn.send(entities)
        pending = list(self.conns)
        while pending:  # whichever worker has a batch ready: none waits on a full pipe
            for ready in wait(pending):
                done = next(c for c in pending if c is ready)
                batch = _receive(done)
                if batch is None:
                    pending.remove(done)
                else:
                    yield from batch
        self.stop()

    def stop(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        for proc in self.procs:
            proc.join()
        self.conns, self.procs = [], []


def _receive(conn: Connection) -> Any:
    try:
        return conn.recv()
    except EOFError:
        raise RuntimeError("a build worker process died (out of memory?)") from None


# --- validation and where violations came from -------------------------------------------------


def _validate_all(everything: list[Unit], inputs: Inputs, validator: Validator) -> Found:
    """Every violation of the whole graph."""
    if validator == Validator.PYSHACL:  # the instance data, every unit but the ontology
        data = _graph_of(b"".join(unit.nt for unit in everything[1:]))
        return pyshacl_findings(data, inputs.shapes, inputs.ontology)
    store = ox.Store()
    for unit in everything:
        store.bulk_load(unit.nt, format=ox.RdfFormat.N_TRIPLES)
    return fast_findings(store, inputs.shapes)


class _Locator:
    """Maps violations back to the YAML lines (or links rows) that made their nodes,
    converting again, with tracking, only the units that have violations."""

    def __init__(
        self,
        units: list[Unit],
        corpus: Corpus,
        inputs: Inputs,
        links: Path | None,
        read: dict[str, bytes],
    ) -> None:
        self.units = units
        self.corpus = corpus
        self.inputs = inputs
        self.links = links
        self.read = read
        self.owner: dict[bytes, Unit] | None = None

    def __call__(self, found: Found, unit: Unit | None = None) -> list[KgError]:
        if not found:
            return []
        where: Where = {}
        owners = [unit] if unit is not None else self._owners(found)
        for u in owners:
            where.update(self._where(u))
        return locate(found, where)

    def _owners(self, found: Found) -> list[Unit]:
        if self.owner is None:
            self.owner = {}
            for u in self.units:
                for line in u.nt.splitlines():
                    self.owner.setdefault(line[: line.index(b" ")], u)
        owners: dict[str, Unit] = {}
        for focus, *_ in found:
            home = self.owner.get(f"<{focus}>".encode()) if isinstance(focus, URIRef) else None
            if home is not None and home.path != ONTOLOGY_UNIT:
                owners[home.path] = home
        return list(owners.values())

    def _where(self, unit: Unit) -> Where:
        if unit.path == LINKS_UNIT:
            assert self.links is not None
            converted = Converted({}, {})
            apply_links(converted, self.corpus, self.links)
            return converted.where
        data = self.read.get(unit.path)
        if data is None:
            data = reread(unit, self.inputs)
        f = read_file(Path(unit.path), self.inputs.vocab, data=data)
        offsets: Offsets = {}
        if self.inputs.sources is not None:
            reader = _source_reader(self.inputs)
            offsets = verify(Corpus([f], {}), self.inputs.sources, read=reader)[0]
        converter = Converter(Corpus([f], self.corpus.entities), offsets, track=True)
        converter.convert_file(f)
        return converter.where


def _closure(unit: Unit, reach: dict[str, list[str]]) -> set[str]:
    """The ids a unit reaches: those it refers to, and along entity definitions from there."""
    start = set(unit.refs) | {i for own in unit.reach.values() for i in own}
    seen = set()
    todo = deque(start)
    while todo:
        ident = todo.popleft()
        if ident in seen or ident not in reach:
            continue
        seen.add(ident)
        todo.extend(reach[ident])
    return seen


def _subjects(nt: bytes) -> dict[bytes, list[bytes]]:
    by_subject: dict[bytes, list[bytes]] = {}
    for line in nt.splitlines():
        if line:
            by_subject.setdefault(line[: line.index(b" ")], []).append(line)
    return by_subject


def _violations(
    unit: Unit,
    reach: set[str],
    entities: dict[str, Entity],
    defined_in: dict[str, Unit],
    ontology_unit: Unit,
    inputs: Inputs,
) -> Found:
    """Violations about the unit's own nodes, checked with the entities it ``reach``es."""
    own = _subjects(unit.nt)
    lines: list[bytes] = [unit.nt, ontology_unit.nt]
    others: dict[str, dict[bytes, list[bytes]]] = {}
    for ident in sorted(reach):
        home = defined_in.get(ident)
        if home is None or home is unit:
            continue
        subjects = others.get(home.path)
        if subjects is None:
            subjects = others[home.path] = _subjects(home.nt)
        iri = f"<{entity_iri(entities[ident])}>".encode()
        lines.append(b"\n".join(subjects.get(iri, [])) + b"\n")
    store = ox.Store()
    store.bulk_load(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)
    return [
        found
        for found in fast_findings(store, inputs.shapes)
        if isinstance(found[0], URIRef) and f"<{found[0]}>".encode() in own
    ]


# --- RDF of a unit -------------------------------------------------------------------------------


def _id_of(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _rdf(triples: list[Triple] | Graph, terms: oxi.TermCache) -> tuple[bytes, bytes]:
    """Sorted, distinct N-Triples and prefix-less Turtle of a unit's triples."""
    quads = [ox.Triple(terms(s), terms(p), terms(o)) for s, p, o in triples]  # type: ignore[arg-type]
    raw = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES)
    assert raw is not None
    lines = sorted(set(raw.splitlines()) - {b""})
    if not lines:
        return b"", b""
    nt = b"\n".join(lines) + b"\n"
    body = turtle_of_sorted(nt).split(b"\n")
    turtle = b"\n".join(line for line in body if not line.startswith(b"@prefix ")).lstrip(b"\n")
    return nt, turtle + b"\n"


def _turtle_header() -> bytes:
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]
    return ("\n".join(lines) + "\n\n").encode()


def turtle_of_sorted(nt: bytes) -> bytes:
    """Turtle for people from sorted N-Triples: the project's prefixes, one block a subject."""
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    out = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert out is not None
    return tidy_prefixes(out)


def tidy_prefixes(out: bytes) -> bytes:
    """pyoxigraph writes prefixes in hash order: sort them, and space out the blocks."""
    lines = out.split(b"\n")
    head = sorted(line for line in lines if line.startswith(b"@prefix "))
    body = []
    for line in lines[len(head) :]:
        if line and not line[:1].isspace():
            body.append(b"")
        body.append(line.replace(b"\t", b"    ", 1) if line.startswith(b"\t") else line)
    return b"\n".join(head + body).rstrip(b"\n") + b"\n"
