"""The English rules of ``kg draft`` that need no knowledge of the graph: sentences, tokens,
evidence spans that occur once, numbers with their hedges, and dates with their precision.

Every rule names a pattern of English news writing ("at least N", "some N", "between N and
M", "Dec. 29", "on Sunday", "the next day"), never a phrase of one article.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from .verify import Normalised, numbers_in

# --- text, sentences, tokens -------------------------------------------------------------------

_ABBREVIATIONS = re.compile(
    r"(?:\b(?:[A-Z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sgt|Rep|Sen|Gov|Vol|No|vs|etc|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])\.)$"
)
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
_TOKEN = re.compile(
    r"(?:[A-Z]\.){2,}|[^\W_]+?(?:[’'\-][^\W_]+)*(?=[A-Z][a-z]|[^\w’'-]|[’'-](?!\w)|$)"
)  # a lowercase word glued to a capitalised one ("theNew") is two tokens


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def capitalised(self) -> bool:
        t = self.text
        if t[:3].lower() in ("al-", "el-") and len(t) > 3:
            return t[3].isupper()
        return t[:1].isupper()


class Text:
    """A source text, its sentences and tokens, and where a phrase of it occurs."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.norm = Normalised.of(raw)
        self.tokens = [Token(m[0], m.start(), m.end()) for m in _TOKEN.finditer(raw)]

    @cached_property
    def paragraphs(self) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", self.raw) if m[0].strip()]

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) of every sentence: paragraphs split after . ! ? before a capital,
        unless the period ends an abbreviation ("U.S.", "Dec.")."""
        out = []
        for start, end in self.paragraphs:
            begin = start
            for m in _SENTENCE_END.finditer(self.raw, start, end):
                if m[0][0] == "." and _ABBREVIATIONS.search(self.raw, begin, m.start() + 1):
                    continue
                out.append((begin, m.end()))
                begin = m.end()
                while begin < end and self.raw[begin].isspace():
                    begin += 1
            if begin < end:
                out.append((begin, end))
        return out

    def sentence_of(self, pos: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= pos < end:
                return start, end
        return pos, pos

    def tokens_in(self, start: int, end: int) -> list[Token]:
        return [t for t in self.tokens if t.start >= start and t.end <= end]

    def count(self, phrase: str) -> int:
        return len(self.norm.find_all(Normalised.of(phrase.strip()).text))

    def evidence(self, start: int, end: int) -> str | None:
        """The shortest phrase around ``[start, end)`` that occurs once in the text, grown a
        word at a time to each side within its sentence; None if even the sentence does not."""
        s_start, s_end = self.sentence_of(start)
        s_end = max(s_end, end)
        left, right = start, end
        grow_right = True
        while True:
            phrase = self.raw[left:right].strip()
            if phrase and self.count(phrase) == 1:
                return phrase
            if left <= s_start and right >= s_end:
                return None
            if (grow_right or left <= s_start) and right < s_end:
                right = _next_word_end(self.raw, right, s_end)
            else:
                left = _previous_word_start(self.raw, left, s_start)
            grow_right = not grow_right


def _next_word_end(raw: str, pos: int, limit: int) -> int:
    m = re.compile(r"\s*\S+").match(raw, pos, limit)
    return m.end() if m else limit


def _previous_word_start(raw: str, pos: int, limit: int) -> int:
    i = pos
    while i > limit and raw[i - 1].isspace():
        i -= 1
    while i > limit and not raw[i - 1].isspace():
        i -= 1
    return i


# --- numbers -------------------------------------------------------------------------------------

_UNIT_WORDS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TEN_WORDS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_NUMBER = (
    r"(?:(?:" + "|".join(_TEN_WORDS) + r")(?:-(?:" + "|".join(_UNIT_WORDS[:9]) + r"))?"
    r"|" + "|".join(sorted(_UNIT_WORDS, key=len, reverse=True)) + r")"
    r"(?:\s+(?:hundred|thousand|million|dozen))*"
)
_DIGIT_NUMBER = (
    r"\d{1,3}(?:,\d{3})+(?![\d,])|\d{1,3}(?:\.\d{3})+(?![\d.])|\d+(?:\.\d+)?\s+(?:million|billion)"
    r"|\d+(?:st|nd|rd|th)?"
)
_MAGNITUDE = (
    r"(?:tens|hundreds) of thousands|half a (?:million|dozen)|a dozen|dozens|scores|hundreds"
    r"|thousands|millions"
)
NUMBER = rf"(?:{_MAGNITUDE}|{_DIGIT_NUMBER}|{_WORD_NUMBER})"
_HEDGES = {
    "at least": "at-least",
    "more than": "more-than",
    "over": "more-than",
    "upwards of": "more-than",
    "some": "approximately",
    "about": "approximately",
    "around": "approximately",
    "approximately": "approximately",
    "roughly": "approximately",
    "an estimated": "approximately",
    "nearly": "nearly",
    "almost": "nearly",
    "close to": "nearly",
    "(officially)": "officially",
    "officially": "officially",
}
_HEDGE = "|".join(re.escape(h) for h in sorted(_HEDGES, key=len, reverse=True))
_FIGURE = re.compile(
    rf"(?<![\w.,])(?:(?P<rng>between|from)\s+(?P<lo>{NUMBER})\s+(?:and|to)\s+(?P<hi>{NUMBER})"
    rf"|(?:(?P<hedge>{_HEDGE})\s+)?(?P<num>{NUMBER})(?:\s*(?:-|to|–)\s*(?P<hi2>{NUMBER}))?)"
    r"(?![\w])",
    re.IGNORECASE,
)
_ONE_CASUALTY = re.compile(
    r"\b(?P<verb>killed|wounded|injured|arrested)\s+(?P<num>an?)\s+\S"
    r"|\b(?P<num2>an?)\s+(?:[\w.’'-]+\s+){0,3}(?:was|has been)\s+(?P<verb2>killed|wounded|injured"
    r"|arrested)\b",
    re.IGNORECASE,
)


def number_value(text: str) -> int | None:
    """The whole number a number phrase states (a magnitude word gives its lower bound)."""
    t = text.lower().strip()
    if t in ("a", "an"):
        return 1
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", t)
    if m:
        return int(m[1])
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+|\d+", t):
        return int(re.sub(r"\D", "", t))
    stated = numbers_in(t)
    return max(stated) if stated else None


@dataclass(frozen=True)
class NumberPhrase:
    """A number in the text: where, its hedge, and its value or bounds."""

    start: int
    end: int
    hedge: str
    value: int | None = None
    lower: int | None = None
    upper: int | None = None


def number_phrases(raw: str) -> list[NumberPhrase]:
    """Every number phrase of a text with its hedge: "at least 25", "some 5,000", "over 450",
    "between 60,000 and 80,000", "from 200,000 to 250,000", "hundreds of thousands",
    "half a million", "(officially) 2,500", "3.500", "killed a ..."."""
    out: list[NumberPhrase] = []
    for m in _FIGURE.finditer(raw):
        if m["rng"]:
            lo, hi = number_value(m["lo"]), number_value(m["hi"])
            if lo is not None and hi is not None and lo < hi:
                out.append(NumberPhrase(m.start(), m.end(), "range", lower=lo, upper=hi))
            continue
        if m["hi2"]:
            lo, hi = number_value(m["num"]), number_value(m["hi2"])
            if lo is not None and hi is not None and lo < hi:
                out.append(NumberPhrase(m.start("num"), m.end(), "range", lower=lo, upper=hi))
                continue
        num = m["num"]
        value = number_value(num)
        if value is None:
            continue
        start = m.start()
        if re.fullmatch(_MAGNITUDE, num, re.IGNORECASE) and not num.lower().startswith(
            ("half", "a dozen")
        ):
            if m["hedge"]:
                start = m.start("num")
            out.append(NumberPhrase(start, m.end("num"), "magnitude", lower=value))
            continue
        hedge = _HEDGES[m["hedge"].lower()] if m["hedge"] else "exact"
        out.append(NumberPhrase(start, m.end("num"), hedge, value=value))
    for m in _ONE_CASUALTY.finditer(raw):
        if m["num"]:  # "killed a ...": the number
            out.append(NumberPhrase(m.start("num"), m.end("num"), "exact", value=1))
        else:  # "a US contractor was killed": up to the verb
            out.append(NumberPhrase(m.start("num2"), m.end("verb2"), "exact", value=1))
    return sorted(out, key=lambda n: n.start)


def states(evidence: str, n: NumberPhrase) -> bool:
    """Whether every number of ``n`` is in ``evidence`` as ``kg verify`` reads numbers."""
    stated = numbers_in(Normalised.of(evidence).text)
    return all(v in stated for v in (n.value, n.lower, n.upper) if v is not None)


# --- dates ---------------------------------------------------------------------------------------

MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for name in names
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_ORDINAL_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
        ],
        1,
    )
}
_MONTH = r"(?P<month>(?i:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r"))\b\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_DAY_WORD = r"(?P<dayword>(?i:" + "|".join(_ORDINAL_WORDS) + r"))\b"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)\b"
_LEAD = r"(?P<lead>(?:[Ss]ince|[Ii]n|[Oo]n|[Ee]arlier in|[Ll]ate|[Ee]arly)\s+)?"
_DATE = re.compile(
    r"(?<![\w-])(?:"
    + rf"{_LEAD}{_MONTH}\s+(?:{_DAY}|{_DAY_WORD})(?:,?\s+{_YEAR})?"
    + rf"|{_LEAD.replace('lead', 'lead2')}(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+"
    + _MONTH.replace("month", "month2")
    + rf"(?:,?\s+{_YEAR.replace('year', 'year2')})?"
    + rf"|{_LEAD.replace('lead', 'lead3')}{_MONTH.replace('month', 'month3')}"
    + rf"(?:\s+{_YEAR.replace('year', 'year3')})?"
    + rf"|(?P<lead4>(?:[Ss]ince|[Ii]n|[Oo]f|[Bb]y|[Uu]ntil)\s+){_YEAR.replace('year', 'year4')}"
    + r"|(?P<wlead>(?:[Oo]n|[Tt]his|[Ll]ast)\s+)(?P<weekday>"
    + "|".join(w.capitalize() for w in WEEKDAYS)
    + r")(?:\s+(?:morning|afternoon|evening|night))?"
    + r"|(?P<rel>[Yy]esterday|[Tt]oday|[Tt]he next day|[Tt]he following day|[Tt]he day before"
    + r"|[Tt]he day after|(?P<n>two|three|four|five|six|\d)\s+days\s+(?P<dir>before|later|after))"
    + r")(?![\w])(?!\s+an?\s)"  # "five days after a new round...": a new event, not a date
)
_CAPITAL_MONTH_ONLY = {"may", "march"}  # also ordinary words: a month only when capitalised


@dataclass(frozen=True)
class DatePhrase:
    """A date in the text: where, as written, its value with its precision, and why, when
    the text does not state all of it."""

    start: int
    end: int
    text: str
    value: str  # 2019-12-29, 2019-12, 2019 or --12-29
    inferred: str | None = None

    @property
    def day(self) -> dt.date | None:
        return dt.date.fromisoformat(self.value) if len(self.value) == 10 else None


def date_precision(value: str) -> str:
    return {10: "day", 7: "month", 4: "year"}.get(len(value), "day of a year not given")


def date_phrases(raw: str, published: str | None) -> list[DatePhrase]:
    """Every date of a text, resolved against the publication date ``published`` (any
    precision, or None) and against the dates before it ("the next day"): a month and day
    without a year take the year that puts them on or before publication (marked inferred);
    a weekday is the last one before publication; "N days before" counts from the last day
    the text gave."""
    pub = _parse(published)
    out: list[DatePhrase] = []
    anchor: dt.date | None = None
    for m in _DATE.finditer(raw):
        d = _resolve(m, pub, published, anchor)
        if d is None:
            continue
        out.append(d)
        if d.day is not None and not m["rel"] and not m["weekday"]:
            anchor = d.day  # relative dates count from the last date the text stated
    return out


def _parse(value: str | None) -> tuple[int, int | None, int | None] | None:
    if value is None or value.startswith("--"):
        return None
    parts = [int(p) for p in value.split("-")]
    return parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None


def _resolve(
    m: re.Match[str],
    pub: tuple[int, int | None, int | None] | None,
    published: str | None,
    anchor: dt.date | None,
) -> DatePhrase | None:
    text = m[0]
    g = m.groupdict()
    month_word = g["month"] or g["month2"] or g["month3"]
    if month_word is not None:
        raw_month = month_word.rstrip(".")
        if raw_month.lower() in _CAPITAL_MONTH_ONLY and not raw_month[0].isupper():
            return None
        if g["month3"] and not (g["year3"] or g["lead3"]):
            return None  # a bare month name ("May") is too often another word
        month = MONTHS[raw_month.lower()]
        day_text = g["day"] or g["day2"]
        day = int(day_text) if day_text else _ORDINAL_WORDS.get((g["dayword"] or "").lower())
        year_text = g["year"] or g["year2"] or g["year3"]
        if day is not None and not 1 <= day <= 31:
            return None
        if year_text:
            value = f"{year_text}-{month:02d}" + (f"-{day:02d}" if day else "")
            return _checked(m, text, value, None)
        if pub is None or (pub[1] is None and day is not None):
            if day is None:
                return None
            return _checked(m, text, f"--{month:02d}-{day:02d}", None)
        year = pub[0]
        if pub[1] is not None and (month, day or 1) > (pub[1], (pub[2] or 31) + 7):
            year -= 1
        value = f"{year}-{month:02d}" + (f"-{day:02d}" if day else "")
        why = f"the year that puts it on or before the publication date ({published})"
        return _checked(m, text, value, why)
    if g["year4"]:
        return DatePhrase(m.start(), m.end(), text, g["year4"])
    if pub is None or pub[2] is None or pub[1] is None:
        return None
    published_day = dt.date(pub[0], pub[1], pub[2])
    if g["weekday"]:
        back = (published_day.weekday() - WEEKDAYS.index(g["weekday"].lower())) % 7 or 7
        when = published_day - dt.timedelta(days=back)
        why = f"the last {g['weekday']} before the publication date ({published})"
        return DatePhrase(m.start(), m.end(), text, when.isoformat(), why)
    rel = g["rel"].lower()
    if rel in ("yesterday", "today"):
        when = published_day - dt.timedelta(days=1 if rel == "yesterday" else 0)
        return DatePhrase(
            m.start(), m.end(), text, when.isoformat(), f"'{text}' in an article of {published}"
        )
    if anchor is None:
        return None
    n = (
        1
        if g["n"] is None
        else (_UNIT_WORDS.index(g["n"]) + 1 if g["n"].isalpha() else int(g["n"]))
    )
    sign = -1 if "before" in rel else 1
    when = anchor + dt.timedelta(days=sign * n)
    why = f"'{text}' counted from {anchor.isoformat()}, the date the text gave last"
    return DatePhrase(m.start(), m.end(), text, when.isoformat(), why)


def _checked(m: re.Match[str], text: str, value: str, why: str | None) -> DatePhrase | None:
    try:
        if len(value) == 10:
            dt.date.fromisoformat(value)
        elif value.startswith("--"):
            dt.date(2000, int(value[2:4]), int(value[5:7]))
    except ValueError:
        return None
    return DatePhrase(m.start(), m.end(), text, value, why)
