"""Faults and hostile use: where kg writes, what an OS error does, special files, kg link's
write order, and builds killed at random moments.

Each case checks the exact exit code, the exact located message, and that nothing was half
written or changed. docs/guarantees.md names the test behind each promise.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import kg.build
import kg.fsutil
import kg.wikidata
from kg.cli import cli
from kg.errors import FileError
from kg.fsutil import read_regular, write_output

from . import test_link
from .conftest import MINI_FILES, ONTOLOGY, ROOT, copy_corpus
from .test_bad_input import ARTICLE, snapshot
from .test_link import FIRST_RUN, FakeWikibase, Setup, kg_link

setup = test_link.setup  # the fixtures of kg link's tests: a corpus, a fake Wikibase
wikibase = test_link.wikibase

KG = str(Path(sys.executable).with_name("kg"))
ENOSPC = os.strerror(errno.ENOSPC)  # No space left on device
EACCES = os.strerror(errno.EACCES)  # Permission denied


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A test that blocks (on a FIFO, say) fails after 240 s instead of hanging the suite."""

    def fail(signum: int, frame: Any) -> None:
        raise TimeoutError("the test hung")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(240)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def build_args(extractions: Path, out: Path, *more: str) -> list[str]:
    return ["build", "-e", str(extractions), "--ontology", str(ONTOLOGY), "-o", str(out), *more]


def export_args(extractions: Path, out: Path, *more: str) -> list[str]:
    return ["export", "-e", str(extractions), "--ontology", str(ONTOLOGY), "--out", str(out), *more]


def files_in(folder: Path) -> list[str]:
    """Every entry of ``folder``, temporary files included."""
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture()
def turtle(mini: Path, tmp_path: Path) -> bytes:
    """What ``kg export`` writes for the mini corpus (built into tmp_path/build)."""
    result = run(*export_args(mini, tmp_path / "build"))
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


class Full:
    """A file whose writes fail with ``code``; everything else is the file's."""

    def __init__(self, f: Any, code: int) -> None:
        self.f, self.code = f, code

    def write(self, data: Any) -> int:
        raise OSError(self.code, os.strerror(self.code))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.f, name)

    def __enter__(self) -> Full:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


class ShortWrites:
    """Files opened for writing through ``os.fdopen`` fail their first write: ENOSPC."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, code: int = errno.ENOSPC) -> None:
        self.code = code
        real = os.fdopen

        def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            f = real(fd, mode, *args, **kwargs)
            if "w" not in mode:
                return f
            return Full(f, self.code)

        monkeypatch.setattr(os, "fdopen", fdopen)


# --- 1. where kg writes: kg export -o, --ontology-docs, kg draft, the links file ------------------


def test_export_through_a_symlink_keeps_the_link(mini: Path, tmp_path: Path, turtle: bytes) -> None:
    target = tmp_path / "data" / "kg.ttl"
    target.parent.mkdir()
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    link = tmp_path / "latest.ttl"
    link.symlink_to(target)
    result = run(*export_args(mini, tmp_path / "build", "-o", str(link)))
    assert (result.exit_code, result.stderr) == (0, f"wrote {link} ({len(turtle):,} bytes)\n")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == turtle
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's permissions are kept
    assert files_in(target.parent) == ["kg.ttl"]  # no temporary file left


def test_export_through_a_dangling_symlink_creates_its_file(
    mini: Path, tmp_path: Path, turtle: bytes
) -> None:
    link = tmp_path / "latest.ttl"
    link.symlink_to("made.ttl")
    result = run(*export_args(mini, tmp_path / "build", "-o", str(link)))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and (tmp_path / "made.ttl").read_bytes() == turtle


def test_export_to_dev_null_writes_through(mini: Path, tmp_path: Path, turtle: bytes) -> None:
    before = os.stat("/dev/null")
    result = run(*export_args(mini, tmp_path / "build", "-o", "/dev/null"))
    assert (result.exit_code, result.stderr) == (0, f"wrote /dev/null ({len(turtle):,} bytes)\n")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_export_to_a_fifo_writes_through(mini: Path, tmp_path: Path, turtle: bytes) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run(*export_args(mini, tmp_path / "build", "-o", str(fifo)))
    reader.join(30)
    assert result.exit_code == 0, result.stderr
    assert got == [turtle]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not a regular file


def test_export_to_dev_stdout_writes_to_stdout(mini: Path, tmp_path: Path, turtle: bytes) -> None:
    """As root, a rename over /dev/stdout would replace the system's entry."""
    before = os.readlink("/dev/stdout")
    done = subprocess.run(
        [KG, *export_args(mini, tmp_path / "build", "-o", "/dev/stdout")],
        capture_output=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (0, turtle)
    assert done.stderr.decode() == f"wrote /dev/stdout ({len(turtle):,} bytes)\n"
    assert os.readlink("/dev/stdout") == before


def test_export_to_a_folder_is_an_error(mini: Path, tmp_path: Path) -> None:
    result = run(*export_args(mini, tmp_path / "build", "-o", str(tmp_path)))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{tmp_path}: is a folder: give the name of a file to write\n",
    )


def test_ontology_docs_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "ontology.md"
    target.write_bytes(b"old\n")
    link = tmp_path / "docs.md"
    link.symlink_to(target.name)
    result = run("export", "--ontology-docs", "--ontology", str(ONTOLOGY), "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert target.read_bytes() == (ROOT / "docs" / "ontology.md").read_bytes()


def test_write_output_replaces_a_regular_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"old")
    inode = path.stat().st_ino
    write_output(path, b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_ino != inode  # a new file renamed over the old: readers see one
    assert files_in(tmp_path) == ["f.txt"]


# --- 2. OS errors a user can cause ------------------------------------------------------------


def test_export_disk_full_keeps_the_old_file(
    mini: Path, tmp_path: Path, turtle: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "export"
    out.mkdir()
    target = out / "kg.ttl"
    target.write_bytes(b"the old export\n")
    run(*export_args(mini, tmp_path / "build"))  # built first: the failing write is the export's
    ShortWrites(monkeypatch)
    result = run(*export_args(mini, tmp_path / "build", "-o", str(target)))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{target}: cannot write: {ENOSPC} (the file is as it was)\n",
    )
    assert target.read_bytes() == b"the old export\n"
    assert files_in(out) == ["kg.ttl"]


def test_export_permission_denied(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(*export_args(mini, tmp_path / "build"))

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, EACCES)

    monkeypatch.setattr(kg.fsutil.tempfile, "mkstemp", denied)
    target = tmp_path / "new.ttl"
    result = run(*export_args(mini, tmp_path / "build", "-o", str(target)))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{target}: cannot write: {EACCES} (nothing was written)\n",
    )
    assert not target.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_export_into_a_read_only_folder(mini: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = run(*export_args(mini, tmp_path / "build", "-o", str(folder / "kg.ttl")))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{folder / 'kg.ttl'}: cannot write: {EACCES} (nothing was written)\n",
    )


def test_export_under_a_file_is_an_error(mini: Path, tmp_path: Path) -> None:
    """A real OS error: a path through a regular file (ENOTDIR)."""
    (tmp_path / "plain").write_bytes(b"")
    target = tmp_path / "plain" / "kg.ttl"
    result = run(*export_args(mini, tmp_path / "build", "-o", str(target)))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{target}: cannot write: {os.strerror(errno.ENOTDIR)}\n",
    )
    assert (tmp_path / "plain").read_bytes() == b""


def new_source(tmp_path: Path) -> Path:
    source = tmp_path / "article.txt"
    source.write_text("Port City rally draws thousands\nBy Ada Writer\nJune 1, 2021\n\nText.\n")
    return source


def test_draft_disk_full_writes_nothing(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ShortWrites(monkeypatch)
    result = run("draft", str(new_source(tmp_path)), "--id", "rally", "-e", str(mini))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{mini / 'rally.yaml'}: cannot write: {ENOSPC} (nothing was written)\n",
    )
    assert files_in(mini) == sorted(p.name for p in MINI_FILES)


def test_draft_never_writes_over_a_dangling_link(mini: Path, tmp_path: Path) -> None:
    (mini / "rally.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    result = run("draft", str(new_source(tmp_path)), "--id", "rally", "-e", str(mini))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{mini / 'rally.yaml'}: already exists; choose another id with --id\n",
    )
    assert not (tmp_path / "elsewhere.yaml").exists()


def test_new_never_replaces_a_file_made_meanwhile(tmp_path: Path) -> None:
    """The file is created with a hard link, which fails where a rename would replace."""
    path = tmp_path / "x.yaml"
    real_link = os.link

    def racing(src: Any, dst: Any) -> None:
        Path(dst).write_bytes(b"a curator's file\n")  # made between the check and the write
        real_link(src, dst)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(os, "link", racing)
        with pytest.raises(FileError) as caught:
            write_output(path, b"new\n", new=True)
    assert str(caught.value) == f"{path}: already exists; choose another id with --id"
    assert path.read_bytes() == b"a curator's file\n"
    assert files_in(tmp_path) == ["x.yaml"]


class FailAt:
    """Fails the ``n``-th file-system operation a build makes under ``out`` (creating a
    folder, writing a file, a link, a rename, an fsync) with ENOSPC; counts them all."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, out: Path, n: int) -> None:
        self.n, self.count, self.failed = n, 0, ""
        for module, name in [
            (os, "mkdir"),
            (os, "link"),
            (os, "rename"),
            (os, "replace"),
            (os, "symlink"),
            (os, "fsync"),
            (kg.build, "_write_synced"),
            (kg.build, "write_atomic"),
        ]:
            monkeypatch.setattr(module, name, self.wrap(getattr(module, name), name, out))

    def wrap(self, real: Callable[..., Any], name: str, out: Path) -> Callable[..., Any]:
        def op(*args: Any, **kwargs: Any) -> Any:
            first = args[0] if args else None
            inside = any(str(a).startswith(str(out) + "/") for a in args[:2])
            if name == "fsync" or inside:
                self.count += 1
                if self.count == self.n:
                    self.failed = f"{name}({first})"
                    raise OSError(errno.ENOSPC, ENOSPC)
            return real(*args, **kwargs)

        return op


def outputs(out: Path) -> tuple[bytes, bytes]:
    return (out / "kg.nt").read_bytes(), (out / "kg.ttl").read_bytes()


def two_corpora(tmp_path: Path) -> tuple[Path, Path]:
    """The mini corpus (A) and the same with one value changed (B)."""
    a = copy_corpus(tmp_path / "a", *MINI_FILES)
    b = copy_corpus(tmp_path / "b", *MINI_FILES)
    path = b / ARTICLE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("lower: 2000", "lower: 2100", 1), encoding="utf-8")
    return a, b


def cold(extractions: Path, out: Path) -> tuple[bytes, bytes]:
    result = run(*build_args(extractions, out))
    assert result.exit_code == 0, result.stderr
    return outputs(out)


def test_a_failure_at_any_write_of_a_build_keeps_the_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two_corpora(tmp_path)
    new = cold(b, tmp_path / "cold-b")
    pristine = tmp_path / "pristine"
    old = cold(a, pristine)
    for n in range(1, 200):
        out = tmp_path / f"out{n}"
        shutil.copytree(pristine, out, symlinks=True)
        before = snapshot(out)
        work = work_of(b, out)  # the build reads the corpus B into out: its version differs
        with pytest.MonkeyPatch.context() as m:
            faults = FailAt(m, out, n)
            result = run(*build_args(work, out))
        if not faults.failed:
            assert n > 10  # every step before was failed once
            break
        if result.exit_code == 1:  # failed before the switch: the old version, nothing else
            assert result.stderr == (
                f"{out}: cannot write the build: {ENOSPC} (the previous build is kept)\n"
            ), faults.failed
            assert snapshot(out) == before, faults.failed
            assert outputs(out) == old
        else:  # failed after the switch (an fsync, tidying): the new version is whole
            assert result.exit_code == 0, (faults.failed, result.stderr)
            assert outputs(out) == new, faults.failed
        assert run(*build_args(work, out)).exit_code == 0
        assert outputs(out) == new
        assert [p.name for p in (out / ".versions").iterdir()] == [
            os.readlink(out / "current").split("/")[-1]
        ]
        shutil.rmtree(out)
    else:
        pytest.fail("the build never finished without a fault")


def work_of(corpus: Path, out: Path) -> Path:
    """A copy of ``corpus`` beside ``out`` (the path of each file is part of its unit)."""
    work = out.with_name(out.name + "-extractions")
    if not work.exists():
        shutil.copytree(corpus, work)
    return work


def test_a_failed_first_build_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = two_corpora(tmp_path)
    for n in range(1, 200):
        out = tmp_path / f"out{n}"
        with pytest.MonkeyPatch.context() as m:
            faults = FailAt(m, out, n)
            result = run(*build_args(a, out))
        if not faults.failed:
            break
        if result.exit_code == 1:
            assert result.stderr == (
                f"{out}: cannot write the build: {ENOSPC} (nothing was written)\n"
            ), faults.failed
            assert not out.exists(), (faults.failed, sorted(out.rglob("*")))
    else:
        pytest.fail("the build never finished without a fault")


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """``disk(size)``: a tmpfs of ``size`` bytes (resized when called again), for a real
    ENOSPC; skips where tmpfs cannot be mounted (not root, or no mount permission)."""
    point = tmp_path / "disk"
    point.mkdir()
    mounted: list[bool] = []

    def disk(size: int) -> Path:
        options = f"remount,size={size}" if mounted else f"size={size}"
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True
        )
        if done.returncode != 0:
            if not mounted:
                pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
            raise AssertionError(done.stderr.decode())
        mounted.append(True)
        return point

    yield disk
    if mounted:
        subprocess.run(["umount", str(point)], check=True)


def used(folder: Path) -> int:
    st = os.statvfs(folder)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def test_a_really_full_disk_keeps_the_old_build(
    tmp_path: Path, small_disk: Callable[[int], Path]
) -> None:
    """A tmpfs with room for one build, not two: the second build gets a real ENOSPC."""
    a, b = two_corpora(tmp_path)
    work = copy_corpus(tmp_path / "extractions", *a.iterdir())
    disk = small_disk(4 << 20)
    out = disk / "build"
    old = cold(work, out)
    small_disk(used(disk) + (64 << 10))  # 64 KiB free: a new version needs about 170 KiB
    before = snapshot(out)
    shutil.copy(b / ARTICLE, work / ARTICLE)
    result = run(*build_args(work, out))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{out}: cannot write the build: {ENOSPC} (the previous build is kept)\n",
    )
    assert snapshot(out) == before
    assert outputs(out) == old


def test_a_really_full_disk_keeps_the_old_export(
    mini: Path, tmp_path: Path, turtle: bytes, small_disk: Callable[[int], Path]
) -> None:
    disk = small_disk(16 << 10)  # 16 KiB: less than the export's
    target = disk / "kg.ttl"
    target.write_bytes(b"the old export\n")
    result = run(*export_args(mini, tmp_path / "build", "-o", str(target)))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{target}: cannot write: {ENOSPC} (the file is as it was)\n",
    )
    assert target.read_bytes() == b"the old export\n"
    assert files_in(disk) == ["kg.ttl"]
    assert len(turtle) > 16 << 10


def test_build_folder_is_a_file(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.write_bytes(b"")
    result = run(*build_args(mini, out))
    assert (result.exit_code, result.stderr) == (1, f"{out}: not a folder: give the build folder\n")


def test_build_folder_cannot_be_made(mini: Path, tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(b"")
    out = tmp_path / "plain" / "build"
    result = run(*build_args(mini, out))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{out}: cannot create the build folder: {os.strerror(errno.ENOTDIR)}\n",
    )


def test_lock_file_cannot_be_made(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    out.mkdir()
    real_open = os.open

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(".lock"):
            raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    result = run(*build_args(mini, out))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{out / '.lock'}: cannot create the lock file: {os.strerror(errno.EROFS)}\n",
    )
    assert files_in(out) == []


def test_unwritable_cache_keeps_the_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The blobs under .cache/units cannot be written (EACCES): the build fails whole."""
    a, b = two_corpora(tmp_path)
    work = copy_corpus(tmp_path / "extractions", *a.iterdir())
    out = tmp_path / "out"
    old = cold(work, out)
    before = snapshot(out)
    shutil.copy(b / ARTICLE, work / ARTICLE)
    real = kg.build.write_atomic

    def denied(path: Path, *args: Any, **kwargs: Any) -> None:
        if ".cache" in path.parts:
            raise PermissionError(errno.EACCES, EACCES)
        real(path, *args, **kwargs)

    monkeypatch.setattr(kg.build, "write_atomic", denied)
    result = run(*build_args(work, out))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{out}: cannot write the build: {EACCES} (the previous build is kept)\n",
    )
    assert snapshot(out) == before
    assert outputs(out) == old


# --- 3. special files where regular files are expected ----------------------------------------

FIFO = "is a named pipe (FIFO), not a regular file"


def test_fifo_named_yaml_in_extractions(mini: Path, tmp_path: Path) -> None:
    os.mkfifo(mini / "pipe.yaml")
    result = run(*build_args(mini, tmp_path / "out"))
    assert (result.exit_code, result.stderr) == (1, f"{mini / 'pipe.yaml'}: {FIFO}\n")
    assert not (tmp_path / "out").exists()


def test_folder_named_yaml_in_extractions(mini: Path, tmp_path: Path) -> None:
    (mini / "folder.yaml").mkdir()
    result = run(*build_args(mini, tmp_path / "out"))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{mini / 'folder.yaml'}: is a folder, not a regular file\n",
    )


def test_fifo_in_extractions_for_kg_verify(mini: Path, tmp_path: Path) -> None:
    """kg verify and kg link read the extraction files through another path (load_corpus)."""
    os.mkfifo(mini / "pipe.yaml")
    result = run("verify", "--sources", str(tmp_path), "-e", str(mini), "--ontology", str(ONTOLOGY))
    assert (result.exit_code, result.stderr) == (1, f"{mini / 'pipe.yaml'}: {FIFO}\n")


def test_dangling_link_named_yaml_is_skipped(mini: Path, tmp_path: Path) -> None:
    """An editor's lock file (.#name.yaml, a dangling symbolic link) is not an input."""
    (mini / ".#gazette-2021-06-01.yaml").symlink_to("user@host.1234")
    assert run(*build_args(mini, tmp_path / "out")).exit_code == 0


def test_fifo_as_links_file(mini: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "links.csv"
    os.mkfifo(fifo)
    result = run(*build_args(mini, tmp_path / "out", "--links", str(fifo)))
    assert (result.exit_code, result.stderr) == (1, f"{fifo}: {FIFO}\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def special_ontology(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, folder)
    (folder / name).unlink()
    os.mkfifo(folder / name)
    return folder


@pytest.mark.parametrize("name", ["ontology.ttl", "shapes.ttl"])
def test_fifo_as_ontology_for_build(mini: Path, tmp_path: Path, name: str) -> None:
    folder = special_ontology(tmp_path, name)
    args = ["build", "-e", str(mini), "--ontology", str(folder), "-o", str(tmp_path / "out")]
    result = run(*args)
    assert (result.exit_code, result.stderr) == (1, f"{folder / name}: {FIFO}\n")


def test_fifo_as_ontology_for_vocab(tmp_path: Path) -> None:
    folder = special_ontology(tmp_path, "ontology.ttl")
    result = run("vocab", "--ontology", str(folder))
    assert (result.exit_code, result.stderr) == (1, f"{folder / 'ontology.ttl'}: {FIFO}\n")


def sources_with_fifo(mini: Path, tmp_path: Path) -> tuple[Path, int]:
    """A sources folder whose gazette text is a FIFO; the line of its source_file field."""
    sources = tmp_path / "sources"
    sources.mkdir()
    text = (mini / ARTICLE).read_text(encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "source_file:" in s)
    name = text.splitlines()[line - 1].split("source_file:")[1].strip().strip('"')
    os.mkfifo(sources / name)
    return sources, line


def test_fifo_as_source_text_for_build(mini: Path, tmp_path: Path) -> None:
    sources, line = sources_with_fifo(mini, tmp_path)
    fifo = next(sources.iterdir())
    result = run(*build_args(mini, tmp_path / "out", "--sources", str(sources)))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{mini / ARTICLE}:{line}: article.source_file: {FIFO}: {fifo}\n",
    )


def test_fifo_as_source_text_for_verify(mini: Path, tmp_path: Path) -> None:
    sources, line = sources_with_fifo(mini, tmp_path)
    fifo = next(sources.iterdir())
    result = run("verify", "--sources", str(sources), "-e", str(mini), "--ontology", str(ONTOLOGY))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{mini / ARTICLE}:{line}: article.source_file: {FIFO}: {fifo}\n",
    )


def test_fifo_as_stored_query(tmp_path: Path) -> None:
    queries = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", queries)
    os.mkfifo(queries / "zz-pipe.rq")
    result = run("query", "list", "--queries", str(queries))
    assert (result.exit_code, result.stderr) == (1, f"{queries / 'zz-pipe.rq'}: {FIFO}\n")


def test_folder_as_stored_query(tmp_path: Path) -> None:
    queries = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", queries)
    (queries / "zz-folder.rq").mkdir()
    result = run("query", "list", "--queries", str(queries))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{queries / 'zz-folder.rq'}: is a folder, not a regular file\n",
    )


def test_fifo_as_source_of_kg_draft(mini: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    result = run("draft", str(fifo), "-e", str(mini))
    assert (result.exit_code, result.stderr) == (1, f"{fifo}: {FIFO}\n")
    assert files_in(mini) == sorted(p.name for p in MINI_FILES)


def test_kg_sparql_reads_a_fifo(mini: Path, tmp_path: Path) -> None:
    """A query is a stream: kg sparql reads a FIFO (or stdin) to its end."""
    assert run(*build_args(mini, tmp_path / "out")).exit_code == 0
    fifo = tmp_path / "query.rq"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as f:
            f.write("ASK { actor:testland ?p ?o }\n")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = run("sparql", str(fifo), "--graph", str(tmp_path / "out" / "kg.nt"))
    writer.join(30)
    assert (result.exit_code, result.stdout) == (0, "true\n"), result.stderr


def test_read_regular_refuses_devices() -> None:
    with pytest.raises(FileError) as caught:
        read_regular(Path("/dev/null"))
    assert str(caught.value) == "/dev/null: is a character device, not a regular file"


def test_fifo_in_the_wikidata_cache_is_fetched_again(
    setup: Setup, wikibase: FakeWikibase, caplog: pytest.LogCaptureFixture
) -> None:
    setup.run(setup.client(wikibase.url))
    entry = sorted(setup.cache.iterdir())[0]
    entry.unlink()
    os.mkfifo(entry)
    count = wikibase.count
    setup.run(setup.client(wikibase.url))
    assert wikibase.count == count + 1  # that one answer, fetched again
    assert f"{entry}: corrupted cache entry ({FIFO}): fetching it again" in caplog.messages
    assert entry.is_file() and not stat.S_ISFIFO(os.lstat(entry).st_mode)


def test_fifo_as_links_file_of_kg_link(setup: Setup, wikibase: FakeWikibase) -> None:
    setup.links.parent.mkdir()
    os.mkfifo(setup.links)
    result = kg_link(setup, wikibase.url)
    assert (result.exit_code, result.stderr) == (1, f"{setup.links}: {FIFO}\n")
    assert wikibase.count == 0


# --- 4. kg link: the cache first, then the links file, never over a curator's edit ----------


def test_link_cache_write_fails_links_file_unchanged(
    setup: Setup, wikibase: FakeWikibase, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.links.parent.mkdir()
    setup.links.write_text(FIRST_RUN.splitlines(keepends=True)[0], encoding="utf-8")
    before = setup.links.read_bytes()
    ShortWrites(monkeypatch)
    result = kg_link(setup, wikibase.url, "--links", str(setup.links))
    first = sorted(setup.cache.iterdir()) if setup.cache.exists() else []
    assert result.exit_code == 1
    entry = result.stderr.splitlines()[-1].split(":")[0]
    assert result.stderr.splitlines()[-1] == (
        f"{entry}: cannot write the cache: {ENOSPC} (the links file is as it was)"
    )
    assert Path(entry).parent == setup.cache
    assert setup.links.read_bytes() == before
    assert [p for p in first if not p.name.startswith(".")] == []  # no entry was written


def test_link_cache_folder_cannot_be_made(setup: Setup, wikibase: FakeWikibase) -> None:
    """A real OS error: the cache folder would be under a regular file (ENOTDIR)."""
    plain = setup.extractions.parent / "plain"
    plain.write_bytes(b"")
    cache = plain / "cache"
    result = run(
        "link",
        "--api-url",
        wikibase.url,
        "--cache",
        str(cache),
        "-e",
        str(setup.extractions),
        "--ontology",
        str(ONTOLOGY),
    )
    last = result.stderr.splitlines()[-1]
    entry = last.split(":")[0]
    assert (result.exit_code, last) == (
        1,
        f"{entry}: cannot write the cache: {os.strerror(errno.ENOTDIR)} "
        "(the links file is as it was)",
    )
    assert Path(entry).parent == cache and entry.endswith(".json")
    assert not setup.links.exists() and plain.read_bytes() == b""


def test_link_links_file_write_fails_after_the_cache(
    setup: Setup, wikibase: FakeWikibase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is written first: a failing links file write leaves it unchanged, and the
    answers cached (extra entries are harmless: a second run sends no requests)."""
    real = kg.fsutil.write_atomic

    def fail_links(path: Path, *args: Any, **kwargs: Any) -> None:
        if path.suffix == ".csv":
            raise OSError(errno.ENOSPC, ENOSPC)
        real(path, *args, **kwargs)

    monkeypatch.setattr(kg.fsutil, "write_atomic", fail_links)
    result = kg_link(setup, wikibase.url)
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1,
        f"{setup.links}: cannot write: {ENOSPC} (nothing was written)",
    )
    assert not setup.links.exists()
    assert len(list(setup.cache.iterdir())) == 18
    monkeypatch.undo()
    count = wikibase.count
    assert kg_link(setup, wikibase.url).exit_code == 0
    assert wikibase.count == count  # every answer came from the cache
    assert setup.links.read_text(encoding="utf-8") == FIRST_RUN


def test_link_keeps_a_curators_edit_made_during_the_run(
    setup: Setup, wikibase: FakeWikibase, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.run(setup.client(wikibase.url))
    edited = setup.links.read_text(encoding="utf-8").replace(
        "river-front,armed-group,,,,,no-match,auto,no candidates",
        "river-front,armed-group,,,,,no-match,curator,checked by hand",
    )
    real = kg.wikidata.Client.commit

    def edit_then_commit(self: kg.wikidata.Client) -> int:
        setup.links.write_text(edited, encoding="utf-8")  # the curator saves meanwhile
        return real(self)

    monkeypatch.setattr(kg.wikidata.Client, "commit", edit_then_commit)
    result = kg_link(setup, wikibase.url, "--links", str(setup.links))
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1,
        f"{setup.links}: the links file changed while kg link ran; nothing was written to "
        "it, so the change is kept: run kg link again (the answers are cached)",
    )
    assert setup.links.read_text(encoding="utf-8") == edited


def test_link_through_a_symlinked_links_file(setup: Setup, wikibase: FakeWikibase) -> None:
    real = setup.extractions.parent / "shared-links.csv"
    setup.links.parent.mkdir()
    setup.links.symlink_to(real)
    result = kg_link(setup, wikibase.url)
    assert result.exit_code == 0, result.stderr
    assert setup.links.is_symlink() and real.read_text(encoding="utf-8") == FIRST_RUN


# --- 5. builds killed at random moments --------------------------------------------------------

KILLS = 15
SLOW_WRITES = """
import os, sys, time
import kg.build
from kg.cli import main


def slow(path, data):  # the build's writes, in 8 pieces 10 ms apart: kills land inside them
    step = len(data) // 8 + 1
    with open(path, "wb") as f:
        for start in range(0, len(data), step):
            f.write(data[start : start + step])
            f.flush()
            time.sleep(0.01)
        os.fsync(f.fileno())


def later(real):
    def call(*args, **kwargs):
        time.sleep(0.02)
        return real(*args, **kwargs)
    return call


kg.build._write_synced = slow
kg.build.write_atomic = later(kg.build.write_atomic)
kg.build._symlink = later(kg.build._symlink)
kg.build._fsync_dir = later(kg.build._fsync_dir)
sys.argv[0] = "kg"
main()
"""


def test_sigkill_at_random_moments_leaves_a_whole_version(tmp_path: Path) -> None:
    """kg build (a process) killed with SIGKILL at 15 seeded random moments (more, up to 45,
    while fewer than 5 came before the build ended: rebuilds vary in length under load):
    build/kg.nt and build/kg.ttl are always both the old or both the new version, and the
    next build's outputs are a cold build's. The process is kg with its writes slowed down
    (the code is kg's; each write is cut in pieces with pauses), so that most kills land
    while it writes."""
    a, b = two_corpora(tmp_path)
    work = tmp_path / "extractions"
    shutil.copytree(a, work)
    expected = {}
    for name, corpus in (("a", a), ("b", b)):
        shutil.rmtree(work)
        shutil.copytree(corpus, work)
        expected[name] = cold(work, tmp_path / f"cold-{name}")
    out = tmp_path / "build"
    args = [sys.executable, "-c", SLOW_WRITES, *build_args(work, out)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)  # version b
    shutil.copy(a / ARTICLE, work / ARTICLE)
    started = time.monotonic()
    subprocess.run([KG, *args[3:]], check=True, capture_output=True, timeout=120)  # version a
    reading = time.monotonic() - started  # a rebuild at full speed: before the writes, mostly
    shutil.copy(b / ARTICLE, work / ARTICLE)
    started = time.monotonic()
    subprocess.run(args, check=True, capture_output=True, timeout=120)  # b, slow writes
    duration = time.monotonic() - started  # of a rebuild, as each run below is
    shutil.copy(a / ARTICLE, work / ARTICLE)
    subprocess.run(args, check=True, capture_output=True, timeout=120)  # version a
    rng = random.Random(20261201)
    state, killed = "a", 0
    for kill in range(3 * KILLS):  # KILLS moments, more while too few came before the end
        if kill >= KILLS and killed >= KILLS // 3:
            break
        state = "b" if state == "a" else "a"
        shutil.copy((b if state == "b" else a) / ARTICLE, work / ARTICLE)
        proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        late = kill % 2  # every other kill while the build writes
        # (within 80 % of the measured run: a run may be faster than the one measured)
        time.sleep(rng.uniform(reading * 0.8 if late else 0.0, duration * 0.8))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        killed += proc.wait(30) == -signal.SIGKILL
        got = outputs(out)
        assert got in (expected["a"], expected["b"]), f"kill {kill}: half a version"
        subprocess.run(args, check=True, capture_output=True, timeout=120)  # the next build
        assert outputs(out) == expected[state], f"after kill {kill}"
    assert killed >= KILLS // 3  # kills came before the build ended, not only after
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    assert outputs(out) == expected[state]
    versions = sorted(p.name for p in (out / ".versions").iterdir())
    assert versions == [os.readlink(out / "current").split("/")[-1]]  # no leftovers
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
