"""Property-based tests (hypothesis), through the command line as a user runs it.

1. Any valid extraction corpus, whatever Unicode its names, spellings and quotes hold (quote
   marks, backslashes, tabs and newlines inside quoted text, emoji, right-to-left scripts,
   combining marks, control characters), written by a real YAML emitter in any of its styles:
   `kg build` accepts it and keeps every text exactly, and every `kg export` format parses
   back with rdflib to the graph that was built.
2. Any bytes, and any mangling of a valid file (characters deleted, inserted or replaced,
   lines swapped or re-indented, the file truncated): `kg build` and `kg validate` never show
   a traceback, exit with 0, 1 or 2, agree with each other, report a failure as
   `path:line: ...`, and a failed build leaves the previous output as it was.

Profiles (tests/conftest.py): `dev` (random, examples kept in .hypothesis/) and `ci`
(derandomized), chosen by HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, SKOS, XSD

from kg import schema
from kg.cli import cli
from kg.export import FORMATS
from kg.namespaces import ID, METADATA_GRAPH, N
from kg.schema import ACTOR_TYPES, STATEMENT, Classes

from .conftest import MINI, ONTOLOGY
from .test_export import assert_parses_back

_KIND = STATEMENT.field("kind").type
assert isinstance(_KIND, Classes)
STATEMENT_KINDS = _KIND.values()
ENV = {"SOURCE_DATE_EPOCH": "1700000000"}
SCALE = int(os.environ.get("KG_PROPERTY_SCALE", "1"))  # e.g. 20 for a longer hunt


def examples(n: int) -> settings:
    return settings(
        max_examples=n * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


def kg(*args: str) -> Result:
    return CliRunner(env=ENV).invoke(cli, list(args))


def assert_no_crash(result: Result) -> None:
    """Exit 0, 1 or 2 and no traceback: a crash is exit 3 with a traceback on stderr, and an
    exception that escaped the command is caught by CliRunner (``result.exception``)."""
    assert result.exit_code in (0, 1, 2), result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.stderr, result.stderr


@cache
def vocabulary() -> dict[str, list[str]]:
    """The controlled values, as `kg vocab` lists them."""
    result = kg("vocab", "--ontology", str(ONTOLOGY))
    assert result.exit_code == 0, result.stderr
    lines = (line.partition(": ") for line in result.stdout.splitlines())
    return {name: values.split(", ") for name, _, values in lines}


# --- text ----------------------------------------------------------------------------------

# Pieces that have broken YAML, RDF or JSON writers and readers somewhere.
# fmt: off
NASTY = [
    "'", '"', "\\", "\\n", "\\u0041", "\n", "\r\n", "\r", "\t", " ", "  ", "\u00a0", "#", " #",
    ": ", "- ", "? ", "{", "}", "[", "]", ",", "&a", "*a", "!!str", "%YAML", "@", "`", "|", ">",
    "---", "...", "null", "~", "yes", "NO", "0x1F", "2020-01-03", "<", "<http://x>", "^^", "@en",
    '"""', "'''", "_:b0", "{{x}}", "😀", "👩‍👩‍👧", "🇮🇶", "\U0010fffd", "שלום", "العربية", "\u200f",
    "\u202e", "e\u0301", "\u0300", "\u0085", "\u2028", "\u2029", "\ufeff", "\ufffd", "\x7f",
    "\x01", "\x1b[0m", "\u00e9", "Kata\u2019ib",
]
# fmt: on

CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def _non_blank(s: str) -> bool:
    return bool(s.strip())


def texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """Text the format accepts: anything but NUL and surrogates, not only whitespace."""
    pieces = st.lists(st.sampled_from(NASTY) | st.text(CHARS, max_size=4), max_size=8)
    return (st.text(CHARS, min_size=1, max_size=max_size) | pieces.map("".join)).filter(_non_blank)


SLUGS = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)


@st.composite
def dates(draw: st.DrawFn) -> str:
    day = draw(st.dates())
    form = draw(st.sampled_from(("date", "month", "year", "month-day")))
    return {
        "date": day.isoformat(),
        "month": day.isoformat()[:7],
        "year": day.isoformat()[:4],
        "month-day": "--" + day.isoformat()[5:],
    }[form]


@st.composite
def counts(draw: st.DrawFn) -> tuple[str, int]:
    """A count as written (leading zeros allowed) and its value."""
    n = draw(st.integers(0, 2**63 - 1))  # the largest count (kg.extraction.MAX_COUNT)
    return "0" * draw(st.integers(0, 2)) + str(n), n


# URLs that are IRIs (RFC 3987): unreserved characters, any letter beyond ASCII,
# sub-delimiters and percent-escapes; no whitespace (the format's rule).
_IRI_CHARS = st.sampled_from("-._~!$&'()*+,;=:@") | st.characters(
    categories=("L", "N", "M", "S", "P"),
    exclude_characters='<>"{}|\\^`%/?#[]',
    min_codepoint=0x30,
    max_codepoint=0xFFEF,
).filter(lambda c: (c.isascii() or c >= "\xa0") and not c.isspace() and c.isprintable())
_IRI_PART = st.lists(
    _IRI_CHARS | st.from_regex(r"%[0-9A-Fa-f]{2}", fullmatch=True), max_size=8
).map("".join)
URLS = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}/{path}{query}",
    st.sampled_from(("http", "https")),
    st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,10}[a-z0-9])?", fullmatch=True),
    st.lists(_IRI_PART, max_size=3).map("/".join),
    st.sampled_from(("",)) | _IRI_PART.map(lambda q: "?" + q),
)
FILE_NAMES = texts(12).filter(lambda s: "/" not in s and "\\" not in s)


class Plain(str):
    """A scalar the emitter may write unquoted even where YAML would read it as a date, a
    number or a boolean (`published: 2020-01-03`, `id: yes`): the reader keeps it as text."""


# --- corpus --------------------------------------------------------------------------------


@dataclass
class Corpus:
    """A generated corpus: files (name -> YAML data) and the texts the graph must hold."""

    files: dict[str, dict[str, Any]]
    texts: list[tuple[URIRef, URIRef, Literal]] = field(default_factory=list)


class _Gen:
    """Draws one valid corpus: shared.yaml and one or two article files."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.vocab = vocabulary()
        self.used: set[str] = set()
        self.outlets: set[str] = set()
        self.expected: list[tuple[URIRef, URIRef, Literal]] = []

    def slug(self) -> Plain:
        return Plain(self.draw(SLUGS.filter(lambda s: s not in self.used)))

    def unique(self) -> Plain:
        s = self.slug()
        self.used.add(s)
        return s

    def text(self, subject: URIRef, prop: URIRef) -> str:
        """A text the graph must then hold as ``subject prop "text"``."""
        value = self.draw(texts())
        self.expected.append((subject, prop, Literal(value)))
        return value

    def texts(self, subject: URIRef, prop: URIRef, size: int = 30, min_size: int = 0) -> Any:
        values = self.draw(st.lists(texts(size), min_size=min_size, max_size=3))
        self.expected += [(subject, prop, Literal(v)) for v in values]
        return self.one_or_many(values) if values else None

    def optional_texts(self, record: str, data: dict[str, Any], subject: URIRef) -> None:
        """Maybe each optional one-text field of the record (kg/schema.py), as the graph must
        then hold it: a field added to the schema is generated too."""
        for f in schema.RECORDS[record].fields:
            optional = f.type == schema.TEXT and not (f.required or f.many) and f.predicate
            if optional and self.draw(st.booleans()):
                data[f.key] = self.text(subject, schema.expand(f.predicate))

    def maybe(self, make: Callable[[], Any]) -> Any:
        return make() if self.draw(st.booleans()) else None

    def one_or_many(self, items: list[Any]) -> Any:
        """A field that takes a list also takes a single value."""
        if len(items) == 1 and self.draw(st.booleans()):
            return items[0]
        return items

    def some(self, pool: list[str], min_size: int = 0, max_size: int = 3) -> list[str]:
        if not pool:
            return []
        return self.draw(st.lists(st.sampled_from(pool), min_size=min_size, max_size=max_size))

    def inferable(self, value: Any, subject: URIRef, key: str) -> Any:
        """A value, or ``{value: ..., inferred: "why"}``."""
        if self.draw(st.booleans()):
            return value
        node = URIRef(f"{subject}/inferred/{key.replace('_', '-')}")
        return {"value": value, "inferred": self.text(node, N.reason)}

    def entity(self, kind: str, ident: str, type_: str) -> dict[str, Any]:
        iri = ID[f"{kind}/{ident}"]
        e: dict[str, Any] = {"id": ident, "type": Plain(type_), "label": self.text(iri, RDFS.label)}
        also = self.texts(iri, SKOS.altLabel)
        if also:
            e["also"] = also
        self.optional_texts(kind, e, iri)
        return e

    def actors(self, n_max: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for _ in range(self.draw(st.integers(1, n_max))):
            a = self.entity("actor", self.unique(), self.draw(st.sampled_from(ACTOR_TYPES)))
            if a["type"] == "media-outlet":
                self.outlets.add(a["id"])
            earlier = [x["id"] for x in out]
            part_of = self.some(earlier, max_size=2)  # earlier actors only: no cycles
            if part_of:
                a["part_of"] = self.one_or_many(part_of)
            out.append(a)
        return out

    def corpus(self) -> Corpus:
        draw = self.draw
        actors = self.actors(3)
        states = [a["id"] for a in actors if a["type"] == "state"]
        places: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(0, 3))):
            p = self.entity("place", self.unique(), draw(st.sampled_from(self.vocab["place-type"])))
            inside = self.some([x["id"] for x in places] + states, max_size=2)
            if inside:
                p["located_in"] = self.one_or_many(inside)
            places.append(p)
        place_ids = [p["id"] for p in places] + states
        events: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(1, 3))):
            e = self.entity("event", self.unique(), draw(st.sampled_from(self.vocab["event-type"])))
            for key in ("date", "end_date"):
                if draw(st.booleans()):
                    e[key] = Plain(draw(dates()))
            where = self.some(place_ids, max_size=2)
            if where:
                e["place"] = self.one_or_many(where)
            if events and draw(st.booleans()):
                e["part_of"] = draw(st.sampled_from([x["id"] for x in events]))
            events.append(e)
        shared: dict[str, Any] = {"actors": actors, "events": events}
        if places:
            shared["places"] = places
        files = {"shared.yaml": shared}
        for _ in range(draw(st.integers(1, 2))):
            article_id = self.unique()
            files[f"{article_id}.yaml"] = self.article(article_id, actors, place_ids, events)
        return Corpus(files, self.expected)

    def article(
        self,
        article_id: str,
        shared_actors: list[dict[str, Any]],
        place_ids: list[str],
        events: list[dict[str, Any]],
    ) -> dict[str, Any]:
        draw = self.draw
        iri = ID[f"article/{article_id}"]
        own = self.actors(2)
        actors = [a["id"] for a in shared_actors + own]
        meta: dict[str, Any] = {
            "id": article_id,
            "title": self.text(iri, N.title),
            "genre": Plain(draw(st.sampled_from(self.vocab["genre"]))),
        }
        authors = self.some(actors, max_size=2)
        if authors:
            meta["authors"] = self.one_or_many(authors)
        outlets = [a["id"] for a in shared_actors + own if a["type"] == "media-outlet"]
        if outlets and draw(st.booleans()):
            meta["outlet"] = self.inferable(draw(st.sampled_from(outlets)), iri, "outlet")
        if draw(st.booleans()):
            meta["published"] = self.inferable(Plain(draw(dates())), iri, "published")
        if draw(st.booleans()):
            meta["url"] = draw(URLS)
            self.expected.append((iri, N.url, Literal(meta["url"], datatype=XSD.anyURI)))
        if draw(st.booleans()):
            meta["source_file"] = self.draw(FILE_NAMES)
            self.expected.append((iri, N.sourceFile, Literal(meta["source_file"])))
        self.optional_texts("article", meta, iri)
        doc: dict[str, Any] = {"article": meta, "actors": own}
        mentionable = list(dict.fromkeys(actors + place_ids))  # a state is both
        doc["mentions"] = [self.mention(article_id, i) for i in mentionable]
        reports = []
        for e in draw(st.lists(st.sampled_from(events), unique_by=lambda e: e["id"])):
            reports.append(self.report(article_id, e["id"], actors, place_ids))
        if reports:
            doc["reports"] = reports
        entity_ids = actors + place_ids + [e["id"] for e in events]
        local: set[str] = set()
        statements = [
            self.statement(article_id, actors, entity_ids, local)
            for _ in range(draw(st.integers(0, 2)))
        ]
        if statements:
            doc["statements"] = statements
        figures = [
            self.figure(article_id, actors, entity_ids, local)
            for _ in range(draw(st.integers(0, 2)))
        ]
        if figures:
            doc["figures"] = figures
        return doc

    def evidence(self, owner: URIRef) -> Any:
        """Quotes: each an evidence node <OWNER/evidence/HASH> (docs/extraction-format.md)."""
        quotes = self.draw(st.lists(texts(60), min_size=1, max_size=2))
        for q in quotes:
            digest = hashlib.sha1(q.encode("utf-8")).hexdigest()[:12]
            self.expected.append((URIRef(f"{owner}/evidence/{digest}"), N.exact, Literal(q)))
        return self.one_or_many(quotes)

    def mention(self, article_id: str, entity: str) -> dict[str, Any]:
        iri = ID[f"mention/{article_id}/{entity}"]
        m: dict[str, Any] = {"entity": entity, "as": self.texts(iri, N.surfaceForm, min_size=1)}
        roles = self.texts(iri, N.roleInArticle)
        if roles:
            m["role"] = roles
        if self.draw(st.booleans()):
            m["evidence"] = self.evidence(iri)
        return m

    def report(
        self, article_id: str, event: str, actors: list[str], place_ids: list[str]
    ) -> dict[str, Any]:
        draw = self.draw
        iri = ID[f"report/{article_id}/{event}"]
        r: dict[str, Any] = {"event": event}
        for key in ("date", "end_date"):
            if draw(st.booleans()):
                r[key] = self.inferable(Plain(draw(dates())), iri, key)
        where = self.some(place_ids, max_size=2)
        if where:
            r["place"] = self.one_or_many(where)
        roles = self.vocab["role"]
        participants = [
            {"actor": a, "role": Plain(draw(st.sampled_from(roles)))}
            for a in self.some(actors, max_size=3)
        ]
        if participants:
            r["participants"] = participants
        r["evidence"] = self.evidence(iri)
        self.optional_texts("report", r, iri)
        return r

    def _said(
        self,
        s: dict[str, Any],
        iri: URIRef,
        actors: list[str],
        entities: list[str],
        about_required: bool,
    ) -> None:
        """The fields statements and figures share: speaker or source, about, evidence."""
        draw = self.draw
        speakers = [a for a in actors if a not in self.outlets]  # an outlet is never a speaker
        speaker = self.maybe(lambda: draw(st.sampled_from(speakers))) if speakers else None
        sources = self.some(actors, min_size=0 if speaker else 1, max_size=2)
        if speaker:
            s["speaker"] = speaker
        if sources:
            s["source"] = self.one_or_many(sources)
        about = self.some(entities, min_size=1 if about_required else 0, max_size=2)
        if about:
            s["about"] = self.one_or_many(about)
        s["evidence"] = self.evidence(iri)

    def statement(
        self, article_id: str, actors: list[str], entities: list[str], local: set[str]
    ) -> dict[str, Any]:
        draw = self.draw
        ident = draw(SLUGS.filter(lambda s: s not in local))
        local.add(ident)
        iri = ID[f"statement/{article_id}/{ident}"]
        s: dict[str, Any] = {
            "id": Plain(ident),
            "kind": Plain(draw(st.sampled_from(STATEMENT_KINDS))),
            "text": self.text(iri, N.text),
        }
        if draw(st.booleans()):
            s["channel"] = draw(st.sampled_from(actors))
        if draw(st.booleans()):
            s["date"] = self.inferable(Plain(draw(dates())), iri, "date")
        self.optional_texts("statement", s, iri)
        self._said(s, iri, actors, entities, about_required=False)
        return s

    def figure(
        self, article_id: str, actors: list[str], entities: list[str], local: set[str]
    ) -> dict[str, Any]:
        draw = self.draw
        ident = draw(SLUGS.filter(lambda s: s not in local))
        local.add(ident)
        iri = ID[f"figure/{article_id}/{ident}"]
        hedge = draw(st.sampled_from(self.vocab["hedge"]))
        f: dict[str, Any] = {
            "id": Plain(ident),
            "quantity": Plain(draw(st.sampled_from(self.vocab["quantity"]))),
            "hedge": Plain(hedge),
        }
        (low_text, low), (high_text, high) = draw(counts()), draw(counts())
        if hedge == "range":
            if low > high:
                low_text, high_text = high_text, low_text
            f["lower"], f["upper"] = Plain(low_text), Plain(high_text)
        elif hedge == "magnitude":
            f["lower"] = Plain(low_text)
        else:
            f["value"] = Plain(low_text)
        if draw(st.booleans()):
            f["counted"] = draw(st.sampled_from(actors))
        for key in ("as_of", "period_start"):
            if draw(st.booleans()):
                f[key] = self.inferable(Plain(draw(dates())), iri, key)
        self.optional_texts("figure", f, iri)
        self._said(f, iri, actors, entities, about_required=True)
        return f


@st.composite
def corpora(draw: st.DrawFn) -> Corpus:
    return _Gen(draw).corpus()


# --- YAML ----------------------------------------------------------------------------------


def _dumper(base: type) -> type:
    class Dumper(base):  # type: ignore[valid-type,misc]
        pass

    def plain(dumper: Any, value: Plain) -> Any:
        tag = dumper.resolve(yaml.ScalarNode, value, (True, False))
        if dumper.default_style or tag == "tag:yaml.org,2002:null":
            # quoted, it would need a tag (refused); a plain `null` would be read as nothing
            tag = "tag:yaml.org,2002:str"
        return dumper.represent_scalar(tag, str(value))

    Dumper.add_representer(Plain, plain)
    return Dumper


DUMPERS = [_dumper(yaml.SafeDumper)]
if hasattr(yaml, "CSafeDumper"):
    DUMPERS.append(_dumper(yaml.CSafeDumper))
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # what kg reads with


@dataclass(frozen=True)
class Style:
    dumper: int
    scalar: str | None  # None: the emitter chooses; or ", ', | or >
    width: int
    flow: bool | None


STYLES = st.builds(
    Style,
    st.integers(0, len(DUMPERS) - 1),
    st.sampled_from((None, '"', "'", "|", ">")),
    st.sampled_from((12, 80, 10_000)),
    st.sampled_from((None, False, True)),
)


def _plain_data(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_data(v) for v in value]
    return str(value)


def emit(data: dict[str, Any], style: Style) -> str:
    """YAML text for ``data`` in ``style``; if the emitter gets that style wrong (PyYAML has
    known bugs with some block scalars), double quotes, which carry any text."""
    text = yaml.dump(
        data,
        Dumper=DUMPERS[style.dumper],
        allow_unicode=True,
        sort_keys=False,
        default_style=style.scalar,
        width=style.width,
        default_flow_style=style.flow,
    )
    if "\t" in text or _loaded(text) != _plain_data(data):
        text = yaml.dump(
            data, Dumper=DUMPERS[0], allow_unicode=True, sort_keys=False, default_style='"'
        )
        assert "\t" not in text and _loaded(text) == _plain_data(data)
    return text


def _loaded(text: str) -> Any:
    """The data as kg's reader sees it: every scalar a string."""
    events = yaml.parse(text, Loader=LOADER)
    stack: list[Any] = []
    keys: list[Any] = []
    root: Any = None

    def put(value: Any) -> None:
        nonlocal root
        if not stack:
            root = value
        elif isinstance(stack[-1], list):
            stack[-1].append(value)
        elif keys[-1] is None:
            keys[-1] = value
        else:
            stack[-1][keys[-1]] = value
            keys[-1] = None

    for ev in events:
        if isinstance(ev, yaml.ScalarEvent):
            put(ev.value)
        elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            value: Any = [] if isinstance(ev, yaml.SequenceStartEvent) else {}
            put(value)
            stack.append(value)
            keys.append(None)
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
            keys.pop()
    return root


def write_corpus(corpus: Corpus, style: Style, folder: Path) -> None:
    folder.mkdir()
    for name, data in corpus.files.items():
        (folder / name).write_text(emit(data, style), encoding="utf-8")


# --- 1. valid corpora build and export faithfully -------------------------------------------


def export(folder: Path, fmt: str, out: Path) -> bytes:
    result = kg(
        *("export", "-f", fmt, "-e", str(folder), "--ontology", str(ONTOLOGY), "-o", str(out)),
        *("--out", str(out.parent / "build")),
    )
    assert_no_crash(result)
    assert result.exit_code == 0, result.stderr
    return out.read_bytes()


@examples(25)
@given(corpus=corpora(), style=STYLES)
def test_valid_corpus_builds_and_every_export_parses_back(corpus: Corpus, style: Style) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "extractions", Path(tmp) / "build"
        write_corpus(corpus, style, folder)
        result = kg("build", "-e", str(folder), "--ontology", str(ONTOLOGY), "-o", str(out))
        assert_no_crash(result)
        assert result.exit_code == 0, result.stderr
        built = Graph().parse(out / "kg.nt", format="nt")
        assert isomorphic(Graph().parse(out / "kg.ttl", format="turtle"), built)
        for triple in corpus.texts:  # every text exactly as written
            assert triple in built, triple

        # the named graphs, as the N-Quads export has them; without the dataset description
        # (the metadata graph, which `kg build` does not write) they are what was built
        ds = Dataset()
        ds.parse(data=export(folder, "nquads", Path(tmp) / "kg.nq"), format="nquads")
        graphs = {g.identifier: Graph() + g for g in ds.graphs() if len(g)}
        union = Graph()
        for name, g in graphs.items():
            if name != METADATA_GRAPH:
                union += g
        assert isomorphic(union, built)
        assert {str(name) for name in graphs} >= {
            str(ID[f"graph/{Path(name).stem}"]) for name in corpus.files
        }
        for fmt in FORMATS:
            assert_parses_back(export(folder, fmt, Path(tmp) / f"kg.{fmt}"), fmt, graphs)


def test_the_generator_covers_the_awkward_styles() -> None:
    """The emitter really writes the quoting this test is about (not only double quotes)."""
    data = {"article": {"id": Plain("yes"), "published": Plain("2020-01-03"), "t": "a\tb"}}
    text = emit(data, Style(0, None, 80, False))
    assert "id: yes\n" in text and "published: 2020-01-03\n" in text and '"a\\tb"' in text


# --- 2. bad bytes and mangled files: a located message, never a crash -----------------------

ARTICLE = "gazette-2021-06-01.yaml"
# fmt: off
YAML_BITS = [
    b"article:\n", b"actors:\n", b"  - id: x\n", b"    type: person\n", b"    label: X\n",
    b"mentions:\n", b"- ", b"  ", b": ", b"{", b"}", b"[", b"]", b"&a ", b"*a",
    b"!!python/object ", b"'", b'"', b"\\", b"\t", b"\n", b"\r", b"#", b"---\n", b"...\n",
    b"%YAML 1.1\n", b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\x00", b"\xe2\x80\xa8", b"? ", b"|\n",
    b">-\n",
]
# fmt: on
BYTES = st.binary(max_size=600) | st.lists(
    st.sampled_from(YAML_BITS) | st.binary(max_size=3), max_size=40
).map(b"".join)


@cache
def baseline() -> dict[str, bytes]:
    """The output of a good build of the mini corpus: what a failed build must leave."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "extractions"
        shutil.copytree(MINI, folder, ignore=shutil.ignore_patterns("*.ttl", "*.txt"))
        out = Path(tmp) / "build"
        result = kg("build", "-e", str(folder), "--ontology", str(ONTOLOGY), "-o", str(out))
        assert result.exit_code == 0, result.stderr
        return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def check_build_and_validate(folder: Path, out: Path) -> None:
    out.mkdir(exist_ok=True)
    for name, data in baseline().items():
        (out / name).write_bytes(data)
    build = kg("build", "-e", str(folder), "--ontology", str(ONTOLOGY), "-o", str(out))
    validate = kg("validate", "-e", str(folder), "--ontology", str(ONTOLOGY))
    for result in (build, validate):
        assert_no_crash(result)
        assert result.stdout == ""
    assert build.exit_code == validate.exit_code, (build.stderr, validate.stderr)
    if currently_in_test_context():  # the statistics of --hypothesis-show-statistics
        event(f"exit code {build.exit_code}")
    if build.exit_code == 0:
        return
    assert build.stderr == validate.stderr
    files = "|".join(re.escape(str(p)) for p in sorted(folder.iterdir()))
    for line in build.stderr.splitlines():
        assert re.match(rf"({files}):\d+(:\d+)?: \S", line), line
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == baseline()


def mini_copy(tmp: str) -> Path:
    folder = Path(tmp) / "extractions"
    folder.mkdir()
    for name in ("shared.yaml", ARTICLE):
        shutil.copy(MINI / name, folder / name)
    return folder


@examples(300)
@given(content=BYTES, name=st.sampled_from(("bad.yaml", ARTICLE)))
def test_any_bytes_give_a_located_error_or_a_graph(content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = mini_copy(tmp)
        (folder / name).write_bytes(content)
        check_build_and_validate(folder, Path(tmp) / "build")


def _mutate(draw: st.DrawFn, text: str) -> str:
    kind = draw(
        st.sampled_from(
            ("delete", "insert", "replace", "swap-lines", "indent", "truncate", "duplicate-line")
        )
    )
    lines = text.split("\n")
    at = draw(st.integers(0, len(text)))
    if kind == "delete":
        return text[:at] + text[at + draw(st.integers(1, 20)) :]
    if kind == "insert":
        return text[:at] + draw(st.sampled_from(NASTY) | st.text(CHARS, max_size=5)) + text[at:]
    if kind == "replace":
        return text[:at] + draw(st.text(CHARS, min_size=1, max_size=1)) + text[at + 1 :]
    if kind == "truncate":
        return text[:at]
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "swap-lines":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "indent":
        delta = draw(st.sampled_from((-4, -2, -1, 1, 2, 4)))
        stripped = lines[i].lstrip(" ")
        lines[i] = " " * max(0, len(lines[i]) - len(stripped) + delta) + stripped
    else:
        lines.insert(i, lines[i])
    return "\n".join(lines)


@st.composite
def mangled(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(("shared.yaml", ARTICLE)))
    text = (MINI / name).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 3))):
        text = _mutate(draw, text)
    return name, text


@examples(400)
@given(case=mangled())
def test_mangled_file_gives_a_located_error_or_a_graph(case: tuple[str, str]) -> None:
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = mini_copy(tmp)
        (folder / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        check_build_and_validate(folder, Path(tmp) / "build")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("article:\n  id: x\n  title: 'unterminated\n", id="unterminated-quote"),
        pytest.param("actors:\n  - id: a\n    type: person\n    label: A\n  - 5\n", id="scalar"),
    ],
)
def test_examples_of_mangling(text: str, tmp_path: Path) -> None:
    """Two fixed cases, so a plain pytest run exercises the checker without hypothesis luck."""
    folder = mini_copy(str(tmp_path))
    (folder / "bad.yaml").write_text(text, encoding="utf-8")
    check_build_and_validate(folder, tmp_path / "build")
