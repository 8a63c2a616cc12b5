"""Behaviour over time: perception, policy decisions, delays, execution, crises, for many runs.

This is the one implementation of how states answer each other. The Mesa model drives it for a
single run; ensembles drive it for many runs at once (arrays with a leading run axis). Each
month, in this order:

1. each side perceives what the other did last month (with misperception), nets it against its
   own account (`debt`: its hostile acts not yet answered; `credit`: its conciliatory steps not
   yet reciprocated), and its policy decides; an execution error may change the decision; the
   decision is queued for the month its delay says;
2. the month's forced events are committed in day order (then the order of the file), with the
   announcements of later ones; then a side that looks within the month (`same_month`) perceives
   what the other did since it last looked and decides, and an answer without delay is carried
   out at once (side 0, then side 1, both having decided); then initiatives, the answers falling
   due this month (side 0, then side 1), turned into measures by the repertoire, then random crises;
3. rotation, and (when policies act) re-staffing toward the starting size.

Every random number comes from `sim.rules.rng` as a function of (run key, month, side, slot).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from sim.engines.acting import Acting
from sim.engines.deciding import Deciding
from sim.engines.plan import Mode, Plan
from sim.engines.varying import run_values, side_values
from sim.errors import ScenarioError
from sim.rules.behaviour import (
    Behaviour,
    age_accounts,
    owe,
    owe_beyond,
    perceive_runs,
    show,
    take_answers,
    tally,
)
from sim.rules.compiled import pick
from sim.rules.execution import answer_runs
from sim.rules.instruments import Instruments, estimate, parse_instruments
from sim.rules.measures import CATALOGUE, EventRecord, Measure, MeasureKind, Role, Shock, apply_measure, infeasibility
from sim.rules.repertoire import NONE
from sim.rules.rotation import restaff, rotate, rotate_runs, tours
from sim.rules.scenario import Scenario, events_by_announcement, events_by_month
from sim.rules.state import State

if TYPE_CHECKING:
    from sim.engines.observers import Observer


class Dynamics(Deciding, Acting):
    """The state of `runs` runs of a scenario and everything the sides remember."""

    def __init__(
        self,
        scenario: Scenario,
        plan: Plan,
        keys: np.ndarray,
        log_events: bool = True,
        check_forced: bool = False,
        behaviours: Sequence[tuple[Behaviour, Behaviour]] | None = None,
    ):
        # check_forced: prove each forced measure possible before applying it (the scenario check)
        # behaviours: each run's own behaviours (one batch_key, the plan's), for runs whose values differ
        self.check_forced = check_forced
        self.scenario = scenario
        self.plan = plan
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.log_events = log_events
        self.world = scenario.world()
        runs = len(self.keys)
        self.state = scenario.initial_state(runs)
        self.establishment = self.state.staff[0].copy()
        self.forced = events_by_month(e for e in scenario.events if plan.forces(e))
        self.announced = events_by_announcement(e for e in scenario.events if plan.forces(e))
        self.observed_days = scenario.observed_days
        self.month_events: dict[int, list[tuple[Measure | Shock, bool]]] = {}  # `_in_month`, as each month is met
        # the state on each day an observation counts within a month, before that day's forced events
        self.within: dict[int, State] = {}
        self.instruments = instruments = [self._instruments(side) for side in (0, 1)]
        if behaviours is None:
            self.values = [side_values(plan.behaviours[s], instruments[s]) for s in (0, 1)]
        else:
            if len(behaviours) != runs:
                raise ValueError(f"{len(behaviours)} behaviours for {runs} runs")
            self.values = [run_values([b[s] for b in behaviours], instruments[s]) for s in (0, 1)]
        self.policies = [v.policy for v in self.values]
        memory_months = np.stack(np.broadcast_arrays(*(v.memory_months for v in self.values)), axis=-1)
        self.memory_months = np.ascontiguousarray(np.broadcast_to(memory_months, (runs, 2)), dtype=float)
        self.memory = [p.start(runs) for p in self.policies]
        self.tour = tours(self.world, runs, (self.values[0].tour_months, self.values[1].tour_months))
        # an answer waits at most its run's longest delay: a run's queue is as deep as its own weights
        depth_runs = np.maximum(self.values[0].delay_depth, self.values[1].delay_depth)
        self.depth_runs = np.ascontiguousarray(np.broadcast_to(depth_runs, (runs,)), dtype=np.int64)
        depth = int(self.depth_runs.max()) if runs else 1
        self.queue_severity = np.zeros((runs, 2, depth))
        self.queue_kind = np.full((runs, 2, depth), NONE, dtype=np.int64)
        self.queue_size = np.full((runs, 2, depth), np.nan)
        self.queue_error = np.zeros((runs, 2, depth), dtype=bool)
        self.queue_answering = np.zeros((runs, 2, depth))  # the provocation (or overture) a decision answers
        self.queue_like = np.full((runs, 2, depth), NONE, dtype=np.int64)  # the kind it answers like for like
        # the kernels of a month, compiled or not (sim.rules.compiled.pick), chosen once
        month_kernels = (
            show,
            owe,
            owe_beyond,
            age_accounts,
            take_answers,
            tally,
            perceive_runs,
            rotate_runs,
            answer_runs,
        )
        self.kernels = SimpleNamespace(**{fn.__name__: pick(fn, runs) for fn in month_kernels})
        self.queues = (
            self.queue_severity,
            self.queue_kind,
            self.queue_size,
            self.queue_error,
            self.queue_answering,
            self.queue_like,
        )
        # What each side expects answered (debt) or reciprocated (credit). Only policies read the
        # accounts, so a plan in which no month decides (a replay) leaves them at zero.
        self.keeps_accounts = self.plan.active_from <= self.plan.end
        self.debt = np.zeros((runs, 2))
        self.credit = np.zeros((runs, 2))
        # months since each side's debt [..., 0] and credit [..., 1] last grew
        self.account_age = np.zeros((runs, 2, 2), dtype=np.int64)
        self.shown_hostility = np.zeros((runs, 2))  # what each side did last month, as magnitudes
        self.shown_conciliation = np.zeros((runs, 2))
        self.like_kind = np.full((runs, 2), NONE, dtype=np.int64)  # most severe hostile kind last month
        self.like_conciliatory = np.full((runs, 2), NONE, dtype=np.int64)  # most conciliatory kind last month
        self.worst = np.zeros((runs, 2))  # the severity of like_kind's act, and of like_conciliatory's
        self.kindest = np.zeros((runs, 2))
        self.pending: list = [None, None]  # a side's early looks, while some of its runs look late
        self.own_now = np.zeros((runs, 2))  # what a side carried out at once this month
        self.own_now_error = np.zeros((runs, 2), dtype=bool)
        self.own_last = np.zeros((runs, 2))
        self.own_error = np.zeros((runs, 2), dtype=bool)
        self.acts = np.zeros((runs, 2, 2), dtype=np.int64)  # policy measures per side: hostile, conciliatory
        self.kinds = np.zeros((runs, 2, len(MeasureKind)), dtype=np.int32)  # policy measures per side and kind

    def _instruments(self, side: int) -> Instruments | None:
        """The side's instruments; `record` is estimated from its measures before policies act
        (in behavioural mode, the whole record)."""
        spec = self.plan.behaviours[side].instruments
        if spec != "record":
            return parse_instruments(spec)
        last = self.plan.active_from - 1 if self.plan.mode is Mode.PROJECT else self.scenario.end
        return estimate(self.scenario.events, side, last)

    @property
    def runs(self) -> int:
        return len(self.keys)

    def forced_of(self, month: int, side: int) -> list[Measure | Shock]:
        return [e for e in self.forced.get(month, ()) if e.actor == side]

    # --- deciding -----------------------------------------------------------------------------

    def step(self, month: int) -> list[list[EventRecord]]:
        """One month: both sides decide on what they saw last month, then everything is committed
        at once. The Mesa model runs the same two halves through its agents and `advance`."""
        for side in (0, 1):
            self.decide(month, side)
        return self.commit(month)

    def run(self, observers: Sequence[Observer] = ()) -> None:
        """Step through the plan's months; after each, every observer sees the month."""
        for observer in observers:
            observer.begin(self)
        for t, month in enumerate(self.plan.months):
            log = self.step(month)
            for observer in observers:
                observer.month_done(self, t, month, log)

    # --- committing ---------------------------------------------------------------------------

    def commit(self, month: int) -> list[list[EventRecord]]:
        """Commit the month: forced events, answers due, crises; then rotation. Returns log rows."""
        runs = self.runs
        if self.keeps_accounts:
            self._age_accounts()
        log: list[list[EventRecord]] = [[] for _ in range(runs)] if self.log_events else []
        shown_h = np.zeros((runs, 2))
        shown_c = np.zeros((runs, 2))
        worst = np.zeros((runs, 2))
        like = np.empty((runs, 2), dtype=np.int64)
        like.fill(NONE)
        kindest = np.zeros((runs, 2))
        like_c = like.copy()
        strongest = (worst, like, kindest, like_c)
        every = np.arange(runs)

        dealt_h = np.zeros((runs, 2))
        dealt_c = np.zeros((runs, 2))

        def record(
            actor: int, kind: MeasureKind | None, rows: np.ndarray, severity: np.ndarray, unplanned: bool = False
        ) -> None:
            # Forced acts, shocks and crises (`unplanned`) were not decided by the policy; the
            # actor still expects the other side to answer them (or to reciprocate).
            code = NONE if kind is None else int(kind)
            severity = np.asarray(severity, dtype=float)
            self.kernels.show(actor, code, unplanned, rows, severity, (shown_h, shown_c), (dealt_h, dealt_c), strongest)

        days = list(self.observed_days)
        for event, announcing in self._in_month(month):
            while days and (event.announced[1] if announcing else event.day) >= days[0]:
                self.within[days.pop(0)] = self.state.take(every)
            if announcing:
                self._announce(event, record)
                continue
            heard = event.announced is not None and event.announced[0] < month  # perceived when announced
            if isinstance(event, Shock):
                # a shock the blamed side denies, or a third party's act, is no debt of its own
                if not heard:
                    record(event.actor, None, every, np.full(runs, event.severity), unplanned=event.owned)
                self._log(log, every, event, np.full(runs, event.severity), np.zeros(runs, np.int64), None)
                continue
            if self.check_forced and (problem := infeasibility(self.world, self.state, event)):
                where, line = self.scenario.event_where[event.seq]
                raise ScenarioError(self.scenario.path, where, problem, line=line)
            effect = apply_measure(self.world, self.state, event, every)
            if CATALOGUE[event.kind].role is not Role.SELF and not heard:
                record(event.actor, event.kind, every, effect.severity, unplanned=True)
            self._log(log, every, event, effect.severity, effect.staff_change, None)
        for day in days:
            self.within[day] = self.state.take(every)

        if month >= self.plan.active_from:
            self.own_now[:] = 0.0
            self.own_now_error[:] = False
            seen_now = (shown_h, shown_c, worst, like, kindest, like_c)
            now = [self.decide_late(month, side, seen_now) for side in (0, 1)]
            for side in (0, 1):
                if now[side] is not None:
                    self._answer_now(month, side, now[side], log, record)
            self._initiatives(month, log, record)
            for side in (0, 1):
                self._answer(month, side, log, record)
            for side in (0, 1):
                self._crisis(month, side, log, record)

        self.shown_hostility, self.shown_conciliation = shown_h, shown_c
        if self.keeps_accounts:
            for side in (0, 1):
                self._owe(side, dealt_h[:, side], dealt_c[:, side])
        self.like_kind = like
        self.like_conciliatory = like_c
        self.worst, self.kindest = worst, kindest
        rotate(self.world, self.state, self.tour, self.kernels.rotate_runs)
        if month >= self.plan.active_from:
            restaff(
                self.world,
                self.state,
                self.establishment,
                tuple(s for s in (0, 1) if self.plan.behaviours[s].restaff),
                (self.values[0].rehire_months, self.values[1].rehire_months),
                self.tour,
            )
        return log

    def _answer(self, month: int, side: int, log, record) -> None:
        runs = self.runs
        answer = (
            np.empty(runs),
            np.empty(runs, np.int64),
            np.empty(runs),
            np.empty(runs, bool),
            np.empty(runs),
            np.empty(runs, np.int64),
        )
        self.kernels.take_answers(side, self.queues, answer)
        severity, kind, size, error, answering, like = answer
        executed = self._execute(month, side, severity, kind, size, like, error, log, record)
        acting = executed != 0
        # a side's act of the month: the answer due, or else one it carried out at once
        self.own_last[:, side] = np.where(acting, executed, self.own_now[:, side])
        self.own_error[:, side] = np.where(acting, error, self.own_now_error[:, side])
        # What goes beyond the provocation answered (or the overture reciprocated) opens an account.
        self.kernels.owe_beyond(side, executed, answering, self.debt, self.credit, self.account_age)

    def _owe(self, side: int, hostile: np.ndarray, friendly: np.ndarray) -> None:
        self.kernels.owe(side, hostile, friendly, self.debt, self.credit, self.account_age)

    def _age_accounts(self) -> None:
        """A month passes: what has gone unanswered for a side's memory_months no longer expects an answer."""
        self.kernels.age_accounts(self.memory_months, self.debt, self.credit, self.account_age)
