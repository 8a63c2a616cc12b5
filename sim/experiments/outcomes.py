"""Outcomes of one design point's runs, computed while the batched engine steps them.

Definitions (per run; "policy period" = the months from `--from` in project mode, all months in
behavioural mode; "start size" = each mission's staff_total at the scenario's start, January 2016
in the historical scenarios):

- `<SIDE>_staff_end_share`: staff_total in the last month / start size.
- `<SIDE>_staff_min`: the lowest monthly staff_total in the policy period.
- `<SIDE>_hostile_measures`: hostile measures that side's policy took (unintended ones included).
- `months_to_half`: months from the start of the policy period to the first month in which both
  missions are at least half their start size; empty (censored) if that never happens.
- `restored_half`: 1 if it happened, else 0.
- `hostile_measures`: both sides' hostile measures.
- `longest_chain`: the longest run of consecutive months in which either side took a hostile
  measure.
- `posts_reopened`, `properties_returned`: reopen_post and return_property measures, both sides.
- `spiral`: 1 if the longest chain is at least 6 months and either mission ends below its size
  when the policy period began, else 0.
"""

from __future__ import annotations

import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.plan import Plan
from sim.rules.measures import MeasureKind
from sim.rules.scenario import Scenario

SPIRAL_MONTHS = 6
SHARED = (
    "months_to_half",
    "restored_half",
    "hostile_measures",
    "longest_chain",
    "posts_reopened",
    "properties_returned",
    "spiral",
)


def outcome_names(sides: tuple[str, str]) -> list[str]:
    per_side = [f"{s}_{name}" for s in sides for name in ("staff_end_share", "staff_min", "hostile_measures")]
    return per_side + list(SHARED)


class Outcomes:
    """Observer of the month loop that accumulates the outcomes of every run."""

    def begin(self, dynamics: Dynamics) -> None:
        runs, world = dynamics.runs, dynamics.world
        self.start = np.array([dynamics.state.staff_total(world, s)[0] for s in (0, 1)], dtype=float)
        self.low = np.full((runs, 2), np.iinfo(np.int64).max)
        self.first_half = np.full(runs, -1)
        self.chain = np.zeros(runs, dtype=np.int64)
        self.longest = np.zeros(runs, dtype=np.int64)
        self.hostile_before = np.zeros(runs, dtype=np.int64)
        self.elapsed = 0
        # the missions when the policy period begins (the state before its first month)
        self.at_policy_start = self._staff(dynamics) if dynamics.plan.active_from == dynamics.plan.start else None

    @staticmethod
    def _staff(dynamics: Dynamics) -> np.ndarray:
        return np.stack([dynamics.state.staff_total(dynamics.world, s) for s in (0, 1)], axis=1)

    def month_done(self, dynamics: Dynamics, t: int, month: int, log) -> None:
        if month + 1 == dynamics.plan.active_from:
            self.at_policy_start = self._staff(dynamics)
        if month < dynamics.plan.active_from:
            return
        self.elapsed += 1
        staff = self._staff(dynamics)
        self.low = np.minimum(self.low, staff)
        half = (staff >= 0.5 * self.start[None, :]).all(axis=1)
        self.first_half = np.where(half & (self.first_half < 0), self.elapsed, self.first_half)
        hostile_now = dynamics.acts[:, :, 0].sum(axis=1)
        self.chain = np.where(hostile_now > self.hostile_before, self.chain + 1, 0)
        self.longest = np.maximum(self.longest, self.chain)
        self.hostile_before = hostile_now

    def results(self, dynamics: Dynamics, codes: tuple[str, str]) -> dict[str, np.ndarray]:
        end = self._staff(dynamics)
        at_policy_start = end if self.at_policy_start is None else self.at_policy_start
        out: dict[str, np.ndarray] = {}
        for side, code in enumerate(codes):
            out[f"{code}_staff_end_share"] = np.round(end[:, side] / max(self.start[side], 1.0), 4)
            out[f"{code}_staff_min"] = self.low[:, side].astype(np.int64) if self.elapsed else end[:, side]
            out[f"{code}_hostile_measures"] = dynamics.acts[:, side, 0].copy()
        first_half, longest = self.first_half, self.longest
        out["months_to_half"] = np.where(first_half >= 0, first_half, np.nan)
        out["restored_half"] = (first_half >= 0).astype(np.int64)
        out["hostile_measures"] = dynamics.acts[:, :, 0].sum(axis=1)
        out["longest_chain"] = longest
        out["posts_reopened"] = dynamics.kinds[:, :, MeasureKind.REOPEN_POST].sum(axis=1)
        out["properties_returned"] = dynamics.kinds[:, :, MeasureKind.RETURN_PROPERTY].sum(axis=1)
        out["spiral"] = ((longest >= SPIRAL_MONTHS) & (end < at_policy_start).any(axis=1)).astype(np.int64)
        return out


def simulate_outcomes(scenario: Scenario, plan: Plan, keys: np.ndarray) -> dict[str, np.ndarray]:
    """Run the runs of one design point and return each outcome as an array over the runs."""
    dynamics = Dynamics(scenario, plan, keys, log_events=False)
    outcomes = Outcomes()
    dynamics.run((outcomes,))
    return outcomes.results(dynamics, scenario.codes)
