"""Null models: what a behavioural model must beat, with no simulation.

Each null produces acts per run in the same form as a simulation (`sim.experiments.acts`), from
what the record shows in its training window:

- `base_rate`: each month, each side acts with probability equal to its monthly rate of acts in
  the training window (acts / months; an act is a month's package, so the rate is at most 1);
  the act's kind group is drawn from the training window's kind-group frequencies, pooled over
  both sides, each recorded act counting once (a package spreads its one count evenly over its
  distinct groups).
- `expel_only`: the same months as `base_rate` for the same seed (the same uniforms decide),
  always `expel`.
- `answer_once`: each recorded hostile act of one side is answered once, in kind (one part per
  distinct group of the act), by the other side one month later; each recorded shock attributed
  to one side is answered once by the other one month later, with a group drawn from the training
  frequencies (a shock has no kind). Answers falling in the same month for a side form one act.

Run i of a null draws from `numpy.random.SeedSequence(seed, spawn_key=(i,))`, so a run is the same
whatever the number of runs drawn with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.experiments.acts import HOSTILE_GROUPS, Act, part, recorded_acts, recorded_shocks
from sim.experiments.scoring import Simulation
from sim.rules.calendar import Window
from sim.rules.groups import KindGroup
from sim.rules.measures import Shock
from sim.rules.scenario import Scenario

NULLS = ("base_rate", "expel_only", "answer_once")
ANSWER_DELAY = 1  # months


@dataclass(frozen=True)
class RecordRates:
    """What the nulls take from the record's training window."""

    rate: tuple[float, float]  # acts per month, per side
    frequencies: tuple[float, ...]  # share of acts per kind group, in HOSTILE_GROUPS order

    def __post_init__(self) -> None:
        if not all(0.0 <= r <= 1.0 for r in self.rate):
            raise ValueError(f"monthly rates must lie in 0..1, got {self.rate}")
        if len(self.frequencies) != len(HOSTILE_GROUPS) or not np.isclose(sum(self.frequencies), 1.0):
            raise ValueError(f"one frequency per hostile group ({len(HOSTILE_GROUPS)}), summing to 1")


def record_rates(recorded: Sequence[Act], training: Window) -> RecordRates:
    """Monthly rates per side and kind-group frequencies of the acts inside `training` (uniform
    frequencies when it has no act)."""
    inside = [a for a in recorded if training.holds(a.month)]
    months = training.months
    rate = tuple(sum(a.actor == side for a in inside) / months for side in (0, 1))
    counts = np.zeros(len(HOSTILE_GROUPS))
    for a in inside:
        groups = a.groups
        for group in groups:
            counts[HOSTILE_GROUPS.index(group)] += 1.0 / len(groups)
    frequencies = counts / counts.sum() if counts.sum() > 0 else np.full(len(HOSTILE_GROUPS), 1 / len(HOSTILE_GROUPS))
    return RecordRates((rate[0], rate[1]), tuple(float(f) for f in frequencies))


def _generator(seed: int, run: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(run,)))


def _at_rate(rates: RecordRates, months: range, runs: int, seed: int, group: KindGroup | None) -> list[list[Act]]:
    out = []
    for run in range(runs):
        rng = _generator(seed, run)
        acting = rng.random((len(months), 2)) < np.array(rates.rate)
        drawn = rng.choice(len(HOSTILE_GROUPS), size=(len(months), 2), p=rates.frequencies)
        out.append(
            [
                Act(side, months[t], (part(HOSTILE_GROUPS[drawn[t, side]] if group is None else group),))
                for t, side in zip(*np.nonzero(acting), strict=True)
            ]
        )
    return out


def base_rate(rates: RecordRates, months: range, runs: int, seed: int) -> list[list[Act]]:
    return _at_rate(rates, months, runs, seed, None)


def expel_only(rates: RecordRates, months: range, runs: int, seed: int) -> list[list[Act]]:
    return _at_rate(rates, months, runs, seed, KindGroup.EXPEL)


def answer_once(
    recorded: Sequence[Act], shocks: Sequence[Shock], rates: RecordRates, months: range, runs: int, seed: int
) -> list[list[Act]]:
    out = []
    for run in range(runs):
        drawn = _generator(seed, run).choice(len(HOSTILE_GROUPS), size=len(shocks), p=rates.frequencies)
        answers: dict[tuple[int, int], list[KindGroup]] = {}
        provocations = [(a.month, a.actor, sorted(a.groups, key=HOSTILE_GROUPS.index)) for a in recorded]
        provocations += [(s.month, s.actor, [HOSTILE_GROUPS[g]]) for s, g in zip(shocks, drawn, strict=True)]
        for month, actor, groups in provocations:
            if month + ANSWER_DELAY in months:
                answer = answers.setdefault((month + ANSWER_DELAY, 1 - actor), [])
                answer += [g for g in groups if g not in answer]
        out.append(
            [Act(side, month, tuple(part(g) for g in groups)) for (month, side), groups in sorted(answers.items())]
        )
    return out


def null_simulation(name: str, scenario: Scenario, training: Window, runs: int, seed: int) -> Simulation:
    """A null's acts over the scenario's months (a null has no staff figures)."""
    recorded = recorded_acts(scenario)
    rates = record_rates(recorded, training)
    if name == "base_rate":
        acts = base_rate(rates, scenario.months, runs, seed)
    elif name == "expel_only":
        acts = expel_only(rates, scenario.months, runs, seed)
    elif name == "answer_once":
        acts = answer_once(recorded, recorded_shocks(scenario), rates, scenario.months, runs, seed)
    else:
        raise ValueError(f"unknown null model '{name}' (allowed: {', '.join(NULLS)})")
    return Simulation(acts)
