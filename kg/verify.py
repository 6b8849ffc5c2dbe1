"""Check what a curator says is in an article against its source text, and find the offsets
of the evidence quotes.

A quote matches when it equals a span of the source after normalising only whitespace (any run
becomes one space) and typographic quote marks (U+2018, U+2019, U+201C, U+201D and kin become
' and "). Everything else must be exact, mojibake included. A quote found twice is ambiguous.

With the same normalisation, the text must also hold: every verbatim field of the schema (the
title, a mention's spellings and titles, ``date_text``, ``period_text``); the words of a
``kind: quote`` statement, part by part (parts are split at "…" or "...", the punctuation at
the ends of a part is not compared, and the parts occur in the article in their order); and
every number of a figure (``value``, ``lower``, ``upper``) not marked inferred occurs in its
evidence, in digits (with or without a thousands separator) or in words (see ``numbers_in``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .errors import DataError, KgError, Location
from .model import Corpus, ExtractionFile, Figure, Quote, Statement
from .yamlstrict import decode, read_text

_QUOTE_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)

Offsets = dict[tuple[str, str], tuple[int, int]]
"""(article id, quote text) -> (start, end) in code points of the original source text."""


@dataclass
class Normalised:
    """A text with whitespace runs collapsed and quote marks plain, mapped back to the original."""

    text: str
    origin: list[int]  # origin[i] = index in the original text of character i

    @classmethod
    def of(cls, original: str) -> Normalised:
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(original):
            if ch.isspace():
                if chars and chars[-1] == " ":
                    continue
                ch = " "
            chars.append(ch.translate(_QUOTE_MARKS))
            origin.append(i)
        return cls("".join(chars), origin)

    def find_all(self, needle: str) -> list[tuple[int, int]]:
        """Every (start, end) of ``needle`` (already normalised), in original offsets."""
        spans = []
        pos = self.text.find(needle)
        while pos >= 0:
            spans.append((self.origin[pos], self.origin[pos + len(needle) - 1] + 1))
            pos = self.text.find(needle, pos + 1)
        return spans


def quotes_of(f: ExtractionFile) -> list[Quote]:
    """Every evidence quote of an article file (the fields of type quote), in file order."""
    quotes: list[Quote] = [
        q
        for spec, obj in schema.walk(f)
        for field in spec.fields
        if field.type == schema.QUOTE
        for q in schema.values(obj, field)
    ]
    return sorted(quotes, key=lambda q: q.where.line or 0)


def verify(
    corpus: Corpus, sources: Path, read: Callable[[Path], bytes] | None = None
) -> tuple[Offsets, list[KgError], int]:
    """Check every quote of every article; return offsets, located problems, quotes checked.
    ``read`` gives a source file's bytes (default: read it)."""
    if not sources.is_dir():
        raise DataError("sources folder not found", Location(sources))
    offsets: Offsets = {}
    errors: list[KgError] = []
    checked = 0
    for f, article in corpus.articles():
        if article.source_file is None:
            errors.append(
                DataError(
                    "no source_file: the article's quotes cannot be checked",
                    Location(f.path, article.where.line, "article.source_file"),
                )
            )
            continue
        path = sources / article.source_file
        try:
            text = read_text(path) if read is None else decode(read(path), path)
            source = Normalised.of(text)
        except DataError as e:
            line = article.field_lines.get("source_file", article.where.line)
            errors.append(
                DataError(f"{e.message}: {path}", Location(f.path, line, "article.source_file"))
            )
            continue
        for quote in quotes_of(f):
            checked += 1
            needle = Normalised.of(quote.text.strip()).text
            spans = source.find_all(needle)
            if len(spans) == 1:
                offsets[(article.id, quote.text)] = spans[0]
            elif not spans:
                errors.append(
                    DataError(
                        f"quote not found in {article.source_file}: {_short(quote.text)}",
                        quote.where,
                    )
                )
            else:
                at = ", ".join(str(s) for s, _ in spans)
                errors.append(
                    DataError(
                        f"quote is ambiguous: found {len(spans)} times in {article.source_file} "
                        f"(at offsets {at}); quote more of the sentence",
                        quote.where,
                    )
                )
        errors.extend(check_claims(f, source, article.source_file))
    return offsets, errors, checked


def check_claims(f: ExtractionFile, source: Normalised, name: str) -> list[KgError]:
    """The problems of what an article file says is in its text, other than evidence: verbatim
    fields, the words of quote statements, and the numbers of figures."""
    errors: list[KgError] = []
    for spec, obj in schema.walk(f):
        for field in spec.fields:
            if field.verbatim:
                for i, value in enumerate(schema.values(obj, field)):
                    if Normalised.of(value.strip()).text not in source.text:
                        errors.append(
                            DataError(
                                f"{_WHAT.get(field.key, field.key)} not found in {name}: "
                                f"{_short(value)}",
                                _at(obj, field, i if field.many else None),
                            )
                        )
        if isinstance(obj, Statement) and obj.kind == "quote":
            problem = _quote_problem(obj.text, source.text, name)
            if problem is not None:
                errors.append(DataError(problem, _at(obj, spec.field("text"), None)))
        if isinstance(obj, Figure):
            stated = numbers_in(" ".join(Normalised.of(q.text).text for q in obj.evidence))
            for field in spec.fields:
                if field.type != schema.COUNT or field.key in obj.inferred:
                    continue
                n = getattr(obj, field.name)
                if n is not None and n not in stated:
                    errors.append(
                        DataError(
                            f"{n} is not in the figure's evidence, in digits or in words: quote "
                            "the words that give it, or mark it inferred "
                            f'({{value: {n}, inferred: "why"}})',
                            _at(obj, field, None),
                        )
                    )
    return errors


_WHAT = {
    "title": "title",
    "as": "spelling",
    "role": "title given",
    "date_text": "date text",
    "period_text": "period text",
}


def _at(obj: object, field: schema.Field, index: int | None) -> Location:
    where: Location = getattr(obj, "where")  # noqa: B009 - every record has one
    lines: dict[str, int] = getattr(obj, "field_lines")  # noqa: B009
    path = f"{where.field}.{field.key}" + ("" if index is None else f"[{index}]")
    return Location(where.path, lines.get(field.key, where.line), path)


_ENDS = " .,;:!?\"'"
"""Punctuation not compared at the ends of a quote's parts: an article writes a quoted
sentence's final period as a comma before the attribution (\u201c...forces,\u201d he said)."""


def quote_parts(text: str) -> list[str]:
    """The parts of a quote statement's words that must each occur in the article, in order:
    split at "…" or "...", without the punctuation at their ends."""
    parts = re.split(r"\u2026|\.\.\.", Normalised.of(text).text)
    return [p.strip(_ENDS) for p in parts if p.strip(_ENDS)]


def _quote_problem(text: str, source: str, name: str) -> str | None:
    pos = 0
    parts = quote_parts(text)
    if not parts:
        return f"no quoted words, only punctuation: {_short(text)}"
    for part in parts:
        found = source.find(part, pos)
        if found < 0:
            if part in source:
                return (
                    f"quoted words out of order in {name}: {_short(part)} is not after the "
                    "part before"
                )
            return f"quoted words not found in {name}: {_short(part)}"
        pos = found + len(part)
    return None


# --- numbers in words and digits ---------------------------------------------------------------

_UNITS = dict(
    zero=0, one=1, two=2, three=3, four=4, five=5, six=6, seven=7, eight=8, nine=9, ten=10,
    eleven=11, twelve=12, thirteen=13, fourteen=14, fifteen=15, sixteen=16, seventeen=17,
    eighteen=18, nineteen=19,
)  # fmt: skip
_TENS = dict(twenty=20, thirty=30, forty=40, fifty=50, sixty=60, seventy=70, eighty=80, ninety=90)
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_MAGNITUDES = {  # "hundreds" of a magnitude hedge is its lower bound, 100
    "tens": 10,
    "dozens": 12,
    "scores": 20,
    "hundreds": 100,
    "thousands": 10**3,
    "millions": 10**6,
    "billions": 10**9,
}
_NUMBER_WORDS = {*_UNITS, *_TENS, *_SCALES, "a", "an", "half", "hundred", "dozen"}


def magnitude_words(n: int) -> str | None:
    """The words a magnitude hedge's lower bound stands for ("hundreds" for 100, "tens of
    thousands" for 10,000), or None when no magnitude word is that number."""
    for one, a in _MAGNITUDES.items():
        if a == n:
            return one
    for one, a in _MAGNITUDES.items():
        for two, b in _MAGNITUDES.items():
            if a * b == n and a < b:
                return f"{one} of {two}"
    return None


_DIGITS = re.compile(
    r"(?<![\d.,])(\d{1,3})((?:([,. \u00a0\u202f])\d{3})(?:\3\d{3})*)(?![\d]|[,.]\d)"
    r"|(\d+)(?:\.(\d+))?"
)


def numbers_in(text: str) -> set[int]:
    """The whole numbers a text states: in digits ("5300", "5,300", "5.300", "5 300", "11th",
    "2.5 million"), or in words ("six", "twenty-five", "a" or "an" for one, "a dozen",
    "half a million", "three hundred thousand"); a magnitude word stands for its lower
    bound ("dozens" 12, "hundreds" 100, "tens of thousands" 10,000)."""
    lowered = text.lower()
    found: set[int] = set()
    words = re.findall(r"[a-z]+|\d[\d.,]*", lowered)
    for m in _DIGITS.finditer(lowered):
        if m[1] is not None:
            found.add(int(m[1] + re.sub(r"\D", "", m[2])))
            if m[3] != ",":  # "5.000" or "5 000": maybe two numbers
                found.update(int(g) for g in re.split(r"\D", m[0]) if g)
        else:
            found.add(int(m[4]))
            scale = re.match(r"\s*(thousand|million|billion)\b", lowered[m.end() :])
            if scale:
                whole = int(m[4]) * _SCALES[scale[1]]
                if m[5]:
                    whole += int(m[5]) * _SCALES[scale[1]] // 10 ** len(m[5])
                found.add(whole)
    padded = ["", "", *words]
    for start in range(len(words)):  # a phrase starts after a word of no number
        two, one = padded[start], padded[start + 1]
        if one in _NUMBER_WORDS or one[:1].isdigit() or (one == "of" and two in _MAGNITUDES):
            continue
        found.update(_words_at(words, start))
    return found


def _words_at(words: list[str], i: int) -> Iterator[int]:
    """The number a phrase of number words starting at ``words[i]`` gives, if any."""
    w = words[i]
    if w in _MAGNITUDES:  # "hundreds", "hundreds of thousands"
        value = _MAGNITUDES[w]
        if i + 2 < len(words) and words[i + 1] == "of" and words[i + 2] in _MAGNITUDES:
            value *= _MAGNITUDES[words[i + 2]]
        yield value
        return
    if w == "half" and i + 2 < len(words) and words[i + 1] in ("a", "an"):
        whole = {"dozen": 12, "hundred": 100, **_SCALES}.get(words[i + 2])
        if whole:
            yield whole // 2
        return
    total, current, seen = 0, 0, False
    j = i
    while j < len(words):
        w = words[j]
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in ("a", "an") and not seen:
            current = 1
        elif w == "dozen":
            current = (current or 1) * 12
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _SCALES:
            total += (current or 1) * _SCALES[w]
            current = 0
        elif w == "and" and seen and j + 1 < len(words) and words[j + 1] in (_UNITS | _TENS):
            pass
        else:
            break
        seen = True
        j += 1
    if seen:
        yield total + current


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
