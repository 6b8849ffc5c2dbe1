"""Incremental builds: the cache never changes the outcome of `kg build`.

After a successful build, each edit below is built twice: on top of the cache, and cold into
an empty folder. The exit code, the error messages (with their locations) and the output must
be the same. The edits include SHACL violations whose focus node lives in a file that was not
edited, so the per-unit validation must find which cached units to check again.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg import build as incremental

from .conftest import ONTOLOGY, ROOT, SOURCES, TWO_ARTICLES, copy_corpus
from .test_bad_input import ARTICLE, edit, run_build


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "extractions", *TWO_ARTICLES)


def same_as_cold(folder: Path, warm: Path, tmp_path: Path) -> tuple[int, str]:
    """Build on top of the cache in ``warm`` and cold; assert the same outcome."""
    code, err = run_build(folder, warm)
    cold = tmp_path / f"cold-{len(list(tmp_path.iterdir()))}"
    cold_code, cold_err = run_build(folder, cold)
    assert (code, err.splitlines()[:-1] if code == 0 else err) == (
        cold_code,
        cold_err.splitlines()[:-1] if cold_code == 0 else cold_err,
    )
    if code == 0:
        for name, fmt in (("kg.nt", "nt"), ("kg.ttl", "turtle")):
            assert (warm / name).read_bytes() == (cold / name).read_bytes(), name
            Graph().parse(warm / name, format=fmt)
    return code, err


# (file, old, new, the first error line expected) applied one after another
EDITS = [
    pytest.param(
        ARTICLE,
        "hedge: range\n    lower: 2000\n",
        "hedge: range\n    value: 2500\n    lower: 2000\n",
        "gazette-2021-06-01.yaml:50: figures[0]: A figure with the hedge 'range' needs both",
        id="figure-in-the-edited-file",
    ),
    pytest.param(
        "shared.yaml",
        "  - id: testland\n    type: state\n",
        "  - id: testland\n    type: state\n    located_in: port-city\n",
        "shared.yaml:3: actors[0]: A place cannot be located in itself",
        id="cycle-within-a-file",
    ),
    pytest.param(
        ARTICLE,
        "    part_of: testland\n",
        "    part_of: testland\nplaces:\n  - id: harbour\n    type: district\n"
        "    label: Harbour\n    located_in: port-city\n",
        None,
        id="new-place-in-an-article",
    ),
    pytest.param(
        "shared.yaml",
        "    located_in: testland\n",
        "    located_in: [testland, harbour]\n",
        "gazette-2021-06-01.yaml:22: places[0]: A place cannot be located in itself",
        id="cycle-through-another-file",
    ),
    pytest.param(
        ARTICLE,
        "    located_in: port-city\n",
        "    located_in: testland\n",
        None,
        id="cycle-broken-in-the-other-file",
    ),
    pytest.param(
        ARTICLE,
        "      - {actor: river-front, role: organiser}",
        "      - {actor: river-frnt, role: organiser}",
        "gazette-2021-06-01.yaml:43: reports[0].participants[1].actor: unknown actor id",
        id="dangling-reference",
    ),
    pytest.param(
        "shared.yaml",
        "  - id: river-front\n    type: armed-group\n",
        "  - id: river-frnt\n    type: armed-group\n",
        "herald-2021-06-02.yaml:16: mentions[1].entity: unknown mentionable id 'river-front'",
        id="an-unchanged-file-loses-its-reference",
    ),
]


def test_every_edit_gives_what_a_cold_build_gives(corpus: Path, tmp_path: Path) -> None:
    warm = tmp_path / "warm"
    assert same_as_cold(corpus, warm, tmp_path)[0] == 0
    for param in EDITS:
        name, old, new, expected = param.values
        edit(corpus, old, new, name)
        code, err = same_as_cold(corpus, warm, tmp_path)
        if expected is None:
            assert code == 0, (param.id, err)
        else:
            assert code == 1, param.id
            assert str(corpus / expected) in err or expected in err, (param.id, err)
        if code == 1:  # undo, so the next edit starts from a valid corpus
            edit(corpus, new, old, name)
            assert same_as_cold(corpus, warm, tmp_path)[0] == 0


def test_rebuild_reads_only_what_changed(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = incremental.build(corpus, ONTOLOGY, out)
    assert (first.reparsed, first.full_validation) == (3, True)
    again = incremental.build(corpus, ONTOLOGY, out)
    assert (again.reparsed, again.revalidated, again.full_validation) == (0, 0, False)
    edit(corpus, "title: ", "title: Edited ", "herald-2021-06-02.yaml")
    edited = incremental.build(corpus, ONTOLOGY, out)
    assert (edited.reparsed, edited.revalidated, edited.full_validation) == (1, 1, False)
    edit(corpus, "label: River Front", "label: The River Front", "shared.yaml")
    shared = incremental.build(corpus, ONTOLOGY, out)
    assert (shared.reparsed, shared.revalidated) == (1, 3)  # both articles reach it


def test_damaged_or_outdated_cache_is_rebuilt(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    incremental.build(corpus, ONTOLOGY, out)
    expected = (out / "kg.nt").read_bytes()
    for blob in (out / ".cache" / "units").glob("*.nt"):  # same size, other bytes
        data = blob.read_bytes()
        blob.write_bytes(data[:-40] + b"#" * 40)
    (out / "kg.nt").unlink()  # the link; the outputs it points to are intact
    again = incremental.build(corpus, ONTOLOGY, out)
    assert (again.reparsed, again.written, (out / "kg.nt").read_bytes()) == (0, False, expected)
    (out / "current" / "kg.nt").write_bytes(b"damaged")  # the outputs must be made again,
    again = incremental.build(corpus, ONTOLOGY, out)  # from blobs that do not match: cold
    assert (again.reparsed, again.written, (out / "kg.nt").read_bytes()) == (3, True, expected)
    (out / "current" / "index.json").write_bytes(b"not JSON")
    assert incremental.build(corpus, ONTOLOGY, out).reparsed == 3
    assert (out / "kg.nt").read_bytes() == expected


def test_worker_processes_give_the_same_output(corpus: Path, tmp_path: Path) -> None:
    one = incremental.build(corpus, ONTOLOGY, tmp_path / "one", workers=1)
    two = incremental.build(corpus, ONTOLOGY, tmp_path / "two", workers=2)
    assert (one.triples, one.files) == (two.triples, two.files)
    for name in ("kg.nt", "kg.ttl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_worker_processes_report_every_error(corpus: Path, tmp_path: Path) -> None:
    edit(corpus, "published: 2021-06-01", "published: 2021-02-30")
    edit(corpus, "title: ", "titel: ", "herald-2021-06-02.yaml")
    with pytest.raises(incremental.ValidationFailed) as raised:
        incremental.build(corpus, ONTOLOGY, tmp_path / "out", workers=2)
    lines = str(raised.value).splitlines()
    assert [line.split(": ")[0].rsplit("/", 1)[-1] for line in lines] == [
        "gazette-2021-06-01.yaml:7",
        "herald-2021-06-02.yaml:4",
    ]


def test_no_subject_has_triples_from_several_files(tmp_path: Path) -> None:
    """What kg.nt as a concatenation of the files' triples relies on, on the real corpus:
    every node's triples come from one file, so no triple is in two named graphs."""
    out = tmp_path / "out"
    incremental.build(ROOT / "extractions", ONTOLOGY, out, links=ROOT / "links" / "wikidata.csv")
    owners: dict[bytes, set[str]] = {}
    for blob in (out / ".cache" / "units").glob("*.nt"):
        for line in blob.read_bytes().splitlines():
            owners.setdefault(line.split(b" ", 1)[0], set()).add(blob.name)
    assert {s for s, files in owners.items() if len(files) > 1} == set()
    built = Graph().parse(out / "kg.nt", format="nt")
    assert len(built) == len((out / "kg.nt").read_bytes().splitlines())
    assert isomorphic(built, Graph().parse(out / "kg.ttl", format="turtle"))


@pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/sources is not beside the checkout")
def test_real_corpus_with_sources_and_links(tmp_path: Path) -> None:
    """The cached build of the real corpus is the full pipeline's graph, before and after."""
    links = ROOT / "links" / "wikidata.csv"
    out = tmp_path / "out"
    expected = incremental.build(ROOT / "extractions", ONTOLOGY, None, SOURCES, links).graph
    first = incremental.build(ROOT / "extractions", ONTOLOGY, out, SOURCES, links)
    assert first.full_validation
    cold = (out / "kg.nt").read_bytes()
    assert isomorphic(Graph().parse(data=cold, format="nt"), expected)
    again = incremental.build(ROOT / "extractions", ONTOLOGY, out, SOURCES, links)
    assert (again.reparsed, again.full_validation) == (0, False)
    assert (out / "kg.nt").read_bytes() == cold


def test_two_builds_of_one_folder_never_interleave(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second build waits for the first (and says so), or stops with a located message."""
    out = tmp_path / "out"
    incremental.build(corpus, ONTOLOGY, out)
    told: list[str] = []
    with open(out / ".lock", "a+") as held:  # another build holds the lock ...
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        timer = threading.Timer(0.5, fcntl.flock, (held.fileno(), fcntl.LOCK_UN))
        timer.start()  # ... for half a second
        start = time.monotonic()
        incremental.build(corpus, ONTOLOGY, out, on_wait=told.append)
        assert time.monotonic() - start >= 0.5
        timer.join()
        assert told == [f"{out / '.lock'}: waiting for another kg build of {out} to finish"]
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        monkeypatch.setattr(incremental, "LOCK_WAIT", 0.2)
        before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        with pytest.raises(incremental.DataError) as raised:
            incremental.build(corpus, ONTOLOGY, out)
        assert str(raised.value) == (
            f"{out / '.lock'}: another kg build has held this lock for over 0.2 s"
        )
        assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_outputs_change_together(corpus: Path, tmp_path: Path) -> None:
    """kg.ttl and kg.nt are links into one version folder, switched in one rename."""
    out = tmp_path / "out"
    incremental.build(corpus, ONTOLOGY, out)
    first = os.readlink(out / "current")
    assert {name: os.readlink(out / name) for name in ("kg.ttl", "kg.nt")} == {
        name: f"current/{name}" for name in ("kg.ttl", "kg.nt")
    }
    edit(corpus, "label: Port City", "label: Port City Harbour", "shared.yaml")
    incremental.build(corpus, ONTOLOGY, out)
    second = os.readlink(out / "current")
    assert second != first and not (out / first).exists()  # the old version is gone
    assert sorted(p.name for p in (out / ".versions").iterdir()) == [Path(second).name]
    assert sorted(p.name for p in (out / second).iterdir()) == [
        "index.json",
        "kg.nt",
        "kg.oxigraph",
        "kg.oxigraph.of",
        "kg.ttl",
        "state.json",
    ]


def test_a_rebuild_copies_unchanged_units_even_where_the_kernel_cannot(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild copies the unchanged units' bytes from the current outputs (by
    copy_file_range, else read and written): the outputs are a cold build's either way."""
    out, cold = tmp_path / "out", tmp_path / "cold"
    incremental.build(corpus, ONTOLOGY, out)
    edit(corpus, "title: ", "title: Edited ", "herald-2021-06-02.yaml")

    def unsupported(*args: object) -> int:
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", unsupported)
    assert incremental.build(corpus, ONTOLOGY, out).reparsed == 1
    incremental.build(corpus, ONTOLOGY, cold, workers=1)
    for name in ("kg.nt", "kg.ttl"):
        assert (out / name).read_bytes() == (cold / name).read_bytes()
