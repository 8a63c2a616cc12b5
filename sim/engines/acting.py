"""How a side's decisions become measures in a month: the repertoire's choice (with the side's
instruments), packages, initiatives and crises, applied to the runs that act, and logged as
typed records. A part of `Dynamics` (sim/engines/dynamics.py), kept apart for size."""

from __future__ import annotations

import numpy as np

from sim.engines.varying import instruments_of
from sim.rules import rng
from sim.rules.domain import Cause
from sim.rules.measures import CATALOGUE, EventRecord, Measure, MeasureKind, Shock, apply_measure
from sim.rules.repertoire import NONE, choose, choose_instruments, still_feasible


class Acting:
    """The acting half of `Dynamics`: it reads and changes the attributes `Dynamics` sets up."""

    def _execute(self, month, side, severity, kind, size, like, error, log, record, strict=False) -> np.ndarray:
        """Turn the desired severities into measures (repertoire) and apply them. Returns the
        severity executed per run (a package's most severe part). `strict`: only the preferred
        kind, nothing in its place."""
        executed = np.zeros(self.runs)
        due = np.flatnonzero(severity != 0)
        if not len(due):
            return executed
        # The repertoire looks only at the runs that act this month.
        state = self.state.take(due)
        choice = choose(self.world, state, side, severity[due], like[due], kind[due], size[due])
        second = None
        instruments = instruments_of(self.values[side], due)
        if strict:
            choice.kind[choice.kind != kind[due]] = NONE
        elif instruments is not None and (severity[due] < 0).any():
            keys = self.keys[due]
            draws = tuple(rng.uniform(keys, month, side, slot) for slot in rng.SLOTS_INSTRUMENTS)
            drawn, second = choose_instruments(self.world, state, side, severity[due], like[due], instruments, draws)
            hostile = severity[due] < 0
            for name in ("kind", "size", "post", "prop"):
                getattr(choice, name)[hostile] = getattr(drawn, name)[hostile]
        self._apply(month, side, due, choice, error, log, record, executed)
        if second is not None:
            self._apply(month, side, due, second, error, log, record, executed, check=True)
        return executed

    def _apply(self, month, side, due, choice, error, log, record, executed, check=False) -> None:
        """Apply the chosen measures to the runs `due`; the executed severity of a run is its most
        severe measure. `check`: drop a measure the month's earlier measures made impossible."""
        groups = np.stack([choice.kind, choice.post, choice.prop], axis=1)
        acting = choice.kind != NONE
        for key in np.unique(groups[acting], axis=0):
            picked = acting & (groups == key).all(axis=1)
            rows = due[picked]
            measure = Measure(
                kind=MeasureKind(int(key[0])),
                actor=side,
                target=1 - side,
                month=month,
                post=int(key[1]) if key[1] != NONE else None,
                prop=int(key[2]) if key[2] != NONE else None,
                cause=Cause.POLICY,
            )
            sizes = choice.size[picked]
            if check:
                ok = still_feasible(self.world, self.state, measure, rows, sizes)
                rows, sizes = rows[ok], sizes[ok]
                if not len(rows):
                    continue
            effect = apply_measure(self.world, self.state, measure, rows, size=sizes)
            executed[rows] = np.where(np.abs(effect.severity) > np.abs(executed[rows]), effect.severity, executed[rows])
            self.acts[rows, side, 0 if CATALOGUE[measure.kind].severity < 0 else 1] += 1
            self.kinds[rows, side, int(measure.kind)] += 1
            record(side, measure.kind, rows, effect.severity)
            causes = np.where(error[rows], Cause.NOISE.value, Cause.POLICY.value)
            self._log(log, rows, measure, effect.severity, effect.staff_change, sizes, causes)

    def _initiatives(self, month: int, log, record) -> None:
        """Conciliatory initiatives a side has announced for this month (a lever): taken in every
        run where something of that kind is left to give, and expected to be reciprocated."""
        for side, behaviour in enumerate(self.plan.behaviours):
            for kind, when in behaviour.initiatives:
                if when != month:
                    continue
                runs = self.runs
                severity = np.full(runs, CATALOGUE[kind].severity)
                executed = self._execute(
                    month,
                    side,
                    severity,
                    np.full(runs, int(kind)),
                    np.full(runs, np.nan),
                    np.full(runs, NONE),
                    np.zeros(runs, dtype=bool),
                    log,
                    record,
                    strict=True,
                )
                self._owe(side, np.zeros(runs), np.maximum(executed, 0.0))

    def _crisis(self, month: int, side: int, log, record) -> None:
        behaviour = self.plan.behaviours[side]
        rate = self.values[side].crisis_rate  # one for all runs, or one per run
        if np.all(np.asarray(rate) <= 0):
            return
        count = rng.poisson(self.keys, month, side, rng.SLOT_CRISIS_COUNT, rate / 12.0)
        rows = np.flatnonzero(count > 0)
        if len(rows) == 0:
            return
        low, high = behaviour.crisis_severity
        severity = low + (high - low) * rng.uniform(self.keys, month, side, rng.SLOT_CRISIS_SEVERITY)[rows]
        record(side, None, rows, severity, unplanned=True)
        shock = Shock(
            actor=side, target=1 - side, month=month, name="crisis", severity=float("nan"), cause=Cause.CRISIS
        )
        self._log(log, rows, shock, severity, np.zeros(len(rows), np.int64), None)

    def _log(self, log, rows, event, severity, staff_change, sizes, causes=None) -> None:
        if not self.log_events:
            return
        for i, run in enumerate(rows):
            log[run].append(
                EventRecord(
                    event,
                    float(severity[i]),
                    int(staff_change[i]),
                    None if sizes is None else float(sizes[i]),
                    None if causes is None else str(causes[i]),
                )
            )
