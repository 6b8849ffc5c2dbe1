"""The one error base class of newskg: every error carries where it happened, and the exit code
the command line ends with (1, or 2 for a ``UsageError``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in an input file: path, line (1-based) and the field path inside the record."""

    path: str | Path | None = None
    line: int | None = None
    field: str | None = None
    column: int | None = None

    def prefix(self) -> str:
        """Render as ``path:line[:column]: field: `` (parts that are unknown are left out)."""
        parts = []
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        if self.field:
            parts.append(self.field)
        return "".join(p + ": " for p in parts)


class KgError(Exception):
    """Base class of every error newskg raises for bad input or a failed service; ``str()`` is
    the user message."""

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location or Location()

    def __str__(self) -> str:
        return self.location.prefix() + self.message

    def __reduce__(self) -> tuple[type, tuple[str, Location]]:
        return (type(self), (self.message, self.location))  # pickled by build workers


class DataError(KgError):
    """An extraction file, ontology or source file is malformed."""


class FileError(DataError):
    """A file or folder cannot be read or written as asked: not found, permission denied, a
    read-only folder, a full disk, or a folder, FIFO or device where a regular file is
    expected."""


class ValidationFailed(KgError):
    """The graph does not conform to the shapes, or quotes are not in the sources.

    Holds one error per problem; ``str()`` lists them, one per line.
    """

    def __init__(self, errors: list[KgError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class UsageError(KgError):
    """The command was called wrongly: unknown query, bad parameter, update query."""

    exit_code = 2


class ServiceError(KgError):
    """A remote service (Wikidata, a SPARQL endpoint) failed or refused."""
