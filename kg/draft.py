"""``kg draft``: propose an extraction file for a new source text, from the text and what the
graph already knows (every label, alias and spelling of the actors, places and events of the
extraction folder).

Every proposed entry carries its exact evidence (a phrase that occurs once in the text, so
``kg verify`` passes on the draft) and a ``draft:`` mark saying what to check; ``kg build``
refuses a file while any entry keeps the mark (``kg.review``). The English rules are in
``kg.drafttext`` (numbers, dates, sentences) and ``kg.draftmeta`` (headline, byline, genre).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from . import wikidata
from .draftmeta import guess_meta
from .drafttext import (
    WEEKDAYS,
    DatePhrase,
    NumberPhrase,
    Text,
    date_phrases,
    number_phrases,
    states,
)
from .errors import DataError, Location
from .extraction import Vocabulary, extraction_paths, link, read_file
from .fsutil import read_regular
from .links import Status, read_links
from .model import Actor, Corpus, Entity, Event, Figure, Place, Report, Statement
from .schema import SECTIONS
from .yamlstrict import decode

FUZZY_CUTOFF = 88  # rapidfuzz ratio (0-100) for a spelling "like" a known one

# --- the known graph -----------------------------------------------------------------------------


def fold(text: str) -> str:
    """A spelling's key: apostrophes dropped, hyphens as spaces, whitespace collapsed, so that
    "Kata’ib", "Kata'ib" and "Kataib" or "al-Muhandis" and "al Muhandis" are one key."""
    text = re.sub(r"[’‘'`´]", "", text).replace("-", " ")
    text = re.sub(r"\b((?:[A-Z]\.){2,})", lambda m: m[1].replace(".", ""), text)  # U.S. -> US
    return " ".join(text.split())


_ABBREVIATED = {"United States": "US", "United Kingdom": "UK", "United Nations": "UN"}


def variants(form: str) -> list[str]:
    """A spelling and its usual abbreviations ("United States Department of Defense":
    also "US Department of Defense")."""
    out = [form]
    if re.match(r"the [A-Z]\S* \S", form):  # "the US military": also "US military"
        out.append(form[4:])
    for long, short in _ABBREVIATED.items():
        if long in form and form != long:
            out.append(form.replace(long, short))
    words = form.split()
    m = re.fullmatch(r"(\w[\w ]*?) of (?:the )?([A-Z]\w+)", form)
    if m:  # "Government of Iraq": "Iraqi government"
        out += [f"{m[2]}{end} {m[1]}" for end in ("i", "ian", "n", "ese")]
    if len(words) > 1 and re.fullmatch(r"[A-Z]\w+(?:i|ian|n|ese)", words[0]):
        stems = {words[0][:-k] for k in (1, 2, 3)}  # "Iraqi armed forces": "Iraq’s armed ..."
        out += [" ".join([f"{stem}’s", *words[1:]]) for stem in stems]
    # a state's armed forces are its military ("US Armed Forces": "US military")
    out += [re.sub(r"\b[Aa]rmed [Ff]orces$", "military", v) for v in out if _ARMED.search(v)]
    return out


_ARMED = re.compile(r"\S \b[Aa]rmed [Ff]orces$")


def _keyed(form: str) -> tuple[str, bool]:
    """(key, whether case may differ): acronyms and short words keep their case."""
    key = fold(form)
    loose = len(key) >= 5 and not key.isupper() and any(c.islower() for c in key)
    return (key.casefold() if loose else key), loose


@dataclass
class Known:
    """Spellings of the entities the graph knows: key -> entity id (the most used)."""

    entities: dict[str, Entity]
    exact: dict[str, str] = field(default_factory=dict)
    loose: dict[str, str] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)  # key -> one known spelling
    event_actors: dict[str, set[str]] = field(default_factory=dict)
    surnames: dict[str, set[str]] = field(default_factory=dict)  # last name -> persons
    also: dict[str, str] = field(default_factory=dict)  # key -> a second entity it names
    role_keys: set[str] = field(default_factory=set)  # spellings that are titles
    sources: dict[str, str] = field(default_factory=dict)  # source_file -> extraction file
    quotes: dict[str, list[str]] = field(default_factory=dict)  # extraction file -> quotes
    heads: dict[str, str] = field(default_factory=dict)  # head noun -> the entity it names

    @classmethod
    def of(cls, corpus: Corpus | None, names: dict[str, list[str]] | None = None) -> Known:
        """What ``corpus`` knows, and ``names``: more spellings of its entities (entity id ->
        names, such as the Wikidata labels and aliases of the linked items)."""
        if corpus is None:
            return cls({})
        known = cls(dict(corpus.entities))
        votes: dict[tuple[str, bool], Counter[str]] = {}

        common: dict[tuple[str, str], set[str]] = {}  # (key, entity) -> articles
        heads: dict[str, Counter[str]] = {}  # head noun -> entities whose spellings end in it

        def add_head(form: str, entity: str, weight: int = 1) -> None:
            e = corpus.entities.get(entity)
            head = head_noun(form)
            if head and isinstance(e, Actor | Place) and getattr(e, "type", "") != "person":
                heads.setdefault(head, Counter())[entity] += weight

        def add(form: str, entity: str, weight: int = 1) -> None:
            for variant in variants(form):
                key, loose = _keyed(variant)
                votes.setdefault((key, loose), Counter())[entity] += weight
                known.forms.setdefault(key, variant)

        for e in corpus.entities.values():
            if isinstance(e, Actor | Place):
                for form in (e.label, *e.alt_labels):
                    add(form, e.id, 2)
                    add_head(form, e.id, 2)
                for form in (names or {}).get(e.id, []):
                    if _useful(form):
                        add(form, e.id)
                if isinstance(e, Actor) and e.type == "person":
                    for form in (e.label, *e.alt_labels):
                        surname = fold(form).split()[-1]
                        if len(surname) >= 4 and len(fold(form).split()) > 1:
                            known.surnames.setdefault(surname, set()).add(e.id)
        for f, article in corpus.articles():
            for m in f.mentions:
                for role in m.roles:  # "Iraqi Prime Minister": "the Iraqi prime minister"
                    if len(role.split()) >= 2:
                        add(role, m.entity)
                        known.role_keys.update(fold(v).casefold() for v in variants(role))
                for form in m.forms:
                    add_head(form, m.entity)
                    if _useful(form):
                        add(form, m.entity)
                    elif len(fold(form).split()) == 1 and len(form) >= 6:
                        common.setdefault((fold(form).casefold(), m.entity), set()).add(f.path)
            for r in f.reports:
                known.event_actors.setdefault(r.event, set()).update(
                    p.actor for p in r.participants
                )
                known.event_actors[r.event].update(r.places)
            if article.source_file:
                known.sources[article.source_file] = f.path
            records: list[Report | Statement | Figure] = [*f.reports, *f.statements, *f.figures]
            known.quotes[f.path] = [q.text for x in records for q in x.evidence if len(q.text) > 30]
        for (key, entity), articles in common.items():  # a common noun two articles use
            if len(articles) >= 2:
                votes.setdefault((key, True), Counter())[entity] += len(articles)
        for (key, loose), counter in votes.items():
            (known.loose if loose else known.exact)[key] = counter.most_common(1)[0][0]
            ranked = counter.most_common(2)
            if len(ranked) > 1 and ranked[1][1] * 2 >= ranked[0][1]:
                known.also[key.casefold() if loose else key] = ranked[1][0]
        for head, counter in heads.items():  # only a head noun one entity mostly has
            ranked = counter.most_common(2)
            if len(ranked) == 1 or ranked[1][1] * 2 < ranked[0][1]:
                known.heads[head] = ranked[0][0]
        for e in corpus.entities.values():  # "US troops" begins "US troops in Iraq": both
            words = fold(e.label).split()
            for n in range(2, len(words)):
                if words[n] not in ("in", "of", "at", "near", "from", "on"):
                    continue  # a head noun qualified by a place: the same kind of thing
                prefix = " ".join(words[:n])
                for table in (known.exact, known.loose):
                    key = prefix if table is known.exact else prefix.casefold()
                    if table.get(key, e.id) != e.id:
                        known.also.setdefault(key, e.id)
        return known

    def second(self, phrase: str) -> str | None:
        """Another entity the same spelling names, nearly as often."""
        key = fold(phrase)
        return self.also.get(key) or self.also.get(key.casefold())

    def lookup(self, phrase: str) -> str | None:
        key = fold(phrase)
        if key in self.exact:
            return self.exact[key]
        return self.loose.get(key.casefold())


def head_noun(form: str) -> str | None:
    """The head noun of a spelling: the word before its first preposition ("allies in the
    Iraqi government": allies), else its last word ("Iraqi protesters": protesters); None
    when it is written with a capital (part of a name: "Islamic State"), is a quantity
    ("thousands of protesters"), is too short, or the phrase is longer than a noun's
    modifiers (a clause: "Iraqis demonstrating for the withdrawal of US troops")."""
    words = fold(form).split()
    cut = next((i for i, w in enumerate(words) if i and w in _PREPOSITIONS), len(words))
    words = words[:cut]
    if not words or len(words) > 4:
        return None
    head = words[-1]
    if not (head.isalpha() and head.islower() and len(head) >= 4) or head in _DETERMINERS:
        return None
    return head


_PREPOSITIONS = {"of", "in", "at", "near", "from", "on", "for", "with", "against", "to"}


_DEFINITE = {"the", "this", "that", "these", "those"}
# closed-class words that may follow a noun phrase's head (another lower-case word, but a verb
# in the past, may be a noun the head modifies, or "of" qualifying it)
# fmt: off
_CLOSED_WORDS = {
    "and", "or", "but", "nor", "who", "whom", "which", "that", "as", "than", "in", "on", "at",
    "to", "from", "for", "with", "by", "into", "over", "is", "are", "was", "were", "be", "been",
    "has", "have", "had", "will", "would", "can", "could", "may", "might", "must", "shall",
    "should", "do", "does", "did", "not", "also", "still", "then", "now", "again", "too",
}
# fmt: on
_DETERMINERS = {"the", "a", "an", "some", "many", "most", "hundreds", "thousands", "dozens"}


def _useful(form: str) -> bool:
    """A spelling worth looking for: a name (with a capital or a digit), or a phrase of two or
    more words that does not start with a determiner ("anti-government protesters")."""
    words = fold(form).split()
    if not words:
        return False
    if any(c.isupper() or c.isdigit() for c in form):
        return True
    return len(words) >= 2 and words[0].lower() not in _DETERMINERS


# --- what the draft holds ------------------------------------------------------------------------


@dataclass
class Occurrence:
    entity: str
    start: int
    end: int
    text: str
    fuzzy: str | None = None  # the known spelling it resembles, with its score
    ambiguous: str | None = None  # the other entity this spelling names
    described: str | None = None  # why a description, not a name, is taken for the entity


@dataclass
class NewEntity:
    id: str
    kind: str  # actor, place
    type: str
    label: str
    why: str


@dataclass
class Entry:
    """One proposed record: its YAML fields in order, and what the curator should check."""

    fields: dict[str, object]
    check: str
    start: int = 0  # where in the text, to order entries


@dataclass
class Draft:
    article_id: str
    article: Entry
    actors: list[Entry] = field(default_factory=list)
    places: list[Entry] = field(default_factory=list)
    events: list[Entry] = field(default_factory=list)
    mentions: list[Entry] = field(default_factory=list)
    reports: list[Entry] = field(default_factory=list)
    statements: list[Entry] = field(default_factory=list)
    figures: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def yaml(self, source_name: str) -> str:
        """The draft as an extraction file."""
        out = [
            f"# Draft by `kg draft` from {source_name}: every entry is a proposal with a",
            "# `draft:` line saying what to check. Review each against the text, correct it or",
            "# delete it, then delete its `draft:` line; `kg build` refuses the file until no",
            "# entry has one. Format: docs/extraction-format.md; review: docs/curation.md",
            "article:",
        ]
        out += _mapping(self.article, "  ")
        for name in (s.key for s in SECTIONS if s.many):  # the format's order
            entries: list[Entry] | None = getattr(self, name, None)
            if entries is None:
                continue  # a section kg draft does not propose
            out.append("")
            if not entries:
                out.append(f"{name}: []")
                continue
            out.append(f"{name}:")
            for entry in entries:
                lines = _mapping(entry, "    ")
                out.append("  - " + lines[0].lstrip())
                out += lines[1:]
        return "\n".join(out) + "\n"


def _scalar(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.fullmatch(r"(?:\d{4}(?:-\d\d){0,2}|--\d\d-\d\d|[a-z][a-z0-9]*(?:-[a-z0-9]+)*)", text):
        return text  # a date or an id
    return json.dumps(text, ensure_ascii=False)


def _mapping(entry: Entry, indent: str) -> list[str]:
    lines = []
    for key, value in (*entry.fields.items(), ("draft", entry.check)):
        if value is None or value == []:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{indent}{key}:")
            lines += [
                f"{indent}  - {{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in v.items()) + "}"
                for v in value
            ]
        elif isinstance(value, list):
            if len(value) == 1:
                lines.append(f"{indent}{key}: {_scalar(value[0])}")
            else:
                lines.append(f"{indent}{key}:")
                lines += [f"{indent}  - {_scalar(v)}" for v in value]
        elif isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines += [f"{indent}  {k}: {_scalar(v)}" for k, v in value.items()]
        else:
            lines.append(f"{indent}{key}: {_scalar(value)}")
    return lines


def slugify(text: str, words: int = 6) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", fold(text).lower())[:words]) or "x"


# --- the drafter ---------------------------------------------------------------------------------

_TITLES = (
    r"(?:(?:Iraqi|Iranian|US|U\.S\.|American|Israeli|Syrian|former|then)\s+)?"
    r"(?:[Pp]resident|[Pp]rime [Mm]inister|[Ss]ecretary of (?:[Dd]efense|[Ss]tate)|[Ss]ecretary"
    r"|[Mm]inister|[Gg]eneral|[Gg]en\.|[Aa]yatollah|[Ss]enator|[Cc]leric|[Cc]ommander|[Ll]eader"
    r"|[Ee]ditor|[Aa]mbassador)"
)
_TITLE_BEFORE = re.compile(rf"\b(?P<title>{_TITLES})\s*,?\s*$")
_LEADING_TITLE = re.compile(rf"(?:{_TITLES})(?:\s+of\s+[A-Z]\w+)?\s+")
_OUTLET_CUE = re.compile(
    r"(?:\btold|\baccording to|\breported(?:\s+\w+){0,3}\s+in|\bin an article in"
    r"|\bAs an article in)"
    r"\s+(?:the\s*)?$",
    re.IGNORECASE,
)
_ORG_WORDS = {
    "political-party": ("Party",),
    "government-body": (
        "Ministry",
        "Department",
        "Congress",
        "Parliament",
        "Council",
        "Government",
        "Administration",
        "Senate",
        "Corps",
        "Force",
    ),
    "armed-group": ("Brigades", "Hezbollah", "Hizbollah", "Militia", "Army"),
    "media-outlet": (
        "Times",
        "Journal",
        "News",
        "Post",
        "Guardian",
        "Independent",
        "Press",
        "Radio",
        "TV",
        "Newsletter",
        "Magazine",
        "Viewpoint",
        "Tribune",
        "Herald",
    ),
    "organisation": (
        "Union",
        "Alliance",
        "Coalition",
        "Forum",
        "Organization",
        "Organisation",
        "Association",
        "Committee",
        "Focus",
        "Federation",
        "League",
        "Front",
        "Socialists",
        "Against",
    ),
    "movement": ("Movement", "Vests"),
}
_PLACE_WORDS = {
    "site": ("Square", "Zone", "Airport", "Base", "Highway", "Street", "Bridge", "Embassy"),
    "district": ("City", "District", "Quarter"),
    "region": ("Region", "Province", "Kurdistan", "Strip", "Bank"),
}
_SKIP_WORDS = {
    *[
        "The",
        "A",
        "An",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "Its",
        "In",
        "On",
        "At",
        "By",
        "For",
        "From",
        "To",
        "Of",
        "And",
        "But",
        "Or",
        "If",
        "As",
        "When",
        "While",
        "Since",
        "After",
        "Before",
        "Now",
        "Then",
        "There",
        "Here",
        "We",
        "Our",
        "They",
        "Their",
        "He",
        "His",
        "She",
        "Her",
        "I",
        "You",
        "Yes",
        "No",
        "Many",
        "Some",
        "Much",
        "Most",
        "All",
        "Both",
        "Each",
        "Every",
        "Several",
        "Few",
        "Other",
        "Another",
        "Such",
        "What",
        "Which",
        "Who",
        "Update",
        "Click",
        "Source",
        "PS",
        "Today",
        "Yesterday",
        "However",
        "Also",
        "Even",
        "Despite",
        "Is",
        "Are",
        "Was",
        "Were",
        "So",
        "Not",
        "Why",
        "How",
        "Where",
        "Nothing",
        "Neither",
        "Currently",
        "First",
        "Earlier",
        "Later",
        "Estimates",
        "Security",
        "Senior",
        "Small",
        "Authoritarian",
        "Peaceful",
        "Working",
        "Solidarity",
        "Trying",
        "Those",
        "Iraqi",
        "Iranian",
        "American",
        "US",
        "Western",
    ],
}
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|ese|ish|i|an)$")
_MONTH_WORDS = {
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Dec",
    "Oct",
    "Nov",
    "Sept",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
}
_CONNECTORS = {"of", "the", "for", "al", "bin"}

_SPEECH = (
    r"said|says|told|tweeted|stressed|stressing|added|wrote|writes|shouted|warned|stated|"
    r"noted|argued|argues|claimed|declared|announced|insisted|explained|reported|points out|"
    r"called|calling|promised|urged|asked|replied|statement|states|noted|described|presented|"
    r"labelled|branded"
)
_SPEECH_VERB = re.compile(rf"\b(?:{_SPEECH})\b", re.IGNORECASE)
_CLAIM = re.compile(
    r"\b(?P<verb>said|says|claimed|stated|announced|argued|warned|insisted|told \w+)\s+"
    r"(?:that\s+)?(?P<clause>[a-z][^.;]{15,})"
)
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+(?:the\s+)?")


def _rules(*rules: tuple[str, str]) -> list[tuple[re.Pattern[str], str]]:
    """(pattern of English, value) pairs, compiled, case ignored, in order."""
    return [(re.compile(p, re.IGNORECASE), value) for p, value in rules]


# event triggers: a pattern of English -> event type
_TRIGGERS = _rules(
    (r"\bdrone strikes?\b", "drone-strike"),
    (r"\b(?:air ?strikes?|air strikes?|bomb(?:ing|ed)|missile attack)\b", "airstrike"),
    (r"\brocket (?:attacks?|fire)\b", "rocket-attack"),
    (r"\bassassinat(?:ed|ion|ions)\b|\btargeted killings?\b", "targeted-killing"),
    (r"\bstrikes?\b(?= (?:on|against))", "airstrike"),
    (r"\binvasion\b|\binvaded\b", "invasion"),
    (r"\b(?:stormed|storming|siege|assault)\b", "violent-protest"),
    (
        r"\b(?:rall(?:y|ied|ies)|march(?:ed|es)?|demonstrations?|protests?|uprisings?)\b",
        "protest",
    ),
    (r"\b(?:voted?|votes)\b", "vote"),
    (r"\bsanctions\b", "sanctions"),
    (r"\bresign(?:ed|ation)\b|\bstep down\b", "resignation"),
    (r"\b(?:formed|founded|set up)\b", "founding"),
    (r"\bwithdr(?:aw|ew|awal)\b", "withdrawal"),
    (r"\bshoot(?:ing)? down|shot down\b", "shoot-down"),
    (r"\barrest(?:ed|s)?\b", "arrests"),
    (r"\b(?:war|civil war)\b", "war"),
    (r"\brevolution\b", "protest-movement"),
    (r"\b(?:atrocities|massacres?)\b", "armed-attack"),
    (r"\b(?:attacks?|attacked)\b", "armed-attack"),
    (r"\b(?:killed|killing)\b", "military-action"),
    (r"\b(?:sent|send|deployed|reinforced)\b", "troop-deployment"),
)
_TYPE_FAMILY = {
    "airstrike": "strike",
    "drone-strike": "strike",
    "rocket-attack": "strike",
    "armed-attack": "strike",
    "military-action": "strike",
    "targeted-killing": "strike",
    "protest": "protest",
    "protest-movement": "protest",
    "violent-protest": "protest",
    "repression": "protest",
    "labour-strike": "protest",
}

# what a figure counts: a word near the number -> quantity (the first rule that applies)
_QUANTITIES = _rules(
    (r"\b(?:killed|killing|kill|dead|deaths?|lives|murdered|died)\b", "killed"),
    (r"\b(?:wounded|wounding|injured|injuring)\b", "wounded"),
    (r"\b(?:arrested|detained|jailed)\b", "arrested"),
    (r"\bsites?\b", "sites-struck"),
    (r"\btargets\b", "targets"),
    (r"\b(?:attacks|times?)\b", "attacks"),
    (
        r"\b(?:sent|send|sending|additional|more|on their way|reinforce\w*)\b"
        r"(?=.*\b(?:troops|soldiers|Marines|forces)\b)|\b(?:troops|soldiers|Marines)\b"
        r"(?=.*\b(?:sent|on their way)\b)",
        "troops-sent",
    ),
    (r"\b(?:troops|soldiers|Marines|personnel)\b", "troops"),
    (
        r"\b(?:rall\w*|protesters|demonstrators|march\w*|participants|crowds?|people|"
        r"supporters|fighters)\b",
        "participants",
    ),
)


class Drafter:
    """Drafts one text against a known graph."""

    def __init__(self, raw: str, source_name: str, known: Known) -> None:
        self.text = Text(raw)
        self.raw = raw
        self.source_name = source_name
        self.known = known
        self.occurrences: list[Occurrence] = []
        self.new: dict[str, NewEntity] = {}
        self.roles: dict[str, list[tuple[str, str]]] = {}  # entity -> (title, evidence)
        self.used_ids: set[str] = set(known.entities)

    # --- entities ------------------------------------------------------------------------------

    def find_known(self) -> None:
        """Mentions of known entities by any known spelling, longest first."""
        tokens = self.text.tokens
        taken: set[int] = set()
        for n in range(8, 0, -1):
            for i in range(len(tokens) - n + 1):
                if any(j in taken for j in range(i, i + n)):
                    continue
                start, end = tokens[i].start, tokens[i + n - 1].end
                phrase = self.raw[start:end]
                if "\n\n" in phrase:
                    continue
                entity = self.known.lookup(phrase)
                if entity is None and re.search(r"[’']s$", phrase):  # a possessive
                    phrase, end = phrase[:-2], end - 2
                    entity = self.known.lookup(phrase)
                if (
                    entity is not None
                    and (
                        fold(phrase).casefold() in self.known.role_keys
                        or re.fullmatch(_TITLES, phrase)
                    )
                    and re.match(r",?\s+(?:[A-Z]|al-)", self.raw[end : end + 6])
                ):
                    continue  # a title before a name ("Iraq's Prime Minister, X"): X is meant
                if entity is not None:
                    self.occurrences.append(Occurrence(entity, start, end, phrase))
                    taken.update(range(i, i + n))
                    other = self.known.second(phrase)
                    if other is not None and other != entity:
                        self.occurrences.append(
                            Occurrence(other, start, end, phrase, ambiguous=entity)
                        )
        self._coordinated(taken)
        self._definite(taken)
        self._taken = taken
        # a person's surname alone, after a title ("Prime Minister Mahdi") or once the full
        # name has been used
        seen = {o.entity for o in self.occurrences}
        for i, t in enumerate(tokens):
            persons = self.known.surnames.get(fold(t.text).split()[-1])
            if i in taken or not persons or len(persons) != 1 or not t.capitalised:
                continue
            if (
                i + 1 < len(tokens)
                and tokens[i + 1].capitalised
                and tokens[i + 1].start - t.end <= 1
            ):
                continue  # part of a longer name ("Sadr City")
            (person,) = persons
            before = self.raw[max(0, t.start - 40) : t.start]
            earlier = any(o.entity == person and o.end <= t.start for o in self.occurrences)
            if _TITLE_BEFORE.search(before) or (person in seen and earlier):
                self.occurrences.append(Occurrence(person, t.start, t.end, t.text))
                taken.add(i)
        self.occurrences.sort(key=lambda o: o.start)

    def _spaced(self, i: int, j: int) -> bool:
        """Whether tokens i..j (inclusive) are separated by single spaces only."""
        tokens = self.text.tokens
        return all(self.raw[tokens[k].end : tokens[k + 1].start] == " " for k in range(i, j))

    def _coordinated(self, taken: set[int]) -> None:
        """Coordinated modifiers of one head: "US and allied troops" names what "US troops"
        names (the first conjunct with the head, one or two lower-case words)."""
        tokens = self.text.tokens
        for i in range(len(tokens) - 3):
            if tokens[i + 1].text != "and":
                continue
            for n in (2, 1):
                head = tokens[i + 3 : i + 3 + n]
                if (
                    len(head) < n
                    or any(t.text[:1].isupper() for t in head)
                    or any(j in taken for j in range(i + 1, i + 3 + n))
                    or not self._spaced(i, i + 2 + n)
                ):
                    continue
                start, end = tokens[i].start, head[-1].end
                entity = self.known.lookup(f"{tokens[i].text} {self.raw[head[0].start : end]}")
                if entity is None:
                    continue
                first = (start, tokens[i].end)  # "US" alone is a modifier here, not a name
                self.occurrences = [o for o in self.occurrences if (o.start, o.end) != first]
                self.occurrences.append(Occurrence(entity, start, end, self.raw[start:end]))
                taken.update(range(i, i + 3 + n))
                break

    def _definite(self, taken: set[int]) -> None:
        """A definite description by a head noun ("the government", "those forces") names the
        entity whose known spellings mostly end in that noun, when one entity has it."""
        tokens = self.text.tokens
        for i in range(len(tokens) - 1):
            det, noun = tokens[i], tokens[i + 1]
            if (
                det.text.lower() not in _DEFINITE
                or noun.text != noun.text.lower()
                or i in taken
                or i + 1 in taken
                or not self._spaced(i, i + 1)
            ):
                continue
            word = re.sub(r"[’']s$", "", noun.text)  # "the government’s": the government
            entity = self.known.heads.get(word.casefold())
            if entity is None:
                continue
            after = tokens[i + 2] if i + 2 < len(tokens) else None
            if (
                after is not None
                and word == noun.text
                and self._spaced(i + 1, i + 2)
                and after.text.islower()
                and after.text not in _CLOSED_WORDS
                and not after.text.endswith("ed")  # a verb in the past: "the crowd marched"
            ):
                continue  # "the government of X", "the protest movement": not the head
            start, end = det.start, noun.start + len(word)
            why = (
                f"a description ({self.raw[start:end]!r}): the entity the known graph mostly "
                "names with this noun; check which is meant"
            )
            self.occurrences.append(
                Occurrence(entity, start, end, self.raw[start:end], described=why)
            )
            taken.update((i, i + 1))

    def find_names(self) -> None:
        """Names the graph does not know: fuzzy matches of known spellings (marked for
        review), else new candidate entities with a guessed type."""
        tokens = self.text.tokens
        sentence_starts = {s for s, _ in self.text.sentences}
        keys = [k for k in (*self.known.exact, *self.known.loose) if len(k) >= 6]
        slogans = [  # a headline line, or title-case words in quotation marks: not names
            (s, e) for s, e in self.quotations() if _title_case(self.raw[s:e])
        ]
        first = self.text.paragraphs[:3]
        slogans += [(s, e) for s, e in first if _title_case(self.raw[s:e])]
        i = 0
        while i < len(tokens):
            if i in self._taken or not tokens[i].capitalised:
                i += 1
                continue
            j = i
            while j + 1 < len(tokens) and (j + 1) not in self._taken:
                nxt = tokens[j + 1]
                gap = self.raw[tokens[j].end : nxt.start]
                if gap not in ("", " ", "\u00a0"):
                    break
                if nxt.capitalised and nxt.text not in _MONTH_WORDS:
                    j += 1
                elif (
                    nxt.text in _CONNECTORS
                    and j + 2 < len(tokens)
                    and tokens[j + 2].capitalised
                    and (j + 2) not in self._taken
                ):
                    j += 2
                else:
                    break
            run = tokens[i : j + 1]
            i = j + 1
            the = run[0] if run and run[0].text == "The" else None
            while run and (run[0].text in _SKIP_WORDS or run[0].text in _MONTH_WORDS):
                run = run[1:]
            if not run:
                continue
            if the is not None and any(_cue(t.text) for t in run) and run[0].start == the.end + 1:
                run = [the, *run]  # "The Guardian": the article is part of the name
            title = _LEADING_TITLE.match(self.raw, run[0].start, run[-1].end)
            if title and title.end() < run[-1].end:
                rest = [t for t in run if t.start >= title.end()]
                if len(rest) >= 2:
                    run = rest  # "Secretary of State Madeleine Albright": the name
            if len(run) > 2 and run[0].start in sentence_starts and run[1].text in _CONNECTORS:
                run = run[1:]  # "Members of the X": a common noun opens the sentence
            while run and run[0].text in _CONNECTORS:
                run = run[1:]
            while run and run[-1].text in _CONNECTORS:
                run = run[:-1]
            if not run:
                continue
            while run and run[-1].text in _SKIP_WORDS | _FUNCTION_WORDS:
                run = run[:-1]
            if not run:
                continue
            k = self.text.tokens.index(run[0])
            if (
                k > 0
                and (k - 1) in self._taken
                and self.text.tokens[k - 1].capitalised
                and any(_cue(t.text) for t in run)
                and run[0].start - self.text.tokens[k - 1].end == 1
            ):
                run = [self.text.tokens[k - 1], *run]  # "US Labor Against the War"
            start, end = run[0].start, run[-1].end
            if re.search(r"[’']s$", self.raw[start:end]):
                end -= 2  # "Iraq Occupation Focus’s": the name without the possessive
            phrase = self.raw[start:end]
            if any(s <= start < e for s, e in slogans):
                continue
            if len(run) == 1:
                word = run[0].text
                if (
                    word in _MONTH_WORDS
                    or (_DEMONYM.match(word) and not word.isupper() and not _cue(word))
                    or (run[0].start in sentence_starts and not word.isupper())
                    or len(word) < 3
                ):
                    continue
            self._name(phrase, start, end, keys)

        self.occurrences.sort(key=lambda o: o.start)

    def _name(self, phrase: str, start: int, end: int, keys: list[str]) -> None:
        key = _keyed(phrase)[0]
        if len(key) >= 6 and keys:
            best = process.extractOne(
                key.casefold(),
                keys,
                scorer=fuzz.ratio,
                processor=str.casefold,
                score_cutoff=FUZZY_CUTOFF,
            )
            if best is not None:
                match = best[0]
                entity = self.known.exact.get(match) or self.known.loose[match]
                like = self.known.forms.get(match, match)
                self.occurrences.append(
                    Occurrence(entity, start, end, phrase, f"{like!r} ({best[1]:.0f})")
                )
                return
        before = self.raw[max(0, start - 60) : start]
        title = _TITLE_BEFORE.search(before)
        words = phrase.split()
        kind, type_, why = self._guess_type(phrase, words, before, title is not None)
        if kind is None:
            return
        ident = self._new_id(phrase)
        existing = next((e for e in self.new.values() if fold(e.label) == fold(phrase)), None)
        if existing is None:
            existing = self.new[ident] = NewEntity(ident, kind, type_, phrase, why)
        self.occurrences.append(Occurrence(existing.id, start, end, phrase))
        if title is not None:
            t_start = start - len(before) + title.start("title")
            evidence = self.text.evidence(t_start, end)
            if evidence:
                self.roles.setdefault(existing.id, []).append((title["title"].strip(), evidence))

    def _guess_type(
        self, phrase: str, words: list[str], before: str, titled: bool
    ) -> tuple[str | None, str, str]:
        for type_, cues in _PLACE_WORDS.items():
            if words[-1] in cues:
                return "place", type_, f"a place: ends with '{words[-1]}'"
        for type_, cues in _ORG_WORDS.items():
            if any(w in cues for w in words):
                return (
                    "actor",
                    type_,
                    f"{type_}: the name has '{next(w for w in words if w in cues)}'",
                )
        if _OUTLET_CUE.search(before):
            return "actor", "media-outlet", "media outlet: named after 'told' or 'according to'"
        if titled:
            return "actor", "person", "a person: a title stands before the name"
        if 2 <= len(words) <= 4 and all(w[:1].isupper() or w[:3] == "al-" for w in words):
            return "actor", "person", "a person? a name of two to four capitalised words"
        if len(words) == 1 and words[0].isupper() and len(words[0]) >= 3:
            return "actor", "organisation", "an organisation? an acronym"
        return None, "", ""

    def _new_id(self, label: str) -> str:
        base = slugify(label)
        for e in self.new.values():
            if fold(e.label) == fold(label):
                return e.id
        ident, n = base, 2
        while ident in self.used_ids:
            ident, n = f"{base}-{n}", n + 1
        self.used_ids.add(ident)
        return ident

    def _is_person(self, ident: str) -> bool:
        e = self.known.entities.get(ident)
        if isinstance(e, Actor):
            return e.type == "person"
        return ident in self.new and self.new[ident].type == "person"

    def entity_kind(self, ident: str) -> str:
        if ident in self.new:
            return self.new[ident].kind
        e = self.known.entities.get(ident)
        if isinstance(e, Actor):
            return "state" if e.type == "state" else "actor"
        return "place" if isinstance(e, Place) else "event"

    def occurrences_in(self, start: int, end: int) -> list[Occurrence]:
        return [o for o in self.occurrences if o.start >= start and o.end <= end]

    # --- statements ----------------------------------------------------------------------------

    def quotations(self) -> list[tuple[int, int]]:
        """(start, end) of the words inside each pair of quotation marks, per paragraph; a
        paragraph that opens with a closing mark quotes from its start."""
        spans = []
        for p_start, p_end in self.text.paragraphs:
            para = self.raw[p_start:p_end]
            opens = [m.start() for m in re.finditer(r"[“]", para)]
            closes = [m.start() for m in re.finditer(r"[”]", para)]
            if not opens and not closes:
                pairs = _straight_pairs(para)
            else:
                pairs = []
                if closes and (not opens or closes[0] < opens[0]):
                    pairs.append((-1, closes.pop(0)))
                for o in opens:
                    c = next((c for c in closes if c > o), None)
                    if c is not None:
                        pairs.append((o, c))
                        closes.remove(c)
            spans += [(p_start + o + 1, p_start + c) for o, c in pairs if c - o > 2]
            spans += [  # ‘single quotation marks’, not apostrophes
                (p_start + m.start(1), p_start + m.end(1))
                for m in re.finditer(r"(?<![\w])‘([^‘’“”]{2,80}?)’(?![\w])", para)
            ]
        return sorted(spans)

    def statements(self) -> list[Entry]:
        out: list[Entry] = []
        previous: tuple[int, Entry, str | None] | None = None
        for q_start, q_end in self.quotations():
            words = self.raw[q_start:q_end].strip()
            if not words or words.startswith("[") or self.known.lookup(words):
                continue
            s_start, s_end = self.text.sentence_of(q_start)
            para = next(p for p in self.text.paragraphs if p[0] <= q_start < p[1])
            before = self.raw[max(para[0], s_start) : max(q_start - 1, para[0])]
            after_end = s_end if s_end > q_end else self.text.sentence_of(q_end)[1]
            after = self.raw[q_end + 1 : after_end]
            speech = _SPEECH_VERB.search(after[:120]) or _SPEECH_VERB.search(before[-80:])
            n_words = len(words.split())
            titled = _title_case(words) and not words.endswith(("!", "?", "."))
            if titled and n_words <= 6:
                continue  # a name in quotation marks, not words said
            if n_words < 4 and speech is None and not re.search(r"\bas\s*$", before):
                continue
            next_open = self.raw.find("“", q_end + 1, after_end)
            a_end = min(after_end, q_end + 1 + 160) if next_open < 0 else next_open
            b_start = max(para[0], s_start, previous[0] + 1 if previous else 0)
            k = self.text.paragraphs.index(para)
            if q_start - 1 == para[0] and k and self.raw[: para[0]].rstrip().endswith(":"):
                b_start = max(self.text.paragraphs[k - 1][0], previous[0] + 1 if previous else 0)
            speaker, channel = self._attribution(b_start, q_start, q_end, a_end)
            # a quotation with no speaker of its own continues the one just before it in the
            # same sentence, or in the same paragraph when nothing attributes it
            if (
                previous is not None
                and previous[0] >= para[0]
                and (
                    (previous[0] >= s_start and speaker is None)
                    or (speaker is None and speech is None and q_start - previous[0] < 300)
                )
            ):
                entry = previous[1]
                entry.fields["text"] = f"{entry.fields['text']} … {_clean_quote(words)}"
                evs = entry.fields["evidence"]
                ev = self.text.evidence(q_start - 1, q_end + 1)
                if isinstance(evs, list) and ev and not any(ev in e for e in evs):
                    evs.append(ev)
                previous = (q_end, entry, previous[2])
                continue
            in_sentence = s_start <= q_start and q_end <= s_end
            evidence = self.text.evidence(s_start, s_end) if in_sentence else None
            if evidence is None or len(evidence) > 400:
                evidence = self.text.evidence(q_start - 1, q_end + 1)
            if evidence is None:
                continue
            dates = [
                d for d in self.dates if q_end < d.start < after_end or s_start <= d.start < q_start
            ]
            speaker_id = speaker.entity if speaker else None
            fields: dict[str, object] = {
                "id": self._statement_id(speaker_id, words),
                "kind": "quote",
                "text": _clean_quote(words),
                **self._credit(speaker_id),
                "channel": channel.entity if channel else None,
            }
            self._date_fields(fields, dates[:1])
            fields["evidence"] = [evidence]
            check = "quote: check the speaker" + (", channel" if channel else "")
            if speaker is None:
                check = "quote: who said it? (no speaker found)"
            entry = Entry(fields, check, q_start)
            out.append(entry)
            previous = (q_end, entry, speaker_id)
        out += self.claims({e.start for e in out})
        return out

    def _attribution(
        self, b_start: int, q_start: int, q_end: int, a_end: int
    ) -> tuple[Occurrence | None, Occurrence | None]:
        """The speaker and channel of a quotation: the words after it up to the next
        quotation (", X told Y", ", said X", "reported X in Y"), else those before it since the
        last quotation ("X said that", "As X points out:"); the speaker is the actor nearest
        before the first speech verb there, else the first after it; the channel is the actor
        right after "told"."""
        for w_start, w_end in ((q_end + 1, a_end), (b_start, q_start - 1)):
            window = self.raw[w_start:w_end]
            verbs = list(_SPEECH_VERB.finditer(window))
            if not verbs:
                continue
            verb = verbs[0] if w_start > q_end else verbs[-1]  # the one nearest the quote
            actors = [
                o
                for o in self.occurrences_in(w_start, w_end)
                if self.entity_kind(o.entity) in ("actor", "state")
            ]
            v_start, v_end = w_start + verb.start(), w_start + verb.end()
            before = [o for o in actors if o.end <= v_start]
            after = [o for o in actors if o.start >= v_end]
            persons = [o for o in before if self._is_person(o.entity)]
            told = verb[0].lower() == "told"  # "X told Y": Y heard it, the channel
            later = None if told else (after[0] if after else None)
            speaker: Occurrence | None
            if w_start > q_end:  # after the quote: the name right after it
                speaker = before[0] if before else later
            elif persons:  # before it: the sentence's subject, a person
                speaker = persons[0]
            else:
                speaker = before[-1] if before else later
            channel = None
            if told:
                channel = next((o for o in after if o is not speaker), None)
            elif re.match(
                r"\s+\w+(?:\s+\w+)?\s+in\s+(?:the\s*)?$",
                self.raw[v_end : (after[1].start if len(after) > 1 else v_end)] or " ",
            ):
                channel = after[1] if len(after) > 1 else None
            return speaker, channel
        return None, None

    def claims(self, quoted: set[int]) -> list[Entry]:
        """Reported speech: "X said (that) ...", "according to X, ...", without quotation
        marks; the claim's words are the curator's to write."""
        out = []
        for s_start, s_end in self.text.sentences:
            sentence = self.raw[s_start:s_end]
            if "“" in sentence or '"' in sentence:
                continue
            m = _CLAIM.search(sentence)
            speaker: Occurrence | None = None
            if m:
                occ = [
                    o
                    for o in self.occurrences_in(s_start, s_start + m.start())
                    if self.entity_kind(o.entity) in ("actor", "state")
                ]
                speaker = occ[-1] if occ else None
                if speaker is None or s_start + m.start() - speaker.end > 40:
                    continue
            else:
                a = _ACCORDING.search(sentence)
                if not a:
                    continue
                occ = self.occurrences_in(s_start + a.end(), s_end)
                if not occ or occ[0].start != s_start + a.end():
                    continue
                speaker = occ[0]
            evidence = self.text.evidence(s_start, s_end)
            if evidence is None or len(evidence) > 400:
                continue
            fields: dict[str, object] = {
                "id": self._statement_id(speaker.entity, sentence),
                "kind": "claim",
                "text": " ".join(sentence.split()),
                **self._credit(speaker.entity),
            }
            self._date_fields(fields, [d for d in self.dates if s_start <= d.start < s_end][:1])
            fields["evidence"] = [evidence]
            out.append(
                Entry(fields, "claim: reported speech; write the claim in plain words", s_start)
            )
        return out

    def _credit(self, who: str | None) -> dict[str, object]:
        """Who said it: a media outlet is never the speaker but the credited source ("the
        Guardian noted", "according to Reuters")."""
        if who is None:
            return {"speaker": None}
        e = self.known.entities.get(who)
        outlet = (isinstance(e, Actor) and e.type == "media-outlet") or (
            who in self.new and self.new[who].type == "media-outlet"
        )
        return {"source": [who]} if outlet else {"speaker": who}

    def _statement_id(self, speaker: str | None, words: str) -> str:
        base = "-".join(filter(None, [speaker, slugify(words, 3)]))[:60].strip("-")
        ident, n = base, 2
        while ident in self._statement_ids:
            ident, n = f"{base}-{n}", n + 1
        self._statement_ids.add(ident)
        return ident

    def _date_fields(self, fields: dict[str, object], dates: list[DatePhrase]) -> None:
        if not dates:
            return
        d = dates[0]
        fields["date"] = (
            d.value if d.inferred is None else {"value": d.value, "inferred": d.inferred}
        )
        fields["date_text"] = d.text

    # --- figures -------------------------------------------------------------------------------

    def figures(self, reports: dict[tuple[int, int], str]) -> list[Entry]:
        out = []
        ids: set[str] = set()
        quotes = self.quotations()
        date_spans = [(d.start, d.end) for d in self.dates]
        previous: tuple[int, str] | None = None  # (sentence, quantity) of the last figure
        for n in number_phrases(self.raw):
            if any(s <= n.start < e for s, e in date_spans) or self._not_a_count(n):
                continue
            s_start, s_end = self.text.sentence_of(n.start)
            left = self.raw[max(s_start, n.start - 50) : n.start]
            left = re.split(r"[,;:()]", left)[-1] if n.hedge != "officially" else left
            if re.match(r"\s+(?:years?|months?|weeks?|days?|hours?|decades?)\b", self.raw[n.end :]):
                continue  # a duration, not a count
            clause_end = re.search(
                r"[,;:!?”)]|(?<![A-Z])\.(?=\s|$)|\s[–—]\s|\s+(?:and|but|while|which|who)\s",
                self.raw[n.end : s_end],
            )
            right_end = n.end + (clause_end.start() if clause_end else s_end - n.end)
            right = self.raw[n.end : right_end]
            # "a US contractor was killed": the verb is in the phrase
            quantity = _casualty(self.raw[n.start : n.end]) or _quantity(right, left)
            if quantity is None and previous is not None and previous[0] == s_start:
                quantity = previous[1]  # "3 sites in X and two in Y": the same again
            if quantity is None:  # "killed X, Y and at least six others"
                quantity = _casualty(self.raw[s_start : n.start])
            if quantity is None:
                continue
            previous = (s_start, quantity)
            # counted: the first actor named right after the number
            counted = next(
                (
                    o
                    for o in self.occurrences_in(n.end, right_end + 20)
                    if self.entity_kind(o.entity) == "actor" and o.start - n.end < 40
                ),
                None,
            )
            e_start = n.start
            left_words = re.findall(r"\S+", left)
            if left_words and _quantity(" ".join(left_words[-2:]), "") is not None:
                e_start = (
                    n.start - len(left) + left.rfind(left_words[-2 if len(left_words) > 1 else -1])
                )
            word = _quantity_word(right)
            e_end = max(n.end + word if word else n.end, counted.end if counted else 0)
            evidence = self.text.evidence(e_start, e_end)
            if evidence is None or not states(evidence, n):
                continue
            sentence = (s_start, s_end)
            about = [reports[sentence]] if sentence in reports else []
            if counted is not None:
                about.append(counted.entity)
            if not about:
                inside = self.occurrences_in(s_start, s_end)
                place = next(
                    (o for o in inside if self.entity_kind(o.entity) in ("place", "state")),
                    inside[0] if inside else None,
                )
                if place is None:
                    continue
                about.append(place.entity)
            source = None
            a = _ACCORDING.search(self.raw, s_start, s_end)
            if a:
                credit = next(iter(self.occurrences_in(a.start() + 12, s_end)), None)
                source = [credit.entity] if credit else None
            speaker = None
            for q_start, q_end in quotes:
                if q_start <= n.start < q_end:  # the quotation's speaker, or its outlet
                    st = next((s for s in self._statements if s.start == q_start), None)
                    speaker = st.fields.get("speaker") if st else None
                    credited = st.fields.get("source") if st else None
                    source = source or (credited if isinstance(credited, list) else None)
            base = slugify(f"{quantity} {self.raw[n.start : n.end]}", 4)
            ident, k = base, 2
            while ident in ids:
                ident, k = f"{base}-{k}", k + 1
            ids.add(ident)
            fields: dict[str, object] = {
                "id": ident,
                "quantity": quantity,
                "hedge": n.hedge,
                "value": n.value,
                "lower": n.lower,
                "upper": n.upper,
                "counted": counted.entity if counted else None,
                "about": list(dict.fromkeys(about)),
                "speaker": speaker,
                "source": source,
                "evidence": [evidence],
            }
            what = "what is counted" if counted is None else "counted"
            out.append(Entry(fields, f"figure: check quantity, hedge, {what} and about", n.start))
        return out

    def _not_a_count(self, n: NumberPhrase) -> bool:
        """Years, footnotes, issue numbers, ages and clock times are not figures."""
        text = self.raw[n.start : n.end]
        before = self.raw[max(0, n.start - 8) : n.start]
        after = self.raw[n.end : n.end + 3]
        if n.value is not None and 1900 <= n.value <= 2100 and re.fullmatch(r"\d{4}", text):
            return _quantity(" ".join(self.raw[n.end : n.end + 30].split()[:2]), "") is None
        if re.search(r"(?:Vol\.?|No\.|IV|article|\[)\s*$", before) or after.startswith(
            ("]", "%", ":")
        ):
            return True
        if text.lower() == "one" and re.match(r"\s+(?:of|which|another|day)\b", self.raw[n.end :]):
            return True
        return re.match(r"-(?:year|decade|month|day|week)", self.raw[n.end :]) is not None

    # --- reports -------------------------------------------------------------------------------

    def reports(self) -> tuple[list[Entry], list[Entry], dict[tuple[int, int], str]]:
        """Reports of known events and of new ones, from trigger words, with the date and
        places of the sentence; returns (reports, new events, sentence -> event)."""
        reports: dict[str, Entry] = {}
        events: list[Entry] = []
        by_sentence: dict[tuple[int, int], str] = {}
        for s_start, s_end in self.text.sentences:
            sentence = self.raw[s_start:s_end]
            trigger = next(((m, t) for p, t in _TRIGGERS if (m := p.search(sentence))), None)
            if trigger is None:
                continue
            m, type_ = trigger
            dates = [d for d in self.dates if s_start <= d.start < s_end]
            occ = self.occurrences_in(s_start, s_end)
            places = list(
                dict.fromkeys(
                    o.entity for o in occ if self.entity_kind(o.entity) in ("place", "state")
                )
            )
            actors = {o.entity for o in occ}
            event, why = self._known_event(type_, dates, actors)
            evidence = self.text.evidence(s_start, s_end)
            if evidence is None or len(evidence) > 400:
                t_at = s_start + m.start()
                evidence = self.text.evidence(max(s_start, t_at - 60), min(s_end, t_at + 60))
            if evidence is None:
                continue
            if event is None:
                d = dates[0].value if dates else None
                label = f"{type_.replace('-', ' ')}" + (f", {d}" if d else "")
                if places:
                    label += f", {self._label(places[0])}"
                event = self._new_id(f"{type_} {d or ''} {places[0] if places else ''}")
                self.used_ids.add(event)
                efields: dict[str, object] = {"id": event, "type": type_, "label": label}
                if dates and dates[0].inferred is None:
                    efields["date"] = dates[0].value
                efields["place"] = places[:2] or None
                events.append(
                    Entry(
                        efields,
                        f"new event from '{m[0]}': is it one the graph knows? type, label",
                        s_start,
                    )
                )
                why = f"new event from the trigger '{m[0]}'"
            by_sentence[(s_start, s_end)] = event
            if event in reports:
                ev = reports[event].fields["evidence"]
                if isinstance(ev, list) and len(ev) < 3 and evidence not in ev:
                    ev.append(evidence)
                continue
            fields: dict[str, object] = {"event": event}
            self._date_fields(fields, dates[:1])
            fields["place"] = places[:3] or None
            fields["evidence"] = [evidence]
            reports[event] = Entry(
                fields, f"report: {why}; check date, place, add participants", s_start
            )
        return list(reports.values()), events, by_sentence

    def _known_event(
        self, type_: str, dates: list[DatePhrase], actors: set[str]
    ) -> tuple[str | None, str]:
        best: tuple[float, str, str] | None = None
        family = _TYPE_FAMILY.get(type_, type_)
        for e in self.known.entities.values():
            if not isinstance(e, Event) or _TYPE_FAMILY.get(e.type, e.type) != family:
                continue
            score = 0.0
            why = []
            if (
                e.date is not None
                and dates
                and any(
                    d.value == e.date.text
                    or (len(e.date.text) >= 7 and d.value.startswith(e.date.text))
                    for d in dates
                )
            ):
                score += 2
                why.append(f"date {e.date.text}")
            shared = actors & (self.known.event_actors.get(e.id, set()) | set(e.places))
            if len(shared) >= 2:
                score += len(shared) * 0.5
                why.append("shares " + ", ".join(sorted(shared)))
            if score >= 2 and (best is None or score > best[0]):
                best = (score, e.id, "; ".join(why))
        if best is None:
            return None, ""
        return best[1], f"known event ({best[2]})"

    def _label(self, ident: str) -> str:
        e = self.known.entities.get(ident)
        return e.label if e is not None else self.new[ident].label if ident in self.new else ident

    # --- the whole draft -----------------------------------------------------------------------

    def draft(self, article_id: str | None = None) -> Draft:
        self._statement_ids: set[str] = set()
        meta = guess_meta(self.raw)
        self.find_known()
        self.find_names()
        published = meta.values.get("published")
        published_why = None
        if published is None:
            published, published_why = self._undated()
        self.dates = date_phrases(self.raw, published)
        title = meta.values.get("title", "TITLE")
        ident = article_id or "-".join(
            p for p in (slugify(title), published if published and len(published) >= 7 else "") if p
        )
        article_fields: dict[str, object] = {
            "id": ident,
            "title": title,
            "genre": meta.values["genre"],
        }
        actors: list[Entry] = []
        authors = []
        for name, kind in meta.author_kinds.items():
            author = self.known.lookup(name) or self._new_id(name)
            authors.append(author)
            if author not in self.known.entities and author not in self.new:
                self.new[author] = NewEntity(author, "actor", kind, name, "the article's author")
        article_fields["authors"] = authors or None
        outlet = meta.values.get("outlet")
        if outlet:
            oid = self.known.lookup(outlet) or self._new_id(outlet)
            if oid not in self.known.entities and oid not in self.new:
                self.new[oid] = NewEntity(
                    oid, "actor", "media-outlet", outlet, "the article's outlet"
                )
            article_fields["outlet"] = oid
        if published:
            article_fields["published"] = (
                published
                if published_why is None
                else {"value": published, "inferred": published_why}
            )
        article_fields["url"] = meta.values.get("url")
        article_fields["source_file"] = self.source_name
        provenance = ", ".join(f"{k} from line {n}" for k, n in meta.lines.items() if n)
        article = Entry(
            article_fields,
            f"metadata guessed ({provenance or 'nothing found'}); genre "
            f"'{meta.values['genre']}' from cues",
        )
        reports, events, by_sentence = self.reports()
        self._statements = self.statements()
        figures = self.figures(by_sentence)
        draft = Draft(ident, article, actors, [], events, [], reports, self._statements, figures)
        self._entities_and_mentions(draft)
        draft.warnings = self.curated_warnings()
        return draft

    def _undated(self) -> tuple[str | None, str | None]:
        """No dateline: an article is written after the events it names. The latest dated
        event (day precision) of the graph that a person the text names took part in gives
        the publication month; a later day of that month the text names makes it a day."""
        persons = {
            o.entity
            for o in self.occurrences
            if isinstance(e := self.known.entities.get(o.entity), Actor) and e.type == "person"
        }
        latest: str | None = None
        for e in self.known.entities.values():
            if not isinstance(e, Event) or e.date is None or len(e.date.text) != 10:
                continue
            if self.known.event_actors.get(e.id, set()) & persons and (
                latest is None or e.date.text > latest
            ):
                latest = e.date.text
        if latest is None:
            return None, None
        month = latest[:7]
        later = [
            d.value
            for d in date_phrases(self.raw, month)
            if d.value.startswith(month)
            and d.value > latest
            and re.search(r"[A-Z][a-z]", d.text)
            and not re.search(
                "|".join(w.capitalize() for w in WEEKDAYS) + "|[Yy]esterday|[Tt]oday", d.text
            )
        ]
        if later:
            return max(later), (
                f"no dateline: the latest day the text names ({max(later)}), after the latest "
                f"known event it names a person of ({latest})"
            )
        return (
            month,
            f"no dateline: written after the latest known event it names a person of ({latest})",
        )

    def _entities_and_mentions(self, draft: Draft) -> None:
        needed: set[object] = set()
        for entry in (*draft.reports, *draft.statements, *draft.figures):
            for key in ("speaker", "channel", "counted", "about", "source", "place"):
                value = entry.fields.get(key)
                needed.update(value if isinstance(value, list) else [value] if value else [])
        for key in ("authors", "outlet"):
            value = draft.article.fields.get(key)
            needed.update(value if isinstance(value, list) else [value] if value else [])
        by_entity: dict[str, list[Occurrence]] = {}
        for o in sorted(self.occurrences, key=lambda o: o.start):
            by_entity.setdefault(o.entity, []).append(o)
        for ident, new in self.new.items():
            if ident not in by_entity and ident not in needed:
                continue
            entry = Entry(
                {"id": ident, "type": new.type, "label": new.label},
                f"new {new.kind}: {new.why}; is it one the graph knows under another name?",
            )
            (draft.actors if new.kind == "actor" else draft.places).append(entry)
        for ident, occs in by_entity.items():
            if self.entity_kind(ident) == "event":
                continue
            forms = list(dict.fromkeys(" ".join(o.text.split()) for o in occs))
            fields: dict[str, object] = {"entity": ident, "as": forms}
            roles = self.roles.get(ident, [])
            if roles:
                fields["role"] = list(dict.fromkeys(r for r, _ in roles))
                fields["evidence"] = list(dict.fromkeys(e for _, e in roles))
            fuzzy = [o for o in occs if o.fuzzy]
            ambiguous = [o for o in occs if o.ambiguous]
            if ambiguous:
                check = (
                    f"ambiguous: {ambiguous[0].text!r} names {ambiguous[0].ambiguous} or this "
                    "entity in other articles: keep the one meant"
                )
            elif all(o.described for o in occs):
                check = occs[0].described or ""
            elif fuzzy:
                check = "fuzzy match: " + "; ".join(
                    f"{o.text!r} is like {o.fuzzy}" for o in fuzzy[:3]
                )
            elif ident in self.new:
                check = "mention of a new entity"
            else:
                check = "known entity by a known spelling"
            draft.mentions.append(Entry(fields, check, occs[0].start))
        mentioned = {e.fields["entity"] for e in draft.mentions}
        for other in needed - mentioned:  # authors and outlets named only in the metadata
            ident = str(other)
            if self.entity_kind(ident) in ("actor", "state"):
                name = self._label(ident)
                if self.text.count(name):
                    draft.mentions.append(
                        Entry({"entity": ident, "as": [name]}, "named in the metadata", 0)
                    )
        draft.mentions.sort(key=lambda e: e.start)

    def curated_warnings(self) -> list[str]:
        out = []
        curated = self.known.sources.get(self.source_name)
        if curated:
            out.append(f"{self.source_name} is already curated in {curated}")
        for path, quotes in self.known.quotes.items():
            if path == curated or not quotes:
                continue
            found = sum(1 for q in quotes if self.text.count(q))
            if found * 2 >= len(quotes):
                out.append(
                    f"the text holds {found} of the {len(quotes)} evidence quotes of {path}: "
                    "it looks already curated there"
                )
        return out


def _cue(word: str) -> bool:
    """Whether a word says what kind of organisation or place a name is."""
    word = re.sub(r"[’']s$", "", word)
    return any(word in cues for cues in (*_ORG_WORDS.values(), *_PLACE_WORDS.values()))


_FUNCTION_WORDS = {"With", "Against", "About", "Without", "Into", "Over", "Under", "Between"}


def _title_case(text: str) -> bool:
    words = [re.sub(r"^(?:al|el)-", "", w) for w in re.findall(r"[^\W\d_][\w’'-]*", text)]
    return 0 < len(words) <= 12 and all(w[:1].isupper() for w in words if len(w) > 3)


def _straight_pairs(para: str) -> list[tuple[int, int]]:
    """Pairs of straight double quotes: one opens after a space or a bracket and before a
    word; one closes after a word. A mark between letters (mojibake) is neither."""
    pairs, opened = [], None
    for m in re.finditer(r'"', para):
        i = m.start()
        before = para[i - 1] if i else " "
        after = para[i + 1] if i + 1 < len(para) else " "
        if opened is None and (before.isspace() or before in "([") and not after.isspace():
            opened = i
        elif opened is not None and not before.isspace():
            pairs.append((opened, i))
            opened = None
    return pairs


def _clean_quote(words: str) -> str:
    return " ".join(words.split())


def _quantity(right: str, left: str) -> str | None:
    """What a number counts: the first rule that the words right after it or the three
    words before it satisfy ("killed over 450 protesters": killed), else the clause before."""
    near = " ".join(left.split()[-3:]) + " " + right
    for words in (near, left):
        for pattern, quantity in _QUANTITIES:
            if pattern.search(words):
                return quantity
    return None


_CASUALTY = re.compile(r"\b(?:killed|killing|wounded|wounding|injured|arrested)\b", re.IGNORECASE)


def _quantity_word(right: str) -> int:
    """Where the word that says what a number counts ends, in the words after it (0: none)."""
    for pattern, _ in _QUANTITIES:
        m = pattern.search(right)
        if m:
            return m.end()
    return 0


def _casualty(before: str) -> str | None:
    """The casualty verb an elliptical number depends on, from the words before it."""
    found = _CASUALTY.findall(before)
    return _quantity(found[-1], "") if found else None


def draft_text(
    raw: str,
    source_name: str,
    corpus: Corpus | None,
    article_id: str | None = None,
    names: dict[str, list[str]] | None = None,
) -> Draft:
    """The draft of one text against the known graph ``corpus`` (None: nothing known) and
    ``names``, more spellings of its entities (entity id -> names)."""
    return Drafter(raw, source_name, Known.of(corpus, names)).draft(article_id)


def linked_names(links: Path, cache_dir: Path) -> dict[str, list[str]]:
    """The Wikidata labels and aliases, from the cache, of the items the links file links
    (accepted rows): entity id -> names. Nothing when either is absent; no request is made."""
    if not links.is_file():
        return {}
    cached = wikidata.cached_names(cache_dir)
    return {
        row.entity: cached[row.qid]
        for row in read_links(links)
        if row.status is Status.ACCEPTED and row.qid in cached
    }


def read_source(path: Path) -> str:
    """A source text, with located errors for a missing, binary, non-UTF-8 or empty file."""
    data = read_regular(path)  # not found, a folder, a FIFO: located errors
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DataError("binary file (NUL byte): not a source text", Location(path, line))
    raw = decode(data, path)
    if not raw.strip():
        raise DataError("empty source text: nothing to draft", Location(path))
    return raw


def known_corpus(folder: Path, vocab: Vocabulary) -> Corpus:
    """What the extraction folder knows: every file read (a file that does not read is a
    located error), references not checked (a draft needs only names)."""
    return link([read_file(p, vocab) for p in extraction_paths(folder)])[0]


def draft_source(
    source: Path,
    extractions: Path | None,
    vocab: Vocabulary,
    article_id: str | None = None,
    links: Path | None = None,
    cache_dir: Path | None = None,
) -> Draft:
    """The draft of the source text ``source`` against the extraction folder (or nothing)
    and, with ``links`` and ``cache_dir``, the Wikidata names of the linked entities."""
    corpus = known_corpus(extractions, vocab) if extractions is not None else None
    names = linked_names(links, cache_dir) if links and cache_dir else None
    return draft_text(read_source(source), source.name, corpus, article_id, names)
