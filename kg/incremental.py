"""Incremental builds: each extraction file's conversion and verdict, cached by content hash.

A *unit* is what one extraction file contributes: its entity definitions, the ids it refers
to (with the kind each one had), its sorted N-Triples and its Turtle. After a successful
build, every unit is stored under ``OUT/.cache/``. The next build re-reads and re-converts
only the files whose bytes changed (or whose referenced ids changed kind), and re-validates
only the units whose triples, or the definitions of the entities they reach, changed: each
such unit is validated together with the triples of every entity it reaches (directly or
through part-of / located-in / sub-event-of chains) and the ontology, and only violations
about its own nodes count. A SHACL violation is about one focus node, and every constraint
of ``ontology/shapes.ttl`` looks only at the focus node's own triples and along such chains,
so this gives the verdict a full validation gives (``tests/test_incremental.py`` compares
them). When many units are stale (a first build, a changed shared file, a new ontology), one
validation of the whole graph is faster, and is what runs.

The cache is keyed by the ontology, the shapes, the source texts (with ``--sources``), the
kg code itself and the file's path and bytes, so it never needs clearing by hand; it is
written only after a build succeeds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import multiprocessing
import os
import pickle
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from . import ontology as onto
from . import oxi, shacl
from .build import compile_graph, sorted_ntriples, turtle_of_sorted
from .convert import Converted, Converter, Triple, Where, entity_iri
from .errors import DataError, KgError, Location, ValidationFailed
from .extraction import (
    Vocabulary,
    _error_order,
    check_references,
    extraction_paths,
    index_entities,
    read_file,
)
from .fsutil import write_atomic
from .links import apply_links
from .model import Actor, Article, Corpus, Entity, Event, ExtractionFile, Place
from .namespaces import PREFIXES
from .validate import locate
from .verify import Offsets, verify

CACHE_FORMAT = 2
FULL_VALIDATION_AT = 64
"""Validate the whole graph at once when at least this many units are stale."""

LINKS_UNIT = "(links)"
_PACKAGE = Path(__file__).resolve().parent


@dataclass
class Unit:
    """One extraction file, converted and valid (in the context recorded in ``deps``)."""

    path: str
    key: str  # digest of the file's path and bytes and of the build's fingerprint
    article: Article | None
    entities: list[Entity]  # what it defines, trimmed to what indexing and closures need
    refs: dict[str, str]  # id it refers to -> the kind that id had (see _kind)
    deps: dict[str, str] = field(default_factory=dict)  # path -> key of units it was checked with
    nt: bytes = b""  # sorted N-Triples (in the cache folder, not in the index)
    ttl: bytes = b""  # Turtle without prefix lines (idem)
    sizes: tuple[int, int] = (0, 0)  # of nt and ttl, to detect a damaged cache

    def __getstate__(self) -> dict[str, Any]:
        """Entities and article as tuples: the index of 10,000 files loads much faster."""
        a = self.article
        article = None if a is None else (a.id, a.where.line, a.where.field, a.field_lines)
        return {**self.__dict__, "entities": [_pack(e) for e in self.entities], "article": article}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.entities = [_unpack(t, self.path) for t in state["entities"]]
        if state["article"] is not None:
            ident, line, where, lines = state["article"]
            at = Location(self.path, line, where)
            self.article = Article(ident, "", "", at, field_lines=lines)


@dataclass
class Result:
    """What a cached build did."""

    files: int
    articles: int
    triples: int
    reparsed: int
    revalidated: int
    full_validation: bool
    outputs: list[Path]


def _kind(entity: Entity) -> str:
    return sys.intern(f"{type(entity).__name__}:{entity.type}")  # pickled once, not per use


def _trim(entity: Entity) -> Entity:
    """The entity with only its id, kind, location and references to other entities."""
    return _unpack(_pack(entity), str(entity.where.path))


_CLASSES: dict[str, type[Entity]] = {"Actor": Actor, "Place": Place, "Event": Event}


def _pack(e: Entity) -> tuple[Any, ...]:
    refs: tuple[Any, ...] = ()
    if isinstance(e, Actor):
        refs = (e.part_of, e.located_in)
    elif isinstance(e, Place):
        refs = (e.located_in,)
    elif isinstance(e, Event):
        refs = (e.places, e.sub_event_of)
    return (type(e).__name__, e.id, e.type, e.where.line, e.where.field, _id_line(e), refs)


def _unpack(t: tuple[Any, ...], path: str) -> Entity:
    cls, ident, kind, line, where, lines, refs = t
    entity = _CLASSES[cls](ident, kind, "", Location(path, line, where), field_lines=lines)
    if isinstance(entity, Actor):
        entity.part_of, entity.located_in = refs
    elif isinstance(entity, Place):
        (entity.located_in,) = refs
    elif isinstance(entity, Event):
        entity.places, entity.sub_event_of = refs
    return entity


def _trim_article(a: Article | None) -> Article | None:
    """The article with only what the duplicate check needs."""
    return None if a is None else Article(a.id, "", "", a.where, field_lines=_id_line(a))


def _id_line(record: Entity | Article) -> dict[str, int]:
    """Of a record's field lines, the one duplicate-id messages point at."""
    return {"id": record.field_lines["id"]} if "id" in record.field_lines else {}


def _outgoing(entity: Entity) -> list[str]:
    """The ids an entity definition refers to: the chains shapes may follow."""
    if isinstance(entity, Actor):
        return [*entity.part_of, *entity.located_in]
    if isinstance(entity, Place):
        return list(entity.located_in)
    if isinstance(entity, Event):
        return [*entity.places, *([entity.sub_event_of] if entity.sub_event_of else [])]
    return []


def fingerprint(ontology_dir: Path, sources: Path | None) -> bytes:
    """Everything besides a file's own bytes that its conversion and verdict depend on."""
    h = hashlib.sha256(f"newskg-cache-{CACHE_FORMAT}".encode())
    for path in sorted(_PACKAGE.glob("*.py")):
        h.update(path.read_bytes())
    for name in ("ontology.ttl", "shapes.ttl"):
        h.update((ontology_dir / name).read_bytes())
    if sources is not None and sources.is_dir():
        for path in sorted(sources.iterdir()):
            h.update(path.name.encode() + path.read_bytes())
    return h.digest()


class Cache:
    """The unit index (one pickle) and each unit's N-Triples and Turtle (one file each)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index_path = folder / "units.pickle"
        self.outputs: dict[str, tuple[int, int]] = {}  # output path -> (size, mtime) written

    def load(self) -> dict[str, Unit]:
        try:
            with self.index_path.open("rb") as f:
                index = pickle.load(f)
            if index["format"] != CACHE_FORMAT:
                return {}
            self.outputs = index["outputs"]
            return dict(index["units"])
        except Exception:  # a missing, old or damaged cache only means a full build
            return {}

    def outputs_intact(self, paths: list[Path]) -> bool:
        """Whether the outputs are still the ones the last build wrote."""
        return all(self.outputs.get(str(p)) == _stat(p) for p in paths)

    def blob(self, key: str, ext: str) -> str:
        return f"{self.folder}/units/{key}.{ext}"  # a string: 10,000 Paths cost 0.3 s

    def read(self, unit: Unit) -> bool:
        """Fill in the unit's N-Triples and Turtle; False if they are missing."""
        try:
            with open(self.blob(unit.key, "nt"), "rb") as f:
                unit.nt = f.read()
            with open(self.blob(unit.key, "ttl"), "rb") as f:
                unit.ttl = f.read()
        except OSError:
            return False
        return (len(unit.nt), len(unit.ttl)) == unit.sizes

    def save(self, units: list[Unit], new: set[str], outputs: list[Path]) -> None:
        """Write the blobs of the ``new`` units, then the index; drop blobs no unit uses."""
        (self.folder / "units").mkdir(parents=True, exist_ok=True)
        keep = set()
        for unit in units:  # the others' blobs were just read, so they exist
            for ext, data in (("nt", unit.nt), ("ttl", unit.ttl)):
                keep.add(f"{unit.key}.{ext}")
                if unit.path in new:
                    write_atomic(Path(self.blob(unit.key, ext)), data, sync=False)
        index = {
            u.path: dataclasses.replace(u, nt=b"", ttl=b"", sizes=(len(u.nt), len(u.ttl)))
            for u in units
        }
        state = {
            "format": CACHE_FORMAT,
            "units": index,
            "outputs": {str(p): _stat(p) for p in outputs},
        }
        data = pickle.dumps(state, pickle.HIGHEST_PROTOCOL)
        write_atomic(self.index_path, data)
        with os.scandir(self.folder / "units") as entries:
            for entry in entries:
                if entry.name not in keep:
                    Path(entry.path).unlink(missing_ok=True)


def build(
    extractions: Path,
    ontology_dir: Path,
    out: Path,
    sources: Path | None = None,
    links: Path | None = None,
    workers: int | None = None,
    write: bool = True,
) -> Result:
    """``kg build`` with the per-file cache in ``OUT/.cache``: same output, same errors.
    Without ``write`` (``kg validate``), the cache is used but nothing is written.

    Files are read and converted in ``workers`` processes (default: one per CPU, up to four,
    when there are enough files to be worth it).
    """
    ontology = onto.load("ontology.ttl", ontology_dir)
    shapes = onto.load("shapes.ttl", ontology_dir)
    vocab = onto.vocabulary(ontology)
    cache = Cache(out / ".cache")
    cached = cache.load()
    print_ = fingerprint(ontology_dir, sources)

    # 1. read the files that changed; reuse the rest
    units: list[Unit] = []
    for path in extraction_paths(extractions):
        shown = str(path)
        key = hashlib.sha256(print_ + shown.encode() + b"\0" + path.read_bytes()).hexdigest()
        unit = cached.get(shown)
        if unit is None or unit.key != key or not cache.read(unit):
            unit = Unit(shown, key, None, [], {})
        units.append(unit)
    todo = [u.path for u in units if not u.nt]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(todo) >= 200 else 1
    readers = _Readers(todo, vocab, sources, workers)
    by_path = {u.path: u for u in units}
    errors: list[KgError] = []
    for shown, defined, article, error in readers.read():
        if error is not None:
            errors.append(error)
        by_path[shown].entities = defined
        by_path[shown].article = article
    if errors:
        readers.stop()
        raise ValidationFailed(sorted(errors, key=_error_order))

    # 2. index every entity; convert what was read, and the files whose references changed
    entities, ref_errors = index_entities((u.entities, u.article) for u in units)
    changed = _Readers(
        [
            u.path
            for u in units
            if u.path not in readers.paths
            and any(entities.get(i) is None or _kind(entities[i]) != k for i, k in u.refs.items())
        ],
        vocab,
        sources,
        1,
    )
    changed.read()
    quote_errors: list[KgError] = []
    for shown, problems, quotes, refs, nt, ttl in itertools.chain(
        readers.convert(entities), changed.convert(entities)
    ):
        ref_errors += problems
        quote_errors += quotes
        unit = by_path[shown]
        unit.refs, unit.nt, unit.ttl = refs, nt, ttl
    if ref_errors:
        raise ValidationFailed(sorted(ref_errors, key=_error_order))
    errors = sorted(quote_errors, key=_error_order)
    corpus = Corpus([], entities)
    terms = oxi.TermCache()
    links_unit = Unit(LINKS_UNIT, "", None, [], {})
    if links is not None:
        extra = Converted({}, {})
        errors += apply_links(extra, corpus, links)
        triples = [t for part in extra.parts.values() for t in part]
        links_unit.refs = {_id_of(t[0]): "" for t in triples}
        links_unit.nt, links_unit.ttl = _rdf(triples, terms)
    ontology_unit = Unit("(ontology)", "", None, [], {})
    ontology_unit.nt, ontology_unit.ttl = _rdf(ontology, terms)

    # 3. validate what is stale
    read = readers.paths | changed.paths
    defined_in = {e.id: u for u in units for e in u.entities}
    keys = {u.path: u.key for u in units}
    stale = [
        u
        for u in units
        if u.path in read or not u.deps or any(keys.get(p) != k for p, k in u.deps.items())
    ]
    if links_unit.nt:
        stale.append(links_unit)
    full = len(stale) >= FULL_VALIDATION_AT or not cached
    closures = {unit.path: _closure(unit, entities) for unit in stale}
    for unit in stale:
        reached = {defined_in[i].path for i in closures[unit.path]}
        unit.deps = {p: keys[p] for p in reached | {unit.path} if p in keys}
    if full:
        store = ox.Store()
        for unit in [ontology_unit, *units, links_unit]:
            store.bulk_load(unit.nt, format=ox.RdfFormat.N_TRIPLES)
        failed = bool(shacl.validate(store, shapes))
        del store
        if failed:  # the full pipeline reports every violation at its YAML line
            compile_graph(extractions, ontology_dir, sources, links=links)
            raise AssertionError("the full pipeline found no violation")  # pragma: no cover
    else:
        found: list[shacl.Violation] = []
        where: Where = {}
        for unit in stale:
            reach = closures[unit.path]
            violations = _violations(unit, reach, entities, defined_in, ontology_unit, shapes)
            if violations:
                found += violations
                where.update(_where(unit, corpus, sources, links, vocab))
        errors += locate([(v.focus, v.path, v.value, v.message) for v in found], where)
    if errors:
        raise ValidationFailed(errors)

    # 4. write the outputs, then the cache (unless nothing changed)
    everything = [ontology_unit, *units, links_unit]
    nt = b"".join(u.nt for u in everything)  # no two files state a triple of one subject
    outputs = [out / "kg.ttl", out / "kg.nt"]
    dirty = bool(read) or len(cached) != len(units) or any(u is not links_unit for u in stale)
    if write and (dirty or not cache.outputs_intact(outputs)):
        ttl = _turtle_header() + b"".join(u.ttl for u in everything)
        for path, data in zip(outputs, (ttl, nt), strict=True):
            write_atomic(path, data)
        cache.save(units, read, outputs)
    return Result(
        files=len(units),
        articles=sum(1 for u in units if u.article is not None),
        triples=nt.count(b"\n"),
        reparsed=len(read),
        revalidated=len(stale),
        full_validation=full,
        outputs=outputs,
    )


Read = tuple[str, list[Entity], Article | None, DataError | None]
"""(path, entities defined (trimmed), article, the error that stopped reading)."""
Made = tuple[str, list[KgError], list[KgError], dict[str, str], bytes, bytes]
"""(path, reference problems, quote problems, referenced id -> kind, N-Triples, Turtle)."""


class _Reader:
    """Reads, then converts, a share of the files, keeping the parsed files in between."""

    def __init__(self, paths: list[str], vocab: Vocabulary, sources: Path | None) -> None:
        self.paths = paths
        self.vocab = vocab
        self.sources = sources
        self.files: dict[str, ExtractionFile] = {}

    def read(self) -> list[Read]:
        out: list[Read] = []
        for path in self.paths:
            try:
                f = read_file(Path(path), self.vocab)
            except DataError as e:
                out.append((path, [], None, e))
                continue
            self.files[path] = f
            out.append((path, [_trim(e) for e in f.entities()], _trim_article(f.article), None))
        return out

    def convert(self, entities: dict[str, Entity]) -> Iterator[Made]:
        """Convert each file read, forgetting it once converted (to bound memory)."""
        corpus = Corpus(list(self.files.values()), entities)
        offsets: Offsets = {}
        quote_errors: dict[str, list[KgError]] = {}
        if self.sources is not None and self.files:
            offsets, problems, _ = verify(corpus, self.sources)
            for e in problems:
                quote_errors.setdefault(str(e.location.path), []).append(e)
        converter = Converter(corpus, offsets, track=False)
        terms = oxi.TermCache()
        corpus.files = []
        while self.files:
            path, f = self.files.popitem()
            problems, used = check_references(corpus, f)
            refs = {i: _kind(entities[i]) for i in used if i in entities}
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

    def __init__(
        self, paths: list[str], vocab: Vocabulary, sources: Path | None, workers: int
    ) -> None:
        self.paths = set(paths)
        self.local = _Reader(paths, vocab, sources) if workers <= 1 else None
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        if self.local is None:
            ctx = multiprocessing.get_context("fork")
            for i in range(workers):
                parent, child = ctx.Pipe()
                share = _Reader(paths[i::workers], vocab, sources)
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
        for conn in self.conns:
            while (batch := _receive(conn)) is not None:
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


def _where(
    unit: Unit, corpus: Corpus, sources: Path | None, links: Path | None, vocab: Vocabulary
) -> Where:
    """Where each node and triple of a unit came from: its YAML lines, or links rows."""
    if unit.path == LINKS_UNIT:
        assert links is not None
        converted = Converted({}, {})
        apply_links(converted, corpus, links)
        return converted.where
    f = read_file(Path(unit.path), vocab)
    offsets = verify(Corpus([f], {}), sources)[0] if sources is not None else {}
    converter = Converter(Corpus([f], corpus.entities), offsets, track=True)
    converter.convert_file(f)
    return converter.where


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def _id_of(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _rdf(triples: list[Triple] | Graph, terms: oxi.TermCache) -> tuple[bytes, bytes]:
    """Sorted N-Triples and prefix-less Turtle of a unit's triples."""
    quads = [ox.Triple(terms(s), terms(p), terms(o)) for s, p, o in triples]  # type: ignore[arg-type]
    raw = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES)
    assert raw is not None
    nt = sorted_ntriples(raw) if raw.strip() else b""
    body = turtle_of_sorted(nt).split(b"\n")
    turtle = b"\n".join(line for line in body if not line.startswith(b"@prefix ")).lstrip(b"\n")
    return nt, turtle + (b"\n" if nt else b"")


def _turtle_header() -> bytes:
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]
    return ("\n".join(lines) + "\n\n").encode()


def _closure(unit: Unit, entities: dict[str, Entity]) -> set[str]:
    """The ids a unit reaches: those it refers to, and along entity definitions from there."""
    start = set(unit.refs) | {i for e in unit.entities for i in _outgoing(e)}
    seen = set()
    todo = deque(start)
    while todo:
        ident = todo.popleft()
        if ident in seen or ident not in entities:
            continue
        seen.add(ident)
        todo.extend(_outgoing(entities[ident]))
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
    shapes: Graph,
) -> list[shacl.Violation]:
    """Violations about the unit's own nodes, checked with the entities it ``reach``es."""
    own = _subjects(unit.nt)
    lines: list[bytes] = [unit.nt, ontology_unit.nt]
    others: dict[str, dict[bytes, list[bytes]]] = {}
    for ident in reach:
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
        v
        for v in shacl.validate(store, shapes)
        if isinstance(v.focus, URIRef) and f"<{v.focus}>".encode() in own
    ]
