"""Reading an input file: bytes, UTF-8 text (a byte-order mark is dropped), TOML, and the line of
each key, so that validation errors can point at the line where a key was written."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ScenarioError

_BOM = "\ufeff"
_PART = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_KEY = re.compile(rf"^\s*((?:{_PART})(?:\s*\.\s*(?:{_PART}))*)\s*=")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*((?:{_PART})(?:\s*\.\s*(?:{_PART}))*)\s*\]\]?")

Loc = tuple[str | int, ...]


def _parts(dotted: str) -> list[str]:
    parts = []
    for part in re.findall(_PART, dotted):
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        parts.append(part)
    return parts


class LineIndex:
    """The line on which each table and key of a TOML text is written, by key path.

    A line-by-line reading of the TOML layout (table headers, arrays of tables, dotted and quoted
    keys, multi-line strings skipped); a path it cannot place takes the line of its nearest parent."""

    def __init__(self, text: str):
        self.text = text
        self._lines: dict[Loc, int] | None = None  # built at the first lookup: most files have no error

    @property
    def lines(self) -> dict[Loc, int]:
        if self._lines is None:
            self._lines = self._index(self.text)
        return self._lines

    def table_lines(self, name: str, count: int) -> list[int | None]:
        """The lines of the `count` tables `[[name]]` of a top-level array, found without building
        the whole index (a scenario may hold many thousands of events)."""
        pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(name)}[ \t]*\]\]", re.MULTILINE)
        found: list[int | None] = []
        line, position = 1, 0
        for match in pattern.finditer(self.text):
            line += self.text.count("\n", position, match.start())
            position = match.start()
            found.append(line)
        if len(found) == count:
            return found
        return [self.line((name, index)) for index in range(count)]

    @classmethod
    def _index(cls, text: str) -> dict[Loc, int]:
        lines: dict[Loc, int] = {}
        counts: dict[Loc, int] = {}  # arrays of tables: elements so far, by resolved path
        prefix: Loc = ()
        quote: str | None = None
        for number, line in enumerate(text.split("\n"), start=1):
            if quote:
                if line.count(quote) % 2:
                    quote = None
                continue
            header = _HEADER.match(line)
            if header:
                prefix = cls._resolve(_parts(header.group(2)), counts)
                if header.group(1) == "[[":
                    lines.setdefault(prefix, number)
                    counts[prefix] = counts.get(prefix, 0) + 1
                    prefix = (*prefix, counts[prefix] - 1)
                lines.setdefault(prefix, number)
            else:
                key = _KEY.match(line)
                if key:
                    lines.setdefault((*prefix, *_parts(key.group(1))), number)
            for delimiter in ('"""', "'''"):
                if line.count(delimiter) % 2:
                    quote = delimiter
                    break
        return lines

    @staticmethod
    def _resolve(parts: list[str], counts: dict[Loc, int]) -> Loc:
        resolved: Loc = ()
        for index, part in enumerate(parts):
            resolved = (*resolved, part)
            if index < len(parts) - 1 and resolved in counts:
                resolved = (*resolved, counts[resolved] - 1)
        return resolved

    def line(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest parent that has one."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


@dataclass(frozen=True)
class TomlFile:
    """A parsed input file: what it says, its bytes' sha256, and where each key was written."""

    path: str
    sha256: str
    data: dict
    lines: LineIndex

    def fail(self, loc: Loc, problem: str, allowed: str | None = None) -> None:
        raise ScenarioError(self.path, key_path(loc), problem, allowed, self.lines.line(loc))


def key_path(loc: Loc) -> str:
    """`('missions', 'US', 'posts', 0, 'id')` -> `missions.US.posts[0].id`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_toml(path: str | Path) -> TomlFile:
    """Read and parse a TOML input file; every failure is a ScenarioError naming the file."""
    path = Path(path)
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(shown, "", "is a folder, not a file", "a TOML file") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read the file ({exc.strerror or type(exc).__name__})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        found = f"byte 0x{raw[exc.start]:02x}"
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            found = "a UTF-16 byte-order mark"
        raise ScenarioError(shown, "", f"not UTF-8 text ({found})", "a UTF-8 TOML file", line) from None
    text = text.removeprefix(_BOM)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
        line = int(at.group(1)) if at else None
        problem = message[: at.start()] if at else message
        raise ScenarioError(shown, "", f"TOML syntax error: {problem}", "valid TOML", line) from None
    except RecursionError:
        raise ScenarioError(shown, "", "arrays or tables nested too deeply to read", "valid TOML") from None
    return TomlFile(shown, hashlib.sha256(raw).hexdigest(), data, LineIndex(text))
