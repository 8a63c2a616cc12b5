"""How a side decides in a month: it perceives what the other side did since it last looked (with
misperception), nets it against its accounts, lets its policy decide, and queues the answer for
the month its delay says. A side looks once a month: at the start, on what the other did the month
before; or, with probability `same_month`, after the month's forced events, on those too, and then
an answer without delay is carried out at once, in the month of what it answers. A part of
`Dynamics` (sim/engines/dynamics.py), kept apart for size."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.engines.varying import delay_table, may_wait
from sim.rules import rng
from sim.rules.libm import exp_of
from sim.rules.policies.base import Seen
from sim.rules.repertoire import NONE, restorable


def _per_run(value: float | np.ndarray, runs: int) -> np.ndarray:
    """A behaviour value (one for all runs, or one per run) as numbers per run."""
    return np.broadcast_to(np.asarray(value, dtype=float), (runs,))


class LazySeen(Seen):
    """A `Seen` whose fields in `later` are computed when first read. A policy decides on what it
    sees before anything changes the missions, so a field read then has the value it had when the
    side looked; a look kept past a change must be `settle`d first."""

    def __init__(self, later: dict[str, Callable[[], np.ndarray]], **fields: np.ndarray):
        self.__dict__.update(fields)
        self._later = later

    def __getattr__(self, name: str) -> np.ndarray:
        make = self.__dict__.get("_later", {}).pop(name, None)
        if make is None:
            raise AttributeError(name)
        value = make()
        setattr(self, name, value)
        return value

    def settle(self) -> None:
        """Compute every field now."""
        for name in list(self._later):
            getattr(self, name)


class Deciding:
    """The deciding half of `Dynamics`: it reads and changes the attributes `Dynamics` sets up."""

    def perceive(
        self,
        month: int,
        side: int,
        looking: np.ndarray | None = None,
        hostility: np.ndarray | None = None,
        conciliation: np.ndarray | None = None,
    ) -> Seen:
        """What `side` makes of the other side's acts (by default those of last month), and its
        account with it; only the runs `looking` (default all) settle their accounts."""
        behaviour = self.values[side]  # scalars, or arrays over the runs (sim.engines.varying)
        other = 1 - side
        runs = self.runs
        shown = (
            self.shown_hostility[:, other] if hostility is None else hostility,
            self.shown_conciliation[:, other] if conciliation is None else conciliation,
        )
        if np.any(behaviour.perception_error > 0):
            phantom = rng.uniform(self.keys, month, side, rng.SLOT_PERCEIVE_PHANTOM) < behaviour.perception_error
        else:
            phantom = np.zeros(runs, dtype=bool)
        misread = bool(np.any(behaviour.misread_sigma > 0))
        factor = np.empty(0)
        if misread:
            factor = exp_of(
                behaviour.misread_sigma * rng.normal(self.keys, month, side, rng.SLOT_MISREAD_A, rng.SLOT_MISREAD_B)
            )
        everyone = looking if looking is not None else np.ones(runs, dtype=bool)
        seen = tuple(np.empty(runs) for _ in range(5))
        self.kernels.perceive_runs(
            side,
            shown,
            phantom,
            _per_run(behaviour.phantom_severity, runs),
            misread,
            _per_run(factor, len(factor)),
            everyone,
            _per_run(behaviour.notice, runs),
            (self.debt, self.credit),
            seen,
        )
        hostility, conciliation, provocation, overture, reciprocated = seen
        # what most policies never read is computed when a policy first reads it
        later = {
            "restorable": lambda: restorable(self.world, self.state, other),
            "own_last": lambda: self.own_last[:, side].copy(),
            "own_error": lambda: self.own_error[:, side].copy(),
            "own_staff": lambda: self.state.staff_total(self.world, side).astype(float),
            "other_staff": lambda: self.state.staff_total(self.world, other).astype(float),
            "draw": lambda: rng.uniform(self.keys, month, side, rng.SLOT_POLICY),
        }
        seen = LazySeen(
            later,
            hostility=hostility,
            conciliation=conciliation,
            provocation=provocation,
            overture=overture,
            reciprocated=reciprocated,
        )
        if looking is not None:  # kept, or merged with another look, past changes to the missions
            seen.settle()
        return seen

    def decide(self, month: int, side: int) -> None:
        """Side `side` perceives, decides and queues its answer (nothing happens to the missions).
        Where it may look later in the month (`same_month`), the runs that look now keep what they
        saw and every run decides when the month's forced events are in (`decide_late`)."""
        if month < self.plan.active_from:
            return
        late = self._late(month, side)
        other = 1 - side
        if late is None:
            self._decide(
                month, side, self.perceive(month, side), self.like_kind[:, other], self.like_conciliatory[:, other]
            )
            return
        early = self.perceive(month, side, looking=~late)
        self.pending[side] = (late, early, self.like_kind[:, other].copy(), self.like_conciliatory[:, other].copy())

    def _late(self, month: int, side: int) -> np.ndarray | None:
        """The runs in which `side` looks after the month's forced events; None: none can."""
        chance = self.values[side].same_month
        if np.ndim(chance) == 0 and chance <= 0:
            return None
        return rng.uniform(self.keys, month, side, rng.SLOT_SAME_MONTH) < chance

    def decide_late(self, month: int, side: int, seen_now) -> np.ndarray | None:
        """After the month's forced events: the runs that look now see what the other did since
        they last looked (last month's acts and this month's so far), and every run decides.
        `seen_now` is the month's (hostility, conciliation, worst, like, kindest, like_c) so far;
        what a late look saw is taken out of it. Returns the answers due at once, or None."""
        if self.pending[side] is None:
            return None
        late, early, like_h, like_c = self.pending[side]
        self.pending[side] = None
        other = 1 - side
        shown_h, shown_c, worst, like, kindest, like_kind_c = seen_now
        hostility = np.maximum(self.shown_hostility[:, other], shown_h[:, other])
        conciliation = np.maximum(self.shown_conciliation[:, other], shown_c[:, other])
        seen = self.perceive(month, side, looking=late, hostility=hostility, conciliation=conciliation)
        for name in Seen.__dataclass_fields__:
            setattr(seen, name, np.where(late, getattr(seen, name), getattr(early, name)))
        harder = late & (worst[:, other] > self.worst[:, other])
        warmer = late & (kindest[:, other] > self.kindest[:, other])
        like_h = np.where(harder, like[:, other], like_h)
        like_c = np.where(warmer, like_kind_c[:, other], like_c)
        for accumulated, empty in ((shown_h, 0.0), (shown_c, 0.0), (worst, 0.0), (kindest, 0.0)):
            accumulated[late, other] = empty
        like[late, other] = NONE
        like_kind_c[late, other] = NONE
        return self._decide(month, side, seen, like_h, like_c, late)

    def _decide(self, month, side, seen: Seen, like_h, like_c, late=None) -> tuple | None:
        """The policy decides on `seen`, the decision is carried out and queued for the month its
        delay says (`answer_runs`), or, in the runs that looked `late` and drew no delay, returned
        to be carried out at once (severity, kind, size, like, error, answering per run; 0
        severity where none)."""
        behaviour = self.values[side]
        policy = self.policies[side]
        runs = self.runs
        flip = execution_error = np.empty(0)  # no draws where no run errs
        if np.any(behaviour.execution_error > 0):
            flip = rng.uniform(self.keys, month, side, rng.SLOT_EXECUTION)
            execution_error = np.ascontiguousarray(_per_run(behaviour.execution_error, runs))
        error_severity = np.ascontiguousarray(_per_run(behaviour.error_severity, runs))
        cumulative, last_delay = delay_table(behaviour, runs)
        wait = rng.uniform(self.keys, month, side, rng.SLOT_DELAY) if may_wait(behaviour) else np.empty(0)
        now = (
            np.empty(runs),
            np.empty(runs, dtype=np.int64),
            np.empty(runs),
            np.empty(runs, dtype=np.int64),
            np.empty(runs, dtype=bool),
            np.empty(runs),
        )
        any_now = self.kernels.answer_runs(
            side,
            (policy.code, policy.values(runs), self.memory[side]),
            policy.given(seen),
            (np.ascontiguousarray(like_h), np.ascontiguousarray(like_c)),
            (flip, execution_error, error_severity),
            (wait, cumulative, last_delay, self.depth_runs),
            np.empty(0, dtype=bool) if late is None else late,
            self.queues,
            now,
            (np.empty(runs), np.empty(runs, dtype=np.int64), np.empty(runs)),
        )
        return now if any_now else None
