"""Check evidence quotes against the articles' source texts, and find their offsets.

A quote matches when it equals a span of the source after normalising only whitespace (any run
becomes one space) and typographic quote marks (U+2018, U+2019, U+201C, U+201D and kin become
' and "). Everything else must be exact, mojibake included. A quote found twice is ambiguous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .errors import DataError, KgError, Location
from .model import Corpus, ExtractionFile, Quote
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
    return offsets, errors, checked


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
