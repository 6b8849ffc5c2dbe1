"""What the command line offers before it imports the library: the names, descriptions and
defaults its options show (engines, validators, result and export formats, vocabularies,
limits). Defined here, and used from here by the modules that implement them, so that
``kg --version`` and ``kg COMMAND --help`` import neither rdflib nor pyoxigraph."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class Kind(StrEnum):
    """The embedded SPARQL engine: pyoxigraph (fast), or rdflib's (the reference, slow on large
    graphs); both give the same rows (tests compare them on every stored query)."""

    OXIGRAPH = "oxigraph"
    RDFLIB = "rdflib"


class Validator(StrEnum):
    """The SHACL validator: the shapes compiled to SPARQL on pyoxigraph, or pySHACL."""

    FAST = "fast"
    PYSHACL = "pyshacl"


DEFAULT_TIMEOUT = 60.0
"""Seconds a query may run (``kg query run --timeout``, ``kg sparql --timeout``)."""
DEFAULT_MAX_ROWS = 1_000_000
"""Rows a SELECT query may return (``--max-rows``)."""

RESULT_FORMATS = {
    "table": "aligned columns, IRIs with their labels",
    "csv": "SPARQL 1.1 CSV",
    "tsv": "SPARQL 1.1 TSV",
    "json": "SPARQL 1.1 JSON",
    "xml": "SPARQL 1.1 XML",
    "markdown": "a Markdown table, IRIs with their labels",
}
"""The result formats of ``kg query run -f`` and ``kg sparql -f`` (``kg.results.FORMATS``)."""

EXPORT_FORMATS = {
    "turtle": "Turtle for people: the project's prefixes, grouped by subject",
    "nt": "N-Triples, sorted within each named graph",
    "jsonld": "JSON-LD compacted with the published context",
    "trig": "TriG, one named graph per file",
    "nquads": "N-Quads, one named graph per file, sorted within each",
}
"""The formats of ``kg export -f`` (``kg.export.FORMATS``)."""

SCHEME_NAMES = (
    "event-type",
    "role",
    "quantity",
    "hedge",
    "genre",
    "place-type",
    "relation-type",
    "event-relation-type",
    "modality",
    "office",
    "stance",
    "work-type",
    "citation-role",
)
"""Concept schemes of the ontology, by the name used in extraction files
(``kg.namespaces.SCHEMES``)."""

WIKIDATA_API_URL = "https://www.wikidata.org/w/api.php"
WIKIDATA_CACHE_DIR = Path(".cache/wikidata")
