"""Reading and writing files safely.

- ``read_regular``: a regular file's bytes; anything else (a folder, a FIFO, a device, a
  socket) is a located error, and a FIFO never blocks the reader.
- ``write_atomic``: a temporary file beside the target, then one rename: a reader sees the old
  file or the new one, never half of one.
- ``write_output``: what every file kg writes on a user's say goes through (``kg export -o``,
  ``kg draft``, the links file of ``kg link``): a regular file, or a name not yet taken, is
  replaced atomically; a symbolic link keeps being a link (its target is replaced atomically);
  anything else that is not a folder (``/dev/stdout``, ``/dev/null``, a FIFO, a terminal) is
  opened and written to, never renamed over.

Every ``OSError`` a user can cause (permission denied, a read-only folder, a full disk)
becomes a ``kg.errors.FileError`` at the path the user named.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import FileError, Location

_UMASK = os.umask(0)
os.umask(_UMASK)

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: 'a folder', 'a named pipe (FIFO)', ..."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def reason(e: OSError) -> str:
    """An OSError in a few words: its ``strerror`` ('No space left on device')."""
    return e.strerror or str(e)


def read_regular(path: Path) -> bytes:
    """A regular file's bytes (following symbolic links); a located ``FileError`` for a
    missing file, anything that is not a regular file, or an error reading it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens without a writer
    except FileNotFoundError:
        raise FileError("file not found", Location(path)) from None
    except OSError as e:
        raise FileError(f"cannot read: {reason(e)}", Location(path)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise FileError(f"is {kind(mode)}, not a regular file", Location(path))
    with os.fdopen(fd, "rb") as f:
        try:
            return f.read()
        except OSError as e:
            raise FileError(f"cannot read: {reason(e)}", Location(path)) from None


def write_atomic(path: Path, data: Data, sync: bool = True, mode: int | None = None) -> None:
    """Write ``data`` (bytes, or chunks of them) to a temporary file beside ``path``, then
    rename it over ``path``.

    ``sync=False`` skips the fsync: for files whose reader checks them (the build cache).
    ``mode``: the new file's permission bits (default: 0o666 less the umask). Raises OSError;
    the temporary file is removed, and ``path`` is as it was (also when making a chunk
    raises).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_UMASK if mode is None else mode)
            _write_chunks(f, data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def located(path: Path, doing: str = "cannot write", after: str = "") -> Iterator[None]:
    """Turn an OSError inside the block into ``FileError('PATH: DOING: REASON AFTER')``."""
    try:
        yield
    except OSError as e:
        raise FileError(f"{doing}: {reason(e)}{after}", Location(path)) from None


def write_output(path: Path, data: Data, *, new: bool = False) -> None:
    """Write a file the user asked for (see the module docstring): ``data`` is its bytes, or
    chunks of them written as they come; ``new``: refuse a path that exists, even as a
    dangling link, and never replace one made meanwhile.

    A regular file that is replaced keeps its permission bits. On a ``FileError`` a
    regular file is as it was; a stream or device may have received part of ``data``.
    """
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise FileError(f"cannot write: {reason(e)}", Location(path)) from None
    if new:
        if st is not None:
            raise FileError("already exists; choose another id with --id", Location(path))
        with located(path, after=" (nothing was written)"):
            _write_new(path, data)
        return
    target = path
    if st is not None and stat.S_ISLNK(st.st_mode):
        if _system_link(path):  # /dev/stdout, /dev/fd/N, /proc/self/fd/N: the open file
            with located(path):
                _write_through(path, data)
            return
        target = Path(os.path.realpath(path))
        try:
            st = os.stat(target)
        except FileNotFoundError:
            st = None  # a dangling link: create its target
        except OSError as e:
            raise FileError(f"cannot write: {reason(e)}", Location(path)) from None
    if st is None or stat.S_ISREG(st.st_mode):
        keep = None if st is None else stat.S_IMODE(st.st_mode)
        where = "the file is as it was" if st is not None else "nothing was written"
        with located(path, after=f" ({where})"):
            write_atomic(target, data, mode=keep)
        return
    if stat.S_ISDIR(st.st_mode):
        raise FileError("is a folder: give the name of a file to write", Location(path))
    with located(path):
        _write_through(target, data)


def _system_link(path: Path) -> bool:
    """Whether a chain of symbolic links from ``path`` passes through /dev or /proc, where
    links stand for open files (``/dev/stdout -> /proc/self/fd/1 -> pipe:[...]``): such a
    file is written through the link, even when it is a regular file a shell opened."""
    at = os.path.abspath(path)
    for _ in range(40):
        if at.startswith(("/dev/", "/proc/")):
            return True
        try:
            step = os.readlink(at)
        except OSError:
            return False
        at = os.path.normpath(os.path.join(os.path.dirname(at), step))
    return False


@dataclass(frozen=True)
class FileRange:
    """Bytes ``start`` to ``end`` of the file at ``path``, as a chunk to write: the writers
    here copy it in the kernel where the file system can (``copy_range``)."""

    path: Path
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def read(self) -> bytes:
        if self.end <= self.start:
            return b""  # (no need to open the file)
        with open(self.path, "rb") as f:
            f.seek(self.start)
            return f.read(self.end - self.start)


Chunk = bytes | FileRange
Data = bytes | Iterable[Chunk]


def copy_range(src: IO[bytes], dst: IO[bytes], start: int, end: int) -> None:
    """Bytes ``start`` to ``end`` of the file ``src`` appended to ``dst`` (flushed), copied by
    the kernel where the file system can (``copy_file_range``), else read and written."""
    dst.flush()
    while start < end:
        try:
            copied = os.copy_file_range(src.fileno(), dst.fileno(), end - start, start)
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            copied = 0
        if copied <= 0:  # not supported here, or a short file: the slow way
            src.seek(start)
            data = src.read(min(end - start, 64 << 20))
            if not data:
                raise OSError(errno.EIO, f"{src.name} is shorter than expected")
            dst.write(data)
            dst.flush()
            copied = len(data)
        start += copied


def _chunks(data: Data) -> Iterable[Chunk]:
    return (data,) if isinstance(data, bytes) else data


def _write_chunks(f: IO[bytes], data: Data) -> None:
    for chunk in _chunks(data):
        if isinstance(chunk, FileRange):
            with open(chunk.path, "rb") as src:
                copy_range(src, f, chunk.start, chunk.end)
        else:
            f.write(chunk)


def pieces(chunk: Chunk) -> Iterator[bytes]:
    """A chunk as bytes, a file range read 64 MB at a time."""
    if isinstance(chunk, bytes):
        yield chunk
        return
    with open(chunk.path, "rb") as src:
        src.seek(chunk.start)
        left = chunk.end - chunk.start
        while left > 0:
            data = src.read(min(left, 64 << 20))
            if not data:
                raise OSError(errno.EIO, f"{chunk.path} is shorter than expected")
            left -= len(data)
            yield data


def _write_new(path: Path, data: Data) -> None:
    """Create ``path`` holding ``data``, whole or not at all, failing if it exists: a
    temporary file hard-linked to the name (a link, unlike a rename, never replaces)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_UMASK)
            _write_chunks(f, data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise FileError("already exists; choose another id with --id", Location(path)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _write_through(target: Path, data: Data) -> None:
    """Open a FIFO, device or terminal and write to it (no O_TRUNC, no O_CREAT: nothing is
    made or renamed)."""
    fd = os.open(target, os.O_WRONLY | os.O_NOCTTY)
    try:
        for chunk in _chunks(data):
            for piece in pieces(chunk):
                view = memoryview(piece)
                while view:
                    n = os.write(fd, view)
                    if n == 0:
                        raise OSError(errno.EIO, os.strerror(errno.EIO))
                    view = view[n:]
    finally:
        os.close(fd)
