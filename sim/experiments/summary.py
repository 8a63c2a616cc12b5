"""Ensemble summaries that do not grow with the number of runs: per-run outcome rows, and exact
per-month quantiles of staff_total from integer histograms, filled chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.engines.drivers import Ensemble
from sim.engines.observers import StaffSummary

RUN_COLUMNS = (
    "run",
    "seed",
    "side",
    "host",
    "staff_start",
    "staff_end",
    "staff_end_share",
    "staff_min",
    "hostile_measures",
    "conciliatory_measures",
)
QUANTILES = (5, 25, 50, 75, 95)
QUANTILE_COLUMNS = ("date", "side", "host", "runs", "mean", *(f"p{q:02d}" for q in QUANTILES))


class StaffQuantiles:
    """Per month and side, the count of runs at each staff_total: exact quantiles in memory that
    depends on the largest staff level, not on the number of runs. Filled chunk by chunk, from
    each chunk's `StaffSummary` (or its kept trajectories)."""

    def __init__(self, months: list[str], sides: tuple[str, str]):
        self.months = months
        self.sides = sides
        self.summary = StaffSummary()
        self.summary.reset(len(months))
        self.runs = 0

    def add(self, staff: StaffSummary | np.ndarray) -> None:
        """A chunk's summary, or its staff_total, int[months, runs, 2]."""
        part = staff if isinstance(staff, StaffSummary) else StaffSummary.of(staff)
        self.summary.merge(part)
        self.runs += len(part.start)

    @property
    def counts(self) -> np.ndarray:
        return self.summary.counts

    @property
    def total(self) -> np.ndarray:
        return self.summary.total

    def quantile(self, q: float) -> np.ndarray:
        """The smallest staff level reached by at least q% of runs (numpy's 'inverted_cdf'), [months, 2]."""
        cumulative = np.cumsum(self.counts, axis=2)
        need = np.ceil(q / 100.0 * self.runs)
        return np.argmax(cumulative >= np.maximum(need, 1), axis=2)

    def rows(self) -> Iterator[dict[str, object]]:
        levels = {q: self.quantile(q) for q in QUANTILES}
        mean = self.total / max(self.runs, 1)
        for t, label in enumerate(self.months):
            for side in (0, 1):
                row: dict[str, object] = {
                    "date": label,
                    "side": self.sides[side],
                    "host": self.sides[1 - side],
                    "runs": self.runs,
                    "mean": round(float(mean[t, side]), 3),
                }
                row.update({f"p{q:02d}": int(levels[q][t, side]) for q in QUANTILES})
                yield row


def staff_summary(ensemble: Ensemble) -> StaffSummary:
    """The ensemble's staff summary: made as it ran (`simulate_batch(summary=True)`), or from its
    kept trajectories."""
    return ensemble.summary if ensemble.summary is not None else StaffSummary.of(ensemble.figures["staff_total"])


def run_columns(ensemble: Ensemble, first_run: int, summary: StaffSummary | None = None) -> list[np.ndarray]:
    """The columns of runs.csv (RUN_COLUMNS, one row per run and side, as `run_rows` makes them)
    for `CsvWriter.write_columns`; `summary`: the ensemble's (`staff_summary`), when known."""
    summary = summary or staff_summary(ensemble)
    start, end, low = summary.start, summary.end, summary.low
    runs = len(start)
    sides = np.array(ensemble.sides)
    share, where = np.unique(end / np.maximum(start, 1), return_inverse=True)
    share = np.array([round(value, 4) for value in share.tolist()])[where.reshape(-1)]
    return [
        np.repeat(np.arange(first_run, first_run + runs), 2),
        np.repeat(np.asarray(ensemble.keys, dtype=np.uint64), 2),
        np.tile(sides, runs),
        np.tile(sides[::-1], runs),
        start.reshape(-1),
        end.reshape(-1),
        share.reshape(-1),
        low.reshape(-1),
        ensemble.acts[:, :, 0].reshape(-1),
        ensemble.acts[:, :, 1].reshape(-1),
    ]


def run_rows(ensemble: Ensemble, first_run: int) -> Iterator[dict[str, object]]:
    """One row per run and side: where the mission started and ended, its low, the measures taken."""
    summary = staff_summary(ensemble)
    start, end, low = summary.start, summary.end, summary.low
    for run in range(len(start)):
        for side in (0, 1):
            yield {
                "run": first_run + run,
                "seed": str(int(ensemble.keys[run])),
                "side": ensemble.sides[side],
                "host": ensemble.sides[1 - side],
                "staff_start": int(start[run, side]),
                "staff_end": int(end[run, side]),
                "staff_end_share": round(float(end[run, side]) / max(int(start[run, side]), 1), 4),
                "staff_min": int(low[run, side]),
                "hostile_measures": int(ensemble.acts[run, side, 0]),
                "conciliatory_measures": int(ensemble.acts[run, side, 1]),
            }
