"""Out-of-sample scores of a fit: its posterior predictive ensemble against the record of the
months after the training window, beside the nulls and mirror/mirror (docs/validation.md).

The ensemble is the one predictive.csv summarises (`inference_predictive.predictive_draws`):
each draw a particle of the last generation chosen by weight, simulated over the whole scenario
in behavioural mode. Its acts and staff figures in the test months are scored with the project's
scorer (`sim.experiments.scoring.score`), and the nulls, fitted to the training months only, are
scored on the same months with as many runs. A fit that trains to the scenario's last month has
no test months and no validation.csv.
"""

from __future__ import annotations

from sim.experiments.acts import acts_from_counts, recorded_acts
from sim.experiments.inference_predictive import Draws
from sim.experiments.scoring import Simulation, score
from sim.experiments.validation import Fold, baseline_rows, validation_rows
from sim.rules.calendar import month_label
from sim.rules.scenario import Scenario

RESAMPLES = 1000


def test_fold(
    scenario: Scenario, train_last: int, test_until: int | None = None, name: str | None = None
) -> Fold | None:
    """The fold a fit trained to `train_last` is scored on: the months after it, to `test_until`
    (default: the scenario's end); None when there are none."""
    last = scenario.end if test_until is None else test_until
    if train_last >= last:
        return None
    return Fold(name or f"to {month_label(train_last)}", train_last, train_last + 1, last)


def fit_validation_rows(scenario: Scenario, fold: Fold, draws: Draws, seed: int, resamples: int = RESAMPLES):
    """validation.csv rows: the posterior predictive ensemble (`fitted`), the nulls and mirror/mirror."""
    simulation = Simulation(acts_from_counts(draws.counts, draws.start), draws.figures, draws.start)
    scores = score(
        recorded_acts(scenario), simulation, fold.test, scenario.observations, resamples=resamples, seed=seed
    )
    return validation_rows(fold, "fitted", scores) + baseline_rows(
        scenario, fold, draws.size, seed, resamples=resamples
    )
