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
