"""How a side's decisions become measures in a month: the repertoire's choice (with the side's
instruments), packages, initiatives and crises, applied to the runs that act, and logged as
typed records; and the order of the month's forced events and announcements. A part of
`Dynamics` (sim/engines/dynamics.py), kept apart for size."""

from __future__ import annotations

from itertools import groupby

import numpy as np

from sim.engines.varying import instruments_of
from sim.rules import rng
from sim.rules.domain import Cause
from sim.rules.measures import CATALOGUE, EventRecord, Measure, MeasureKind, Role, Shock, apply_measure, infeasibility
from sim.rules.repertoire import NONE, choose, choose_instruments, still_feasible


class Acting:
    """The acting half of `Dynamics`: it reads and changes the attributes `Dynamics` sets up."""

    def _execute(
        self, month, side, severity, kind, size, like, error, log, record, strict=False, slots=rng.SLOTS_INSTRUMENTS
    ) -> np.ndarray:
        """Turn the desired severities into measures (repertoire) and apply them. Returns the
        severity executed per run (a package's most severe part). `strict`: only the preferred
        kind, nothing in its place; `slots`: the instruments' draws."""
        executed = np.zeros(self.runs)
        due = np.flatnonzero(severity != 0)
        if not len(due):
            return executed
        # The repertoire looks only at the runs that act this month.
        state = self.state.look(due)
        choice = choose(self.world, state, side, severity[due], like[due], kind[due], size[due])
        second = None
        instruments = instruments_of(self.values[side], due)
        if strict:
            choice.kind[choice.kind != kind[due]] = NONE
        elif instruments is not None and (severity[due] < 0).any():
            keys = self.keys[due]
            draws = tuple(rng.uniform(keys, month, side, slot) for slot in slots)
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
        # one code per (kind, post, property), ordered as those triples are (NONE is -1)
        posts, props = len(self.world.post_ids) + 1, len(self.world.property_ids) + 1
        acting = np.flatnonzero(choice.kind != NONE)
        taken = ((choice.kind * posts + choice.post + 1) * props + choice.prop + 1)[acting]
        # what each kind did, counted and shown once for all its posts and properties (a run takes
        # one measure here, so no run's numbers depend on the order)
        done: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        for kind, alike in groupby(_alike(taken, acting), key=lambda item: item[0] // (posts * props)):
            alike = list(alike)
            # a kind that takes each run's own post or property at once: one call for all of them
            together = CATALOGUE[kind].each_target and not check and len(alike) > 1
            for code, picked in [(NONE, np.concatenate([p for _, p in alike]))] if together else alike:
                rows = due[picked]
                sizes = choice.size[picked]
                if together:
                    measure = Measure(MeasureKind(kind), side, 1 - side, month, cause=Cause.POLICY)
                    at = (choice.post[picked], choice.prop[picked])
                else:
                    measure, at = self._measure(month, side, code, posts, props), None
                if check:
                    ok = still_feasible(self.world, self.state, measure, rows, sizes)
                    rows, sizes = rows[ok], sizes[ok]
                    if not len(rows):
                        continue
                effect = apply_measure(self.world, self.state, measure, rows, size=sizes, at=at)
                rows_done, severities = done.setdefault(kind, ([], []))
                rows_done.append(rows)
                severities.append(np.asarray(effect.severity, dtype=float))
                if not self.log_events:
                    continue
                causes = np.where(error[rows], Cause.NOISE.value, Cause.POLICY.value)
                if not together:
                    self._log(log, rows, measure, effect.severity, effect.staff_change, sizes, causes)
                    continue
                start = 0
                for each, part in alike:  # each (kind, post, property) logged as itself
                    end = start + len(part)
                    self._log(
                        log,
                        rows[start:end],
                        self._measure(month, side, each, posts, props),
                        effect.severity[start:end],
                        effect.staff_change[start:end],
                        sizes[start:end],
                        causes[start:end],
                    )
                    start = end
        for kind, (rows_done, severities) in done.items():
            rows = rows_done[0] if len(rows_done) == 1 else np.concatenate(rows_done)
            severity = severities[0] if len(severities) == 1 else np.concatenate(severities)
            hostile = CATALOGUE[kind].severity < 0
            self.kernels.tally(side, kind, hostile, rows, severity, executed, self.acts, self.kinds)
            record(side, MeasureKind(kind), rows, severity)

    @staticmethod
    def _measure(month: int, side: int, code: int, posts: int, props: int) -> Measure:
        """The measure of a code of `_apply`: (kind, post + 1, property + 1) in mixed radix."""
        kind, post, prop = code // (posts * props), code // props % posts - 1, code % props - 1
        return Measure(
            kind=MeasureKind(kind),
            actor=side,
            target=1 - side,
            month=month,
            post=post if post != NONE else None,
            prop=prop if prop != NONE else None,
            cause=Cause.POLICY,
        )

    def _in_month(self, month: int) -> list[tuple[Measure | Shock, bool]]:
        """The month's forced events and the announcements of later ones (True), in day order,
        then in the order of the scenario file."""
        known = self.month_events.get(month)
        if known is None:
            forced, announced = self.forced.get(month, ()), self.announced.get(month, ())
            items = [(e, False) for e in forced] + [(e, True) for e in announced]
            known = sorted(items, key=lambda item: (item[0].announced[1] if item[1] else item[0].day, item[0].seq))
            self.month_events[month] = known
        return known

    def _announce(self, event: Measure | Shock, record) -> None:
        """The other side perceives a measure when it is announced, as hostile (or friendly) as it
        would be on the missions as they stand; the missions change when it takes effect."""
        every, runs = np.arange(self.runs), self.runs
        if isinstance(event, Shock):
            record(event.actor, None, every, np.full(runs, event.severity), unplanned=event.owned)
            return
        if CATALOGUE[event.kind].role is Role.SELF:
            return
        state = self.state.look(every)
        if infeasibility(self.world, state, event) is None:
            severity = apply_measure(self.world, state, event, every).severity
        else:  # not yet possible as things stand (staff it removes not yet there): the kind's own severity
            severity = np.full(runs, float(CATALOGUE[event.kind].severity))
        record(event.actor, event.kind, every, severity, unplanned=True)

    def _answer_now(self, month: int, side: int, answer, log, record) -> None:
        """Carry out at once the answers a side decided after the month's forced events."""
        severity, kind, size, like, error, answering = answer
        slots = rng.SLOTS_INSTRUMENTS_SAME_MONTH
        executed = self._execute(month, side, severity, kind, size, like, error, log, record, slots=slots)
        self.own_now[:, side] = executed
        self.own_now_error[:, side] = error & (executed != 0)
        self.kernels.owe_beyond(side, executed, answering, self.debt, self.credit, self.account_age)

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


def _alike(codes: np.ndarray, where: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Each distinct code of `codes` in increasing order, with the entries of `where` that have it
    (in their order)."""
    if not len(codes):
        return []
    if (codes == codes[0]).all():  # mostly every run that acts takes the same measure
        return [(int(codes[0]), where)]
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    bounds = [0, *(np.flatnonzero(ordered[1:] != ordered[:-1]) + 1).tolist(), len(codes)]
    return [(int(ordered[a]), where[order[a:b]]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
