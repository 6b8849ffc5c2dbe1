"""The extraction format, declared once: its records, their fields, and the RDF each becomes.

Derived from it: the reader and the reference checks (``kg.extraction``), the converter
(``kg.convert``), the quotes ``kg verify`` checks (``kg.verify.quotes_of``), the record
classes of ``kg/model.py``, the field tables of ``docs/extraction-format.md`` and
``schema/extraction.schema.json`` (``make docs`` rewrites the generated ones; tests fail when
they are stale). ``tests/test_schema.py`` checks the ontology and the shapes against it.

Predicates and classes are CURIEs with the prefixes of ``kg.namespaces.PREFIXES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from rdflib import URIRef

from .namespaces import PREFIXES

if TYPE_CHECKING:
    from .model import Entity, ExtractionFile

# --- field types ------------------------------------------------------------------------------

ScalarName = Literal["text", "slug", "date", "count", "url", "file name", "quote"]


@dataclass(frozen=True)
class Scalar:
    """A value written as one YAML scalar; a ``quote`` becomes an evidence node."""

    name: ScalarName


@dataclass(frozen=True)
class Vocab:
    """A controlled value: a concept of the SKOS scheme ``scheme`` in ``ontology/ontology.ttl``."""

    scheme: str


@dataclass(frozen=True)
class Classes:
    """A controlled value that gives the node its class (``what`` names it in messages)."""

    what: str
    classes: tuple[tuple[str, str], ...]  # (value, class CURIE), in the order messages list them

    def values(self) -> list[str]:
        return [value for value, _ in self.classes]


RefKind = Literal["actor", "place", "event", "work", "entity", "mentionable"]


@dataclass(frozen=True)
class Ref:
    """The id of an actor, place or event defined in any file (a state counts as a place)."""

    kind: RefKind


@dataclass(frozen=True)
class Nested:
    """A record written inside the field (``participants``)."""

    record: str


FieldType = Scalar | Vocab | Classes | Ref | Nested

TEXT = Scalar("text")
SLUG = Scalar("slug")
DATE = Scalar("date")
COUNT = Scalar("count")
URL = Scalar("url")
FILE_NAME = Scalar("file name")
QUOTE = Scalar("quote")


@dataclass(frozen=True)
class Field:
    """One YAML key of a record."""

    key: str
    type: FieldType
    doc: str
    predicate: str | None = None  # None: the field names the node (its IRI) or gives its class
    required: bool = False
    many: bool = False  # a list; a single value is read as a list of one
    inferable: bool = False  # may be written {value: ..., inferred: "why"}
    mention: bool = False  # an actor it names needs an entry under 'mentions' in the article
    verbatim: bool = False  # text the article contains (checked by ``kg verify``)
    attr: str = ""  # the model attribute, when it is not the key
    missing: str = ""  # said after "required field is missing: "

    @property
    def name(self) -> str:
        """The model attribute holding the value."""
        return self.attr or self.key


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each record is one object
class Record:
    """A YAML mapping of the format, the model class it is read into and the node it becomes."""

    name: str
    cls: str  # model class (kg/model.py)
    doc: str
    fields: tuple[Field, ...]
    rdf_class: str = ""  # empty: a Classes field gives the class
    iri: str = ""  # under id/: its fields, {article} and its parent's fields fill it in
    in_article: str = ""  # predicate from the node to the article that says it
    parent_ref: tuple[str, str] | None = None  # (predicate, parent's field it refers to)
    unique: tuple[str, str] | None = None  # (field, what): one per article; records sharing
    # ``what`` share the ids
    base: str = ""  # model base class

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def classes(self) -> list[str]:
        """The classes (CURIEs) its nodes can have."""
        if self.rdf_class:
            return [self.rdf_class]
        return [c for f in self.fields if isinstance(f.type, Classes) for _, c in f.type.classes]


@dataclass(frozen=True)
class Section:
    """A top-level key of an extraction file: the article, or a list of records."""

    key: str
    record: str
    doc: str
    many: bool = True
    article_only: bool = False


# --- the format -------------------------------------------------------------------------------

_ID = Field("id", SLUG, "id, a slug", required=True)
_NOTE = Field("note", TEXT, "curator note", "nkg:curatorNote")
_EVIDENCE = Field(
    "evidence",
    QUOTE,
    "exact quote(s) from the article",
    "nkg:evidence",
    required=True,
    many=True,
    missing="an exact quote from the article",
)
_DATE_TEXT = Field(
    "date_text",
    TEXT,
    'the date as written ("Dec. 29", "the next day")',
    "nkg:dateText",
    verbatim=True,
)


_FRAMING = Field(
    "framing",
    TEXT,
    'words the article characterises it with ("targeted assassination", "militia thugs")',
    "nkg:framing",
    many=True,
    verbatim=True,
)
_MODALITY = Field(
    "modality",
    Vocab("modality"),
    "how sure the article says it is (absent: asserted plainly)",
    "nkg:modality",
)
_MODALITY_TEXT = Field(
    "modality_text",
    TEXT,
    'the words that say so ("reportedly", "supposed")',
    "nkg:modalityText",
    verbatim=True,
)


def _entity(
    name: str, cls: str, doc: str, type_: Field, *own: Field, rdf_class: str = ""
) -> Record:
    fields = (
        _ID,
        type_,
        Field("label", TEXT, "the usual name", "rdfs:label", required=True),
        Field("also", TEXT, "other names", "skos:altLabel", many=True, attr="alt_labels"),
        Field("description", TEXT, "one line that tells it from others", "nkg:description"),
        _NOTE,
        *own,
    )
    return Record(name, cls, doc, fields, rdf_class, f"{name}/{{id}}", base="Entity")


ACTOR_TYPE = Classes(
    "actor type",
    (
        ("person", "nkg:Person"),
        ("organisation", "nkg:Organisation"),
        ("armed-group", "nkg:ArmedGroup"),
        ("government-body", "nkg:GovernmentBody"),
        ("political-party", "nkg:PoliticalParty"),
        ("media-outlet", "nkg:MediaOutlet"),
        ("state", "nkg:State"),
        ("movement", "nkg:Movement"),
        ("collective-group", "nkg:CollectiveGroup"),
    ),
)

ACTOR = _entity(
    "actor",
    "Actor",
    "A person, organisation, state or group. A `state` is a place too: use it wherever a "
    "place is expected.",
    Field(
        "type",
        ACTOR_TYPE,
        "what kind of actor (its class)",
        required=True,
    ),
    Field("part_of", Ref("actor"), "larger actors it belongs to", "nkg:partOf", many=True),
    Field("located_in", Ref("place"), "states only: places it lies in", "nkg:locatedIn", many=True),
)
PLACE = _entity(
    "place",
    "Place",
    "A location.",
    Field("type", Vocab("place-type"), "what kind of place", "nkg:placeType", required=True),
    Field("located_in", Ref("place"), "places it lies in", "nkg:locatedIn", many=True),
    rdf_class="nkg:Place",
)
EVENT = _entity(
    "event",
    "Event",
    "Something that happened, as the curator reads it; what each article says of it goes in "
    "that article's report.",
    Field("type", Vocab("event-type"), "what kind of event", "nkg:eventType", required=True),
    Field("date", DATE, "when it happened (or began)", "nkg:date"),
    Field("end_date", DATE, "when it ended", "nkg:endDate"),
    Field("place", Ref("place"), "where it happened", "nkg:place", many=True, attr="places"),
    Field("near", Ref("place"), 'places it happened near ("near Kirkuk")', "nkg:near", many=True),
    Field("part_of", Ref("event"), "the larger event", "nkg:subEventOf", attr="sub_event_of"),
    rdf_class="nkg:Event",
)
WORK = _entity(
    "work",
    "Work",
    "A published text an article cites: an editorial, a news story, a statement, a post. "
    "Define it in `shared.yaml` when several articles cite it.",
    Field("type", Vocab("work-type"), "what kind of text", "nkg:workType", required=True),
    Field("authors", Ref("actor"), "who wrote it", "nkg:author", many=True),
    Field("outlet", Ref("actor"), "where it was published", "nkg:publishedBy"),
    Field("published", DATE, "publication date", "nkg:publicationDate"),
    Field("url", URL, "where it can be read", "nkg:url"),
    rdf_class="nkg:Work",
)

ARTICLE = Record(
    "article",
    "Article",
    "Metadata of the article.",
    (
        _ID,
        Field("title", TEXT, "the headline, as printed", "nkg:title", required=True, verbatim=True),
        Field("authors", Ref("actor"), "who wrote it", "nkg:author", many=True),
        Field("outlet", Ref("actor"), "the media outlet", "nkg:publishedBy", inferable=True),
        Field("published", DATE, "publication date", "nkg:publicationDate", inferable=True),
        Field(
            "url",
            URL,
            "where it can be read: a valid IRI (percent-encode angle brackets, double quotes, "
            "braces, backslashes, control characters)",
            "nkg:url",
        ),
        Field("genre", Vocab("genre"), "the kind of text", "nkg:genre", required=True),
        Field(
            "source_file",
            FILE_NAME,
            "file name of the text in the sources folder (for `kg verify`)",
            "nkg:sourceFile",
        ),
        _NOTE,
    ),
    "nkg:Article",
    "article/{id}",
)

MENTION = Record(
    "mention",
    "Mention",
    "How the article names an actor or place. Every actor the article's reports and "
    "statements refer to needs one.",
    (
        Field("entity", Ref("mentionable"), "the actor or place", "nkg:denotes", required=True),
        Field(
            "as",
            TEXT,
            "the spellings used, exactly",
            "nkg:surfaceForm",
            required=True,
            many=True,
            attr="forms",
            missing="the spelling(s) the article uses",
            verbatim=True,
        ),
        Field(
            "role",
            TEXT,
            'titles the article gives it ("Secretary of Defense")',
            "nkg:roleInArticle",
            many=True,
            attr="roles",
            verbatim=True,
        ),
        _FRAMING,
        Field("evidence", QUOTE, "exact quote(s) from the article", "nkg:evidence", many=True),
    ),
    "nkg:Mention",
    "mention/{article}/{entity}",
    in_article="nkg:mentionedIn",
    unique=("entity", "mention of"),
)

PARTICIPANT = Record(
    "participant",
    "Participant",
    "An actor taking part in the reported event, in a role.",
    (
        Field(
            "actor",
            Ref("actor"),
            "who took part",
            "nkg:participant",
            required=True,
            mention=True,
        ),
        Field("role", Vocab("role"), "the part it had", "nkg:role", required=True),
        _MODALITY,
    ),
    "nkg:Participation",
    "participation/{article}/{event}/{actor}/{role}",
    in_article="nkg:statedIn",
    parent_ref=("nkg:inEvent", "event"),
)

REPORT = Record(
    "report",
    "Report",
    "What the article says about an event. One report per event per article.",
    (
        Field("event", Ref("event"), "the event", "nkg:reports", required=True),
        Field("date", DATE, "when, as the article says", "nkg:date", inferable=True),
        Field("end_date", DATE, "when it ended", "nkg:endDate", inferable=True),
        _DATE_TEXT,
        Field(
            "place",
            Ref("place"),
            "where, as the article says",
            "nkg:place",
            many=True,
            attr="places",
        ),
        Field(
            "near",
            Ref("place"),
            'places it happened near, as the article says ("near Kirkuk")',
            "nkg:near",
            many=True,
        ),
        Field(
            "participants",
            Nested("participant"),
            "who took part, in which role",
            many=True,
        ),
        _FRAMING,
        _MODALITY,
        _MODALITY_TEXT,
        _EVIDENCE,
        _NOTE,
    ),
    "nkg:EventReport",
    "report/{article}/{event}",
    in_article="nkg:statedIn",
    unique=("event", "report of event"),
)

_SPEAKER = Field(
    "speaker",
    Ref("actor"),
    "who said or wrote the words: a person or a body, never a media outlet (an outlet is the "
    "`channel` of a named speaker, else the `source`)",
    "nkg:speaker",
    mention=True,
)
_SOURCE = Field(
    "source",
    Ref("actor"),
    'whom the article credits for it without quoting a speaker of theirs ("according to '
    'Reuters", "the Guardian noted"): outlets in every such case',
    "nkg:source",
    many=True,
    mention=True,
    attr="sources",
)


def _about(required: bool) -> Field:
    return Field(
        "about",
        Ref("entity"),
        "actors, places or events it is about",
        "nkg:about",
        required=required,
        many=True,
        mention=True,
    )


STATEMENT = Record(
    "statement",
    "Statement",
    "A quote or a claim.",
    (
        _ID,
        Field(
            "kind",
            Classes("statement kind", (("quote", "nkg:Quote"), ("claim", "nkg:Claim"))),
            "`quote`: words in quotation marks; `claim`: reported speech",
            required=True,
        ),
        Field(
            "text",
            TEXT,
            "the quoted words, or the claim in plain words",
            "nkg:text",
            required=True,
        ),
        _SPEAKER,
        Field(
            "channel",
            Ref("actor"),
            'the outlet or platform ("told AP")',
            "nkg:channel",
            mention=True,
        ),
        _SOURCE,
        _about(required=False),
        Field("date", DATE, "when it was said", "nkg:date", inferable=True),
        _DATE_TEXT,
        _MODALITY,
        _MODALITY_TEXT,
        _EVIDENCE,
        _NOTE,
    ),
    iri="statement/{article}/{id}",
    in_article="nkg:statedIn",
    unique=("id", "statement id"),
)

FIGURE = Record(
    "figure",
    "Figure",
    "A number: a `value`, or `lower` and `upper` (a `range` needs both; a `magnitude` like "
    '"hundreds" gives `lower: 100`).',
    (
        _ID,
        Field("quantity", Vocab("quantity"), "what is counted", "nkg:quantity", required=True),
        Field("hedge", Vocab("hedge"), "how the number is qualified", "nkg:hedge", required=True),
        Field("value", COUNT, "the number", "nkg:value", inferable=True),
        Field("lower", COUNT, "low end of a range", "nkg:lowerBound", inferable=True),
        Field("upper", COUNT, "high end of a range", "nkg:upperBound", inferable=True),
        Field("counted", Ref("actor"), "the group counted", "nkg:counted", mention=True),
        _about(required=True),
        Field("as_of", DATE, "when the number holds", "nkg:asOf", inferable=True),
        Field(
            "period_start",
            DATE,
            "start of the period it covers",
            "nkg:periodStart",
            inferable=True,
        ),
        Field(
            "period_text",
            TEXT,
            'the period as written ("since Oct. 1")',
            "nkg:periodText",
            verbatim=True,
        ),
        _SPEAKER,
        _SOURCE,
        _EVIDENCE,
        _NOTE,
    ),
    "nkg:Figure",
    "figure/{article}/{id}",
    in_article="nkg:statedIn",
    unique=("id", "statement id"),
)

_WORDING = Field(
    "wording",
    TEXT,
    'the words that state it ("Tehran-backed", "in retaliation for")',
    "nkg:wording",
    many=True,
    verbatim=True,
)


def _relation(name: str, cls: str, rdf_class: str, doc: str, kind: RefKind, *own: Field) -> Record:
    """An attributed relation between two actors or two events."""
    mention = kind == "actor"
    scheme = "relation-type" if mention else "event-relation-type"
    return Record(
        name,
        cls,
        doc,
        (
            _ID,
            Field(
                "subject",
                Ref(kind),
                f"the {kind} it is about",
                "nkg:relationSubject",
                required=True,
                mention=mention,
            ),
            Field("type", Vocab(scheme), "how they are related", "nkg:relationType", required=True),
            Field(
                "object",
                Ref(kind),
                f"the other {kind}",
                "nkg:relationObject",
                required=True,
                mention=mention,
            ),
            *own,
            _WORDING,
            _MODALITY,
            _MODALITY_TEXT,
            _SPEAKER,
            _SOURCE,
            _EVIDENCE,
            _NOTE,
        ),
        rdf_class,
        "relation/{article}/{id}",
        in_article="nkg:statedIn",
        unique=("id", "statement id"),
    )


RELATION = _relation(
    "relation",
    "Relation",
    "nkg:ActorRelation",
    "What the article says links two actors: `subject` backs, leads, is part of... `object`.",
    "actor",
    Field(
        "office",
        Vocab("office"),
        "for `holds-office`, `leads`, `commands`: the office",
        "nkg:office",
    ),
    Field("since", DATE, "when it began, as the article says", "nkg:since", inferable=True),
    Field("until", DATE, "when it ended, as the article says", "nkg:until", inferable=True),
    _DATE_TEXT,
)
EVENT_RELATION = _relation(
    "event-relation",
    "EventRelation",
    "nkg:EventRelation",
    "What the article says links two events: `subject` was in retaliation for, caused by, "
    "followed by... `object`.",
    "event",
)

STANCE = Record(
    "stance",
    "Stance",
    "The article's position, in the curator's words with evidence: overall (no `toward`), or "
    "toward named actors, places or events.",
    (
        _ID,
        Field("stance", Vocab("stance"), "the attitude", "nkg:stance", required=True),
        Field(
            "toward",
            Ref("entity"),
            "what it is a stance toward (absent: the article's overall position)",
            "nkg:toward",
            many=True,
            mention=True,
        ),
        Field(
            "text",
            TEXT,
            "the position in one sentence, in the curator's words",
            "nkg:text",
            required=True,
        ),
        _EVIDENCE,
        _NOTE,
    ),
    "nkg:Stance",
    "stance/{article}/{id}",
    in_article="nkg:statedIn",
    unique=("id", "statement id"),
)

CITATION = Record(
    "citation",
    "Citation",
    "A work the article cites, and in which role. One citation per work per article.",
    (
        Field("work", Ref("work"), "the work cited", "nkg:cites", required=True),
        Field(
            "role",
            Vocab("citation-role"),
            "what the article does with it",
            "nkg:citationRole",
            required=True,
        ),
        Field(
            "as",
            TEXT,
            "how the article names it, exactly",
            "nkg:surfaceForm",
            many=True,
            attr="forms",
            verbatim=True,
        ),
        _EVIDENCE,
        _NOTE,
    ),
    "nkg:Citation",
    "citation/{article}/{work}",
    in_article="nkg:statedIn",
    unique=("work", "citation of"),
)

INFERRED = Record(
    "inferred",
    "",
    "The form of an inferable field whose value the text does not state.",
    (
        Field("value", TEXT, "the value, as the field takes it", required=True),
        Field("inferred", TEXT, "why, and from what in the text", "nkg:reason", required=True),
    ),
    "nkg:Inference",
    "{subject}/inferred/{field}",
)

# --- drafts: the review mark of `kg draft` (docs/curation.md#drafts) ---------------------------
# Every entry `kg draft` proposes carries `draft: "what to check"`; `kg build` refuses a file
# while an entry keeps it (kg/review.py), `kg verify` checks a draft like any other file.
DRAFT = Field(
    "draft",
    TEXT,
    "set by `kg draft` on each entry it proposes: what to check; delete it once reviewed "
    "(`kg build` refuses an entry that has it)",
)
ARTICLE, ACTOR, PLACE, EVENT, MENTION, REPORT, STATEMENT, FIGURE = (
    replace(r, fields=(*r.fields, DRAFT))
    for r in (ARTICLE, ACTOR, PLACE, EVENT, MENTION, REPORT, STATEMENT, FIGURE)
)
# --- end of drafts ----------------------------------------------------------------------------

RECORDS: dict[str, Record] = {
    r.name: r
    for r in (
        ARTICLE,
        ACTOR,
        PLACE,
        EVENT,
        WORK,
        MENTION,
        REPORT,
        PARTICIPANT,
        STATEMENT,
        FIGURE,
        RELATION,
        EVENT_RELATION,
        STANCE,
        CITATION,
    )
}

SECTIONS: tuple[Section, ...] = (
    Section(
        "article", "article", "metadata of the article (makes the file an article file)", many=False
    ),
    Section("actors", "actor", "actor definitions"),
    Section("places", "place", "place definitions"),
    Section("events", "event", "event definitions"),
    Section("works", "work", "definitions of the works articles cite"),
    Section("mentions", "mention", "how the article names each actor or place", article_only=True),
    Section("reports", "report", "what the article says about events", article_only=True),
    Section("statements", "statement", "quotes and claims", article_only=True),
    Section("figures", "figure", "numbers", article_only=True),
    Section("relations", "relation", "what the article says links two actors", article_only=True),
    Section(
        "event_relations",
        "event-relation",
        "what the article says links two events",
        article_only=True,
    ),
    Section("stances", "stance", "the article's position and stances", article_only=True),
    Section("citations", "citation", "the works the article cites", article_only=True),
)

ENTITY_RECORDS = (ACTOR, PLACE, EVENT, WORK)
ACTOR_TYPES: tuple[str, ...] = tuple(ACTOR_TYPE.values())
EVIDENCE_CLASS = "nkg:Evidence"

_BY_CLASS = {r.cls: r for r in RECORDS.values()}


# --- derived helpers --------------------------------------------------------------------------


@cache
def expand(curie: str) -> URIRef:
    """The IRI of a CURIE such as ``nkg:title`` or ``rdfs:label``."""
    prefix, _, local = curie.partition(":")
    return URIRef(PREFIXES[prefix] + local)


def record_of(obj: object) -> Record:
    """The record a model object was read from."""
    return _BY_CLASS[type(obj).__name__]


def values(obj: object, f: Field) -> list[Any]:
    """A field's values on a model object, as a list (empty when absent)."""
    value = getattr(obj, f.name)
    if f.many:
        return list(value)
    return [] if value is None else [value]


def walk(f: ExtractionFile) -> Iterator[tuple[Record, Any]]:
    """Every record of a file as (record, model object), in section order, nested records
    right after their parent."""
    for section in SECTIONS:
        found = getattr(f, section.key)
        items = found if section.many else ([] if found is None else [found])
        for obj in items:
            yield from _walk(RECORDS[section.record], obj)


def _walk(spec: Record, obj: Any) -> Iterator[tuple[Record, Any]]:
    yield spec, obj
    for f in spec.fields:
        if isinstance(f.type, Nested):
            for child in values(obj, f):
                yield from _walk(RECORDS[f.type.record], child)


@cache
def reference_fields(spec: Record) -> list[Field]:
    """The fields of a record that hold ids of actors, places or events."""
    return [f for f in spec.fields if isinstance(f.type, Ref)]


def entity_references(entity: Entity) -> list[str]:
    """The ids an actor, place or event definition refers to (part_of, located_in, place...),
    in field order: the chains the shapes may follow from it."""
    return [i for f in reference_fields(record_of(entity)) for i in values(entity, f)]
