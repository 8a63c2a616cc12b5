"""Summary statistics of a record and the weights of the distance between two of them.

Only the training window (the scenario's start to `train_until`) is summarised: the simulation
stops there, and nothing after it is read from the record. Acts are those of
`sim.experiments.acts` (a side's hostile measures against the other's mission in one month are
one act). Four blocks of statistics, each a mean over a particle's replicates:

- `acts.<side>.<group>`: the side's acts that include a measure of the kind group (which
  instruments it used, a package counting once for each group it holds);
- `timing.<side>.<YYYY-MM>`: the side's acts in the half-year starting that month (when it acted);
- `staff.<side>.<column>.<YYYY-MM>`: one per observation of the scenario in the window. An `equal`
  observation gives log(1 + simulated), to compare with log(1 + observed); an `upper` bound gives
  how far log(1 + simulated) lies above log(1 + bound) (0 inside it), to compare with 0; a `lower`
  bound how far below;
- `posts_open.<side>.<YYYY-MM>`, `properties_lost.<side>.<YYYY-MM>`: the mission's open posts
  and lost properties at the end of each year of the window and at its last month, compared with
  the record's replay.

Fixed weights make each block count alike whatever its size: a statistic's weight is
1/sqrt(statistics in its block), times the observation's confidence weight (1 confirmed, 0.5 one
source, 0.25 uncertain) for staff. The distance multiplies these by adaptive scales (docs/inference.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engines.drivers import simulate_batch
from sim.experiments.acts import HOSTILE_GROUPS, Act, recorded_acts
from sim.experiments.choices import make_plan
from sim.rules.calendar import Window, date_label, month_label
from sim.rules.libm import log1p_of
from sim.rules.measures import CATALOGUE, HOSTILE_KINDS, MeasureKind
from sim.rules.rng import run_keys
from sim.rules.scenario import Observation, Scenario

HALF_YEAR = 6
BLOCKS = ("acts", "timing", "staff", "holdings")
HOLDINGS = ("posts_open", "properties_lost")

# group_of_kind[kind, group]: whether a hostile kind belongs to the group (kinds that are not hostile
# host measures belong to none)
GROUP_OF_KIND = np.zeros((len(MeasureKind), len(HOSTILE_GROUPS)), dtype=bool)
for _kind in HOSTILE_KINDS:
    GROUP_OF_KIND[int(_kind), HOSTILE_GROUPS.index(CATALOGUE[_kind].group)] = True


def groups_from_counts(counts: np.ndarray) -> np.ndarray:
    """Per month, run and side, the kind groups of the side's act: bool[months, runs, 2, groups],
    from per-month counts of measures by kind (`counts[months, runs, 2, kinds]`)."""
    return (np.asarray(counts, dtype=np.int64) @ GROUP_OF_KIND.astype(np.int64)) > 0


def groups_from_acts(acts: list[Act], window: Window) -> np.ndarray:
    """The same for a list of acts (one run), over the months of `window`."""
    out = np.zeros((window.last - window.first + 1, 1, 2, len(HOSTILE_GROUPS)), dtype=bool)
    for act in acts:
        if window.holds(act.month):
            for group in act.groups:
                out[act.month - window.first, 0, act.actor, HOSTILE_GROUPS.index(group)] = True
    return out


def _holdings_months(window: Window) -> list[int]:
    months = [m for m in range(window.first, window.last + 1) if m % 12 == 11 and window.holds(m)]
    if window.holds(window.last) and (not months or months[-1] != window.last):
        months.append(window.last)
    return months


@dataclass(frozen=True)
class Record:
    """The record's summary statistics in the training window, and how to summarise a simulation
    the same way."""

    codes: tuple[str, str]
    window: Window
    observations: tuple[Observation, ...]
    holdings_months: tuple[int, ...]
    observed: dict[str, float]

    @classmethod
    def from_scenario(cls, scenario: Scenario, train_last: int, gap: tuple[int, int] | None = None) -> Record:
        """The record's statistics from the scenario's start to `train_last`, less the months of
        `gap` (first, last), whose acts, observations and holdings are not read."""
        window = Window(scenario.start, train_last, gap)
        kept = tuple(o for o in scenario.observations if window.holds(o.month))
        replay = simulate_batch(
            scenario,
            make_plan(scenario, "replay", until=month_label(train_last)),
            run_keys(scenario.seed, 1),
            log_events=False,
            columns=HOLDINGS,
        )
        figures = {name: replay.figures[name].astype(float) for name in HOLDINGS}
        record = cls(scenario.codes, window, kept, tuple(_holdings_months(window)), {})
        groups = groups_from_acts(recorded_acts(scenario), window)
        observed = record._acts(groups) | record._holdings(figures, window.first)
        for i, obs in enumerate(kept):
            observed[record._staff_name(i)] = log1p_of(float(obs.value)) if obs.bound == "equal" else 0.0
        return cls(scenario.codes, window, kept, record.holdings_months, observed)

    @property
    def names(self) -> list[str]:
        return list(self.observed)

    def _staff_name(self, i: int) -> str:
        obs = self.observations[i]
        name = f"staff.{self.codes[obs.side]}.{obs.column}.{date_label(obs.month, obs.day)}"
        same = (obs.side, obs.column, obs.month, obs.day)
        earlier = sum((o.side, o.column, o.month, o.day) == same for o in self.observations[:i])
        return name if not earlier else f"{name}.{earlier + 1}"

    def _acts(self, groups: np.ndarray) -> dict[str, float]:
        """Acts by group and by half-year, averaged over runs, from bool[months, runs, 2, groups]."""
        months = self.window.last - self.window.first + 1
        groups = groups[:months]
        if self.window.gap is not None:  # a left-out episode's months count for nothing
            held = np.array([self.window.holds(self.window.first + t) for t in range(months)])
            groups = groups & held[:, None, None, None]
        out: dict[str, float] = {}
        by_group = groups.sum(axis=0).mean(axis=0)  # [2, groups]
        for side, code in enumerate(self.codes):
            for g, group in enumerate(HOSTILE_GROUPS):
                out[f"acts.{code}.{group.value}"] = float(by_group[side, g])
        acted = groups.any(axis=3)  # [months, runs, 2]
        for side, code in enumerate(self.codes):
            for first in range(0, months, HALF_YEAR):
                if not any(
                    self.window.holds(self.window.first + t) for t in range(first, min(first + HALF_YEAR, months))
                ):
                    continue
                label = month_label(self.window.first + first)
                out[f"timing.{code}.{label}"] = float(acted[first : first + HALF_YEAR, :, side].sum(axis=0).mean())
        return out

    def _holdings(self, figures: dict[str, np.ndarray], start: int) -> dict[str, float]:
        out = {}
        for name in HOLDINGS:
            for side, code in enumerate(self.codes):
                for month in self.holdings_months:
                    out[f"{name}.{code}.{month_label(month)}"] = float(figures[name][month - start, :, side].mean())
        return out

    def _staff(self, figures: dict[str, np.ndarray], start: int) -> dict[str, float]:
        out = {}
        for i, obs in enumerate(self.observations):
            simulated = log1p_of(np.asarray(figures[obs.figure][obs.month - start, :, obs.side], dtype=float))
            if obs.bound == "equal":
                value = simulated
            elif obs.bound == "upper":
                value = np.maximum(simulated - log1p_of(obs.value), 0.0)
            else:
                value = np.minimum(simulated - log1p_of(obs.value), 0.0)
            out[self._staff_name(i)] = float(np.mean(value))
        return out

    def summaries(self, figures: dict[str, np.ndarray], counts: np.ndarray, start: int) -> dict[str, float]:
        """The statistics of simulated runs (per-month figures and kind counts from `start`), in
        the order of `names`."""
        found = self._acts(groups_from_counts(counts)) | self._holdings(figures, start) | self._staff(figures, start)
        return {name: found[name] for name in self.observed}

    def fixed_weights(self) -> dict[str, float]:
        """Each block weighs alike: 1/sqrt(its size); staff observations also by confidence."""
        from sim.experiments.calibration import CONFIDENCE_WEIGHT  # a short chain of module imports

        block = {name: ("holdings" if name.split(".")[0] in HOLDINGS else name.split(".")[0]) for name in self.observed}
        sizes = {b: sum(v == b for v in block.values()) for b in BLOCKS}
        weights = {name: 1.0 / np.sqrt(sizes[block[name]]) for name in self.observed}
        for i, obs in enumerate(self.observations):
            weights[self._staff_name(i)] *= CONFIDENCE_WEIGHT[obs.confidence]
        return weights
