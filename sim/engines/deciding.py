"""How a side decides in a month: it perceives what the other side did last month (with
misperception), nets it against its accounts, lets its policy decide, and queues the answer for
the month its delay says. A part of `Dynamics` (sim/engines/dynamics.py), kept apart for size."""

from __future__ import annotations

import numpy as np

from sim.engines.varying import delays_drawn
from sim.rules import rng
from sim.rules.policies.base import Seen
from sim.rules.repertoire import NONE, restorable

NOTICE_CONCILIATION = 0.5  # any real conciliatory act is noticed (talks are +1)


class Deciding:
    """The deciding half of `Dynamics`: it reads and changes the attributes `Dynamics` sets up."""

    def perceive(self, month: int, side: int) -> Seen:
        """What `side` makes of the other side's acts of last month, and its account with it."""
        behaviour = self.values[side]  # scalars, or arrays over the runs (sim.engines.varying)
        other = 1 - side
        hostility = self.shown_hostility[:, other].copy()
        conciliation = self.shown_conciliation[:, other].copy()
        if np.any(behaviour.perception_error > 0):
            phantom = rng.uniform(self.keys, month, side, rng.SLOT_PERCEIVE_PHANTOM) < behaviour.perception_error
            hostility = np.where((hostility == 0) & phantom, behaviour.phantom_severity, hostility)
        if np.any(behaviour.misread_sigma > 0):
            factor = np.exp(
                behaviour.misread_sigma * rng.normal(self.keys, month, side, rng.SLOT_MISREAD_A, rng.SLOT_MISREAD_B)
            )
            hostility = hostility * factor
            conciliation = conciliation * factor
        answered = np.minimum(hostility, self.debt[:, side])
        self.debt[:, side] -= answered
        reciprocated = np.minimum(conciliation, self.credit[:, side])
        self.credit[:, side] -= reciprocated
        provocation = hostility - answered
        overture = conciliation - reciprocated
        return Seen(
            hostility=hostility,
            conciliation=conciliation,
            provocation=np.where(provocation >= behaviour.notice, provocation, 0.0),
            overture=np.where(overture >= NOTICE_CONCILIATION, overture, 0.0),
            reciprocated=reciprocated,
            own_last=self.own_last[:, side].copy(),
            own_error=self.own_error[:, side].copy(),
            restorable=restorable(self.world, self.state, other),
            own_staff=self.state.staff_total(self.world, side).astype(float),
            other_staff=self.state.staff_total(self.world, other).astype(float),
            draw=rng.uniform(self.keys, month, side, rng.SLOT_POLICY),
        )

    def decide(self, month: int, side: int) -> None:
        """Side `side` perceives, decides and queues its answer (nothing happens to the missions)."""
        if month < self.plan.active_from:
            return
        behaviour = self.values[side]
        seen = self.perceive(month, side)
        response = self.policies[side].decide(seen, self.memory[side])
        severity, kind, size = response.severity.astype(float), response.kind, response.size
        error = np.zeros(self.runs, dtype=bool)
        if np.any(behaviour.execution_error > 0):
            flip = rng.uniform(self.keys, month, side, rng.SLOT_EXECUTION) < behaviour.execution_error
            # a quiet month produces an unintended hostile act; an intended act is not carried out
            error = flip & (severity == 0)
            severity = np.where(flip, np.where(severity == 0, -behaviour.error_severity, 0.0), severity)
            kind = np.where(flip, NONE, kind)
            size = np.where(flip, np.nan, size)
        answering = np.where(severity < 0, seen.provocation, seen.overture)
        delay = delays_drawn(behaviour, rng.uniform(self.keys, month, side, rng.SLOT_DELAY))
        # like for like: the kind of the act answered; a conciliatory step is like for like only
        # when it reciprocates an overture (a unilateral step restores in the documented order)
        reciprocating = (severity > 0) & (seen.overture > 0)
        like = np.where(
            severity < 0,
            self.like_kind[:, 1 - side],
            np.where(reciprocating, self.like_conciliatory[:, 1 - side], NONE),
        )
        rows = np.flatnonzero(severity != 0)
        slots, accept = self._free_slots(side, rows, delay[rows], severity[rows])
        rows, slots = rows[accept], slots[accept]
        self.queue_severity[rows, side, slots] = severity[rows]
        self.queue_kind[rows, side, slots] = kind[rows]
        self.queue_size[rows, side, slots] = size[rows]
        self.queue_error[rows, side, slots] = error[rows]
        self.queue_answering[rows, side, slots] = answering[rows]
        self.queue_like[rows, side, slots] = like[rows]

    def _free_slots(
        self, side: int, rows: np.ndarray, wanted: np.ndarray, severity: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each answer waits its drawn delay, or longer if an earlier answer already falls due
        that month: one answer a month, never merged (severities do not add). When every later
        month is taken too, the more severe of the two answers is kept. Returns (slot, accepted)."""
        depth = self.queue_severity.shape[2]
        slots = wanted.copy()
        index = np.arange(len(rows))
        busy = self.queue_severity[rows, side, :] != 0  # [rows, depth]
        for _ in range(depth):
            taken = busy[index, slots] & (slots < self.depth_runs[rows] - 1)
            if not taken.any():
                break
            slots = np.where(taken, slots + 1, slots)
        full = busy[index, slots]
        kept = np.abs(self.queue_severity[rows, side, slots])
        return slots, ~full | (np.abs(severity) > kept)
