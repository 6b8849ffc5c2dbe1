"""IRIs of the project. The base IRI is set here, and only here."""

from __future__ import annotations

import re

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from .choices import SCHEME_NAMES

BASE = "https://w3id.org/newskg/"
NKG = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
VOCAB = Namespace(BASE + "vocab/")
WIKIDATA = "http://www.wikidata.org/entity/"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""A curated id: lowercase letters, digits and single hyphens (the last part of an IRI)."""

# Named graphs of exports and stores (besides one per extraction file).
ONTOLOGY_GRAPH = ID["graph/ontology"]
LINKS_GRAPH = ID["graph/wikidata-links"]
METADATA_GRAPH = ID["graph/metadata"]
DATASET = ID["dataset"]  # the subject of the dataset description (in METADATA_GRAPH)

# Concept schemes of the ontology, by the name used in extraction files.
SCHEMES = {name: VOCAB[name] for name in SCHEME_NAMES}

PREFIXES: dict[str, str] = {
    "nkg": str(NKG),
    "et": BASE + "vocab/event-type/",
    "role": BASE + "vocab/role/",
    "qty": BASE + "vocab/quantity/",
    "hedge": BASE + "vocab/hedge/",
    "genre": BASE + "vocab/genre/",
    "ptype": BASE + "vocab/place-type/",
    "article": BASE + "id/article/",
    "actor": BASE + "id/actor/",
    "place": BASE + "id/place/",
    "event": BASE + "id/event/",
    "work": BASE + "id/work/",
    "rel": BASE + "vocab/relation-type/",
    "erel": BASE + "vocab/event-relation-type/",
    "modality": BASE + "vocab/modality/",
    "office": BASE + "vocab/office/",
    "stance": BASE + "vocab/stance/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "wd": "http://www.wikidata.org/entity/",
}


def concept(scheme: str, slug: str) -> URIRef:
    """IRI of a vocabulary concept, e.g. ``concept("role", "agent")``."""
    return URIRef(f"{BASE}vocab/{scheme}/{slug}")


def new_graph() -> Graph:
    """An empty graph with the project's prefixes and no others."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


class N:
    """Terms of the newskg ontology, as plain class attributes (fast to look up, unlike
    rdflib's DefinedNamespace); a misspelt term is an AttributeError and a mypy error.

    A test checks that this list and ``ontology/ontology.ttl`` name the same terms.
    """

    # classes
    Publication: URIRef
    Article: URIRef
    Actor: URIRef
    Person: URIRef
    Organisation: URIRef
    ArmedGroup: URIRef
    GovernmentBody: URIRef
    PoliticalParty: URIRef
    MediaOutlet: URIRef
    State: URIRef
    Movement: URIRef
    CollectiveGroup: URIRef
    Place: URIRef
    Mention: URIRef
    Event: URIRef
    EventReport: URIRef
    Participation: URIRef
    Statement: URIRef
    Quote: URIRef
    Claim: URIRef
    Figure: URIRef
    Evidence: URIRef
    Inference: URIRef
    Relation: URIRef
    ActorRelation: URIRef
    EventRelation: URIRef
    Stance: URIRef
    Work: URIRef
    Citation: URIRef
    # properties
    title: URIRef
    author: URIRef
    publishedBy: URIRef
    publicationDate: URIRef
    url: URIRef
    genre: URIRef
    sourceFile: URIRef
    partOf: URIRef
    placeType: URIRef
    locatedIn: URIRef
    description: URIRef
    curatorNote: URIRef
    mentionedIn: URIRef
    denotes: URIRef
    surfaceForm: URIRef
    roleInArticle: URIRef
    eventType: URIRef
    date: URIRef
    endDate: URIRef
    place: URIRef
    subEventOf: URIRef
    reports: URIRef
    dateText: URIRef
    inEvent: URIRef
    participant: URIRef
    role: URIRef
    statedIn: URIRef
    text: URIRef
    speaker: URIRef
    channel: URIRef
    source: URIRef
    about: URIRef
    quantity: URIRef
    counted: URIRef
    value: URIRef
    lowerBound: URIRef
    upperBound: URIRef
    valueText: URIRef
    near: URIRef
    framing: URIRef
    modality: URIRef
    modalityText: URIRef
    relationSubject: URIRef
    relationType: URIRef
    relationObject: URIRef
    office: URIRef
    since: URIRef
    until: URIRef
    wording: URIRef
    stance: URIRef
    toward: URIRef
    workType: URIRef
    cites: URIRef
    citationRole: URIRef
    hedge: URIRef
    asOf: URIRef
    periodStart: URIRef
    periodText: URIRef
    evidence: URIRef
    exact: URIRef
    start: URIRef
    end: URIRef
    inferred: URIRef
    onProperty: URIRef
    reason: URIRef
    cameoCode: URIRef
    acledSubEventType: URIRef


for _name in N.__annotations__:
    setattr(N, _name, URIRef(BASE + "ontology#" + _name))
