"""Observers of the month loop: what a driver, a sweep or a scorer keeps of each month.

`Dynamics.run(observers)` calls `begin(dynamics)` once before the first month and
`month_done(dynamics, t, month, log)` after each month is committed (`t` counts the plan's
months from 0; `log` holds the month's typed event records per run when events are logged).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.rules.measures import EventRecord, MeasureKind
from sim.rules.scenario import split_within, within_month
from sim.rules.state import FIGURES, figure_dtype, mission_figures

if TYPE_CHECKING:
    from sim.engines.dynamics import Dynamics


class Observer(Protocol):
    def begin(self, dynamics: Dynamics) -> None: ...

    def month_done(self, dynamics: Dynamics, t: int, month: int, log: list[list[EventRecord]]) -> None: ...


class Figures:
    """Per-month mission figures: `values[name]` is [months, runs, 2]. `columns` are columns of
    trajectories.csv (`FIGURES`), names of the figures the scenario's observations count at
    some posts or in some categories (`Scenario.counted_figures`), or either counted on a day
    within the month (`Scenario.within_figures`: the state before that day's forced events)."""

    def __init__(self, columns: Sequence[str] = FIGURES, dtype: type | None = None):
        self.columns = tuple(columns)
        self.dtype = dtype
        self.values: dict[str, np.ndarray] = {}

    def begin(self, dynamics: Dynamics) -> None:
        self.months = len(dynamics.plan.months)
        counted = dynamics.scenario.counted_figures
        by_day: dict[int, list[str]] = {}  # the figures counted within the month, by day
        for name in self.columns:
            column, day = split_within(name)
            by_day.setdefault(day, []).append(column)
        # per day: the plain figures, those counted at some posts or categories, and the name each is kept under
        self.days = [
            (
                day,
                tuple(c for c in columns if c not in counted),
                [(c, counted[c]) for c in columns if c in counted],
                {c: within_month(c, day) if day else c for c in columns},
            )
            for day, columns in by_day.items()
        ]

    def month_done(self, dynamics: Dynamics, t: int, month: int, log: list[list[EventRecord]]) -> None:
        for day, plain, counted, names in self.days:
            state = dynamics.within[day] if day else dynamics.state
            figures = mission_figures(dynamics.world, state, plain) if plain else {}
            for name, figure in counted:
                figures[name] = figure.values(dynamics.world, state)
            for name, values in figures.items():
                kept = self.values.get(names[name])
                if kept is None:
                    dtype = self.dtype or figure_dtype(dynamics.world, name) or values.dtype
                    kept = self.values[names[name]] = np.empty((self.months, *values.shape), dtype=dtype)
                kept[t] = values


class Events:
    """Every run's event records, in the order committed."""

    def begin(self, dynamics: Dynamics) -> None:
        self.runs: list[list[EventRecord]] = [[] for _ in range(dynamics.runs)]

    def month_done(self, dynamics: Dynamics, t: int, month: int, log: list[list[EventRecord]]) -> None:
        for run, records in enumerate(log):
            self.runs[run].extend(records)


class KindCounts:
    """Per month, the measures each side's policy took, by kind: `counts` is int16[months, runs, 2, kinds]."""

    def begin(self, dynamics: Dynamics) -> None:
        self.counts = np.zeros((len(dynamics.plan.months), dynamics.runs, 2, len(MeasureKind)), dtype=np.int16)
        self._before = dynamics.kinds.copy()

    def month_done(self, dynamics: Dynamics, t: int, month: int, log: list[list[EventRecord]]) -> None:
        self.counts[t] = dynamics.kinds - self._before
        self._before = dynamics.kinds.copy()


class StaffSummary:
    """What a summary keeps of each run's staff_total, month by month, without its trajectory:
    per run and side the first, last and lowest monthly figure (`start`, `end`, `low`: int[R, 2]);
    per month and side how many runs are at each staff level (`counts`: int64[months, 2, levels],
    levels 0 to the highest seen) and the sum over runs (`total`: int64[months, 2]). The counts
    give exact quantiles in memory that grows with the highest staff level, not with the runs."""

    def begin(self, dynamics: Dynamics) -> None:
        self.reset(len(dynamics.plan.months), figure_dtype(dynamics.world, "staff_total"))

    def reset(self, months: int, dtype: np.dtype | None = None) -> None:
        self.dtype = dtype
        self.counts = np.zeros((months, 2, 1), dtype=np.int64)
        self.total = np.zeros((months, 2), dtype=np.int64)
        self.start = self.end = self.low = np.zeros((0, 2), dtype=dtype)

    def month_done(self, dynamics: Dynamics, t: int, month: int, log: list[list[EventRecord]]) -> None:
        self.add(t, mission_figures(dynamics.world, dynamics.state, ("staff_total",))["staff_total"])

    def add(self, t: int, staff: np.ndarray) -> None:
        """Month `t`'s staff_total of every run, int[R, 2] (months in order from 0)."""
        staff = staff.astype(self.dtype or staff.dtype)
        if t == 0:
            self.start, self.low = staff, staff.copy()
        else:
            np.minimum(self.low, staff, out=self.low)
        self.end = staff
        for side in (0, 1):
            column = staff[:, side]
            found = np.bincount(column)
            self._widen(len(found))
            self.counts[t, side, : len(found)] += found
            self.total[t, side] += column.sum(dtype=np.int64)  # numpy sums along the run axis slowly

    def _widen(self, levels: int) -> None:
        if levels > self.counts.shape[2]:
            self.counts = np.pad(self.counts, ((0, 0), (0, 0), (0, levels - self.counts.shape[2])))

    @classmethod
    def of(cls, staff_total: np.ndarray) -> StaffSummary:
        """The summary of kept trajectories, int[months, runs, 2]."""
        summary = cls()
        summary.reset(staff_total.shape[0], staff_total.dtype)
        for t in range(staff_total.shape[0]):
            summary.add(t, staff_total[t])
        return summary

    @classmethod
    def gathered(cls, parts: Sequence[tuple[np.ndarray, StaffSummary]], runs: int) -> StaffSummary:
        """One summary of `runs` runs from summaries of some of them (`rows`: which runs each is)."""
        summary = cls()
        summary.reset(parts[0][1].counts.shape[0], parts[0][1].dtype)
        for name in ("start", "end", "low"):
            setattr(summary, name, np.empty((runs, 2), dtype=parts[0][1].start.dtype))
        for rows, part in parts:
            summary.merge(part)
            summary.start[rows], summary.end[rows], summary.low[rows] = part.start, part.end, part.low
        return summary

    def merge(self, other: StaffSummary) -> None:
        """Add `other`'s counts and sums (of other runs) to these."""
        self._widen(other.counts.shape[2])
        self.counts[:, :, : other.counts.shape[2]] += other.counts
        self.total += other.total
