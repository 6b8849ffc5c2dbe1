"""Hostile input that once gave a traceback (exit 3) or a wrong answer: huge counts, deep nesting,
file names that are no IRI segment, many entries, control characters, a Turtle file where
N-Triples is expected. Each gives a graph or a located message, exit 1, never a traceback."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import DataError, Location
from kg.extraction import MAX_COUNT, count

from .conftest import ONTOLOGY
from .test_bad_input import ARTICLE, edit, run_build

# (old text, new text, expected message after "PATH:"): what the catalogue shows, too
HOSTILE_CASES = [
    pytest.param(
        "lower: 2000",
        "lower: 99999999999999999999999",
        "53: figures[0].lower: '99999999999999999999999' is too large for a count: the largest "
        "is 9,223,372,036,854,775,807 (2^63 - 1)",
        id="count-beyond-64-bits",
    ),
    pytest.param(
        "upper: 3000",
        "upper: " + "7" * 5000,
        "54: figures[0].upper: '77777777777777777777…' (5,000 digits) is too large for a count: "
        "the largest is 9,223,372,036,854,775,807 (2^63 - 1)",
        id="count-of-thousands-of-digits",
    ),
    pytest.param(
        "    date_text: on Sunday\n",
        "    date_text: on Sunday\n    note:"
        + "".join(f"\n{'  ' * (i + 3)}a:" for i in range(120))
        + " x\n",
        "133: nesting deeper than 100 levels: an extraction file is a few levels deep",
        id="deep-block-nesting",
    ),
    pytest.param(
        "    date_text: on Sunday\n",
        "    date_text: on Sunday\n    note: " + "[" * 900 + "]" * 900 + "\n",
        "35: nesting deeper than 100 levels: an extraction file is a few levels deep",
        id="deep-flow-nesting",
    ),
    pytest.param(
        "    date_text: on Sunday\n",
        "    date_text: on Sunday\n    note: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "35:1008: YAML syntax error: exceeded maximum nesting depth (check indentation and "
        "quoting here and just above)",
        id="nesting-beyond-the-parser",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), HOSTILE_CASES)
def test_hostile_article(mini: Path, tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = edit(mini, old, new)
    code, err = run_build(mini, tmp_path / "out")
    assert (code, err) == (1, f"{path}:{expected}\n")
    assert not (tmp_path / "out").exists()


def test_counts_up_to_the_64_bit_limit() -> None:
    where = Location("f.yaml", 3, "figures[0].value")
    assert MAX_COUNT == 2**63 - 1
    assert count(str(MAX_COUNT), where) == MAX_COUNT
    assert count("000" + str(MAX_COUNT), where) == MAX_COUNT  # leading zeros are no digits more
    with pytest.raises(DataError) as e:
        count(str(MAX_COUNT + 1), where)
    assert str(e.value) == (
        "f.yaml:3: figures[0].value: '9223372036854775808' is too large for a count: the largest "
        "is 9,223,372,036,854,775,807 (2^63 - 1)"
    )


def test_the_largest_count_builds_and_pyshacl_validates_it(mini: Path, tmp_path: Path) -> None:
    edit(mini, "upper: 3000", f"upper: {MAX_COUNT}")
    code, err = run_build(mini, tmp_path / "out")
    assert code == 0, err
    nt = (tmp_path / "out" / "kg.nt").read_text(encoding="utf-8")
    literal = f'"{MAX_COUNT}"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert literal in nt
    args = ["validate", "-e", str(mini), "--ontology", str(ONTOLOGY), "--validator", "pyshacl"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr


STEM = "actors:\n  - id: zz-{n}\n    type: person\n    label: Zed {n}\n"
NAMES = {  # file stem -> the named graph's last IRI segment
    "a b": "a%20b",
    "\u00fc": "%C3%BC",
    "%zz": "%25zz",
    "<x>": "%3Cx%3E",
    'q"u{o}t|e^`\\': "q%22u%7Bo%7Dt%7Ce%5E%60%5C",
    "tab\x01ctl": "tab%01ctl",
    "plain-name_1.v2": "plain-name_1.v2",
}


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_file_names_that_are_no_iri_segment(mini: Path, tmp_path: Path, fmt: str) -> None:
    for n, stem in enumerate(NAMES):
        (mini / f"{stem}.yaml").write_text(STEM.format(n=n), encoding="utf-8")
    out = tmp_path / f"export.{fmt}"
    args = ["export", "-e", str(mini), "--ontology", str(ONTOLOGY), "--out", str(tmp_path / "b")]
    result = CliRunner().invoke(cli, [*args, "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_QUADS if fmt == "nquads" else ox.RdfFormat.TRIG)
    graphs = {str(g.value) for g in store.named_graphs()}
    for n, segment in enumerate(NAMES.values()):
        graph = f"https://w3id.org/newskg/id/graph/{segment}"
        assert graph in graphs
        actor = ox.NamedNode(f"https://w3id.org/newskg/id/actor/zz-{n}")
        assert len(list(store.quads_for_pattern(actor, None, None, ox.NamedNode(graph)))) == 2


@pytest.mark.parametrize(
    ("stem", "what"),
    [
        ("ontology", "ontology"),
        ("wikidata-links", "Wikidata links"),
        ("metadata", "dataset description"),
    ],
)
def test_file_names_of_reserved_graphs(mini: Path, tmp_path: Path, stem: str, what: str) -> None:
    path = mini / f"{stem}.yaml"
    path.write_text(STEM.format(n=1), encoding="utf-8")
    code, err = run_build(mini, tmp_path / "out")
    assert (code, err) == (
        1,
        f"{path}: a file without an article names its graph after the file: id/graph/{stem} "
        f"is the {what}'s graph; rename the file\n",
    )


def test_file_named_as_an_article(mini: Path, tmp_path: Path) -> None:
    """A file of entities named after another file's article id: one graph for two files."""
    (mini / ARTICLE).rename(mini / "a.yaml")
    (mini / ARTICLE).write_text(STEM.format(n=2), encoding="utf-8")
    code, err = run_build(mini, tmp_path / "out")
    assert (code, err) == (
        1,
        f"{mini / 'gazette-2021-06-01.yaml'}: a file without an article names its graph after "
        "the file: https://w3id.org/newskg/id/graph/gazette-2021-06-01 is the graph of the "
        f"article of {mini / 'a.yaml'}; rename the file\n",
    )


def test_many_entries(mini: Path, tmp_path: Path) -> None:
    """A file near the size limit with 20,000 actors, one with 20,000 other names."""
    actors = "".join(f"  - {{id: many-{i}, type: person, label: P{i}}}\n" for i in range(20_000))
    (mini / "many.yaml").write_text("actors:\n" + actors, encoding="utf-8")
    names = ", ".join(f"n{i}" for i in range(20_000))
    edit(mini, "    label: Ada Writer\n", f"    label: Ada Writer\n    also: [{names}]\n")
    code, err = run_build(mini, tmp_path / "out")
    assert code == 0, err
    nt = (tmp_path / "out" / "kg.nt").read_bytes()
    alt = b"/id/actor/ada-writer> <http://www.w3.org/2004/02/skos/core#altLabel> "
    assert nt.count(alt) == 20_000
    assert nt.count(b"/id/actor/many-") >= 20_000


def test_control_characters(mini: Path, tmp_path: Path) -> None:
    """In an id: a located message; in a text value (written as an escape): kept, escaped."""
    path = edit(mini, "  - id: front-claim", '  - id: "front\\x07claim"')
    code, err = run_build(mini, tmp_path / "out")
    assert (code, err) == (
        1,
        f"{path}:41: statements[0].id: 'front\\x07claim' is not a valid id: use lowercase "
        "letters, digits and single hyphens (e.g. front-claim)\n",
    )
    edit(mini, '  - id: "front\\x07claim"', "  - id: front-claim")
    edit(mini, "label: Ada Writer", 'label: "Ada\\x07\\x1b[0m\\u0085Writer"')
    code, err = run_build(mini, tmp_path / "out")
    assert code == 0, err
    nt = (tmp_path / "out" / "kg.nt").read_text(encoding="utf-8")
    assert '"Ada\\u0007\\u001B[0m\x85Writer"' in nt or '"Ada\\u0007\\u001B[0m\\u0085Writer"' in nt


def test_turtle_given_for_n_triples(mini: Path, tmp_path: Path) -> None:
    assert run_build(mini, tmp_path / "out")[0] == 0
    ttl = tmp_path / "out" / "kg.ttl"
    result = CliRunner().invoke(cli, ["query", "run", "timeline", "--graph", str(ttl)])
    assert (result.exit_code, result.stderr) == (
        1,
        f"{ttl}:1:1: cannot load the graph: the subject of a triple must be an IRI or a blank "
        "node (--graph takes N-Triples, such as build/kg.nt)\n",
    )


# --- a bounded fuzz over the classes above ------------------------------------------------------

LOCATED = re.compile(r"^\S.*?(:\d+(:\d+)?)?: \S")


def _hostile(rng: random.Random) -> tuple[str, str, str]:
    """(file name, old text, new text): one random hostile edit of the article or a new file."""
    kind = rng.choice(["count", "nesting", "name", "control", "entries"])
    if kind == "count":
        digits = rng.choice([19, 20, 25, 400, 4300, 4301, 20_000])
        return ARTICLE, "lower: 2000", "lower: " + str(rng.randint(1, 9)) * digits
    if kind == "nesting":
        depth = rng.choice([99, 100, 101, 999, 1000, 5000])
        opener, closer = rng.choice([("[", "]"), ("{a: ", "}")])
        body = opener * depth + "x" + closer * depth
        return (
            ARTICLE,
            "    date_text: on Sunday\n",
            f"    date_text: on Sunday\n    note: {body}\n",
        )
    if kind == "name":
        stem = "".join(rng.choice('ab %<>"{}|\\^`\u00fc\x01#?/.') for _ in range(6)).strip("/")
        return (stem.replace("/", "_") or "x") + ".yaml", "", STEM.format(n=0)
    if kind == "control":
        char = chr(rng.choice([1, 7, 8, 11, 12, 14, 27, 127, 0x85, 0x2028]))
        escaped = f"\\u{ord(char):04x}"
        field = rng.choice(["  - id: front-claim", "    label: Ada Writer", "    as: protesters"])
        key, _, value = field.partition(": ")
        return ARTICLE, field, f'{key}: "{value[:3]}{escaped}{value[3:]}"'
    n = rng.choice([1000, 10_000, 30_000])
    entries = "".join(f"  - {{id: e-{i}, type: person, label: E}}\n" for i in range(n))
    return "many.yaml", "", "actors:\n" + entries


@pytest.mark.parametrize("seed", range(12))
def test_fuzz_hostile_input(mini: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for attempt in range(3):
        name, old, new = _hostile(rng)
        path = mini / name
        before = path.read_text(encoding="utf-8") if path.exists() else None
        if old:
            edit(mini, old, new, name)
        else:
            path.write_text(new, encoding="utf-8")
        code, err = run_build(mini, tmp_path / f"out-{attempt}")
        assert code in (0, 1), (name, new[:80], err[-2000:])
        for line in err.splitlines()[:-1] if code == 0 else err.splitlines():
            assert LOCATED.match(line), (name, line)
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
