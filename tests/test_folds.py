"""Out-of-sample folds: which months each fold trains and tests on, and the validation folder."""

from __future__ import annotations

import csv

import pytest

from sim.experiments.folds import FitSettings, episode_folds, rolling_folds, with_training_instruments
from sim.experiments.validation import VALIDATION_COLUMNS
from sim.experiments.validation_report import run_validation
from sim.files.scenario_file import load_scenario
from sim.plots.validation import plot_validation
from sim.rules.calendar import month_label
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios/us_russia_2016_2022.toml"


def labels(fold, scenario):
    training = fold.training(scenario)
    return (
        fold.name,
        month_label(training.first),
        month_label(training.last),
        training.gap and tuple(month_label(m) for m in training.gap),
        month_label(fold.test_from),
        month_label(fold.test_until),
    )


def test_rolling_origin_folds_train_to_each_origin_and_test_to_the_next():
    scenario = load_scenario(SCENARIO)
    assert [labels(f, scenario) for f in rolling_folds(scenario)] == [
        ("to 2017-06", "2016-01", "2017-06", None, "2017-07", "2017-12"),
        ("to 2017-12", "2016-01", "2017-12", None, "2018-01", "2018-06"),
        ("to 2018-06", "2016-01", "2018-06", None, "2018-07", "2019-12"),
        ("to 2019-12", "2016-01", "2019-12", None, "2020-01", "2021-06"),
        ("to 2021-06", "2016-01", "2021-06", None, "2021-07", "2022-12"),
    ]


def test_episode_folds_leave_the_episode_out_of_training():
    scenario = load_scenario(SCENARIO)
    folds = episode_folds(scenario)
    assert [labels(f, scenario)[3:] for f in folds] == [
        (("2016-01", "2016-12"), "2016-01", "2016-12"),
        (("2017-01", "2017-12"), "2017-01", "2017-12"),
        (("2018-01", "2018-12"), "2018-01", "2018-12"),
        (("2020-01", "2021-12"), "2020-01", "2021-12"),
        (("2022-01", "2022-12"), "2022-01", "2022-12"),
    ]
    training = folds[3].training(scenario)
    assert training.holds(scenario.start) and not training.holds(folds[3].test_from)
    assert training.months == 84 - 24


def test_training_instruments_see_no_test_month():
    scenario = load_scenario(SCENARIO)
    fold = rolling_folds(scenario)[0]
    early = with_training_instruments(scenario, fold.training(scenario))
    late = with_training_instruments(scenario, rolling_folds(scenario)[-1].training(scenario))
    assert early.behaviours[0].instruments != late.behaviours[0].instruments  # more record, other estimate
    assert early.behaviours[0].instruments.startswith("expel=")


@pytest.mark.slow
def test_a_validation_folder_holds_every_fold_model_tolerance_and_metric(tmp_path):
    settings = FitSettings(("mirror",), replicates=1, screen=1, refine=0, maxiter=1)
    folder, rows = run_validation(SCENARIO, tmp_path, "episodes", settings, runs=4, resamples=20, seed=3)
    with (folder / "validation.csv").open() as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0]) == list(VALIDATION_COLUMNS)
    models = {r["model"] for r in written}
    assert models == {"fitted", "base_rate", "expel_only", "answer_once", "mirror_mirror"}
    assert {r["fold"] for r in written} == {f"without {e}" for e in ("2016", "2017", "2018", "2020-21", "2022")}
    assert {r["tolerance_months"] for r in written if r["metric"] == "f1"} == {"0", "1", "3"}
    assert all(float(r["low"]) <= float(r["value"]) + 1e-9 <= float(r["high"]) + 2e-9 for r in written)
    assert plot_validation(folder) == [folder / "validation.png"]
