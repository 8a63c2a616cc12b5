"""Calibrating the states' behaviour to the record: which policies and parameters, with only the
shocks forced, make the simulated states take the measures the real ones took, when they took
them, and leave the missions at the sizes observed.

The loss of a candidate (lower is better) is the sum of three parts, each averaged over the
replicates, which share their seeds across candidates (common random numbers):

- staff: over the scenario's observations in the fitting window, the mean of
  weight x (log(1 + simulated) - log(1 + observed))^2, where the weight is 1 for a confirmed
  count, 0.5 for one source and 0.25 for an uncertain one, and an `upper` (`lower`) bound only
  counts when the simulation is above (below) it;
- measures: 1 - F1 of the simulated hostile policy measures against the record's hostile
  measures (same actor and kind, months within `tolerance`, matched one to one);
- holdings: the mean over months and sides of |simulated - replayed| posts open plus properties
  lost, divided by the mission's posts plus properties, where "replayed" is the record's replay.

The search screens every pair of policy families with a Latin hypercube over their continuous
parameters (each side's perception error, response delay and policy parameters), then refines
the best pairs with `scipy.optimize.differential_evolution`, seeded, so the same command gives
the same fit.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.observers import Figures, KindCounts
from sim.engines.plan import Mode, Plan, replay_plan
from sim.rules.behaviour import Behaviour, delay_weights
from sim.rules.calendar import Window
from sim.rules.libm import log1p_of
from sim.rules.measures import CATALOGUE, Measure, MeasureKind, Role
from sim.rules.policies import REGISTRY
from sim.rules.rng import run_keys
from sim.rules.scenario import OBSERVED_COLUMNS, Scenario

CONFIDENCE_WEIGHT = {"confirmed": 1.0, "one source": 0.5, "uncertain": 0.25}
PERCEPTION_RANGE = (0.0, 0.3)
DELAY_RANGE = (0.0, 6.0)
POPSIZE = 5  # differential evolution: population per parameter


@dataclass
class Targets:
    """What the record says: observations, hostile measures by actor/kind/month, and the replay's
    posts open and properties lost per month."""

    scenario: Scenario
    observations: list = field(default_factory=list)
    measures: list[tuple[int, int, int]] = field(default_factory=list)  # (actor, kind, month)
    holdings: np.ndarray | None = None  # [months, 2]: posts_open + properties_lost
    capacity: np.ndarray | None = None  # [2]: posts + properties of each mission

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Targets:
        measures = [
            (e.actor, int(e.kind), e.month)
            for e in scenario.events
            if isinstance(e, Measure) and CATALOGUE[e.kind].role is Role.HOST and CATALOGUE[e.kind].severity < 0
        ]
        replay = Figures(("posts_open", "properties_lost"))
        Dynamics(scenario, replay_plan(scenario), run_keys(scenario.seed, 1), log_events=False).run((replay,))
        # counts of posts and properties are kept in as few bits as hold each: add them as floats
        holdings = replay.values["posts_open"][:, 0, :].astype(float) + replay.values["properties_lost"][:, 0, :]
        capacity = np.array([len(m.posts) + len(m.properties) for m in scenario.missions], dtype=float)
        return cls(scenario, list(scenario.observations), measures, holdings, capacity)


@dataclass(frozen=True)
class Candidate:
    policies: tuple[str, str]  # policy family names
    values: tuple[float, ...]  # perception US, RU, delay US, RU, then each policy's parameters in order

    def behaviours(self, base: tuple[Behaviour, Behaviour]) -> tuple[Behaviour, Behaviour]:
        out = []
        cursor = 4
        for side in (0, 1):
            cls = REGISTRY[self.policies[side]]
            params = []
            for p in cls.parameters:
                value = self.values[cursor]
                cursor += 1
                params.append(f"{p.name}={int(round(value)) if p.integer else round(value, 4):g}")
            spec = self.policies[side] + (":" + ",".join(params) if params else "")
            out.append(
                Behaviour(
                    **{
                        **vars(base[side]),
                        "policy": spec,
                        "perception_error": round(self.values[side], 4),
                        "delay_weights": tuple(delay_weights(self.values[2 + side])),
                    }
                )
            )
        return out[0], out[1]


def bounds_for(policies: tuple[str, str]) -> list[tuple[float, float]]:
    bounds = [PERCEPTION_RANGE, PERCEPTION_RANGE, DELAY_RANGE, DELAY_RANGE]
    for name in policies:
        bounds += [(p.low, p.high) for p in REGISTRY[name].parameters]
    return bounds


def simulate_record(scenario: Scenario, plan: Plan, keys: np.ndarray):
    """Per-month figures and per-month counts of policy measures by side and kind, for scoring."""
    dynamics = Dynamics(scenario, plan, keys, log_events=False)
    # every figure an observation reads
    columns = (*OBSERVED_COLUMNS, *scenario.counted_figures, *scenario.within_figures)
    figures, counts = Figures(columns, dtype=np.float64), KindCounts()
    dynamics.run((figures, counts))
    return figures.values, counts.counts


def score(
    targets: Targets, plan: Plan, figures: dict, acts: np.ndarray, window: Window, tolerance: int = 3
) -> dict[str, float]:
    """The loss and its parts for one candidate's replicates, over the months in `window`."""
    start = plan.start
    runs = acts.shape[1]
    staff_terms = []
    for obs in targets.observations:
        if not window.holds(obs.month):
            continue
        simulated = figures[obs.figure][obs.month - start, :, obs.side]
        gap = log1p_of(simulated) - log1p_of(obs.value)
        if obs.bound == "upper":
            gap = np.maximum(gap, 0.0)
        elif obs.bound == "lower":
            gap = np.minimum(gap, 0.0)
        staff_terms.append(CONFIDENCE_WEIGHT[obs.confidence] * gap**2)
    staff = float(np.mean(staff_terms)) if staff_terms else 0.0

    hostile = np.array([CATALOGUE[k].severity < 0 for k in MeasureKind])
    months = np.array([m for m in plan.months])
    inside = np.array([window.holds(m) for m in months])
    recorded = [m for m in targets.measures if window.holds(m[2])]
    matched = np.zeros(runs)
    available = acts.astype(np.int64).copy()
    available[~inside] = 0  # only simulated acts inside the window can match (precision stays <= 1)
    for actor, kind, month in recorded:
        lo = max(month - tolerance - start, 0)
        hi = min(month + tolerance - start, len(months) - 1)
        block = available[lo : hi + 1, :, actor, kind]  # [window, runs]
        has = block.sum(axis=0) > 0
        first = np.argmax(block > 0, axis=0)
        rows = np.flatnonzero(has)
        available[lo + first[rows], rows, actor, kind] -= 1
        matched += has
    simulated = (acts[inside][:, :, :, hostile]).sum(axis=(0, 2, 3)).astype(float)
    recall = matched / max(len(recorded), 1)
    precision = np.where(simulated > 0, matched / np.maximum(simulated, 1), 1.0 if not recorded else 0.0)
    f1 = np.where(recall + precision > 0, 2 * recall * precision / np.maximum(recall + precision, 1e-12), 0.0)
    measures = float(np.mean(1.0 - f1)) if recorded else 0.0

    held = figures["posts_open"] + figures["properties_lost"]  # [months, runs, 2]
    gap = np.abs(held[inside] - targets.holdings[inside][:, None, :]) / targets.capacity[None, None, :]
    holdings = float(gap.mean()) if inside.any() else 0.0
    return {
        "loss": staff + measures + holdings,
        "staff": staff,
        "measures": measures,
        "holdings": holdings,
        "matched_share": float(matched.mean() / max(len(recorded), 1)),
        "recorded": len(recorded),
    }


@dataclass
class Evaluator:
    """Scores candidates on a fixed set of replicates (common random numbers)."""

    scenario: Scenario
    targets: Targets
    keys: np.ndarray
    window: Window
    tolerance: int = 3

    def plan(self, candidate: Candidate) -> Plan:
        scenario = self.scenario
        return Plan(
            Mode.BEHAVIOURAL, scenario.start, scenario.end, scenario.start, candidate.behaviours(scenario.behaviours)
        )

    def run(self, candidate: Candidate, window: Window | None = None) -> dict[str, float]:
        plan = self.plan(candidate)
        figures, acts = simulate_record(self.scenario, plan, self.keys)
        return score(self.targets, plan, figures, acts, window or self.window, self.tolerance)

    def loss(self, policies: tuple[str, str], values: np.ndarray) -> float:
        return self.run(Candidate(policies, tuple(float(v) for v in values)))["loss"]


def _lhs(bounds: list[tuple[float, float]], samples: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(bounds), seed=np.random.default_rng(seed)).random(samples)
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    return low + unit * (high - low)


def calibrate(
    evaluator: Evaluator,
    families: list[str],
    *,
    screen: int = 8,
    refine: int = 3,
    maxiter: int = 6,
    popsize: int = POPSIZE,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    progress=None,
) -> tuple[Candidate, list[dict]]:
    """Screen every pair of families, refine the best `refine` pairs. Returns the best candidate
    and the ranking of pairs (best loss found for each), best first. The work goes to the same
    executors as sweeps: this process, a local pool of `workers`, or a Dask `scheduler`."""
    from scipy.optimize import differential_evolution

    from sim.experiments.executors import make_executor

    executor = make_executor(workers, scheduler)
    try:
        pairs = list(itertools.product(families, families))
        tasks = [(evaluator, pair, screen, seed + i) for i, pair in enumerate(pairs)]
        ranking = []
        for result in executor.map(tasks, _screen_pair):
            ranking.append(result)
            if progress:
                progress(len(ranking), len(tasks))
        # results arrive as they finish; order them so ties break the same way every time
        ranking.sort(key=lambda r: (r["loss"], pairs.index(r["policies"])))
        for entry in ranking[:refine]:
            pair = entry["policies"]
            result = differential_evolution(
                _Objective(evaluator, pair),
                bounds_for(pair),
                maxiter=maxiter,
                popsize=popsize,
                seed=seed,
                polish=False,
                init="latinhypercube",
                x0=entry["values"],
                # deferred updating through the executor: the same generations whatever runs them
                workers=executor.ordered,
                updating="deferred",
            )
            if result.fun < entry["loss"]:
                entry["loss"], entry["values"] = float(result.fun), result.x
        ranking.sort(key=lambda r: (r["loss"], pairs.index(r["policies"])))
    except BaseException:
        executor.close(abort=True)
        raise
    executor.close()
    top = ranking[0]
    return Candidate(top["policies"], tuple(float(v) for v in top["values"])), ranking


@dataclass
class _Objective:
    """A picklable loss function of the continuous parameters, for parallel evolution."""

    evaluator: Evaluator
    policies: tuple[str, str]

    def __call__(self, values: np.ndarray) -> float:
        return self.evaluator.loss(self.policies, values)


def _screen_pair(evaluator: Evaluator, pair: tuple[str, str], screen: int, seed: int) -> dict:
    """The best of `screen` Latin-hypercube points for one pair of families."""
    best = (math.inf, None)
    for values in _lhs(bounds_for(pair), screen, seed):
        loss = evaluator.loss(pair, values)
        if loss < best[0]:
            best = (loss, values)
    return {"policies": pair, "loss": best[0], "values": best[1]}
