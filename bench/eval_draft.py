"""Leave-one-out evaluation of ``kg draft`` on the curated articles (``make eval-draft``).

For each article: copy the extraction folder without its file, draft the article from its
source text with the rest as the known graph (a whole ``kg draft`` process, timed), and
compare the draft with the curated file: recall and precision of mentions (entity, and
entity with spelling), figures (numbers and hedge, with overlapping evidence), quotes
(overlapping quoted words) and dates (value and precision, with overlapping date text); and
check the draft with ``kg verify`` and that no media outlet is a speaker. Prints one table per
measure and met/missed per target.

    python -m bench.eval_draft [--extractions extractions] [--sources ../shared/sources]
        [--misses] [--strict]

``--misses`` also lists, per article, the known entities the draft missed (with the curated
spellings) and the proposed mentions the curated file does not have.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg import ontology as onto
from kg.draft import fold
from kg.extraction import link, read_file
from kg.model import Actor, ExtractionFile
from kg.verify import Normalised, quote_parts, verify

TARGETS = {  # measure -> (recall, precision)
    "mentions (known entities)": (0.9, 0.7),
    "figures": (0.8, 0.7),
    "quotes": (0.8, 0.7),
    "dates": (None, 0.7),
}
SECONDS = 2.0


@dataclass
class Score:
    found: int = 0  # reference items the draft has
    reference: int = 0
    right: int = 0  # draft items the reference has
    proposed: int = 0

    def add(self, other: Score) -> None:
        self.found += other.found
        self.reference += other.reference
        self.right += other.right
        self.proposed += other.proposed

    @property
    def recall(self) -> float:
        return self.found / self.reference if self.reference else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.proposed if self.proposed else 1.0


@dataclass
class Result:
    article: str
    scores: dict[str, Score] = field(default_factory=dict)
    seconds: float = 0.0
    unverified: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)  # mention_misses
    outlet_speakers: int = 0  # statements and figures whose speaker is a media outlet


def _spans(source: Normalised, text: str) -> list[tuple[int, int]]:
    return source.find_all(Normalised.of(text.strip()).text)


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _match(ref: list[object], got: list[object], same) -> Score:  # type: ignore[no-untyped-def]
    return Score(
        found=sum(1 for r in ref if any(same(r, g) for g in got)),
        reference=len(ref),
        right=sum(1 for g in got if any(same(r, g) for r in ref)),
        proposed=len(got),
    )


def compare(
    curated: ExtractionFile, draft: ExtractionFile, known: set[str], raw: str
) -> dict[str, Score]:
    source = Normalised.of(raw)
    out: dict[str, Score] = {}
    ref_entities = {m.entity for m in curated.mentions}
    all_forms = {fold(f).casefold() for m in curated.mentions for f in m.forms}
    draft_new = {a.id for a in draft.actors} | {p.id for p in draft.places}

    def entity_ok(m) -> bool:  # type: ignore[no-untyped-def]
        if m.entity in draft_new:
            return any(fold(f).casefold() in all_forms for f in m.forms)
        return m.entity in ref_entities

    known_ref = ref_entities & known
    got_known = {m.entity for m in draft.mentions} & known
    out["mentions (known entities)"] = Score(
        found=len(known_ref & got_known),
        reference=len(known_ref),
        right=sum(1 for m in draft.mentions if entity_ok(m)),
        proposed=len(draft.mentions),
    )
    ref_pairs = {
        (m.entity, fold(f)) for m in curated.mentions if m.entity in known for f in m.forms
    }
    got_pairs = {(m.entity, fold(f)) for m in draft.mentions for f in m.forms}
    ok_pairs = {
        (e, f)
        for e, f in got_pairs
        if (e, f) in ref_pairs or (e in draft_new and f.casefold() in all_forms)
    } | {
        (e, f)
        for e, f in got_pairs
        if e in ref_entities
        and any(fold(x) == f for m in curated.mentions if m.entity == e for x in m.forms)
    }
    out["spellings (known entities)"] = Score(
        found=len(ref_pairs & got_pairs),
        reference=len(ref_pairs),
        right=len(ok_pairs),
        proposed=len(got_pairs),
    )

    def fig_same(r, g) -> bool:  # type: ignore[no-untyped-def]
        return (
            (r.value, r.lower, r.upper) == (g.value, g.lower, g.upper)
            and r.hedge == g.hedge
            and _overlap(
                [s for q in r.evidence for s in _spans(source, q.text)],
                [s for q in g.evidence for s in _spans(source, q.text)],
            )
        )

    out["figures"] = _match(list(curated.figures), list(draft.figures), fig_same)
    matched = [(r, g) for r in curated.figures for g in draft.figures if fig_same(r, g)]
    out["figures: quantity right"] = Score(
        found=sum(1 for r, g in matched if r.quantity == g.quantity),
        reference=len(matched),
        right=sum(1 for r, g in matched if r.quantity == g.quantity),
        proposed=len(matched),
    )
    counted = [(r, g) for r, g in matched if r.counted]
    out["figures: counted right"] = Score(
        found=sum(1 for r, g in counted if r.counted == g.counted),
        reference=len(counted),
        right=sum(1 for r, g in counted if r.counted == g.counted),
        proposed=len(counted),
    )

    def quote_spans(st) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
        return [s for part in quote_parts(st.text) for s in _spans(source, part)]

    ref_q = [s for s in curated.statements if s.kind == "quote"]
    got_q = [s for s in draft.statements if s.kind == "quote"]
    out["quotes"] = _match(ref_q, got_q, lambda r, g: _overlap(quote_spans(r), quote_spans(g)))
    pairs = [(r, g) for r in ref_q for g in got_q if _overlap(quote_spans(r), quote_spans(g))]

    def who(st) -> str | None:  # type: ignore[no-untyped-def]
        return st.speaker or (st.sources[0] if st.sources else None)  # an outlet: the source

    same = sum(1 for r, g in pairs if who(r) == who(g))
    out["quotes: speaker right"] = Score(same, len(pairs), same, len(pairs))

    def dates(f: ExtractionFile) -> list[tuple[str, str | None]]:
        items = {
            (x.date.text, x.date_text) for x in (*f.reports, *f.statements) if x.date is not None
        }
        if f.article is not None and f.article.published is not None:
            items.add((f.article.published.text, "(published)"))
        return sorted(items, key=str)

    def date_same(r: tuple[str, str | None], g: tuple[str, str | None]) -> bool:
        if r[0] != g[0]:
            return False
        if r[1] == "(published)" or g[1] == "(published)":
            return r[1] == g[1]
        return r[1] is None or g[1] is None or _overlap(_spans(source, r[1]), _spans(source, g[1]))

    out["dates"] = _match(dates(curated), dates(draft), date_same)  # type: ignore[arg-type]
    return out


def mention_misses(curated: ExtractionFile, draft: ExtractionFile, known: set[str]) -> list[str]:
    """The known entities the draft missed and the draft's mentions that are wrong, one line
    each with the spellings (the same judgement as ``compare``)."""
    ref = {m.entity: m for m in curated.mentions}
    got = {m.entity for m in draft.mentions}
    all_forms = {fold(f).casefold() for m in curated.mentions for f in m.forms}
    draft_new = {a.id for a in draft.actors} | {p.id for p in draft.places}
    lines = [f"missed {e}: {'; '.join(ref[e].forms)}" for e in sorted(set(ref) & known - got)]
    for m in draft.mentions:
        if m.entity in draft_new:
            wrong = not any(fold(f).casefold() in all_forms for f in m.forms)
        else:
            wrong = m.entity not in ref
        if wrong:
            lines.append(f"wrong {m.entity}: {'; '.join(m.forms)}")
    return lines


def run(extractions: Path, sources: Path, kg: str) -> list[Result]:
    vocab = onto.vocabulary(onto.load("ontology.ttl", Path("ontology")))
    paths = sorted(extractions.glob("*.yaml"))
    files = {p: read_file(p, vocab) for p in paths}
    results = []
    for path, curated in files.items():
        if curated.article is None or curated.article.source_file is None:
            continue
        source = sources / curated.article.source_file
        if not source.is_file():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "extractions"
            folder.mkdir()
            for other in paths:
                if other != path:
                    shutil.copy(other, folder / other.name)
            others = [f for p, f in files.items() if p != path]
            corpus, _ = link(others)
            known = set(corpus.entities)
            out = Path(tmp) / "draft.yaml"  # outside the folder: not known to the next run
            seconds = float("inf")
            for _ in range(3):  # the fastest of three: the machine may be shared
                start = time.perf_counter()
                done = subprocess.run(
                    [kg, "draft", str(source), "-e", str(folder), "-o", str(out)],
                    capture_output=True,
                    text=True,
                )
                seconds = min(seconds, time.perf_counter() - start)
            if done.returncode != 0:
                print(
                    f"{path.name}: kg draft failed ({done.returncode}): {done.stderr}",
                    file=sys.stderr,
                )
                continue
            shutil.copy(out, folder / "draft.yaml")
            out = folder / "draft.yaml"
            draft = read_file(out, vocab)
            corpus2, _ = link([*others, draft])
            _, problems, _ = verify(corpus2, sources)
            mine = [e for e in problems if str(e.location.path) == str(out)]
            for e in mine[:5]:
                print(f"  unverified: {e}", file=sys.stderr)
            result = Result(
                curated.article.id,
                compare(curated, draft, known, source.read_text("utf-8")),
                seconds,
                len(mine),
            )
            meta = []
            for key in ("title", "genre", "published", "url", "outlet", "authors"):
                r, g = (
                    getattr(curated.article, key),
                    getattr(draft.article, key) if draft.article else None,
                )
                r_v = r.text if hasattr(r, "text") else r
                g_v = g.text if hasattr(g, "text") else g
                if key in ("outlet", "authors"):
                    r_v = (
                        len(r) if key == "authors" else r_v
                    )  # ids differ when new: compare presence
                    g_v = len(g) if key == "authors" else g_v
                meta.append(f"{key} {'ok' if r_v == g_v else f'{g_v!r} (curated {r_v!r})'}")
            result.extra["metadata"] = "; ".join(meta)
            result.misses = mention_misses(curated, draft, known)
            outlets = {
                e.id
                for e in corpus2.entities.values()
                if isinstance(e, Actor) and e.type == "media-outlet"
            }
            result.outlet_speakers = sum(
                1 for x in (*draft.statements, *draft.figures) if x.speaker in outlets
            )
            results.append(result)
    return results


def _cells(s: Score) -> str:
    return (
        f"{s.recall:4.2f} ({s.found:3}/{s.reference:3})  "
        f"{s.precision:4.2f} ({s.right:3}/{s.proposed:3})"
    )


def report(results: list[Result], misses: bool = False) -> bool:
    measures = list(results[0].scores) if results else []
    width = max(len(r.article) for r in results)
    ok = True
    for measure in measures:
        print(f"\n{measure}")
        print(f"  {'article':<{width}}  recall            precision")
        total = Score()
        for r in results:
            s = r.scores[measure]
            total.add(s)
            print(f"  {r.article:<{width}}  {_cells(s)}")
        print(f"  {'overall':<{width}}  {_cells(total)}")
        if measure in TARGETS:
            want_r, want_p = TARGETS[measure]
            if want_r is not None:
                met = total.recall >= want_r
                ok &= met
                print(f"  target recall >= {want_r}: {'met' if met else 'MISSED'}")
            met = total.precision >= want_p
            ok &= met
            print(f"  target precision >= {want_p}: {'met' if met else 'MISSED'}")
    load = os.getloadavg()[0]
    print(
        "\nper article: seconds (whole kg draft process, fastest of 3; load average "
        f"{load:.1f}), evidence problems (kg verify), metadata"
    )
    for r in results:
        print(f"  {r.article:<{width}}  {r.seconds:4.2f} s  {r.unverified} problem(s)")
        print(f"    {r.extra['metadata']}")
    slowest = max(r.seconds for r in results)
    unverified = sum(r.unverified for r in results)
    verdict = "met" if unverified == 0 else "MISSED"
    print(f"  target every evidence span verifiable: {verdict} ({unverified} problem(s))")
    verdict = "met" if slowest < SECONDS else "MISSED"
    print(f"  target a draft under {SECONDS} s: {verdict} (slowest {slowest:.2f} s)")
    outlets = sum(r.outlet_speakers for r in results)
    verdict = "met" if outlets == 0 else "MISSED"
    print(f"  rule a media outlet is never a speaker: {verdict} ({outlets} outlet speaker(s))")
    if misses:
        for r in results:
            print(f"\nmentions of {r.article}: {len(r.misses)} missed or wrong")
            for line in r.misses:
                print(f"  {line}")
    summary(results)
    return ok and unverified == 0 and slowest < SECONDS and outlets == 0


def summary(results: list[Result]) -> None:
    """One Markdown table: recall / precision per measure, per article and overall."""
    measures = ["mentions (known entities)", "spellings (known entities)", "figures", "quotes"]
    measures.append("dates")
    head = ["article", *(m.split(" (")[0] for m in measures), "seconds", "unverified"]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    totals = {m: Score() for m in measures}
    for r in results:
        cells = []
        for m in measures:
            totals[m].add(r.scores[m])
            cells.append(f"{r.scores[m].recall:.2f} / {r.scores[m].precision:.2f}")
        print(f"| {r.article} | " + " | ".join(cells) + f" | {r.seconds:.2f} | {r.unverified} |")
    cells = [f"**{totals[m].recall:.2f} / {totals[m].precision:.2f}**" for m in measures]
    slowest = max(r.seconds for r in results)
    unverified = sum(r.unverified for r in results)
    print("| overall | " + " | ".join(cells) + f" | {slowest:.2f} (max) | {unverified} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extractions", type=Path, default=Path("extractions"))
    parser.add_argument("--sources", type=Path, default=Path("../shared/sources"))
    parser.add_argument("--kg", default=str(Path(sys.executable).parent / "kg"))
    parser.add_argument(
        "--misses", action="store_true", help="list the missed and the wrong mentions"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if not args.sources.is_dir():
        print(f"{args.sources}: sources folder not found: nothing to evaluate", file=sys.stderr)
        sys.exit(0)
    results = run(args.extractions, args.sources, args.kg)
    met = report(results, args.misses)
    sys.exit(1 if args.strict and not met else 0)


if __name__ == "__main__":
    main()
