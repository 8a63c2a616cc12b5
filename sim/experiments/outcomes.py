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

from sim.engines.dynamics import Dynamics, Plan
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


def simulate_outcomes(scenario: Scenario, plan: Plan, keys: np.ndarray) -> dict[str, np.ndarray]:
    """Run the runs of one design point and return each outcome as an array over the runs."""
    dynamics = Dynamics(scenario, plan, keys, log_events=False)
    world = dynamics.world
    runs = len(keys)
    start = np.array([dynamics.state.staff_total(world, s)[0] for s in (0, 1)], dtype=float)
    low = np.full((runs, 2), np.iinfo(np.int64).max)
    first_half = np.full(runs, -1)
    chain = np.zeros(runs, dtype=np.int64)
    longest = np.zeros(runs, dtype=np.int64)
    hostile_before = np.zeros(runs, dtype=np.int64)
    at_policy_start = None
    elapsed = 0
    for month in plan.months:
        active = month >= plan.active_from
        if active and at_policy_start is None:
            at_policy_start = np.stack([dynamics.state.staff_total(world, s) for s in (0, 1)], axis=1)
        for side in (0, 1):
            dynamics.decide(month, side)
        dynamics.commit(month)
        if not active:
            continue
        elapsed += 1
        staff = np.stack([dynamics.state.staff_total(world, s) for s in (0, 1)], axis=1)
        low = np.minimum(low, staff)
        half = (staff >= 0.5 * start[None, :]).all(axis=1)
        first_half = np.where(half & (first_half < 0), elapsed, first_half)
        hostile_now = dynamics.acts[:, :, 0].sum(axis=1)
        chain = np.where(hostile_now > hostile_before, chain + 1, 0)
        longest = np.maximum(longest, chain)
        hostile_before = hostile_now
    end = np.stack([dynamics.state.staff_total(world, s) for s in (0, 1)], axis=1)
    if at_policy_start is None:
        at_policy_start = end
    out: dict[str, np.ndarray] = {}
    for side, code in enumerate(scenario.codes):
        out[f"{code}_staff_end_share"] = np.round(end[:, side] / max(start[side], 1.0), 4)
        out[f"{code}_staff_min"] = low[:, side].astype(np.int64) if elapsed else end[:, side]
        out[f"{code}_hostile_measures"] = dynamics.acts[:, side, 0].copy()
    out["months_to_half"] = np.where(first_half >= 0, first_half, np.nan)
    out["restored_half"] = (first_half >= 0).astype(np.int64)
    out["hostile_measures"] = dynamics.acts[:, :, 0].sum(axis=1)
    out["longest_chain"] = longest
    out["posts_reopened"] = dynamics.kinds[:, :, MeasureKind.REOPEN_POST].sum(axis=1)
    out["properties_returned"] = dynamics.kinds[:, :, MeasureKind.RETURN_PROPERTY].sum(axis=1)
    out["spiral"] = ((longest >= SPIRAL_MONTHS) & (end < at_policy_start).any(axis=1)).astype(np.int64)
    return out
