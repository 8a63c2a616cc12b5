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
KINDS_FILE = "kinds.csv"
KINDS_COLUMNS = ("kind", "recorded", "recorded_training", "share_of_draws")


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


def kinds_rows(scenario: Scenario, train_last: int, draws: Draws) -> list[dict]:
    """kinds.csv: per hostile kind of measure, how often the record used it (in all and in the
    training window) and the share of the posterior predictive draws that take it at least once
    over the whole scenario: which of the record's instruments the fitted behaviour produces."""
    from sim.experiments.acts import is_hostile
    from sim.rules.measures import HOSTILE_KINDS, Measure, MeasureKind

    recorded: dict[MeasureKind, list[int]] = {}
    for event in scenario.events:
        if isinstance(event, Measure) and is_hostile(event.kind):
            recorded.setdefault(event.kind, []).append(event.month)
    taken = draws.counts.sum(axis=(0, 2)) > 0  # [draws, kinds]
    rows = []
    for kind in MeasureKind:
        # a record-only kind no policy takes is listed only where the record has it
        if not is_hostile(kind) or (kind not in HOSTILE_KINDS and kind not in recorded):
            continue
        months = recorded.get(kind, [])
        rows.append(
            {
                "kind": kind.name.lower(),
                "recorded": len(months),
                "recorded_training": sum(m <= train_last for m in months),
                "share_of_draws": round(float(taken[:, int(kind)].mean()), 4),
            }
        )
    return rows
