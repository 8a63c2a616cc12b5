"""Loading a scenario with a replay check, the order of events, and the rows of events.csv.

Within a month, events are committed in record order (date, then the order of the scenario file).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from sim.engines.drivers import Ensemble
from sim.engines.plan import Plan
from sim.files.results import CsvWriter
from sim.rules.calendar import date_label
from sim.rules.measures import EventRecord, Measure, Shock
from sim.rules.state import FIGURES, TRAJECTORY_COLUMNS, World

EVENT_COLUMNS = (
    "date",
    "actor",
    "target",
    "kind",
    "size",
    "post",
    "property",
    "severity",
    "staff_change",
    "cause",
    "source",
    "description",
)


ANNOUNCED = "announced"  # after `date`, only when a scenario's event gives the date it was announced


def event_columns(announces: bool) -> tuple[str, ...]:
    """The columns of events.csv; with `announces`, the date announced beside the date in force."""
    return (EVENT_COLUMNS[0], ANNOUNCED, *EVENT_COLUMNS[1:]) if announces else EVENT_COLUMNS


def _format_size(value: float | None) -> str:
    if value is None or math.isnan(value):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def _shock_text(shock: Shock) -> str:
    """A shock's name and description, with who did it when a third party did, and a denial."""
    text = shock.name + (f": {shock.description}" if shock.description else "")
    if shock.party:
        text = f"[by {shock.party}] {text}"
    return f"[denied] {text}" if shock.denied else text


def event_row(world: World, record: EventRecord) -> dict[str, object]:
    """One row of events.csv (with `announced` when the event gives it)."""
    event, severity = record.event, record.severity
    if isinstance(event, Shock):
        kind, size, post, prop = "shock", "", "", ""
    else:
        kind = event.kind.label
        size = _format_size(event.size if record.size is None else record.size)
        post = world.post_ids[event.post] if event.post is not None else ""
        prop = world.property_ids[event.prop] if event.prop is not None else ""
    announced = {} if event.announced is None else {ANNOUNCED: date_label(*event.announced)}
    return {
        "date": date_label(event.month, event.day),
        **announced,
        "actor": world.sides[event.actor],
        "target": world.sides[event.target],
        "kind": kind,
        "size": size,
        "post": post,
        "property": prop,
        "severity": round(float(severity), 3) if not math.isnan(severity) else "",
        "staff_change": int(record.staff_change),
        "cause": event.cause.value if record.cause is None else record.cause,
        "source": event.source,
        "description": event.description if isinstance(event, Measure) else _shock_text(event),
    }


def event_rows(ensemble: Ensemble, with_run: bool, first_run: int = 0) -> Iterator[dict[str, object]]:
    """The rows of events.csv for an ensemble's runs (numbered from `first_run`)."""
    for run, records in enumerate(ensemble.events):
        for record in records:
            row = event_row(ensemble.world, record)
            yield ({"run": first_run + run} | row) if with_run else row


def trajectory_rows(ensemble: Ensemble, with_run: bool, first_run: int = 0) -> Iterator[dict[str, object]]:
    """The rows of trajectories.csv: one per run, month and side."""
    labels = ensemble.months
    sides = ensemble.sides
    for run in range(len(ensemble.keys)):
        for t, label in enumerate(labels):
            for side in (0, 1):
                row: dict[str, object] = {"run": first_run + run} if with_run else {}
                row.update(date=label, side=sides[side], host=sides[1 - side])
                for name in FIGURES:
                    row[name] = ensemble.figures[name][t, run, side].item()
                yield row


def trajectory_columns(ensemble: Ensemble, with_run: bool, first_run: int = 0, runs: slice = slice(None)):
    """The columns of trajectories.csv for a slice of an ensemble's runs, in the order of
    `trajectory_rows` (run, month, side): arrays for `CsvWriter.write_columns`."""
    chosen = range(len(ensemble.keys))[runs]
    count, months = len(chosen), len(ensemble.plan.months)
    sides = np.array(ensemble.sides)
    columns = [
        np.tile(np.repeat(np.array(ensemble.months), 2), count),
        np.tile(sides, months * count),
        np.tile(sides[::-1], months * count),
    ]
    columns += [ensemble.figures[name][:, runs, :].transpose(1, 0, 2).reshape(-1) for name in FIGURES]
    if with_run:
        columns.insert(0, np.repeat(np.arange(first_run + chosen.start, first_run + chosen.stop), months * 2))
    return columns


def write_trajectories(writer: CsvWriter, ensemble: Ensemble, with_run: bool, first_run: int = 0) -> int:
    """Write an ensemble's trajectories column by column, a block of runs at a time (memory
    follows the block, not the chunk)."""
    block = max(1, BLOCK_ROWS // max(1, 2 * len(ensemble.plan.months)))
    return sum(
        writer.write_columns(trajectory_columns(ensemble, with_run, first_run, slice(start, start + block)))
        for start in range(0, len(ensemble.keys), block)
    )


BLOCK_ROWS = 50_000  # rows formatted at once
ENSEMBLE_TRAJECTORY_COLUMNS = ("run", *TRAJECTORY_COLUMNS)


def behaviours_for_manifest(plan: Plan, sides: tuple[str, str]) -> dict[str, dict]:
    return {
        # a value left to the scenario (a tour_months of None) is the scenario's, written there
        sides[i]: {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(b).items() if v is not None}
        for i, b in enumerate(plan.behaviours)
    }
