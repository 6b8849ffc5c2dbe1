"""kg/schema.py, the one definition of the extraction format: what is generated from it is
current, the JSON Schema accepts every real file and rejects broken ones, and the ontology and
the shapes agree with it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from kg import docs, ontology, schema
from kg.model import Actor, Event, Place
from kg.namespaces import NKG

from .conftest import MINI, ONTOLOGY, ROOT

# --- generated files are current --------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(docs.generated(), key=str), ids=lambda p: p.name)
def test_generated_file_is_current(path: Path) -> None:
    """`make docs` rewrites these from kg/schema.py."""
    assert path.read_text(encoding="utf-8") == docs.generated()[path], f"run make docs: {path}"


def test_a_stale_region_is_noticed() -> None:
    text = "intro\n<!-- " + docs.BEGIN + " -->\nold\n<!-- " + docs.END + " -->\nafter\n"
    assert docs.replace_region(text, "new\n", "<!--") == text.replace("old", "new")
    with pytest.raises(ValueError, match="no generated part"):
        docs.replace_region("no markers\n", "new\n", "<!--")


# --- the JSON Schema --------------------------------------------------------------------------


class Yaml12Loader(yaml.SafeLoader):
    """Scalars typed as the YAML language server (YAML 1.2 core schema) types them."""


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$", "-+.0123456789"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    Yaml12Loader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), list(first))


@cache
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(docs.JSON_SCHEMA.read_text("utf-8")))


def _leaf(e: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For an anyOf (a value or a list of values), the alternative that came closest: not a
    wrong type, and the deepest."""
    if not e.context:
        return e
    return _leaf(min(e.context, key=lambda c: (c.validator == "type", -len(c.absolute_path))))


def problems(data: Any) -> list[str]:
    """Each problem as "path: the JSON Schema keyword it fails"."""
    return sorted(
        f"{'/'.join(str(p) for p in leaf.absolute_path)}: {leaf.validator}"
        for leaf in map(_leaf, validator().iter_errors(data))
    )


EXTRACTION_FILES = sorted(
    [*(ROOT / "extractions").glob("*.yaml"), *(ROOT / "tests" / "fixtures").rglob("*.yaml")]
)


def test_the_json_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(validator().schema)
    assert len(EXTRACTION_FILES) >= 9


@pytest.mark.parametrize("path", EXTRACTION_FILES, ids=lambda p: p.name)
def test_every_extraction_file_validates(path: Path) -> None:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader)
    assert problems(data) == []


def _article() -> dict[str, Any]:
    path = MINI / "gazette-2021-06-01.yaml"
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader)
    assert problems(data) == []
    return data


def _unknown_field(d: dict[str, Any]) -> None:
    d["reports"][0]["date_txt"] = "on Sunday"


def _missing_title(d: dict[str, Any]) -> None:
    del d["article"]["title"]


def _missing_evidence(d: dict[str, Any]) -> None:
    del d["statements"][0]["evidence"]


def _wrong_role(d: dict[str, Any]) -> None:
    d["reports"][0]["participants"][0]["role"] = "leader"


def _wrong_genre(d: dict[str, Any]) -> None:
    d["article"]["genre"] = "poem"


def _bad_date(d: dict[str, Any]) -> None:
    d["article"]["published"] = "Jan 3"


def _bad_inferred_date(d: dict[str, Any]) -> None:
    d["figures"][0]["as_of"] = {"value": "2021-5-30", "inferred": "the day before"}


def _bad_slug(d: dict[str, Any]) -> None:
    d["statements"][0]["id"] = "Front Claim"


def _negative_count(d: dict[str, Any]) -> None:
    d["figures"][0]["lower"] = -5


def _mentions_without_article(d: dict[str, Any]) -> None:
    del d["article"]


BROKEN = {
    "unknown-field": (_unknown_field, ["reports/0: additionalProperties"]),
    "missing-required-field": (_missing_title, ["article: required"]),
    "missing-evidence": (_missing_evidence, ["statements/0: required"]),
    "wrong-controlled-value": (_wrong_role, ["reports/0/participants/0/role: enum"]),
    "wrong-genre": (_wrong_genre, ["article/genre: enum"]),
    "bad-date-pattern": (_bad_date, ["article/published: pattern"]),
    "bad-inferred-date": (_bad_inferred_date, ["figures/0/as_of/value: pattern"]),
    "bad-slug": (_bad_slug, ["statements/0/id: pattern"]),
    "negative-count": (_negative_count, ["figures/0/lower: minimum"]),
    "article-sections-without-article": (
        _mentions_without_article,
        ["figures: maxItems", "mentions: maxItems", "reports: maxItems", "statements: maxItems"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_are_rejected(case: str) -> None:
    data = _article()
    break_it, expected = BROKEN[case]
    break_it(data)
    assert problems(data) == expected


def test_the_schema_takes_what_editors_type_as_numbers() -> None:
    """YAML 1.2 reads `published: 2020` and `value: 25` as integers; kg reads them as text."""
    data = _article()
    data["article"]["published"] = 2021
    data["figures"][0]["lower"] = 2000
    assert problems(data) == []


def test_json_schema_controlled_values_come_from_the_ontology() -> None:
    vocab = ontology.vocabulary(ontology.load("ontology.ttl", ONTOLOGY))
    defs = validator().schema["$defs"]
    assert defs["participant"]["properties"]["role"]["enum"] == vocab["role"]
    assert defs["event"]["properties"]["type"]["enum"] == vocab["event-type"]
    assert defs["actor"]["properties"]["type"]["enum"] == list(schema.ACTOR_TYPES)


# --- the ontology and the shapes agree with the schema ---------------------------------------


def all_records() -> list[schema.Record]:
    return [*schema.RECORDS.values(), schema.INFERRED]


def predicate_problems(onto: Graph) -> list[str]:
    """Every nkg: predicate of a field is a declared, labelled property of the ontology;
    every other one is a standard term (rdfs:label, skos:altLabel)."""
    out = []
    for r in all_records():
        for f in r.fields:
            if f.predicate is None:
                continue
            iri = schema.expand(f.predicate)
            if not iri.startswith(NKG):
                if f.predicate not in ("rdfs:label", "skos:altLabel"):
                    out.append(f"{r.name}.{f.key}: {f.predicate} is not a known term")
                continue
            kinds = set(onto.objects(iri, RDF.type))
            if not kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}:
                out.append(f"{r.name}.{f.key}: {f.predicate} is not declared as a property")
            elif onto.value(iri, RDFS.label) is None:
                out.append(f"{r.name}.{f.key}: {f.predicate} has no rdfs:label")
    return out


def class_problems(onto: Graph) -> list[str]:
    """Every class a record's nodes get is a declared, labelled class."""
    classes = {c for r in all_records() for c in r.classes()} | {schema.EVIDENCE_CLASS}
    return [
        f"{c} is not a declared class"
        for c in sorted(classes)
        if (schema.expand(c), RDF.type, OWL.Class) not in onto
        or onto.value(schema.expand(c), RDFS.label) is None
    ]


def _superclasses(onto: Graph, cls: URIRef) -> set[URIRef]:
    return {c for c in onto.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)}


def _property_shapes(shapes: Graph, classes: set[URIRef]) -> list[Any]:
    return [
        prop
        for shape in shapes.subjects(SH.targetClass, None)
        if shapes.value(shape, SH.targetClass) in classes
        for prop in shapes.objects(shape, SH.property)
    ]


def required_problems(onto: Graph, shapes: Graph) -> list[str]:
    """Every required field with a predicate has ``sh:minCount 1`` on its path, in a shape of
    each class its record's nodes can have (or of a superclass)."""
    out = []
    for r in all_records():
        for f in r.fields:
            if not f.required or f.predicate is None:
                continue
            path = schema.expand(f.predicate)
            for cls in r.classes():
                found = any(
                    shapes.value(prop, SH.path) == path
                    and int(shapes.value(prop, SH.minCount) or 0) >= 1
                    for prop in _property_shapes(shapes, _superclasses(onto, schema.expand(cls)))
                )
                if not found:
                    out.append(f"{r.name}.{f.key}: no sh:minCount 1 on {f.predicate} for {cls}")
    return out


def controlled_problems(onto: Graph, shapes: Graph) -> list[str]:
    """Every controlled field's ``sh:in`` list, in the shapes of its record's classes, is the
    concepts of its scheme."""
    vocab = ontology.vocabulary(onto)
    out = []
    for r in all_records():
        for f in r.fields:
            if not isinstance(f.type, schema.Vocab) or f.predicate is None:
                continue
            path = schema.expand(f.predicate)
            for cls in r.classes():
                lists = [
                    shapes.value(prop, SH["in"])
                    for prop in _property_shapes(shapes, _superclasses(onto, schema.expand(cls)))
                    if shapes.value(prop, SH.path) == path
                ]
                listed = [
                    sorted(str(v).rsplit("/", 1)[1] for v in Collection(shapes, node))
                    for node in lists
                    if node is not None
                ]
                if listed != [vocab[f.type.scheme]]:
                    out.append(f"{r.name}.{f.key}: sh:in on {f.predicate} for {cls} is {listed}")
    return out


def test_every_predicate_is_a_labelled_property_of_the_ontology(onto: Graph) -> None:
    assert predicate_problems(onto) == []


def test_every_class_a_record_becomes_exists(onto: Graph) -> None:
    assert class_problems(onto) == []


def test_every_required_field_has_min_count_1(onto: Graph, shapes: Graph) -> None:
    assert required_problems(onto, shapes) == []


def test_every_controlled_field_lists_its_scheme(onto: Graph, shapes: Graph) -> None:
    assert controlled_problems(onto, shapes) == []


def _copy(g: Graph) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    return out


def test_the_checks_fail_on_a_broken_ontology_and_broken_shapes(onto: Graph, shapes: Graph) -> None:
    broken_onto = _copy(onto)
    broken_onto.remove((NKG.periodText, RDFS.label, None))
    broken_onto.remove((NKG.Mention, RDF.type, OWL.Class))
    assert predicate_problems(broken_onto) == [
        "figure.period_text: nkg:periodText has no rdfs:label"
    ]
    assert class_problems(broken_onto) == ["nkg:Mention is not a declared class"]

    broken = _copy(shapes)
    title = next(
        p for p in shapes.objects(None, SH.property) if shapes.value(p, SH.path) == NKG.title
    )
    broken.remove((title, SH.minCount, None))
    role = next(
        p for p in shapes.objects(None, SH.property) if shapes.value(p, SH.path) == NKG.role
    )
    items = Collection(broken, broken.value(role, SH["in"]))
    items.append(URIRef("https://w3id.org/newskg/vocab/role/leader"))
    assert required_problems(onto, broken) == [
        "article.title: no sh:minCount 1 on nkg:title for nkg:Article"
    ]
    assert controlled_problems(onto, broken) == [
        "participant.role: sh:in on nkg:role for nkg:Participation is "
        "[['agent', 'authoriser', 'bystander', 'leader', 'organiser', 'participant', "
        "'supporter', 'target', 'victim']]"
    ]


# --- what the rest of kg uses -----------------------------------------------------------------


def test_entity_references() -> None:
    at = Actor("x", "state", "X", where=None)  # type: ignore[arg-type]
    at.part_of, at.located_in = ["a", "b"], ["p"]
    place = Place("p", "city", "P", where=None, located_in=["q"])  # type: ignore[arg-type]
    event = Event("e", "war", "E", where=None, places=["p", "q"], sub_event_of="big")  # type: ignore[arg-type]
    assert schema.entity_references(at) == ["a", "b", "p"]
    assert schema.entity_references(place) == ["q"]
    assert schema.entity_references(event) == ["p", "q", "big"]
    assert schema.entity_references(Event("e", "war", "E", where=None)) == []  # type: ignore[arg-type]


# --- the recipe of docs/extraction-format.md, "Changing the format" -------------------------

NEW_FIELD = {  # the hand edits that add an optional field `place_text` to reports
    "kg/schema.py": (
        '        Field(\n            "participants",',
        '        Field("place_text", TEXT, "the place as written", "nkg:placeText"),\n'
        '        Field(\n            "participants",',
    ),
    "ontology/ontology.ttl": (
        "nkg:Participation\n",
        'nkg:placeText\n    a owl:DatatypeProperty ;\n    rdfs:label "place as written"@en ;\n'
        '    rdfs:comment "How the article names the place of an event, verbatim."@en ;\n'
        "    rdfs:domain nkg:EventReport ;\n    rdfs:range xsd:string .\n\nnkg:Participation\n",
    ),
    "ontology/shapes.ttl": (
        '        sh:message "An event report needs at least one evidence quote." ] .\n',
        '        sh:message "An event report needs at least one evidence quote." ] ;\n'
        "    sh:property [\n        sh:path nkg:placeText ; sh:maxCount 1 ; sh:node nks:Text ;\n"
        '        sh:message "An event report has at most one place as written." ] .\n',
    ),
}


def test_adding_an_optional_field_takes_three_hand_edits(tmp_path: Path) -> None:
    """On a copy of the repository: edit three files, regenerate, and the new field is read,
    converted, documented, in the JSON Schema, and agrees with the ontology and shapes."""
    copy = tmp_path / "repo"
    for part in ("kg", "ontology", "tests", "schema", "docs", "extractions"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    for name, (old, new) in NEW_FIELD.items():
        text = (copy / name).read_text(encoding="utf-8")
        assert text.count(old) == 1, name
        (copy / name).write_text(text.replace(old, new), encoding="utf-8")
    files = [p for p in copy.rglob("*") if p.is_file()]
    before = {p: p.read_bytes() for p in files}

    def run(*args: str) -> str:
        env = {**os.environ, "PYTHONPATH": str(copy)}
        done = subprocess.run(
            [sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("-m", "kg.docs")
    changed = sorted(str(p.relative_to(copy)) for p in files if p.read_bytes() != before[p])
    assert changed == ["docs/extraction-format.md", "kg/model.py", "schema/extraction.schema.json"]
    assert "| `place_text` |  | text | `nkg:placeText` |" in (
        copy / "docs" / "extraction-format.md"
    ).read_text(encoding="utf-8")

    corpus = copy / "corpus"
    corpus.mkdir()
    for name in ("shared.yaml", "gazette-2021-06-01.yaml"):
        shutil.copy(MINI / name, corpus / name)
    article = corpus / "gazette-2021-06-01.yaml"
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text.replace(
            "    date_text: on Sunday\n", "    date_text: on Sunday\n    place_text: downtown\n"
        ),
        encoding="utf-8",
    )
    cli = "from kg.cli import main; main()"
    run("-c", cli, "build", "-e", "corpus", "--ontology", "ontology", "-o", "out")
    nt = (copy / "out" / "kg.nt").read_text(encoding="utf-8")
    report = "<https://w3id.org/newskg/id/report/gazette-2021-06-01/port-city-rally-2021-05>"
    assert f'{report} <https://w3id.org/newskg/ontology#placeText> "downtown" .\n' in nt
    run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_schema.py", "-k", "not three")
