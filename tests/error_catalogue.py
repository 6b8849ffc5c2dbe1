"""The catalogue of bad input: every case the tests check, run for real, with what kg says.

`python -m tests.error_catalogue` (or `make docs`) rewrites docs/errors.md; a test checks
that the page is current, so it always shows the messages kg gives today.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import kg.build
import kg.fsutil
from kg.cli import cli

from .conftest import MINI, MINI_FILES, ONTOLOGY, ROOT, copy_corpus
from .test_bad_input import ARTICLE, ARTICLE_CASES, FILE_CASES
from .test_hostile_input import HOSTILE_CASES, STEM
from .test_verify import SOURCE_CASES

DOC = ROOT / "docs" / "errors.md"
INTRO = """# What kg says about bad input

Every case below is run by `python -m tests.error_catalogue`, which wrote this page; a test
fails when the page no longer matches what kg says. The corpus is the fixture
`tests/fixtures/mini/` (copied to `extractions/`), with one change per case. Each message is
on stderr, the exit code is 1 for bad data and 2 for a wrong command, and nothing is written:
the previous `build/` output and build cache stay as they were. The tests also check these
exact messages (`tests/test_bad_input.py`, `tests/test_verify.py`,
`tests/test_hostile_input.py`, `tests/test_cli.py`, `tests/test_ontology.py`,
`tests/test_link.py`, `tests/test_hostile_queries.py`, `tests/test_faults.py`); what kg
promises under faults and hostile use is in [guarantees.md](guarantees.md).
"""


def _run(args: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, input=stdin)
    return result.exit_code, result.stderr.replace(str(cwd) + "/", "")


def _corpus(tmp: Path) -> Path:
    shutil.rmtree(tmp / "extractions", ignore_errors=True)
    return copy_corpus(tmp / "extractions", *MINI_FILES)


def _build(tmp: Path, *more: str) -> tuple[int, str]:
    args = ["build", "-e", str(tmp / "extractions"), "--ontology", str(ONTOLOGY), *more]
    return _run([*args, "-o", str(tmp / "build")], tmp)


def _edit(tmp: Path, old: object, new: object) -> None:
    path = _corpus(tmp) / ARTICLE
    path.write_text(path.read_text().replace(str(old), str(new), 1))


def cases() -> Iterator[tuple[str, str, int, str]]:
    """(section, case, exit code, stderr) for every case."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for param in ARTICLE_CASES:
            old, new, _ = param.values
            folder = _corpus(tmp)
            path = folder / ARTICLE
            path.write_text(path.read_text().replace(old, new, 1))  # type: ignore[arg-type]
            yield ("Extraction files", str(param.id), *_build(tmp))
        folder = _corpus(tmp)
        shared = (folder / "shared.yaml").read_text()
        (folder / "shared.yaml").write_text(shared.replace("type: protest", "type: bombing"))
        yield ("Extraction files", "unknown-event-type", *_build(tmp))
        folder = _corpus(tmp)
        (folder / "zz-extra.yaml").write_text(
            "actors:\n  - id: testland\n    type: state\n    label: Testland again\n"
        )
        yield ("Extraction files", "duplicate-id-across-files", *_build(tmp))
        for param in SOURCE_CASES:
            old, new, _ = param.values
            _edit(tmp, old, new)
            yield (
                "With the source texts (`--sources`)",
                str(param.id),
                *_build(tmp, "--sources", str(MINI)),
            )
        for param in HOSTILE_CASES:
            old, new, _ = param.values
            _edit(tmp, old, new)
            yield ("Hostile input", str(param.id), *_build(tmp))
        folder = _corpus(tmp)
        (folder / "ontology.yaml").write_text(STEM.format(n=1))
        yield ("Hostile input", "file-named-as-a-reserved-graph", *_build(tmp))
        folder = _corpus(tmp)
        (folder / ARTICLE).rename(folder / "a.yaml")
        (folder / ARTICLE).write_text(STEM.format(n=1))
        yield ("Hostile input", "file-named-as-an-article", *_build(tmp))
        folder = _corpus(tmp)
        (folder / "a b%zz<x>.yaml").write_text(STEM.format(n=1))
        yield (
            "Hostile input",
            "file-name-no-iri-segment (its graph is id/graph/a%20b%25zz%3Cx%3E)",
            *_build(tmp),
        )
        for param in FILE_CASES:
            content, _ = param.values
            folder = _corpus(tmp)
            (folder / "bad.yaml").write_bytes(content)  # type: ignore[arg-type]
            yield ("Files of the wrong kind", str(param.id), *_build(tmp))
        folder = _corpus(tmp)
        (folder / "huge.yaml").write_bytes(b"# padding\n" * 100_001)
        yield ("Files of the wrong kind", "huge-file", *_build(tmp))
        shutil.rmtree(folder)
        yield ("Files of the wrong kind", "missing-folder", *_build(tmp))

        onto = tmp / "ontology"
        shutil.copytree(ONTOLOGY, onto)
        text = (onto / "ontology.ttl").read_text()
        (onto / "ontology.ttl").write_text(text.replace(" .\n", " \n", 1))
        _corpus(tmp)
        yield (
            "Ontology and shapes",
            "turtle-syntax-error",
            *_run(["build", "-e", str(tmp / "extractions"), "--ontology", str(onto)], tmp),
        )

        _corpus(tmp)
        _build(tmp)
        graph = ["--graph", str(tmp / "build" / "kg.nt")]
        run = ["query", "run"]
        for case, args, stdin in (
            ("unknown-query", [*run, "timelime", *graph], None),
            ("unknown-parameter", [*run, "timeline", "-p", "since=2020", *graph], None),
            ("wrong-type", [*run, "timeline", "-p", "from=soon", *graph], None),
            ("not-an-integer", [*run, "co-participants", "-p", "min=two", *graph], None),
            ("unknown-entity", [*run, "actor-profile", "-p", "actor=nobody", *graph], None),
            ("syntax-error", ["sparql", "-", *graph], "SELECT ?x WHERE {\n  ?x ?y \n}\n"),
            ("update-query", ["sparql", "-", *graph], "DELETE WHERE { ?s ?p ?o }\n"),
            ("no-built-graph", [*run, "timeline", "--graph", str(tmp / "no.nt")], None),
            (
                "integer-beyond-64-bits",
                [*run, "co-participants", "-p", "min=9223372036854775808", *graph],
                None,
            ),
            ("integer-python-reads", [*run, "co-participants", "-p", "min=1_000", *graph], None),
            ("date-without-dashes", [*run, "timeline", "-p", "from=20200103", *graph], None),
            ("iri-with-a-blank", [*run, "actor-profile", "-p", "actor=<http://a b>", *graph], None),
            (
                "parameter-given-twice",
                [*run, "co-participants", "-p", "min=1", "-p", "min=2", *graph],
                None,
            ),
            (
                "federated-query",
                ["sparql", "-", *graph],
                "SELECT * WHERE {\n  SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }\n}\n",
            ),
            (
                "dataset-clause",
                ["sparql", "-", *graph],
                "SELECT *\nFROM <http://example.org/data.ttl>\nWHERE { ?s ?p ?o }\n",
            ),
            (
                "timeout",
                ["sparql", "-", *graph, "--timeout", "0.5", "--max-rows", "0"],
                "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n",
            ),
            (
                "too-many-rows",
                ["sparql", "-", *graph, "--max-rows", "100"],
                "SELECT * WHERE { ?s ?p ?o }\n",
            ),
            (
                "turtle-for-n-triples",
                [*run, "timeline", "--graph", str(tmp / "build" / "kg.ttl")],
                None,
            ),
        ):
            yield ("Queries", case, *_run(args, tmp, stdin))
        code, _ = _run(
            ["query", "run", "spellings", "-p", 'contains=x") || true || ("', *graph, "-f", "csv"],
            tmp,
        )
        yield ("Queries", "injection-attempt (no rows: the value is only ever a string)", code, "")
        yield from draft_cases(tmp)
        yield from fault_cases(tmp)


def draft_cases(tmp: Path) -> Iterator[tuple[str, str, int, str]]:
    """kg draft's source texts, and a draft that kg build refuses until it is reviewed."""
    drafts = "Drafts (kg draft)"
    folder = _corpus(tmp)
    draft = ["draft", "-e", str(folder), "--ontology", str(ONTOLOGY)]
    for case, data in (("empty-source", b"\n \n"), ("binary-source", b"Title\n\x00")):
        (tmp / "new.txt").write_bytes(data)
        yield (drafts, case, *_run([*draft, str(tmp / "new.txt")], tmp))
    yield (drafts, "missing-source", *_run([*draft, str(tmp / "none.txt")], tmp))
    (tmp / "new.txt").write_text("Rally in Port City\n\nBy Ada Writer\nJune 2, 2021\n\nText.\n")
    _run([*draft, str(tmp / "new.txt"), "--id", "rally"], tmp)
    yield (drafts, "unreviewed-draft", *_build(tmp))


def fault_cases(tmp: Path) -> Iterator[tuple[str, str, int, str]]:
    """Special files where regular files are expected, and OS errors (tests/test_faults.py)."""
    special = "Special files and OS errors"
    folder = _corpus(tmp)
    os.mkfifo(folder / "pipe.yaml")
    yield (special, "fifo-named-yaml-in-extractions", *_build(tmp))
    folder = _corpus(tmp)
    (folder / "folder.yaml").mkdir()
    yield (special, "folder-named-yaml-in-extractions", *_build(tmp))
    _corpus(tmp)
    os.mkfifo(tmp / "links.csv")
    build = ["build", "-e", str(tmp / "extractions"), "--ontology", str(ONTOLOGY)]
    yield (special, "fifo-as-links-file", *_run([*build, "--links", str(tmp / "links.csv")], tmp))
    onto = tmp / "fifo-ontology"
    shutil.copytree(ONTOLOGY, onto)
    (onto / "ontology.ttl").unlink()
    os.mkfifo(onto / "ontology.ttl")
    yield (special, "fifo-as-ontology", *_run([*build[:3], "--ontology", str(onto)], tmp))
    sources = tmp / "sources"
    sources.mkdir()
    os.mkfifo(sources / "gazette.txt")
    yield (special, "fifo-as-source-text", *_run([*build, "--sources", str(sources)], tmp))
    queries = tmp / "queries"
    shutil.copytree(ROOT / "queries", queries)
    os.mkfifo(queries / "zz-pipe.rq")
    yield (
        special,
        "fifo-as-stored-query",
        *_run(["query", "list", "--queries", str(queries)], tmp),
    )
    os.mkfifo(tmp / "article.txt")
    draft = ["draft", str(tmp / "article.txt"), "-e", str(tmp / "extractions")]
    yield (special, "fifo-as-source-of-kg-draft", *_run(draft, tmp))
    export = ["export", *build[1:], "--out", str(tmp / "build")]
    yield (special, "export-to-a-folder", *_run([*export, "-o", str(tmp / "queries")], tmp))
    under = str(tmp / "article.yaml" / "kg.ttl")
    (tmp / "article.yaml").write_bytes(b"")
    yield (special, "export-under-a-file", *_run([*export, "-o", under], tmp))
    yield (special, "build-folder-is-a-file", *_run([*build, "-o", str(tmp / "article.yaml")], tmp))
    yield (special, "build-folder-cannot-be-made", *_run([*build, "-o", under], tmp))

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.MonkeyPatch.context() as m:
        _corpus(tmp)
        (tmp / "extractions" / "shared.yaml").write_text(
            MINI_FILES[0].read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8"
        )
        m.setattr(kg.build, "_write_synced", full)
        yield (special, "disk-full-during-build", *_build(tmp))
    _build(tmp)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(kg.fsutil, "write_atomic", full)
        (tmp / "kg.ttl").write_bytes(b"an old export\n")
        yield (special, "disk-full-during-export", *_run([*export, "-o", str(tmp / "kg.ttl")], tmp))


def markdown() -> str:
    out = [INTRO]
    section = ""
    for where, case, code, err in cases():
        if where != section:
            section = where
            out.append(f"\n## {where}\n")
        out.append(f"**{case}** (exit {code})\n")
        if err:
            out.append("```\n" + err.rstrip("\n") + "\n```\n")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    DOC.write_text(markdown(), encoding="utf-8")
    print(f"wrote {DOC}")
