"""Outcomes of one design point's runs, computed while the batched engine steps them.

Definitions (per run; "policy period" = the months from `--from` in project mode, all months in
behavioural mode; "start" = the scenario's first state, January 2016 in the historical
scenarios; months are counted from the start of the policy period, the first month being 1):

- `<SIDE>_staff_end_share`: staff_total in the last month / start size.
- `<SIDE>_staff_min`: the lowest monthly staff_total in the policy period.
- `<SIDE>_hostile_measures`: hostile measures that side's policy took (unintended ones included).
- `months_to_half`: months to the first month in which both missions are at least half their
  start size; empty (censored) if that never happens. `restored_half`: 1 if it happened, else 0.
- `months_to_three_quarters`, `restored_three_quarters`: the same at three quarters.
- `months_to_sent_half`, `restored_sent_half`, `months_to_sent_three_quarters`,
  `restored_sent_three_quarters`: the same on sent staff (diplomats + support, the staff the 2017
  cap of 455 counted) instead of all staff.
- `months_to_posts`, `posts_restored`: the first month in which every post open at the start is
  open again, in both missions.
- `months_to_properties`, `properties_restored`: the first month in which no property held at the
  start is seized, in both missions.
- `hostile_measures`: both sides' hostile measures.
- `longest_chain`: the longest run of consecutive months in which either side took a hostile
  measure.
- `posts_reopened`, `properties_returned`: reopen_post and return_property measures, both sides.
- `spiral`: 1 if the longest chain is at least 6 months and either mission ends below its size
  when the policy period began, else 0.
- `months_to_talks`: months to the first month in which either side holds talks (hold_talks by a
  policy or an initiative); empty if never. `talks_hold`: 1 if talks were held and neither side
  took a hostile measure in the 12 months after that first month of talks (all 12 inside the
  policy period), else 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.plan import Plan
from sim.engines.varying import groups
from sim.rules.behaviour import Behaviour
from sim.rules.domain import Category, PostStatus, PropertyStatus
from sim.rules.measures import MeasureKind
from sim.rules.scenario import Scenario

SPIRAL_MONTHS = 6
TALKS_HOLD_MONTHS = 12
SHARED = (
    "months_to_half",
    "restored_half",
    "hostile_measures",
    "longest_chain",
    "posts_reopened",
    "properties_returned",
    "spiral",
)
# Restoration thresholds beyond restored_half: (name, share of the start, staff counted).
THRESHOLDS = (
    ("three_quarters", 0.75, "all"),
    ("sent_half", 0.5, "sent"),
    ("sent_three_quarters", 0.75, "sent"),
)
# Appended after the original outcomes, so the runs table's earlier columns keep their places.
ADDED = (
    *(f"{kind}_{name}" for name, _, _ in THRESHOLDS for kind in ("months_to", "restored")),
    "months_to_posts",
    "posts_restored",
    "months_to_properties",
    "properties_restored",
    "months_to_talks",
    "talks_hold",
)


def outcome_names(sides: tuple[str, str]) -> list[str]:
    per_side = [f"{s}_{name}" for s in sides for name in ("staff_end_share", "staff_min", "hostile_measures")]
    return per_side + list(SHARED) + list(ADDED)


class Outcomes:
    """Observer of the month loop that accumulates the outcomes of every run."""

    def begin(self, dynamics: Dynamics) -> None:
        runs, world, state = dynamics.runs, dynamics.world, dynamics.state
        self.start = np.array([state.staff_total(world, s)[0] for s in (0, 1)], dtype=float)
        self.start_sent = self._sent(dynamics)[0].astype(float)
        self.posts_open_at_start = state.post_status[0] == PostStatus.OPEN
        self.properties_held_at_start = state.property_status[0] != PropertyStatus.SEIZED
        self.low = np.full((runs, 2), np.iinfo(np.int64).max)
        self.first_half = np.full(runs, -1)
        # first month each further condition held: thresholds, posts, properties, talks
        self.first = {name: np.full(runs, -1) for name in [t[0] for t in THRESHOLDS] + ["posts", "properties", "talks"]}
        self.talks_broken = np.zeros(runs, dtype=bool)
        self.talks_before = np.zeros(runs, dtype=np.int64)
        self.chain = np.zeros(runs, dtype=np.int64)
        self.longest = np.zeros(runs, dtype=np.int64)
        self.hostile_before = np.zeros(runs, dtype=np.int64)
        self.elapsed = 0
        # the missions when the policy period begins (the state before its first month)
        self.at_policy_start = self._staff(dynamics) if dynamics.plan.active_from == dynamics.plan.start else None

    @staticmethod
    def _staff(dynamics: Dynamics) -> np.ndarray:
        return np.stack([dynamics.state.staff_total(dynamics.world, s) for s in (0, 1)], axis=1)

    @staticmethod
    def _sent(dynamics: Dynamics) -> np.ndarray:
        state, world = dynamics.state, dynamics.world
        by_category = [state.mission_staff(world, s) for s in (0, 1)]
        return np.stack([m[:, Category.DIPLOMATS] + m[:, Category.SUPPORT] for m in by_category], axis=1)

    def _mark(self, name: str, now: np.ndarray) -> None:
        first = self.first[name]
        self.first[name] = np.where(now & (first < 0), self.elapsed, first)

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
        sent = self._sent(dynamics)
        for name, share, counted in THRESHOLDS:
            now, start = (sent, self.start_sent) if counted == "sent" else (staff, self.start)
            self._mark(name, (now >= share * start[None, :]).all(axis=1))
        state = dynamics.state
        open_now = state.post_status == PostStatus.OPEN
        self._mark("posts", (open_now | ~self.posts_open_at_start[None, :]).all(axis=1))
        held_now = state.property_status != PropertyStatus.SEIZED
        self._mark("properties", (held_now | ~self.properties_held_at_start[None, :]).all(axis=1))
        hostile_now = dynamics.acts[:, :, 0].sum(axis=1)
        hostile_month = hostile_now > self.hostile_before
        self.chain = np.where(hostile_month, self.chain + 1, 0)
        self.longest = np.maximum(self.longest, self.chain)
        self.hostile_before = hostile_now
        talks_now = dynamics.kinds[:, :, MeasureKind.HOLD_TALKS].sum(axis=1)
        self._mark("talks", talks_now > self.talks_before)
        self.talks_before = talks_now
        since = self.elapsed - self.first["talks"]
        self.talks_broken |= hostile_month & (self.first["talks"] >= 0) & (since > 0) & (since <= TALKS_HOLD_MONTHS)

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
        for name, _, _ in THRESHOLDS:
            out[f"months_to_{name}"], out[f"restored_{name}"] = self._first(name)
        out["months_to_posts"], out["posts_restored"] = self._first("posts")
        out["months_to_properties"], out["properties_restored"] = self._first("properties")
        talks = self.first["talks"]
        out["months_to_talks"] = np.where(talks >= 0, talks, np.nan)
        held = (talks >= 0) & ~self.talks_broken & (self.elapsed - talks >= TALKS_HOLD_MONTHS)
        out["talks_hold"] = held.astype(np.int64)
        return out

    def _first(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        first = self.first[name]
        return np.where(first >= 0, first, np.nan), (first >= 0).astype(np.int64)


def simulate_outcomes(
    scenario: Scenario, plan: Plan, keys: np.ndarray, behaviours: Sequence[tuple[Behaviour, Behaviour]] | None = None
) -> dict[str, np.ndarray]:
    """Run the runs of one design point and return each outcome as an array over the runs.
    `behaviours`: each run's own (posterior draws), simulated in batches by pair of families."""
    if behaviours is None:
        dynamics = Dynamics(scenario, plan, keys, log_events=False)
        outcomes = Outcomes()
        dynamics.run((outcomes,))
        return outcomes.results(dynamics, scenario.codes)
    keys = np.asarray(keys, dtype=np.uint64)
    out: dict[str, np.ndarray] = {}
    for rows in groups(behaviours):
        group = replace(plan, behaviours=behaviours[rows[0]])
        dynamics = Dynamics(scenario, group, keys[rows], log_events=False, behaviours=[behaviours[i] for i in rows])
        outcomes = Outcomes()
        dynamics.run((outcomes,))
        part = outcomes.results(dynamics, scenario.codes)
        for name, values in part.items():
            if name not in out:
                out[name] = np.empty(len(keys), dtype=values.dtype)
            out[name][rows] = values
    return out
