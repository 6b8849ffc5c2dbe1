"""Drafts are not curated data: ``kg build`` refuses a file while any entry keeps the
``draft`` mark that ``kg draft`` puts on what it proposes (``kg.schema.DRAFT``)."""

from __future__ import annotations

from .errors import DataError, Location
from .model import ExtractionFile
from .schema import DRAFT, walk


def unreviewed(f: ExtractionFile) -> list[Location]:
    """Where the entries of a file that still carry a ``draft`` mark are, in file order."""
    found = []
    for spec, obj in walk(f):
        if DRAFT in spec.fields and getattr(obj, DRAFT.name) is not None:
            where: Location = obj.where
            line = obj.field_lines.get(DRAFT.key, where.line)
            found.append(Location(where.path, line, f"{where.field}.{DRAFT.key}"))
    return sorted(found, key=lambda loc: loc.line or 0)


def refuse_drafts(f: ExtractionFile) -> None:
    """Raise a ``DataError`` at the first unreviewed entry of ``f``, if there is one."""
    marks = unreviewed(f)
    if marks:
        more = f" (and {len(marks) - 1} more in this file)" if len(marks) > 1 else ""
        raise DataError(
            f"unreviewed entry proposed by kg draft{more}: check it against the text, then "
            "delete its draft line (or the entry)",
            marks[0],
        )
