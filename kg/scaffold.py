"""``kg new``: start an extraction file for a new source text, with the metadata it can guess."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from .errors import DataError, Location
from .fsutil import write_output
from .yamlstrict import read_text

_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DATE_MDY = re.compile(_MONTH + r"\.?\s+(\d{1,2}),?\s+(\d{4})", re.IGNORECASE)
_DATE_DMY = re.compile(r"(\d{1,2})\s+" + _MONTH + r"\s+(\d{4})", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>()\[\]]+")
_BYLINE = re.compile(r"^\s*By\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})\s*$")


def _date(line: str) -> str | None:
    for pattern, order in ((_DATE_MDY, (0, 1, 2)), (_DATE_DMY, (1, 0, 2))):
        m = pattern.search(line)
        if m:
            month, day, year = (m.group(i + 1) for i in order)
            try:
                return dt.date(int(year), _MONTHS[month.lower()], int(day)).isoformat()
            except ValueError:
                return None
    return None


def guess(text: str) -> dict[str, tuple[str, int]]:
    """Metadata guessed from a source text: field -> (value, line number it came from)."""
    found: dict[str, tuple[str, int]] = {}
    for n, line in enumerate(text.splitlines()[:40], 1):
        stripped = line.strip()
        if not stripped:
            continue
        url = _URL.search(stripped)
        if url and "url" not in found:
            found["url"] = (url.group(0), n)
            continue
        byline = _BYLINE.match(stripped)
        if byline and "author" not in found:
            found["author"] = (byline.group(1), n)
            continue
        date = _date(stripped)
        if date and "published" not in found and len(stripped) < 80:
            found["published"] = (date, n)
            continue
        if "title" not in found and len(stripped) > 10 and not stripped.startswith(("<", "-")):
            found["title"] = (stripped, n)
    return found


def slugify(text: str, words: int = 6) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "article"


def scaffold(source: Path, extractions: Path, article_id: str | None = None) -> Path:
    """Write ``extractions/ID.yaml`` for ``source``; never overwrite an existing file."""
    text = read_text(source)
    found = guess(text)
    title = found.get("title", ("TITLE", 0))
    published = found.get("published")
    ident = article_id or "-".join(
        p for p in (slugify(title[0]), published[0] if published else "") if p
    )
    path = extractions / f"{ident}.yaml"
    if os.path.lexists(path):
        raise DataError("already exists; choose another id with --id", Location(path))

    def origin(key: str) -> str:
        return f"  # guessed from line {found[key][1]}: check" if key in found else ""

    lines = [
        f"# Extraction file for {source.name}. Format: docs/extraction-format.md",
        "article:",
        f"  id: {ident}",
        f"  title: {json.dumps(title[0], ensure_ascii=False)}{origin('title')}",
        "  genre: news-report  # or opinion, statement, newsletter: check",
    ]
    if "author" in found:
        lines.append(f"  authors: [{slugify(found['author'][0])}]{origin('author')}")
    if published:
        lines.append(f"  published: {published[0]}{origin('published')}")
    if "url" in found:
        lines.append(f"  url: {found['url'][0]}{origin('url')}")
    lines.append(f"  source_file: {json.dumps(source.name, ensure_ascii=False)}")
    lines.append("")
    if "author" in found:
        name = found["author"][0]
        lines += [
            "actors:",
            f"  - id: {slugify(name)}",
            "    type: person",
            f"    label: {json.dumps(name, ensure_ascii=False)}",
            "",
        ]
    lines += [
        "# Add, in this order: actors / places / events only this article mentions (shared",
        "# ones go in shared.yaml), then mentions, reports, statements and figures.",
        "mentions: []",
        "reports: []",
        "statements: []",
        "figures: []",
        "",
    ]
    write_output(path, "\n".join(lines).encode("utf-8"), new=True)  # whole, never over a file
    return path
