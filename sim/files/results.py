"""The results directory: manifest, trajectories, events, observations and figures, written atomically.

`results/<scenario>/<run-id>/` is first written under a hidden temporary name beside it and
renamed into place only when every file is complete, so a crash leaves no half-written result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import platform
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from sim import __version__
from sim.errors import ResultsError
from sim.files.folders import RUN_ID, write_result  # noqa: F401 - part of this module's interface
from sim.files.safe import disk_error, read_bounded, replaced
from sim.files.tables import check_rows, check_span
from sim.rules.calendar import date_label, month_label
from sim.rules.scenario import Scenario

OBSERVATION_COLUMNS = ("date", "side", "column", "value", "bound", "confidence", "counts", "source")
MANIFEST = "manifest.json"
TRAJECTORIES = "trajectories.csv"
EVENTS = "events.csv"
OBSERVATIONS = "observations.csv"
STAFF_FIGURE = "staff.png"
FAN_FIGURE = "fan.png"
FIT_FIGURE = "fit.png"
RUNS = "runs.csv"
QUANTILES_FILE = "quantiles.csv"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_run_id(seed: int) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-seed{seed}"


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, object]]) -> int:
    """Write a whole CSV file (under a temporary name, renamed when complete); returns the rows written."""
    with CsvWriter(path, columns) as writer:
        return writer.write(rows)


class CsvWriter:
    """A CSV file written in pieces (chunk by chunk), with the same cell formatting as `write_csv`;
    it replaces `path` when closed without an error (as a context manager: when the block ends
    without one), and is discarded otherwise."""

    def __init__(self, path: Path, columns: Sequence[str]):
        self._file = replaced(path)
        self.handle = self._file.__enter__()
        self.writer = csv.DictWriter(self.handle, fieldnames=list(columns), extrasaction="raise", lineterminator="\n")
        self._closed = False
        try:
            self.writer.writeheader()
        except BaseException as exc:
            self.close(exc)
            raise

    def write(self, rows: Iterable[dict[str, object]]) -> int:
        count = 0
        for row in rows:
            self.writer.writerow({k: _cell(v) for k, v in row.items()})
            count += 1
        return count

    def write_columns(self, columns: Sequence[np.ndarray]) -> int:
        """Write rows given column by column (arrays of equal length, in the header's order),
        formatted as `write` formats them; returns the rows written."""
        if len(columns) != len(self.writer.fieldnames):
            raise ValueError(f"{len(columns)} columns given for a header of {len(self.writer.fieldnames)}")
        cells = [column_cells(values) for values in columns]
        if not len(cells[0]):
            return 0
        self.handle.write("\n".join(map(",".join, zip(*cells, strict=True))) + "\n")
        return len(cells[0])

    def close(self, error: BaseException | None = None) -> None:
        """Put the file in place, or (given the error that stopped the writing) discard it."""
        if self._closed:
            return
        self._closed = True
        if error is None:
            self._file.__exit__(None, None, None)
        else:
            self._file.__exit__(type(error), error, error.__traceback__)

    def __enter__(self) -> CsvWriter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.close(error)


def _cell(value: object) -> object:
    if isinstance(value, float):
        if value != value:  # nan: "none", an empty cell
            return ""
        return f"{value:.6g}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def cell_text(value: object) -> str:
    """A value as `write_csv` writes it."""
    return "" if value is None else str(_cell(value))


def column_cells(values: np.ndarray) -> np.ndarray:
    """A column's CSV cells as `CsvWriter.write` formats them (and quoted as the csv module quotes
    them): an object array of strings, each distinct value formatted once."""
    values = np.asarray(values)
    if values.dtype.kind == "f" and np.any(np.signbit(values) & (values == 0)):
        values = values.astype(object)  # -0.0 prints as -0, and np.unique would merge it with 0.0
    if values.dtype == object:
        return np.array([_quoted(_cell(v)) for v in values.tolist()], dtype=object)
    distinct, where = np.unique(values, return_inverse=True)
    # an integer's or a float's cell (`_cell`) has no comma, quote or line break to quote
    if values.dtype.kind in "iu":
        texts = np.array(list(map(str, distinct.tolist())), dtype=object)
    elif values.dtype.kind == "f":
        texts = np.array([f"{v:.6g}" if v == v else "" for v in distinct.tolist()], dtype=object)
    else:
        texts = np.array([_quoted(_cell(v)) for v in distinct.tolist()], dtype=object)
    return texts[where.reshape(-1)]


def _quoted(cell: object) -> str:
    text = "" if cell is None else str(cell)  # as the csv module writes None
    if not any(c in text for c in ',"\r\n'):
        return text
    # Whether a lone carriage return is quoted differs between Python versions: ask the csv module.
    one = io.StringIO()
    csv.writer(one, lineterminator="\n").writerow([text])
    return one.getvalue()[:-1]


def observation_rows(scenario: Scenario) -> list[dict[str, object]]:
    return [
        {
            "date": date_label(o.month, o.day),
            "side": scenario.codes[o.side],
            "column": o.column,
            "value": o.value,
            "bound": o.bound,
            "confidence": o.confidence,
            "counts": o.counts,
            "source": o.source,
        }
        for o in scenario.observations
    ]


def installed_version(name: str) -> str:
    """The version of an installed distribution, read from the Version line of its metadata: not
    importing Mesa and matplotlib just to read their versions, nor parsing the whole header with
    the email package as importlib.metadata.version does (milliseconds of every run)."""
    from importlib.metadata import distribution

    found = distribution(name)
    match = re.search(r"^Version:[ \t]*(\S+)", found.read_text("METADATA") or "", re.MULTILINE)
    return match.group(1) if match else found.version


def manifest_for(
    scenario: Scenario,
    *,
    seed: int,
    command: Sequence[str],
    started: str,
    mode: str,
    engine: str,
    runs: int,
    files: Sequence[str],
    extra: dict | None = None,
) -> dict:
    manifest = {
        "scenario": {
            "name": scenario.name,
            "title": scenario.title,
            "path": scenario.path,
            "sha256": scenario.sha256,
            "start": month_label(scenario.start),
            "end": month_label(scenario.end),
        },
        "root_seed": seed,
        "mode": mode,
        "engine": engine,
        "runs": runs,
        "package_version": __version__,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "mesa": installed_version("mesa"),
            "matplotlib": installed_version("matplotlib"),
        },
        "command_line": list(command),
        "started": started,
        "finished": utc_now(),
        "files": list(files),
    }
    if extra:
        manifest.update(extra)
    return manifest


def write_json(path: Path, data: dict) -> None:
    with replaced(path) as handle:
        handle.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


MANIFEST_LIMIT = 256 * 2**20  # bytes: far above any manifest tft writes (older ones listed up to 100,000 run seeds)


def read_json(path: Path, what: str = "manifest") -> dict:
    """A JSON object from a file tft wrote, or a one-line ResultsError naming the file."""
    raw = read_bounded(path, MANIFEST_LIMIT, what)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not UTF-8 text (expected the {what} tft wrote)") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ResultsError(f"{path}: nested too deeply (expected the {what} tft wrote)") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: not a JSON object (expected the {what} tft wrote)")
    return data


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a results directory."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a directory (expected results/<scenario>/<run-id>/)")
    if not manifest_path.is_file():
        raise ResultsError(f"{directory}: no {MANIFEST} here; is this a results directory written by 'tft'?")
    return read_json(manifest_path)


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file of a results directory; every row has every column of the header."""
    if not path.is_file():
        raise ResultsError(f"{path.parent}: {path.name} is missing")
    rows = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                if None in row or None in row.values():
                    raise ResultsError(
                        f"{path}:{reader.line_num}: the row has {'more' if None in row else 'fewer'} cells "
                        "than the header (expected a CSV file tft wrote)"
                    )
                rows.append(row)
            if reader.fieldnames is not None and len(set(reader.fieldnames)) != len(reader.fieldnames):
                raise ResultsError(f"{path}: the header names a column twice (expected a CSV file tft wrote)")
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not UTF-8 text (expected a CSV file tft wrote)") from None
    except csv.Error as exc:
        raise ResultsError(f"{path}: not a CSV file tft could have written ({exc})") from None
    except OSError as exc:
        raise disk_error(path, exc, "cannot read") from None
    return rows


def read_result(directory: str | Path) -> tuple[dict, list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """Read a results directory back: manifest, trajectories, events, observations."""
    manifest = read_manifest(directory)
    return (manifest, *read_tables(Path(directory)))


def read_tables(directory: Path) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """What the figures are drawn from, every cell they use checked: the trajectories (for an
    ensemble, the per-month quantiles, and no events), the events and the observations."""

    def optional(name: str) -> list[dict[str, str]]:
        return read_csv_rows(directory / name) if (directory / name).is_file() else []

    observations = optional(OBSERVATIONS)
    months = check_rows(
        directory / OBSERVATIONS, observations, months=("date",), numbers=("value",), names=("side", "column", "bound")
    )
    if (directory / QUANTILES_FILE).is_file():  # an ensemble: the figure is drawn from the quantiles
        quantiles = read_csv_rows(directory / QUANTILES_FILE)
        months += check_quantiles(directory / QUANTILES_FILE, quantiles)
        check_span(directory, months)
        return quantiles, [], observations
    trajectories, events = read_csv_rows(directory / TRAJECTORIES), read_csv_rows(directory / EVENTS)
    months += check_rows(
        directory / TRAJECTORIES,
        trajectories,
        months=("date",),
        numbers=("staff_total",),
        names=("host",),
        sides="side",
    )
    months += check_rows(
        directory / EVENTS,
        events,
        months=("date",),
        blanks=("size", "severity"),
        names=("actor", "target", "kind", "cause"),
    )
    if events and "description" not in events[0]:
        raise ResultsError(
            f"{directory / EVENTS}: missing column description (allowed: the columns of docs/outputs.md)"
        )
    check_span(directory, months)
    return trajectories, events, observations


def check_quantiles(path: Path, rows: list[dict[str, str]]) -> list[int]:
    """The cells of a quantiles file a fan chart uses."""
    numbers = ("runs", "p05", "p25", "p50", "p75", "p95")
    return check_rows(path, rows, months=("date",), numbers=numbers, names=("host",), sides="side")


def command_line() -> list[str]:
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
