"""Strict YAML reading: plain data with the line of every value, and nothing surprising.

PyYAML's own loaders turn ``2020-01-03`` into a date and ``NO`` into False, keep the last of
duplicate keys, and expand alias bombs. This reader builds the tree from the parser's events
itself: every scalar stays a string (the extraction schema types it), duplicate keys, anchors,
aliases, explicit tags, tabs and multiple documents are errors with a line number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Location
from .fsutil import read_regular

MAX_BYTES = 1_000_000
"""Largest extraction file accepted (1 MB; a thorough curation of a long article is ~40 kB)."""

MAX_DEPTH = 100
"""Deepest nesting of lists and mappings accepted (an extraction file is five levels deep)."""

try:  # libyaml's parser is several times faster; the events are the same.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_NULLS = {"", "~", "null", "Null", "NULL"}


class LStr(str):
    """A string that remembers the line it came from."""

    line: int


class LMap(dict[str, Any]):
    """A mapping that remembers its line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class LList(list[Any]):
    """A sequence that remembers its line."""

    line: int


def line_of(value: Any, default: int) -> int:
    """The line a loaded value came from, or ``default`` for None."""
    return getattr(value, "line", default)


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, with located errors for missing, huge, binary or non-UTF-8."""
    return decode(read_regular(path), path)  # a folder or a FIFO is a located error


def decode(data: bytes, path: str | Path) -> str:
    """A file's bytes as UTF-8 text, with located errors for huge, binary or non-UTF-8."""
    if len(data) > MAX_BYTES:
        raise DataError(
            f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (split the file)",
            Location(path),
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DataError("binary file (NUL byte): not a YAML text file", Location(path, line))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DataError(
            f"not UTF-8: byte 0x{data[e.start]:02x} cannot be decoded; save the file as UTF-8",
            Location(path, line),
        ) from None
    return text.removeprefix("\ufeff")


def load(text: str, path: str | Path) -> Any:
    """Parse one YAML document into LMap / LList / LStr / None, strictly."""
    tab = text.find("\t")
    if tab >= 0:
        line = text.count("\n", 0, tab) + 1
        raise DataError(
            "tab character: indent with spaces (write a tab inside text as \\t in double quotes)",
            Location(path, line),
        )
    try:
        events = list(yaml.parse(text, Loader=_Loader))
    except yaml.reader.ReaderError as e:  # a character YAML cannot hold, such as U+0001
        # libyaml gives the byte offset, PyYAML the character offset: find it ourselves
        line = text.count("\n", 0, max(text.find(chr(e.character)), 0)) + 1
        raise DataError(
            f"character U+{e.character:04X} is not allowed in a YAML file (inside double "
            f"quotes, write it as \\u{e.character:04X})",
            Location(path, line),
        ) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = Location(path, mark.line + 1, column=mark.column + 1) if mark else Location(path)
        problem = e.problem or e.context or "syntax error"
        raise DataError(
            f"YAML syntax error: {problem} (check indentation and quoting here and just above)",
            where,
        ) from None
    except yaml.YAMLError as e:  # pragma: no cover - unmarked errors are rare
        raise DataError(f"YAML syntax error: {e}", Location(path)) from None
    return _Builder(events, path).document()


class _Builder:
    """Turns a list of parser events into located values."""

    def __init__(self, events: list[Any], path: str | Path) -> None:
        self.events = events
        self.pos = 0
        self.path = path

    def _next(self) -> Any:
        event = self.events[self.pos]
        self.pos += 1
        return event

    def _error(self, event: Any, message: str) -> DataError:
        return DataError(message, Location(self.path, event.start_mark.line + 1))

    def document(self) -> Any:
        self._next()  # StreamStart
        if isinstance(self.events[self.pos], yaml.StreamEndEvent):
            return None
        self._next()  # DocumentStart
        value = self._value()
        self._next()  # DocumentEnd
        if not isinstance(self.events[self.pos], yaml.StreamEndEvent):
            raise self._error(self.events[self.pos], "more than one YAML document in the file")
        return value

    def _value(self, depth: int = 1) -> Any:
        event = self._next()
        if depth > MAX_DEPTH:
            raise self._error(
                event,
                f"nesting deeper than {MAX_DEPTH} levels: an extraction file is a few levels deep",
            )
        if isinstance(event, yaml.AliasEvent):
            raise self._error(event, f"alias *{event.anchor}: anchors and aliases are not allowed")
        if getattr(event, "anchor", None):
            raise self._error(event, f"anchor &{event.anchor}: anchors and aliases are not allowed")
        if getattr(event, "tag", None) is not None:
            raise self._error(event, f"tag {event.tag}: YAML tags are not allowed")
        line = event.start_mark.line + 1
        if isinstance(event, yaml.ScalarEvent):
            if event.style is None and event.value in _NULLS:
                return None
            s = LStr(event.value)
            s.line = line
            return s
        if isinstance(event, yaml.SequenceStartEvent):
            seq = LList()
            seq.line = line
            while not isinstance(self.events[self.pos], yaml.SequenceEndEvent):
                seq.append(self._value(depth + 1))
            self._next()
            return seq
        if isinstance(event, yaml.MappingStartEvent):
            mapping = LMap()
            mapping.line = line
            mapping.key_lines = {}
            while not isinstance(self.events[self.pos], yaml.MappingEndEvent):
                key_event = self.events[self.pos]
                key = self._value()
                if not isinstance(key, str):
                    raise self._error(key_event, "a mapping key must be a plain word")
                if key in mapping:
                    first = mapping.key_lines[key]
                    raise self._error(key_event, f"duplicate key '{key}' (first at line {first})")
                mapping.key_lines[key] = key_event.start_mark.line + 1
                mapping[key] = self._value(depth + 1)
            self._next()
            return mapping
        raise self._error(
            event, f"unexpected YAML event {type(event).__name__}"
        )  # pragma: no cover
