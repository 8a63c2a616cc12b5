"""Rows of validation.csv: each model's scores on a fold, beside the nulls and the mirror/mirror
baseline (both sides playing `mirror`, simulated here).

A fold trains up to `train_until` (from the scenario's start) and is scored on
`test_from`..`test_until`. One row per model, tolerance and metric; staff metrics do not depend
on a tolerance and have an empty `tolerance_months`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.engines.drivers import simulate_batch
from sim.experiments.acts import acts_from_events, recorded_acts
from sim.experiments.choices import make_plan
from sim.experiments.nulls import NULLS, null_simulation
from sim.experiments.scoring import BLOCK_MONTHS, TOLERANCES, Score, Simulation, score
from sim.rules.calendar import Window, month_label, parse_date
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario

VALIDATION_FILE = "validation.csv"
VALIDATION_COLUMNS = (
    "fold",
    "train_until",
    "test_from",
    "test_until",
    "model",
    "tolerance_months",
    "metric",
    "value",
    "low",
    "high",
)
SCORE_COLUMNS = VALIDATION_COLUMNS[4:]
MIRROR_MIRROR = "mirror_mirror"
BASELINES = (*NULLS, MIRROR_MIRROR)


@dataclass(frozen=True)
class Fold:
    """A training period ending at `train_until` and a test period; months as indices."""

    name: str
    train_until: int
    test_from: int
    test_until: int

    @classmethod
    def of(cls, name: str, train_until: str, test_from: str, test_until: str) -> Fold:
        """A fold from `YYYY-MM` labels."""
        train, first, last = (parse_date(label)[0] for label in (train_until, test_from, test_until))
        if not train < first <= last:
            raise ValueError(f"fold '{name}': needs train_until < test_from <= test_until")
        return cls(name, train, first, last)

    def training(self, scenario: Scenario) -> Window:
        return Window(scenario.start, self.train_until)

    @property
    def test(self) -> Window:
        return Window(self.test_from, self.test_until)


def mirror_mirror(scenario: Scenario, runs: int, seed: int) -> Simulation:
    """Both sides playing `mirror` in behavioural mode (only the record's shocks forced), with the
    scenario's other behaviour settings, through the batch driver: acts and staff figures."""
    plan = make_plan(scenario, "behavioural", policies={code: "mirror" for code in scenario.codes})
    ensemble = simulate_batch(scenario, plan, run_keys(seed, runs))
    return Simulation(acts_from_events(ensemble.events), ensemble.figures, plan.start)


def score_rows(model: str, scores: Sequence[Score]) -> list[dict[str, object]]:
    """Rows with the columns `model, tolerance_months, metric, value, low, high`."""
    return [
        {
            "model": model,
            "tolerance_months": "" if s.tolerance_months is None else s.tolerance_months,
            "metric": s.metric,
            "value": s.value,
            "low": s.low,
            "high": s.high,
        }
        for s in scores
    ]


def validation_rows(fold: Fold, model: str, scores: Sequence[Score]) -> list[dict[str, object]]:
    """Rows with every column of validation.csv (`VALIDATION_COLUMNS`)."""
    head = {
        "fold": fold.name,
        "train_until": month_label(fold.train_until),
        "test_from": month_label(fold.test_from),
        "test_until": month_label(fold.test_until),
    }
    return [{**head, **row} for row in score_rows(model, scores)]


def baseline_rows(
    scenario: Scenario,
    fold: Fold,
    runs: int,
    seed: int,
    *,
    models: Sequence[str] = BASELINES,
    tolerances: Sequence[int] = TOLERANCES,
    method: str = "runs",
    resamples: int = 1000,
    level: float = 0.95,
    block_months: int = BLOCK_MONTHS,
) -> list[dict[str, object]]:
    """validation.csv rows of the nulls and mirror/mirror on one fold, `runs` runs each."""
    recorded = recorded_acts(scenario)
    rows = []
    for model in models:
        if model == MIRROR_MIRROR:
            simulation = mirror_mirror(scenario, runs, seed)
        else:
            simulation = null_simulation(model, scenario, fold.training(scenario), runs, seed)
        scores = score(
            recorded,
            simulation,
            fold.test,
            scenario.observations,
            tolerances=tolerances,
            method=method,
            resamples=resamples,
            level=level,
            seed=seed,
            block_months=block_months,
        )
        rows += validation_rows(fold, model, scores)
    return rows
