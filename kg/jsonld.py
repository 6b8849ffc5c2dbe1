"""JSON-LD written node by node from sorted N-Triples, with the project's context inlined.

Each unit's N-Triples are sorted, so a subject's lines, and within them a predicate's, are
consecutive: every run of lines with one subject becomes one node object, written as soon as
it ends, so memory stays at one unit's worth. The Wikidata links, whose subjects are entities
of other units, are held (they are few) and written in their subject's node. A subject in two
other units (which the build does not make) would get a node object in each, which JSON-LD
merges on reading (the node map of expansion and flattening).

The literals' lexical forms are copied as they are: pyoxigraph's N-Triples escapes only
``\\b \\t \\n \\f \\r \\" \\\\`` and other control characters as ``\\uXXXX``, which JSON reads the
same way; a line with any other escape (``\\U``, ``\\'``) is parsed and written again.
IRIs are compacted with the longest namespace of the context that covers them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph

from .namespaces import ID, PREFIXES
from .oxi import to_ox

CONTEXT: dict[str, str] = {**PREFIXES, "id": str(ID)}
"""The JSON-LD context, also published as ``ontology/context.jsonld``."""

_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_BY_NAMESPACE = {ns: prefix for prefix, ns in CONTEXT.items()}
_LONGEST_FIRST = sorted(_BY_NAMESPACE, key=len, reverse=True)
_UNSAFE = (b"\\U", b"\\'")  # N-Triples escapes JSON does not have


def compact(iri: str) -> str:
    """``prefix:local`` for the longest namespace of the context that covers ``iri``, else
    ``iri`` itself."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    ns = iri[:cut] if iri[:cut] in _BY_NAMESPACE else None
    if ns is None:
        ns = next((n for n in _LONGEST_FIRST if iri.startswith(n)), None)
    if ns is None or iri[len(ns) :].startswith("//"):  # "p://x" would read as an absolute IRI
        return iri
    return f"{_BY_NAMESPACE[ns]}:{iri[len(ns) :]}"


class _Terms:
    """N-Triples terms as JSON text, the IRIs' remembered (predicates, types and objects
    recur)."""

    def __init__(self) -> None:
        self.iris: dict[bytes, bytes] = {}

    def iri(self, term: bytes) -> bytes:
        """A JSON string for ``<iri>`` or ``_:label``."""
        found = self.iris.get(term)
        if found is None:
            text = compact(term[1:-1].decode()) if term[:1] == b"<" else term.decode()
            found = self.iris[term] = json.dumps(text, ensure_ascii=False).encode()
        return found

    def value(self, term: bytes, line: bytes) -> bytes:
        """A JSON value for an N-Triples object."""
        if term[:1] != b'"':
            return b'{"@id": %s}' % self.iri(term)
        end = term.rindex(b'"')
        lexical, rest = term[1:end], term[end + 1 :]
        if any(e in lexical for e in _UNSAFE):
            return self._reparsed(line)
        if not rest:
            return b'"%s"' % lexical
        if rest[:1] == b"@":
            return b'{"@value": "%s", "@language": "%s"}' % (lexical, rest[1:])
        return b'{"@value": "%s", "@type": %s}' % (lexical, self.iri(rest[2:]))

    def _reparsed(self, line: bytes) -> bytes:
        """The object of one N-Triples line, parsed (for escapes JSON does not have)."""
        (triple,) = ox.parse(line, format=ox.RdfFormat.N_TRIPLES)
        o = triple.object
        assert isinstance(o, ox.Literal)
        value = json.dumps(o.value, ensure_ascii=False).encode()
        if o.language:
            return b'{"@value": %s, "@language": "%s"}' % (value, o.language.encode())
        if o.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return value
        return b'{"@value": %s, "@type": %s}' % (
            value,
            self.iri(b"<%s>" % o.datatype.value.encode()),
        )


def _node(subject: bytes, triples: list[list[bytes]], terms: _Terms) -> bytes:
    """One node object for a subject's sorted N-Triples lines (each split in three: subject,
    predicate, and object with the closing " .")."""
    members = [b'      "@id": %s' % terms.iri(subject)]
    at = 0
    while at < len(triples):
        predicate = triples[at][1]
        end = at
        while end < len(triples) and triples[end][1] == predicate:
            end += 1
        run = triples[at:end]
        at = end
        if predicate == _RDF_TYPE:
            types = [terms.iri(t[2][:-2]) for t in run if t[2][:1] == b"<"]
            if types:
                members.insert(1, b'      "@type": %s' % _one_or_list(types))
            run = [t for t in run if t[2][:1] != b"<"]  # a blank node or literal as type
            if not run:
                continue
        values = [terms.value(t[2][:-2], b" ".join(t)) for t in run]
        members.append(b"      %s: %s" % (terms.iri(predicate), _one_or_list(values)))
    return b"    {\n" + b",\n".join(members) + b"\n    }"


def _one_or_list(values: list[bytes]) -> bytes:
    return values[0] if len(values) == 1 else b"[" + b", ".join(values) + b"]"


def document(units: Iterable[bytes], merged: bytes = b"") -> Iterator[bytes]:
    """The JSON-LD document of the graph made of ``units`` (each sorted N-Triples), in
    chunks: the context, then the nodes of each unit in order. The triples of ``merged``
    (sorted N-Triples: the Wikidata links) join their subject's first node, or come last."""
    yield b'{\n  "@context": ' + _indented(context(), b"  ") + b',\n  "@graph": [\n'
    terms = _Terms()
    extra: dict[bytes, list[list[bytes]]] = {}
    for triple in _split(merged):
        extra.setdefault(triple[0], []).append(triple)
    first = True
    for nt in [*units, b""]:
        triples = _split(nt)
        nodes = []
        at = 0
        while at < len(triples):
            subject = triples[at][0]
            end = at
            while end < len(triples) and triples[end][0] == subject:
                end += 1
            more = extra.pop(subject, None)
            run = triples[at:end] if more is None else sorted(triples[at:end] + more)
            nodes.append(_node(subject, run, terms))
            at = end
        if not nt:  # after the last unit: the merged subjects no unit has
            nodes = [_node(subject, run, terms) for subject, run in extra.items()]
        if nodes:
            yield (b"" if first else b",\n") + b",\n".join(nodes)
            first = False
    yield b"\n  ]\n}\n"


def of_graph(graph: Graph) -> bytes:
    """The JSON-LD of a small rdflib graph (a query's answer), in one piece."""
    triples = (ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph)  # type: ignore[arg-type]
    raw = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    lines = sorted(set(raw.splitlines()) - {b""})
    return b"".join(document([b"".join(line + b"\n" for line in lines)]))


def _split(nt: bytes) -> list[list[bytes]]:
    return [line.split(b" ", 2) for line in nt.split(b"\n") if line]


def context() -> dict[str, str]:
    """The context, its terms sorted."""
    return dict(sorted(CONTEXT.items()))


def _indented(value: dict[str, str], by: bytes) -> bytes:
    text = json.dumps(value, indent=2, ensure_ascii=False).encode()
    return text.replace(b"\n", b"\n" + by)
