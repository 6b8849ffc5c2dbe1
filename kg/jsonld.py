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

import itertools
import json
import operator
from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph

from .namespaces import ID, PREFIXES
from .oxi import to_ox

CONTEXT: dict[str, str] = {**PREFIXES, "id": str(ID)}
"""The JSON-LD context, also published as ``ontology/context.jsonld``."""

_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_BY_NAMESPACE = {ns.encode(): prefix.encode() for prefix, ns in CONTEXT.items()}
_SUBJECT = operator.itemgetter(0)
_PREDICATE = operator.itemgetter(1)


def compact(iri: bytes) -> bytes:
    """``prefix:local`` for the longest namespace of the context that covers ``iri``, else
    ``iri`` itself."""
    end = len(iri)
    while (cut := max(iri.rfind(b"/", 0, end), iri.rfind(b"#", 0, end)) + 1) > 0:
        prefix = _BY_NAMESPACE.get(iri[:cut])
        if prefix is not None:
            local = iri[cut:]
            # "p://x" would read as an absolute IRI
            return iri if local.startswith(b"//") else prefix + b":" + local
        end = cut - 1
    return iri


class _Terms:
    """N-Triples terms as JSON text, the IRIs' remembered (predicates, types and objects
    recur)."""

    def __init__(self) -> None:
        self.iris: dict[bytes, bytes] = {}

    def iri(self, term: bytes) -> bytes:
        """A JSON string for ``<iri>`` or ``_:label`` (neither has a character JSON escapes)."""
        found = self.iris.get(term)
        if found is None:
            text = compact(term[1:-1]) if term[:1] == b"<" else term
            found = self.iris[term] = b'"' + text + b'"'
        return found

    def value(self, triple: list[bytes]) -> bytes:
        """A JSON value for the object of an N-Triples line (split in three)."""
        term = triple[2][:-2]  # without " ."
        if term[:1] != b'"':
            return b'{"@id": ' + self.iri(term) + b"}"
        end = term.rindex(b'"')
        lexical = term[1:end]
        if b"\\" in lexical and (b"\\U" in lexical or b"\\'" in lexical):
            return self._reparsed(b" ".join(triple))
        if end + 1 == len(term):
            return b'"' + lexical + b'"'
        if term[end + 1 : end + 2] == b"@":
            return b'{"@value": "%s", "@language": "%s"}' % (lexical, term[end + 2 :])
        return b'{"@value": "%s", "@type": %s}' % (lexical, self.iri(term[end + 3 :]))

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
        datatype = self.iri(b"<%s>" % o.datatype.value.encode())
        return b'{"@value": %s, "@type": %s}' % (value, datatype)


def _node(subject: bytes, triples: Iterable[list[bytes]], terms: _Terms) -> bytes:
    """One node object for a subject's sorted N-Triples lines (each split in three: subject,
    predicate, and object with the closing " .")."""
    iri, value = terms.iri, terms.value
    members = [b'      "@id": ' + iri(subject)]
    for predicate, group in itertools.groupby(triples, _PREDICATE):
        run = list(group)
        if predicate == _RDF_TYPE:
            types = [iri(t[2][:-2]) for t in run if t[2][:1] == b"<"]
            if types:
                members.insert(1, b'      "@type": ' + _one_or_list(types))
            run = [t for t in run if t[2][:1] != b"<"]  # a blank node or literal as type
            if not run:
                continue
        members.append(b"      " + iri(predicate) + b": " + _one_or_list([value(t) for t in run]))
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
    for nt in units:
        nodes = []
        for subject, group in itertools.groupby(_split(nt), _SUBJECT):
            run = list(group)
            if subject in extra:
                run = sorted(run + extra.pop(subject))
            nodes.append(_node(subject, run, terms))
        if nodes:
            yield (b"" if first else b",\n") + b",\n".join(nodes)
            first = False
    if extra:  # the merged subjects no unit has
        nodes = [_node(subject, run, terms) for subject, run in extra.items()]
        yield (b"" if first else b",\n") + b",\n".join(nodes)
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
