"""The SPARQL 1.1 Protocol on the project's engine: reading a request's query, choosing the
result format by ``Accept`` (or a ``format`` parameter), and writing the answer.

SELECT results as SPARQL JSON, XML, CSV or TSV; ASK as JSON or XML; CONSTRUCT and DESCRIBE as
Turtle, N-Triples or JSON-LD. Updates are refused (403), and so are dataset parameters
(``default-graph-uri``, ``named-graph-uri``: kg queries the built graph as it is); the
engine refuses update text, SERVICE and FROM (400), and stops a query at its timeout and
row limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from .. import jsonld
from ..results import FORMATS, Rows

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
}
MEDIA = {
    **{fmt: FORMATS[fmt].media_type for fmt in ("json", "xml", "csv", "tsv")},
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
FORMAT_NAMES = {"ttl": "turtle", "n-triples": "nt", "json-ld": "jsonld", **{k: k for k in MEDIA}}
"""Values of the ``format`` parameter (which overrides ``Accept``)."""


class NotAcceptable(Exception):
    """No format the client accepts fits the result."""


def accepted(header: str | None) -> list[str]:
    """The media types of an ``Accept`` header, most wanted first (by q, then order)."""
    found: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "*/*").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            found.append((-q, i, media.lower()))
    return [media for _, _, media in sorted(found)]


def choose(accept: str | None, offered: dict[str, str], default: str) -> str:
    """The format (a value of ``offered``) best fitting ``accept``; ``default`` for ``*/*``."""
    for media in accepted(accept):
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*", "text/*"):
            kinds = [f for m, f in offered.items() if media == "*/*" or m.startswith(media[:-1])]
            if default in kinds or media == "*/*":
                return default
            if kinds:
                return kinds[0]
    raise NotAcceptable(", ".join(sorted(set(offered))))


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str


def select_answer(rows: Rows, fmt: str) -> Answer:
    """SELECT rows in one of ``kg.results.FORMATS`` (its renderer and media type)."""
    chosen = FORMATS[fmt]
    text = chosen.render(rows, lambda _: None)
    return Answer(text.encode("utf-8"), chosen.media_type + "; charset=utf-8")


def ask_answer(value: bool, fmt: str) -> Answer:
    if fmt == "xml":
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
            f"  <head/>\n  <boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n"
        )
    elif fmt in ("csv", "tsv"):
        body = ("_askResult\r\n" if fmt == "csv" else "?_askResult\n") + (
            ("true" if value else "false") + ("\r\n" if fmt == "csv" else "\n")
        )
    else:
        fmt = "json"
        body = '{"head": {}, "boolean": ' + ("true" if value else "false") + "}\n"
    return Answer(body.encode("utf-8"), MEDIA[fmt] + "; charset=utf-8")


def graph_answer(graph: Graph, fmt: str) -> Answer:
    nt = graph.serialize(format="nt", encoding="utf-8")
    if fmt == "nt":
        body = b"".join(sorted(line + b"\n" for line in nt.splitlines() if line.strip()))
    elif fmt == "jsonld":
        body = jsonld.of_graph(graph)
    else:
        fmt = "turtle"
        body = graph.serialize(format="turtle", encoding="utf-8")
    return Answer(body, MEDIA[fmt] + ("; charset=utf-8" if fmt != "jsonld" else ""))
