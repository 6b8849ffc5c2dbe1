"""Plain objects for what an extraction file holds; every one knows its file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import Location

ACTOR_TYPES = (
    "person",
    "organisation",
    "armed-group",
    "government-body",
    "political-party",
    "media-outlet",
    "state",
    "movement",
    "collective-group",
)


@dataclass(frozen=True)
class Date:
    """A date as precise as the text allows: ``2020``, ``2020-01``, ``2020-01-03``, ``--02-02``."""

    text: str
    datatype: str  # xsd local name: date, gYearMonth, gYear, gMonthDay


@dataclass(frozen=True)
class Quote:
    """An evidence quote: an exact span of the article's text."""

    text: str
    where: Location


@dataclass
class Entity:
    """Something defined once and shared by all articles: an actor, a place or an event."""

    id: str
    type: str
    label: str
    where: Location
    alt_labels: list[str] = field(default_factory=list)
    description: str | None = None
    note: str | None = None
    field_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Actor(Entity):
    part_of: list[str] = field(default_factory=list)
    located_in: list[str] = field(default_factory=list)  # states only: they are places too


@dataclass
class Place(Entity):
    located_in: list[str] = field(default_factory=list)


@dataclass
class Event(Entity):
    date: Date | None = None
    end_date: Date | None = None
    places: list[str] = field(default_factory=list)
    sub_event_of: str | None = None


@dataclass
class Article:
    id: str
    title: str
    genre: str
    where: Location
    authors: list[str] = field(default_factory=list)
    outlet: str | None = None
    published: Date | None = None
    url: str | None = None
    source_file: str | None = None
    note: str | None = None
    inferred: dict[str, str] = field(default_factory=dict)  # field name -> reason
    field_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Mention:
    entity: str
    forms: list[str]
    where: Location
    roles: list[str] = field(default_factory=list)
    evidence: list[Quote] = field(default_factory=list)


@dataclass
class Participant:
    actor: str
    role: str
    where: Location


@dataclass
class Report:
    event: str
    where: Location
    date: Date | None = None
    end_date: Date | None = None
    date_text: str | None = None
    places: list[str] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    evidence: list[Quote] = field(default_factory=list)
    note: str | None = None
    inferred: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)


class StatementKind(StrEnum):
    """What an article attributes: someone's words (a quote), or what it says is so (a claim)."""

    QUOTE = "quote"
    CLAIM = "claim"


@dataclass
class Statement:
    """A quote or a claim (``kind``) attributed to a speaker or a credited source."""

    id: str
    kind: StatementKind
    text: str
    where: Location
    speaker: str | None = None
    channel: str | None = None
    sources: list[str] = field(default_factory=list)
    about: list[str] = field(default_factory=list)
    date: Date | None = None
    date_text: str | None = None
    evidence: list[Quote] = field(default_factory=list)
    note: str | None = None
    inferred: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Figure:
    id: str
    quantity: str
    hedge: str
    where: Location
    about: list[str] = field(default_factory=list)
    counted: str | None = None
    value: int | None = None
    lower: int | None = None
    upper: int | None = None
    as_of: Date | None = None
    period_start: Date | None = None
    period_text: str | None = None
    speaker: str | None = None
    sources: list[str] = field(default_factory=list)
    evidence: list[Quote] = field(default_factory=list)
    note: str | None = None
    inferred: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class ExtractionFile:
    """One YAML file: an article with what it says, and/or shared entity definitions."""

    path: str
    article: Article | None = None
    actors: list[Actor] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def entities(self) -> list[Entity]:
        return [*self.actors, *self.places, *self.events]


@dataclass
class Corpus:
    """All extraction files, with the global index of entity ids."""

    files: list[ExtractionFile]
    entities: dict[str, Entity]

    def articles(self) -> list[tuple[ExtractionFile, Article]]:
        return [(f, f.article) for f in self.files if f.article is not None]
