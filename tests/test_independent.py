"""Engines we did not write agree with the ones kg uses, on the real curated graph.

a. Every `kg export` format parses with pyoxigraph (Turtle, N-Triples, JSON-LD, TriG,
   N-Quads) and with Raptor's `rapper` (Turtle and N-Triples, and TriG and N-Quads too) to
   exactly the triples or quads rdflib reads: the same count, and the same terms. pyoxigraph
   also writes the Turtle and TriG exports, so Raptor is the fully independent reader there.
b. Every stored query gives the same rows, in the same order, on rdflib and on pyoxigraph:
   tests/test_engines.py, on the real corpus with each query's example parameters.
c. SHACL: pySHACL and rudof (pyrudof, a Rust implementation, both its native and its SPARQL
   engine) give the same verdict and the same (focus node, path) violations, on the real graph
   and on every deliberately broken graph of tests/test_shacl.py plus a few more here. rudof
   supports every constraint ontology/shapes.ttl uses, SPARQL-based constraints (sh:sparql
   with sh:prefixes / sh:declare) included, so nothing is excluded; a test checks that the
   broken graphs make rudof report every kind of constraint the shapes use, so a constraint it
   silently ignored would show. Messages are not compared: rudof reports its own wording for
   some constraints (sh:node, sh:lessThanOrEquals) where pySHACL gives the shape's sh:message.

`rapper` comes from the Debian package raptor2-utils (.ci/run installs it). Without it these
tests skip, unless CI_REQUIRE_ENGINES=1 (set by .ci/run), which makes a missing engine fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from kg import ontology
from kg.build import Built, build
from kg.cli import cli
from kg.namespaces import N

from .conftest import ONTOLOGY, SOURCES
from .test_real_data import EXTRACTIONS, LINKS
from .test_shacl import ARTICLE, BROKEN, EVIDENCE, RIVER, pyshacl_findings

REQUIRE = os.environ.get("CI_REQUIRE_ENGINES") == "1"

FORMATS = {  # kg export -f NAME: (file suffix, rdflib parser, pyoxigraph format, rapper parser)
    "turtle": ("ttl", "turtle", ox.RdfFormat.TURTLE, "turtle"),
    "nt": ("nt", "nt", ox.RdfFormat.N_TRIPLES, "ntriples"),
    "jsonld": ("jsonld", "json-ld", ox.RdfFormat.JSON_LD, None),
    "trig": ("trig", "trig", ox.RdfFormat.TRIG, "trig"),
    "nquads": ("nq", "nquads", ox.RdfFormat.N_QUADS, "nquads"),
}
QUADS = ("trig", "nquads")


def missing(what: str, install: str) -> None:
    """Skip locally, fail in CI: an engine CI lacks would silently test nothing."""
    message = f"{what} is not available ({install})"
    if REQUIRE:
        pytest.fail(message + ", and CI_REQUIRE_ENGINES=1 requires it")
    pytest.skip(message)


def rapper() -> str:
    path = shutil.which("rapper")
    if path is None:
        missing("rapper (Raptor)", "apt-get install raptor2-utils")
    assert path is not None
    return path


# --- a. exports ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The real graph in every export format, written by `kg export`."""
    folder = tmp_path_factory.mktemp("exports")
    sources = ["--sources", str(SOURCES)] if SOURCES.is_dir() else []
    paths = {}
    for fmt, (suffix, *_) in FORMATS.items():
        path = folder / f"kg.{suffix}"
        args = ["export", "-f", fmt, "-o", str(path), "-e", str(EXTRACTIONS)]
        args += ["--ontology", str(ONTOLOGY), "--links", str(LINKS), *sources]
        args += ["--out", str(folder / "build")]
        result = CliRunner(env={"SOURCE_DATE_EPOCH": "1700000000"}).invoke(cli, args)
        assert result.exit_code == 0, result.stderr
        paths[fmt] = path
    return paths


Key = tuple[Any, ...]


def rdflib_term(term: Any) -> Key:
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, Literal):
        if term.language:
            return ("literal", str(term), str(RDF.langString), term.language)
        return ("literal", str(term), str(term.datatype or XSD.string), "")
    raise AssertionError(f"unexpected term {term!r} (the exports have no blank nodes)")


def ox_term(term: Any) -> Key:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language or "")
    if isinstance(term, ox.DefaultGraph):
        return ("default",)
    raise AssertionError(f"unexpected term {term!r} (the exports have no blank nodes)")


def rdflib_statements(path: Path, fmt: str) -> list[Key]:
    """What rdflib reads: (s, p, o) keys, or (s, p, o, graph) for the quad formats."""
    parser = FORMATS[fmt][1]
    if fmt in QUADS:
        ds = Dataset()
        ds.parse(path, format=parser)
        return [
            (*(rdflib_term(t) for t in (s, p, o)), rdflib_term(g))
            for s, p, o, g in ds.quads((None, None, None, None))
        ]
    g = Graph().parse(path, format=parser)
    return [tuple(rdflib_term(t) for t in triple) for triple in g]


def ox_statements(quads: Iterable[ox.Quad], fmt: str) -> list[Key]:
    out = []
    for quad in quads:
        key = tuple(ox_term(t) for t in (quad.subject, quad.predicate, quad.object))
        out.append((*key, ox_term(quad.graph_name)) if fmt in QUADS else key)
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_pyoxigraph_reads_every_export_as_rdflib_does(exports: dict[str, Path], fmt: str) -> None:
    path = exports[fmt]
    expected = rdflib_statements(path, fmt)
    got = ox_statements(ox.parse(path=path, format=FORMATS[fmt][2]), fmt)
    assert len(got) == len(expected) > 4000
    assert set(got) == set(expected)
    if fmt in QUADS:  # one named graph per extraction file, ontology, links, metadata
        assert len({k[3] for k in got}) == len(list(EXTRACTIONS.glob("*.yaml"))) + 3


def run_rapper(args: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [rapper(), *args], capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    problems = [line for line in done.stderr.splitlines() if "rror" in line or "arning" in line]
    assert done.returncode == 0 and not problems, done.stderr
    return done


@pytest.mark.parametrize("fmt", [f for f in FORMATS if FORMATS[f][3]])
def test_rapper_reads_every_export_as_rdflib_does(exports: dict[str, Path], fmt: str) -> None:
    path, parser = exports[fmt], FORMATS[fmt][3]
    assert parser is not None
    expected = rdflib_statements(path, fmt)
    counted = run_rapper(["-i", parser, "-c", path.resolve().as_uri()])
    assert f"rapper: Parsing returned {len(expected)} triples" in counted.stderr
    # and the same statements: rapper writes them as N-Triples or N-Quads, which rdflib reads
    out = "nquads" if fmt in QUADS else "ntriples"
    written = run_rapper(["-q", "-i", parser, "-o", out, path.resolve().as_uri()]).stdout
    again = path.with_suffix(".rapper")
    again.write_text(written, encoding="utf-8")
    assert sorted(rdflib_statements(again, "nquads" if fmt in QUADS else "nt")) == sorted(expected)


def test_jsonld_numbers_and_dates_keep_their_datatypes(exports: dict[str, Path]) -> None:
    """JSON-LD writes integers as JSON numbers: both readers give xsd:integer back, and
    dates keep their precision datatypes."""
    keys = set(ox_statements(ox.parse(path=exports["jsonld"], format=ox.RdfFormat.JSON_LD), "x"))
    datatypes = {o[2] for _, _, o in keys if o[0] == "literal"}
    assert {str(XSD.integer), str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)} <= datatypes


# --- b. stored queries: rdflib and pyoxigraph on the real corpus, tests/test_engines.py ------


@pytest.fixture(scope="module")
def real() -> Built:
    """The real graph, built as tests/test_real_data.py builds it."""
    return build(EXTRACTIONS, ONTOLOGY, None, SOURCES if SOURCES.is_dir() else None, LINKS)


# --- c. SHACL ------------------------------------------------------------------------------

Finding = tuple[str, str | None]

MODES = ("Native", "Sparql")


@cache
def ontology_ntriples() -> bytes:
    onto = ontology.load("ontology.ttl", ONTOLOGY)
    return b"\n" + onto.serialize(format="nt", encoding="utf-8")


def rudof_report(data: Graph, mode: str, folder: Path) -> Any:
    """rudof's report on ``data`` with the ontology mixed in (as kg validates)."""
    try:
        import pyrudof
    except ImportError:
        missing("pyrudof", "pip install -e '.[dev]'")
    path = folder / "data.nt"  # N-Triples documents concatenated are their graphs' union
    path.write_bytes(data.serialize(format="nt", encoding="utf-8") + ontology_ntriples())
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    strict = pyrudof.ReaderMode.Strict
    rudof.read_data(path, format=pyrudof.RDFFormat.NTriples, reader_mode=strict)
    rudof.read_shacl(ONTOLOGY / "shapes.ttl", reader_mode=strict)
    return rudof.validate_shacl(mode=getattr(pyrudof.ShaclValidationMode, mode))


def rudof_findings(report: Any) -> set[Finding]:
    return {(str(v.focus_node), v.path and str(v.path)) for v in report.violations}


def pyshacl_pairs(data: Graph) -> set[Finding]:
    return {(str(f), p and str(p)) for f, p, _ in pyshacl_findings(data)}


def _set(s: URIRef, p: URIRef, o: Any) -> Callable[[Graph], None]:
    return lambda g: g.set((s, p, o))  # type: ignore[arg-type]


# Beyond tests/test_shacl.py: constraints checked directly, not only inside sh:node or sh:or.
MORE_BROKEN: dict[str, Callable[[Graph], None]] = {
    "url-not-anyuri": _set(ARTICLE, N.url, Literal("https://example.org/x")),
    "source-file-in-folder": _set(ARTICLE, N.sourceFile, Literal("texts/gazette.txt")),
    "empty-label": _set(RIVER, RDFS.label, Literal("")),
    "start-not-integer": _set(EVIDENCE, N.start, Literal("3")),
    "label-blank-node": _set(RIVER, RDFS.label, BNode("b0")),
}
CASES = {**BROKEN, **MORE_BROKEN}


@pytest.fixture(scope="module")
def data(two_articles: Path) -> Graph:
    return build(two_articles, ONTOLOGY, None).data


def test_real_graph_conforms_for_pyshacl(real: Built) -> None:
    assert pyshacl_pairs(real.data) == set()


@pytest.mark.parametrize("mode", MODES)
def test_real_graph_conforms_for_rudof(real: Built, mode: str, tmp_path: Path) -> None:
    report = rudof_report(real.data, mode, tmp_path)
    assert (report.conforms, rudof_findings(report)) == (True, set())


def broken(data: Graph, case: str) -> Graph:
    g = Graph()
    for t in data:
        g.add(t)
    CASES[case](g)
    return g


@pytest.fixture(scope="module")
def pyshacl_verdicts() -> dict[str, set[Finding]]:
    """pySHACL's findings per broken graph, worked out once for both rudof engines."""
    return {}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_graph_same_violations(
    data: Graph, case: str, mode: str, pyshacl_verdicts: dict[str, set[Finding]], tmp_path: Path
) -> None:
    g = broken(data, case)
    if case not in pyshacl_verdicts:
        pyshacl_verdicts[case] = pyshacl_pairs(g)
    expected = pyshacl_verdicts[case]
    assert expected, f"{case}: pySHACL finds nothing, the case tests nothing"
    report = rudof_report(g, mode, tmp_path)
    assert report.conforms is False
    assert rudof_findings(report) == expected


# sh: parameter -> the constraint component rudof reports for it
_COMPONENTS = {
    "class": "Class",
    "datatype": "Datatype",
    "hasValue": "HasValue",
    "in": "In",
    "lessThan": "LessThan",
    "lessThanOrEquals": "LessThanOrEquals",
    "maxCount": "MaxCount",
    "minCount": "MinCount",
    "minInclusive": "MinInclusive",
    # sh:minLength is used only inside nks:Text, reached by sh:node: a violation is reported
    # as the sh:node's (the spec's way); "empty-title" and "empty-label" fail only by length
    "minLength": "Node",
    "node": "Node",
    "nodeKind": "NodeKind",
    "not": "Not",
    "or": "Or",
    "pattern": "Pattern",
    "sparql": "SPARQL",
    "uniqueLang": "UniqueLang",
}


def test_broken_graphs_exercise_every_kind_of_constraint(data: Graph, tmp_path: Path) -> None:
    """Over all broken graphs, rudof reports every kind of constraint the shapes use: none is
    silently skipped."""
    shapes = ontology.load("shapes.ttl", ONTOLOGY)
    sh = str(SH)
    used = {str(p).removeprefix(sh) for p in shapes.predicates() if str(p).startswith(sh)}
    not_constraints = {"declare", "message", "namespace", "path", "prefix", "prefixes"}
    not_constraints |= {"property", "select", "targetClass"}
    assert used - not_constraints <= set(_COMPONENTS), "a new kind of constraint: map it"
    wanted = {f"{sh}{_COMPONENTS[p]}ConstraintComponent" for p in used - not_constraints}
    reported: set[str] = set()
    for case in CASES:
        report = rudof_report(broken(data, case), "Native", tmp_path)
        reported |= {str(v.constraint_component) for v in report.violations}
    assert wanted <= reported, sorted(wanted - reported)
