"""Article metadata from the layout of a news text: the headline, the byline, the dateline,
the outlet, the URL and the genre, each with the line it came from.

The rules are those of English news layout: section labels ("kickers") above a headline are
short topic lines; a byline is "By NAME", "NAME, ROLE, reports|writes" or a standfirst's
"argues NAME"; a sign-off is "– NAME, OUTLET, ISSUE"; a republished statement credits
"Source NAME"; "Copyright © OUTLET" names the outlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .drafttext import DatePhrase, date_phrases

_URL = re.compile(r"https?://[^\s<>()\[\]]+")
_NAME = r"[A-Z][\w.’'-]*(?:\s+(?:[A-Z][\w.’'-]*|al-\w+|bin|de|van|von))*"
_BY = re.compile(rf"^\s*By\s+(?P<name>{_NAME}(?:\s+and\s+{_NAME})?)\s*$")
_REPORTS = re.compile(rf"^\s*(?P<name>{_NAME}),\s+.*\b(?:reports|writes)\s*:?\s*$")
_ARGUES = re.compile(r"\b(?:argues|writes|explains|reports)\s+(?P<name>[A-Z]\w+(?:\s+[A-Z]\w+)+)")
_SIGN_OFF = re.compile(
    r"^\s*[–—-]\s*(?P<name>[^,\n]{2,60}),\s*(?P<outlet>[^,\n]{2,80})(?:,(?P<issue>.*))?$"
)
_SOURCE = re.compile(r"^\s*Source:?\s*\[?(?P<name>[A-Z][^\]\n(]{3,100}?)\]?(?:\(#?\))?\.?\s*$")
_COPYRIGHT = re.compile(
    r"(?:Copyright\s*)?©\s*(?:\d{4}\s+)?(?P<name>[A-Z][\w .&’'-]+?)(?:\s+-\s|,|\.|\s+All rights|$)"
)
_PUBLISHED = re.compile(r"^\s*(?:Publication date|Published|Date)\s*:", re.IGNORECASE)
_VOLUME = re.compile(r"\b(?:Vol\.?|Volume|No\.|Issue)\s*\d+\s*,?\s*(?P<year>(?:19|20)\d\d)\b")
_OPINION_CUES = re.compile(
    r"\b(?:[Ww]e|[Oo]ur|[Ss]hould|[Mm]ust|need to|argues|I think|[Ll]et us|[Ii]n fact|clearly)\b"
)
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")


@dataclass
class Meta:
    """Guessed metadata: field -> value, and field -> line number (1-based) it came from."""

    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    author_kinds: dict[str, str] = field(default_factory=dict)  # author -> person/organisation
    why: dict[str, str] = field(default_factory=dict)  # field -> reason, for inferred values

    def set(self, key: str, value: str, line: int) -> None:
        if key not in self.values:
            self.values[key] = value.strip()
            self.lines[key] = line


def _heading(line: str) -> bool:
    s = line.strip()
    return (
        0 < len(s) <= 160
        and len(s.split()) <= 20
        and not s.endswith((".", ",", ";", ":"))
        and not s.startswith(("<", "-", "–", "[", "*", "©"))
        and not _URL.search(s)
        and "©" not in s
        and not _PUBLISHED.match(s)
    )


def _kicker(line: str) -> bool:
    """A section label above a headline: at most four words, no sentence punctuation."""
    s = line.strip()
    return len(s.split()) <= 4 and not re.search(r"[!?“”\"]", s)


def guess_meta(raw: str) -> Meta:
    lines = raw.splitlines()
    meta = Meta()
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    # headline: the first run of heading lines, less the kickers above the last of them
    run: list[tuple[int, str]] = []
    for n, line in numbered[:12]:
        if _BY.match(line) or _REPORTS.match(line) or _URL.search(line.strip().strip("<>")):
            if run:
                break
            continue
        if (_heading(line) and not date_phrases(line, None)) or (
            _heading(line) and len(line.split()) > 6
        ):
            run.append((n, line))
        elif run:
            break
    while len(run) > 1 and _kicker(run[0][1]):
        run.pop(0)
    if run:
        n, title = run[0]
        title = title.strip()
        if len(title) > 2 and title[0] in '“"' and title[-1] in '”"':
            title = title[1:-1].strip()
        meta.set("title", " ".join(title.split()), n)
    for n, line in numbered[:15]:
        url = _URL.search(line)
        if url:
            meta.set("url", url[0].rstrip(">.,"), n)
        by = _BY.match(line) or _REPORTS.match(line)
        if by:
            for name in re.split(r"\s+and\s+", by["name"]):
                meta.author_kinds.setdefault(name.strip(), "person")
            meta.set("authors", by["name"], n)
        copyright_ = _COPYRIGHT.search(line)
        if copyright_:
            meta.set("outlet", copyright_["name"].strip(), n)
        if "published" not in meta.values and (
            _PUBLISHED.match(line) or (len(line.strip()) < 40 and not _heading_only(line))
        ):
            dates = [d for d in date_phrases(line, None) if len(d.value) == 10]
            if dates:
                meta.set("published", dates[0].value, n)
    if "authors" not in meta.values and numbered:  # a standfirst's "argues NAME"
        first_paragraphs = [p for p in numbered[:6] if len(p[1].split()) > 20][:1]
        for n, line in first_paragraphs:
            m = _ARGUES.search(line)
            if m:
                meta.author_kinds.setdefault(m["name"], "person")
                meta.set("authors", m["name"], n)
    for n, line in reversed(numbered[-12:]):  # the end: sign-off, source credit, dateline
        sign = _SIGN_OFF.match(line)
        if sign and len(sign["name"].split()) <= 4:
            meta.author_kinds.setdefault(sign["name"].strip(), "person")
            meta.set("authors", sign["name"], n)
            meta.set("outlet", sign["outlet"], n)
            volume = _VOLUME.search(sign["issue"] or "")
            if volume:
                meta.set("published", volume["year"], n)
        source = _SOURCE.match(line)
        if source and "authors" not in meta.values:
            meta.author_kinds.setdefault(source["name"].strip(), "organisation")
            meta.set("authors", source["name"], n)
    meta.set("genre", _genre(raw, meta), 0)
    return meta


def _heading_only(line: str) -> bool:
    return bool(re.search(r"[a-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}", line))


def _genre(raw: str, meta: Meta) -> str:
    """statement: signed by an organisation; newsletter: a newsletter's sign-off; opinion:
    the writer argues ("we", "should", "must": at least 5 cues per 1,000 words outside
    quotations); otherwise a news report."""
    outlet = meta.values.get("outlet", "")
    authors = meta.values.get("authors")
    if authors and meta.author_kinds.get(authors) == "organisation":
        return "statement"
    if re.search(r"newsletter|bulletin", outlet, re.IGNORECASE) and "Vol" in raw[-300:]:
        return "newsletter"
    prose = _QUOTED.sub(" ", raw)
    words = max(len(prose.split()), 1)
    cues = len(_OPINION_CUES.findall(prose))
    return "opinion" if cues * 1000 / words >= 5 else "news-report"


def dates_of(raw: str, published: str | None) -> list[DatePhrase]:
    return date_phrases(raw, published)
