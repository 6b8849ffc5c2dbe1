"""The timeline drawn as SVG: one row per event, one bar per article's date for it, as wide as
the date is precise (a day, a month, a year), on an axis of years."""

from __future__ import annotations

import math
from typing import Any

LABEL_WIDTH = 360
ROW = 22
AXIS = 30
MIN_BAR = 3.0
COLOURS = 8
"""Articles are told apart by one of this many colours (CSS classes a0..a7)."""


def svg_layout(
    events: list[dict[str, Any]], years: tuple[int, int] | None = None, width: int = 1100
) -> dict[str, Any]:
    """Coordinates for the template: the axis ticks, and per event its label and bars (on the
    axis of ``years``, first and last, if given: bars are cut to it)."""
    spans = [
        x["span"]
        for e in events
        for x in [e["curated"], *e["accounts"]]
        if x is not None and x["span"] is not None
    ]
    if not spans:
        return {"width": width, "height": AXIS, "ticks": [], "rows": [], "articles": []}
    lo = math.floor(min(s[0] for s in spans))
    hi = math.ceil(max(s[1] for s in spans))
    if years is not None:
        lo, hi = years[0], years[1] + 1
    hi = max(hi, lo + 1)
    plot = width - LABEL_WIDTH - 20

    def x(t: float) -> float:
        return float(round(LABEL_WIDTH + (t - lo) / (hi - lo) * plot, 2))

    step = max(1, math.ceil((hi - lo) / 12))
    ticks = [{"x": x(year), "label": str(year)} for year in range(lo, hi + 1, step)]
    if hi - lo <= 2:  # months
        ticks = [
            {"x": x(lo + m / 12), "label": f"{lo + m // 12}-{m % 12 + 1:02d}"}
            for m in range(0, (hi - lo) * 12 + 1, 2 if hi - lo == 2 else 1)
        ]
    articles: dict[str, int] = {}
    cells: dict[str, Any] = {}
    for e in events:
        for a in e["accounts"]:
            articles.setdefault(a["article"].key, len(articles))
            cells[a["article"].key] = a["article"]
    rows = []
    for i, e in enumerate(events):
        y = AXIS + i * ROW
        bars = []
        for j, entry in enumerate([e["curated"], *e["accounts"]]):
            if entry is None or entry["span"] is None:
                continue
            start, end = max(entry["span"][0], lo), min(entry["span"][1], hi)
            left, right = x(start), x(end)
            curated = j == 0
            who = "curator" if curated else entry["article"].text
            written = f' ("{entry["text"]}")' if entry.get("text") else ""
            precision = entry["date"].note or ""
            bars.append(
                {
                    "x": left,
                    "width": round(max(right - left, MIN_BAR), 2),
                    "y": y + (2 if curated else 6 + (j - 1) % 3 * 4),
                    "height": ROW - 4 if curated else 4,
                    "css": "curated" if curated else f"a{articles[entry['article'].key] % COLOURS}",
                    "title": f"{who}: {entry['date'].text}{written} (precision: {precision})",
                }
            )
        rows.append({"y": y, "event": e["event"], "bars": bars})
    legend = [
        {"css": f"a{n % COLOURS}", "article": cells[key]}
        for key, n in sorted(articles.items(), key=lambda kv: kv[1])
    ]
    return {
        "width": width,
        "height": AXIS + len(events) * ROW + 10,
        "ticks": ticks,
        "rows": rows,
        "articles": legend,
        "label_width": LABEL_WIDTH,
    }
