"""Generate a synthetic corpus of N extraction files in the project's real format.

Shaped like real curation: per article about 10 actor mentions drawn Zipf-like from a shared
pool of about 2N actors, 5 event reports (type, date, place in a city / region / country
hierarchy, 2-4 participants with roles, some with casualty figures), 8 attributed statements
with evidence quotes (some spoken through a channel or credited to a source), 3 figures, 2
relations between its actors, 1 between its events, a stance and a citation of a shared work;
events are shared, so several articles report the same event with differing numbers.
Deterministic for a given N and seed.

    python -m bench.generate N OUT_DIR [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

ACTOR_TYPES = ["person"] * 5 + [
    "organisation",
    "armed-group",
    "government-body",
    "political-party",
    "media-outlet",
    "collective-group",
]
EVENT_TYPES = [
    "airstrike",
    "drone-strike",
    "rocket-attack",
    "protest",
    "armed-attack",
    "arrests",
    "vote",
    "troop-deployment",
]
ROLES = ["agent", "target", "victim", "participant", "organiser", "supporter"]
HEDGES = ["exact", "at-least", "more-than", "approximately", "nearly"]
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
]


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def zipf_index(rng: random.Random, n: int, s: float = 1.1) -> int:
    """An index in [0, n) with Zipf-like frequencies (index 0 most common)."""
    while True:
        k = int(rng.paretovariate(s - 0.0001 + 0.1)) - 1
        if k < n:
            return k


def shared_file(n: int, rng: random.Random) -> str:
    countries = max(3, n // 200)
    regions = countries * 4
    cities = regions * 4
    lines = ["actors:"]
    for c in range(countries):
        lines += [f"  - id: country-{c}", "    type: state", f"    label: Country {c}"]
    for a in range(2 * n):
        t = ACTOR_TYPES[a % len(ACTOR_TYPES)]
        lines += [
            f"  - id: actor-{a}",
            f"    type: {t}",
            f"    label: Actor {a} {WORDS[a % 24]}",
            f"    also: [A{a}, {q(f'Actor no. {a}')}]",
        ]
    lines.append("places:")
    for r in range(regions):
        lines += [
            f"  - id: region-{r}",
            "    type: region",
            f"    label: Region {r}",
            f"    located_in: country-{r % countries}",
        ]
    for c in range(cities):
        lines += [
            f"  - id: city-{c}",
            "    type: city",
            f"    label: City {c}",
            f"    located_in: region-{c % regions}",
        ]
    lines.append("events:")
    for e in range(2 * n):
        year = 2015 + e % 10
        lines += [
            f"  - id: event-{e}",
            f"    type: {EVENT_TYPES[e % len(EVENT_TYPES)]}",
            f"    label: Event {e}",
            f"    date: {year}-{1 + e % 12:02d}-{1 + e % 28:02d}",
            f"    place: city-{rng.randrange(cities)}",
        ]
    return "\n".join(lines + works(n)) + "\n"


def article_file(i: int, n: int, rng: random.Random) -> tuple[str, str]:
    """An extraction file and the source text its quotes come from."""
    aid = f"article-{i}"
    sentences: list[str] = []

    def quote(text: str) -> str:
        sentences.append(text)
        return q(text)

    actors = sorted({zipf_index(rng, 2 * n) for _ in range(10)})
    events = sorted({zipf_index(rng, 2 * n) for _ in range(5)})
    lines = [
        "article:",
        f"  id: {aid}",
        f"  title: {q(f'Synthetic article {i}')}",
        "  genre: news-report",
        f"  published: {2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        f"  source_file: {aid}.txt",
        "mentions:",
    ]
    for a in actors:
        lines += [f"  - entity: actor-{a}", f"    as: [{q(f'Actor {a}')}]"]
        if rng.random() < 0.3:
            lines.append(f"    role: {q('spokesperson of group ' + str(a))}")
    lines.append("reports:")
    for e in events:
        parts = rng.sample(actors, min(len(actors), rng.randint(2, 4)))
        lines += [
            f"  - event: event-{e}",
            f"    date: {2015 + e % 10}-{1 + e % 12:02d}",
            f"    date_text: {q('in month ' + str(1 + e % 12))}",
            "    participants:",
        ]
        lines += [f"      - {{actor: actor-{a}, role: {rng.choice(ROLES)}}}" for a in parts]
        hedged = e % 5 == 0  # "reportedly": a report's modality, and its framing words
        if hedged:
            lines += ["    modality: reported", "    modality_text: reportedly"]
        lines.append(f"    framing: {q(f'reports event {e}')}")
        said = "reportedly reports" if hedged else "reports"
        lines.append(f"    evidence: {quote(f'Article {i} {said} event {e} in detail.')}")
    lines.append("statements:")
    for s in range(8):
        speaker = rng.choice(actors)
        lines += [
            f"  - id: s{s}",
            f"    kind: {'quote' if s % 2 else 'claim'}",
            f"    text: {q(f'Statement {s} of article {i}: ' + ' '.join(rng.sample(WORDS, 6)))}",
            f"    about: [event-{rng.choice(events)}]",
            f"    evidence: {quote(f'Actor {speaker} said thing {s} in article {i}.')}",
        ]
        if rng.random() < 0.3:  # spoken through an outlet or group ("told AP")
            lines.append(f"    channel: actor-{rng.choice(actors)}")
        sources = [rng.choice(actors)] if rng.random() < 0.3 else []  # "according to ..."
        if ACTOR_TYPES[speaker % len(ACTOR_TYPES)] == "media-outlet":
            sources.insert(0, speaker)  # an outlet is never a speaker: it is the source
        else:
            lines.append(f"    speaker: actor-{speaker}")
        if sources:
            lines.append(f"    source: [{', '.join(f'actor-{a}' for a in dict.fromkeys(sources))}]")
    lines.append("figures:")
    for f in range(3):
        e = rng.choice(events)
        value = rng.randrange(1, 500)
        lines += [
            f"  - id: f{f}",
            "    quantity: killed",
            f"    hedge: {rng.choice(HEDGES)}",
            f"    value: {value}",
            f"    about: event-{e}",
            f"    evidence: {quote(f'{value} people died in event {e} ({i}.{f}).')}",
        ]
    lines += asserted(i, n, actors, events, quote)
    return "\n".join(lines) + "\n", "\n".join(sentences) + "\n"


RELATION_TYPES = ["backs", "allied-with", "opposes", "part-of", "proxy-of"]


def works(n: int) -> list[str]:
    """Shared works that articles cite, each published by a media outlet of the actor pool."""
    outlets = [a for a in range(2 * n) if ACTOR_TYPES[a % len(ACTOR_TYPES)] == "media-outlet"]
    lines = ["works:"]
    for w in range(max(1, n // 10)):
        lines += [
            f"  - id: work-{w}",
            "    type: news-story",
            f"    label: {q(f'Work {w}')}",
            f"    outlet: actor-{outlets[w % len(outlets)]}",
        ]
    return lines


def asserted(
    i: int, n: int, actors: list[int], events: list[int], quote: Callable[[str], str]
) -> list[str]:
    """What the article asserts between things: relations between its actors and between its
    events, a stance, a citation. Drawn from a generator of the article's own, so the rest of
    the corpus is what it was without them."""
    rng = random.Random(i * 1_000_003 + n)
    lines = ["relations:"] if len(actors) > 1 else []
    for k in range(min(2, len(actors) - 1)):
        a, b = rng.sample(actors, 2)
        t = RELATION_TYPES[(a + b) % len(RELATION_TYPES)]
        lines += [
            f"  - id: r{k}",
            f"    subject: actor-{a}",
            f"    type: {t}",
            f"    object: actor-{b}",
            f"    wording: {q(t)}",
            f"    evidence: {quote(f'Actor {a} {t} Actor {b} ({i}.r{k}).')}",
        ]
    if len(events) > 1:
        e0, e1 = rng.sample(events, 2)
        lines += [
            "event_relations:",
            "  - id: e0",
            f"    subject: event-{e1}",
            "    type: in-response-to",
            f"    object: event-{e0}",
            f"    wording: {q('in response to')}",
            f"    evidence: {quote(f'Event {e1} came in response to event {e0} ({i}).')}",
        ]
    toward = rng.choice(actors)
    w = zipf_index(rng, max(1, n // 10))
    lines += [
        "stances:",
        "  - id: position",
        "    stance: opposes",
        f"    toward: actor-{toward}",
        f"    text: {q(f'The article opposes Actor {toward}.')}",
        f"    evidence: {quote(f'Article {i} opposes Actor {toward}.')}",
        "citations:",
        f"  - work: work-{w}",
        "    role: source",
        f"    evidence: {quote(f'As work {w} reported ({i}).')}",
    ]
    return lines


def write_shared(ext: Path, lines: list[str], per_file: int = 2000) -> None:
    """Write the shared entity sections in files of at most ``per_file`` entries."""
    files: list[list[str]] = []
    section = ""
    count = per_file
    for line in lines:
        if not line.startswith(" "):
            section = line
            count = per_file  # a new section starts a new file
            continue
        if line.startswith("  - id:"):
            count += 1
            if count > per_file:
                files.append([section])
                count = 1
        files[-1].append(line)
    for i, body in enumerate(files):
        (ext / f"shared-{i:03d}.yaml").write_text("\n".join(body) + "\n", encoding="utf-8")


def generate(n: int, out: Path, seed: int = 1) -> Path:
    """Write N article files and shared.yaml into OUT/extractions, sources into OUT/sources."""
    rng = random.Random(seed)
    ext = out / "extractions"
    src = out / "sources"
    ext.mkdir(parents=True, exist_ok=True)
    src.mkdir(parents=True, exist_ok=True)
    # shared entities, in files under the 1 MB limit (as curators would split them)
    write_shared(ext, shared_file(n, rng).splitlines())
    for i in range(n):
        yaml_text, source = article_file(i, n, rng)
        (ext / f"article-{i:05d}.yaml").write_text(yaml_text, encoding="utf-8")
        (src / f"article-{i}.txt").write_text(source, encoding="utf-8")
    return ext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.n, args.out, args.seed)


if __name__ == "__main__":
    main()
