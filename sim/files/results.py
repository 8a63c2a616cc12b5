"""The results directory: manifest, trajectories, events, observations and figures, written atomically.

`results/<scenario>/<run-id>/` is first written under a hidden temporary name beside it and
renamed into place only when every file is complete, so a crash leaves no half-written result.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sim import __version__
from sim.errors import ResultsError
from sim.rules.calendar import month_label
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
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="raise", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
            count += 1
    return count


class CsvWriter:
    """A CSV file written in pieces (chunk by chunk), with the same cell formatting as `write_csv`."""

    def __init__(self, path: Path, columns: Sequence[str]):
        self.handle = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.DictWriter(self.handle, fieldnames=list(columns), extrasaction="raise", lineterminator="\n")
        self.writer.writeheader()

    def write(self, rows: Iterable[dict[str, object]]) -> None:
        self.writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)

    def close(self) -> None:
        self.handle.close()


def _cell(value: object) -> object:
    if isinstance(value, float):
        if value != value:  # nan: "none", an empty cell
            return ""
        return f"{value:.6g}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def observation_rows(scenario: Scenario) -> list[dict[str, object]]:
    return [
        {
            "date": month_label(o.month),
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
    import matplotlib
    import mesa
    import numpy

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
            "numpy": numpy.__version__,
            "mesa": mesa.__version__,
            "matplotlib": matplotlib.__version__,
        },
        "command_line": list(command),
        "started": started,
        "finished": utc_now(),
        "files": list(files),
    }
    if extra:
        manifest.update(extra)
    return manifest


RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")  # used with .match: \Z, not $, refuses a final newline


def write_result(root: Path, scenario_name: str, run_id: str, fill: Callable[[Path], None]) -> Path:
    """Create `root/<scenario_name>/<run_id>/` atomically: `fill` writes into a temporary folder
    that is renamed into place only if it returns. Nothing is left behind if it raises."""
    if not RUN_ID.match(run_id):
        raise ResultsError(
            f"--run-id: '{run_id}' cannot name a folder (allowed: letters, digits, '_', '-', '.', "
            "not starting with '.' and no '/', at most 64 characters)"
        )
    parent = root / scenario_name
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / run_id
    suffix = 1
    while final.exists():
        suffix += 1
        final = parent / f"{run_id}-{suffix}"
    temporary = parent / f".{final.name}.tmp-{os.getpid()}"
    temporary.mkdir()
    try:
        fill(temporary)
        os.replace(temporary, final)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return final


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a results directory."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a directory (expected results/<scenario>/<run-id>/)")
    if not manifest_path.is_file():
        raise ResultsError(f"{directory}: no {MANIFEST} here; is this a results directory written by 'tft'?")
    try:
        return json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{manifest_path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file of a results directory."""
    if not path.is_file():
        raise ResultsError(f"{path.parent}: {path.name} is missing")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_result(directory: str | Path) -> tuple[dict, list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """Read a results directory back: manifest, trajectories, events, observations."""
    manifest = read_manifest(directory)
    return (manifest, *read_tables(Path(directory)))


def read_tables(directory: Path) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """What the figures are drawn from: the trajectories (for an ensemble, the per-month quantiles),
    the events and the observations of a results directory."""

    def table(name: str) -> list[dict[str, str]]:
        return read_csv_rows(directory / name)

    def optional(name: str) -> list[dict[str, str]]:
        return table(name) if (directory / name).is_file() else []

    if (directory / QUANTILES_FILE).is_file():  # an ensemble: the figure is drawn from the quantiles
        tables = table(QUANTILES_FILE), optional(EVENTS), optional(OBSERVATIONS)
        needed = {QUANTILES_FILE: ("date", "side", "host", "runs", "p05", "p25", "p50", "p75", "p95")}
    else:
        tables = table(TRAJECTORIES), table(EVENTS), optional(OBSERVATIONS)
        needed = {
            TRAJECTORIES: ("date", "side", "host", "staff_total"),
            EVENTS: ("date", "actor", "target", "kind", "size", "severity", "cause", "description"),
        }
    for (name, columns), rows in zip(needed.items(), tables, strict=False):
        missing = [c for c in columns if rows and c not in rows[0]]
        if missing:
            raise ResultsError(
                f"{directory / name}: missing column {', '.join(missing)} (allowed: the columns of docs/outputs.md)"
            )
    return tables


def command_line() -> list[str]:
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
