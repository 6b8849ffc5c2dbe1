"""The ontology and the shapes: they parse, and they describe each other completely."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from kg import ontology, schema
from kg.errors import DataError
from kg.namespaces import BASE, SCHEMES, N

NKG = BASE + "ontology#"


def own(g: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef) and s.startswith(NKG)}


def test_every_term_has_a_label_and_a_comment(onto: Graph) -> None:
    terms = own(onto, OWL.Class) | own(onto, OWL.ObjectProperty) | own(onto, OWL.DatatypeProperty)
    assert len(terms) > 60
    for term in terms:
        assert onto.value(term, RDFS.label) is not None, term
        assert onto.value(term, RDFS.comment) is not None, term


def test_every_class_has_a_shape(onto: Graph, shapes: Graph) -> None:
    targets = set(shapes.objects(None, SH.targetClass))
    assert own(onto, OWL.Class) <= targets
    assert SKOS.Concept in targets


def test_every_constraint_has_a_message(shapes: Graph) -> None:
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        if shape.startswith(BASE + "shapes#"):
            assert shapes.value(shape, SH.message) is not None or any(
                True for _ in shapes.objects(shape, SH.property)
            ), shape
    for prop in shapes.objects(None, SH.property):
        assert shapes.value(prop, SH.message) is not None, prop
    for sparql in shapes.objects(None, SH.sparql):
        assert shapes.value(sparql, SH.message) is not None


def test_defined_namespace_matches_the_ontology(onto: Graph) -> None:
    """N names only declared terms, and every declared term is in N or used by kg/schema.py
    (a new field's predicate need not be added to N)."""
    declared = {
        str(t)
        for t in own(onto, OWL.Class)
        | own(onto, OWL.ObjectProperty)
        | own(onto, OWL.DatatypeProperty)
    }
    in_code = {str(getattr(N, name)) for name in N.__annotations__}
    in_schema = {
        str(schema.expand(term))
        for r in [*schema.RECORDS.values(), schema.INFERRED]
        for term in [*r.classes(), *(f.predicate for f in r.fields if f.predicate)]
    }
    assert in_code <= declared
    assert declared <= in_code | in_schema


def test_sh_in_lists_match_the_concept_schemes(onto: Graph, shapes: Graph) -> None:
    """Controlled values are listed twice (scheme and sh:in); they must agree. Which scheme a
    property takes comes from the format definition (for ``nkg:relationType``, by record)."""
    vocab = ontology.vocabulary(onto)
    by_class: dict[URIRef, dict[URIRef, str]] = {}  # class -> predicate -> scheme
    by_path: dict[URIRef, set[str]] = {}
    for r in schema.RECORDS.values():
        for f in r.fields:
            if isinstance(f.type, schema.Vocab) and f.predicate:
                p = schema.expand(f.predicate)
                by_path.setdefault(p, set()).add(f.type.scheme)
                for c in r.classes():
                    by_class.setdefault(schema.expand(c), {})[p] = f.type.scheme
    seen = set()
    for shape, prop in shapes.subject_objects(SH.property):
        path, values = shapes.value(prop, SH.path), shapes.value(prop, SH["in"])
        if values is None:
            continue
        schemes = by_path[path]
        if len(schemes) > 1:
            schemes = {by_class[shapes.value(shape, SH.targetClass)][path]}
        (scheme,) = schemes
        listed = sorted(str(v).rsplit("/", 1)[1] for v in Collection(shapes, values))
        assert listed == vocab[scheme], scheme
        seen.add(scheme)
    assert seen == set(SCHEMES)


def test_every_concept_has_label_definition_and_scheme(onto: Graph) -> None:
    for c in onto.subjects(RDF.type, SKOS.Concept):
        assert onto.value(c, SKOS.prefLabel) is not None, c
        assert onto.value(c, SKOS.definition) is not None, c
        assert onto.value(c, SKOS.inScheme) in set(SCHEMES.values()), c


def test_turtle_syntax_error_has_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "ontology.ttl"
    bad.write_text('@prefix a: <http://x/> .\na:b a:c a:d .\na:e a:f "unterminated .\n')
    with pytest.raises(DataError) as info:
        ontology.parse_turtle(bad)
    assert str(info.value) == f"{bad}:3:24: Turtle syntax error: newline found in string literal"
