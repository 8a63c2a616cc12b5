"""The tables figures are drawn from, checked cell by cell: a folder given to `tft plot` may come
from anyone, so each cell a figure uses must be what tft writes (a date, a finite number of a
plausible size, a short name) or the file is refused with one line naming it, its line and its
column."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from sim.errors import ResultsError
from sim.rules.calendar import month_label, parse_date

MAX_SPAN = 1200  # months a figure may span: as long as a run may be (docs/limits.md)
MAX_NUMBER = 1e12  # larger than any count, rate or severity tft writes
MAX_NAME = 100  # characters of a side, kind or design value
MAX_SIDES = 2


def check_rows(
    path: Path,
    rows: list[dict[str, str]],
    *,
    months: Iterable[str] = (),
    numbers: Iterable[str] = (),
    blanks: Iterable[str] = (),
    names: Iterable[str] = (),
    sides: str | None = None,
) -> list[int]:
    """Check the cells of `rows` (read from `path`): `months` hold dates, `numbers` finite numbers
    (`blanks` numbers or empty cells), `names` short texts; `sides`, a column with at most two
    values. Every column named must exist. Returns the month of each date, for `check_span`."""
    months, numbers, blanks, names = tuple(months), tuple(numbers), tuple(blanks), tuple(names)
    wanted = months + numbers + blanks + names + ((sides,) if sides else ())
    missing = [c for c in dict.fromkeys(wanted) if rows and c not in rows[0]]
    if missing:
        raise ResultsError(f"{path}: missing column {', '.join(missing)} (allowed: the columns of docs/outputs.md)")
    found = []
    for line, row in enumerate(rows, start=2):
        for column in months:
            try:
                found.append(parse_date(row[column])[0])
            except ValueError as exc:
                raise ResultsError(f"{path}: line {line}: {column}: {exc}") from None
        for column in numbers + blanks:
            value = row[column]
            if value == "" and column in blanks:
                continue
            _number(path, line, column, value)
        for column in names:
            if len(row[column]) > MAX_NAME:
                raise ResultsError(f"{path}: line {line}: {column}: longer than {MAX_NAME} characters")
    if sides:
        seen = list(dict.fromkeys(row[sides] for row in rows))
        if len(seen) > MAX_SIDES or any(len(s) > MAX_NAME for s in seen):
            raise ResultsError(f"{path}: {sides}: names {len(seen)} sides (allowed: the two sides of a tft folder)")
    return found


def _number(path: Path, line: int, column: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ResultsError(f"{path}: line {line}: {column}: expected a number, found {value[:40]!r}") from None
    if not math.isfinite(number) or abs(number) > MAX_NUMBER:
        raise ResultsError(f"{path}: line {line}: {column}: {value[:40]!r} is not a value tft writes")
    return number


def check_span(folder: Path, months: list[int]) -> None:
    """The dates of one figure may span at most MAX_SPAN months."""
    if months and max(months) - min(months) >= MAX_SPAN:
        raise ResultsError(
            f"{folder}: the dates run from {month_label(min(months))} to {month_label(max(months))} "
            f"(allowed: at most {MAX_SPAN} months, as a run)"
        )


def manifest_text(manifest: dict, key: str, default: str) -> str:
    """A text the manifest gives for a figure (its title), or `default` if it gives none."""
    value = manifest.get(key)
    return value[:300] if isinstance(value, str) and value else default


def manifest_files(path: Path, manifest: dict) -> list[str]:
    files = manifest.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ResultsError(f"{path}: files: expected a list of file names")
    return files
