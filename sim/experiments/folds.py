"""Out-of-sample validation of fitted behaviour: rolling-origin and leave-one-episode-out folds.

For each fold the behaviour is fitted on the fold's training months only (the calibration's
search, `sim.experiments.calibration.calibrate`, scoring only those months; with
`instruments=True` each side's instruments are estimated from its training-window measures
too), the fitted pair is simulated in behavioural mode, and its acts and staff figures are scored
on the fold's test months beside the nulls and the mirror/mirror baseline
(`sim.experiments.validation`). Nothing from a fold's test months enters its fit.

- Rolling origin: fit up to each origin and score the months up to the next origin (the last
  origin: up to the scenario's end). The default origins are 2017-06, 2017-12, 2018-06, 2019-12
  and 2021-06.
- Leave one episode out: fit on every month but the episode's and score the episode. The
  default episodes are 2016, 2017, 2018, 2020-21 and 2022.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sim.engines.drivers import simulate_batch
from sim.engines.plan import Mode, Plan
from sim.experiments.acts import acts_from_events, recorded_acts
from sim.experiments.calibration import Candidate, Evaluator, Targets, calibrate
from sim.experiments.choices import PlanError
from sim.experiments.scoring import Simulation, score
from sim.experiments.validation import Fold, baseline_rows, validation_rows
from sim.rules.calendar import Window, month_label, parse_date
from sim.rules.instruments import estimate
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario

ROLLING_ORIGINS = ("2017-06", "2017-12", "2018-06", "2019-12", "2021-06")
EPISODES = (
    ("2016", "2016-01", "2016-12"),
    ("2017", "2017-01", "2017-12"),
    ("2018", "2018-01", "2018-12"),
    ("2020-21", "2020-01", "2021-12"),
    ("2022", "2022-01", "2022-12"),
)


@dataclass(frozen=True)
class EpisodeFold(Fold):
    """A fold that trains on every month of the scenario but its test months."""

    def training(self, scenario: Scenario) -> Window:
        return Window(scenario.start, scenario.end, gap=(self.test_from, self.test_until))


def _month(label: str) -> int:
    try:
        return parse_date(label)[0]
    except ValueError as exc:
        raise PlanError(f"--folds: {exc}") from None


def rolling_folds(scenario: Scenario, origins: Sequence[str] = ROLLING_ORIGINS) -> list[Fold]:
    """One fold per origin inside the scenario: train to the origin, test to the next one."""
    months = sorted(m for m in (_month(o) for o in origins) if scenario.start < m < scenario.end)
    if not months:
        raise PlanError(f"--folds: no origin falls inside the scenario (origins: {', '.join(origins)})")
    ends = [*(m for m in months[1:]), scenario.end]
    return [Fold(f"to {month_label(m)}", m, m + 1, end) for m, end in zip(months, ends, strict=True)]


def episode_folds(scenario: Scenario, episodes: Sequence[tuple[str, str, str]] = EPISODES) -> list[Fold]:
    """One fold per episode inside the scenario: train on the rest, test on the episode."""
    folds = []
    for name, first, last in episodes:
        start, end = _month(first), _month(last)
        if scenario.start <= start and end <= scenario.end:
            folds.append(EpisodeFold(f"without {name}", scenario.end, start, end))
    if not folds:
        raise PlanError("--folds: no episode falls inside the scenario")
    return folds


def with_training_instruments(scenario: Scenario, training: Window) -> Scenario:
    """The scenario with each side's instruments estimated from its training-window measures."""
    behaviours = tuple(
        replace(b, instruments=estimate(scenario.events, side, training.last, within=training.holds).spec())
        for side, b in enumerate(scenario.behaviours)
    )
    return replace(scenario, behaviours=behaviours)


@dataclass(frozen=True)
class FitSettings:
    """How each fold's behaviour is fitted (the calibration's search) and how much it is run."""

    families: Sequence[str]
    replicates: int = 8
    screen: int = 8
    refine: int = 3
    maxiter: int = 6
    instruments: bool = True
    tolerance: int = 3
    workers: int = 1
    scheduler: str | None = None


def fit_fold(scenario: Scenario, fold: Fold, settings: FitSettings, seed: int) -> tuple[Scenario, Candidate]:
    """The fold's fitted pair (and the scenario it was fitted on: with training instruments)."""
    training = fold.training(scenario)
    if settings.instruments:
        scenario = with_training_instruments(scenario, training)
    evaluator = Evaluator(
        scenario, Targets.from_scenario(scenario), run_keys(seed, settings.replicates), training, settings.tolerance
    )
    fitted, _ = calibrate(
        evaluator,
        list(settings.families),
        screen=settings.screen,
        refine=settings.refine,
        maxiter=settings.maxiter,
        seed=seed,
        workers=settings.workers,
        scheduler=settings.scheduler,
    )
    return scenario, fitted


def fitted_simulation(scenario: Scenario, candidate: Candidate, runs: int, seed: int) -> Simulation:
    """The fitted pair's runs over the whole record, behavioural mode (only shocks forced)."""
    behaviours = candidate.behaviours(scenario.behaviours)
    plan = Plan(Mode.BEHAVIOURAL, scenario.start, scenario.end, scenario.start, behaviours)
    ensemble = simulate_batch(scenario, plan, run_keys(seed, runs))
    return Simulation(acts_from_events(ensemble.events), ensemble.figures, plan.start)


def fold_rows(
    scenario: Scenario,
    folds: Sequence[Fold],
    settings: FitSettings,
    runs: int,
    seed: int,
    resamples: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """validation.csv rows of every fold (fitted, nulls, mirror/mirror) and, per fold and side,
    the fitted policy and instruments."""
    recorded = recorded_acts(scenario)
    rows, fits = [], []
    for i, fold in enumerate(folds):
        fitted_on, candidate = fit_fold(scenario, fold, settings, seed)
        simulation = fitted_simulation(fitted_on, candidate, runs, seed)
        scores = score(recorded, simulation, fold.test, scenario.observations, resamples=resamples, seed=seed)
        rows += validation_rows(fold, "fitted", scores)
        rows += baseline_rows(scenario, fold, runs, seed, resamples=resamples)
        behaviours = candidate.behaviours(fitted_on.behaviours)
        fits += [
            {"fold": fold.name, "side": code, "policy": b.policy, "instruments": b.instruments}
            for code, b in zip(scenario.codes, behaviours, strict=True)
        ]
        if progress:
            progress(i + 1, len(folds))
    return rows, fits
