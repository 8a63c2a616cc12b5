"""Calibration: the loss is what its documentation says, the search is reproducible, the report is
complete and its parameter file is accepted by `tft run`."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.engines.drivers import simulate_batch
from sim.engines.plan import replay_plan
from sim.experiments.calibration import CONFIDENCE_WEIGHT, Candidate, Evaluator, Targets, Window, score
from sim.experiments.calibration_report import run_calibration
from sim.files.scenario_file import load_scenario
from sim.plots.result import plot_calibration
from sim.rules.measures import MeasureKind
from sim.rules.rng import run_keys
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios/us_russia_2016_2022.toml"


@pytest.fixture(scope="module")
def record():
    scenario = load_scenario(SCENARIO)
    return scenario, Targets.from_scenario(scenario)


def test_the_record_scores_itself_as_documented(record):
    """Fed the replay's own figures and the record's own measures, the measure and holdings parts
    are zero and the staff part is the weighted squared log error of the replay."""
    scenario, targets = record
    plan = replay_plan(scenario)
    replay = simulate_batch(scenario, plan, run_keys(1, 1), log_events=False)
    figures = {name: values.astype(float) for name, values in replay.figures.items()}
    acts = np.zeros((len(plan.months), 1, 2, len(MeasureKind)), dtype=np.int16)
    for actor, kind, month in targets.measures:
        acts[month - plan.start, 0, actor, kind] += 1
    result = score(targets, plan, figures, acts, Window(scenario.start, scenario.end))
    assert result["measures"] == 0.0 and result["holdings"] == 0.0 and result["matched_share"] == 1.0
    expected = []
    for obs in scenario.observations:
        simulated = figures[obs.column][obs.month - plan.start, 0, obs.side]
        gap = np.log1p(simulated) - np.log1p(obs.value)
        gap = max(gap, 0.0) if obs.bound == "upper" else min(gap, 0.0) if obs.bound == "lower" else gap
        expected.append(CONFIDENCE_WEIGHT[obs.confidence] * gap**2)
    assert result["staff"] == pytest.approx(np.mean(expected))
    assert result["recorded"] == 34  # the record's hostile measures against the other's mission, 2016-2022


def test_restraint_matches_no_measure_and_mirror_some(record):
    scenario, targets = record
    evaluator = Evaluator(scenario, targets, run_keys(1, 4), Window(scenario.start, scenario.end))
    quiet = evaluator.run(Candidate(("restraint", "restraint"), (0.0, 0.0, 0.0, 0.0)))
    assert quiet["measures"] == 1.0 and quiet["matched_share"] == 0.0
    mirror = evaluator.run(Candidate(("mirror", "mirror"), (0.0, 0.0, 0.0, 0.0)))
    assert 0.0 < mirror["matched_share"] < 1.0 and mirror["measures"] < 1.0


def test_calibration_report_is_reproducible_and_usable(tmp_path):
    choices = dict(
        families=["mirror", "restraint"], train_until="2019-12", replicates=2, screen=2, refine=1, maxiter=1, seed=5
    )
    first, report = run_calibration(SCENARIO, tmp_path / "a", **choices)
    second, _ = run_calibration(SCENARIO, tmp_path / "b", **choices)
    names = ["params.toml", "scores.csv", "ranking.csv", "observations.csv", "measures.csv", "quantiles.csv"]
    for name in names:
        assert (first / name).read_bytes().split(b"\n")[2:] == (second / name).read_bytes().split(b"\n")[2:], name
    assert not (first / "fit.png").exists()  # figures are drawn from the folder's files
    assert plot_calibration(first) == [first / "fit.png"]
    assert (first / "fit.png").stat().st_size > 10_000
    with (first / "scores.csv").open() as handle:
        scores = list(csv.DictReader(handle))
    assert [s["candidate"] for s in scores] == ["fitted", "baseline restraint / restraint", "baseline mirror / mirror"]
    assert all(s["train_loss"] and s["test_loss"] for s in scores)
    fitted, baseline = float(scores[0]["train_loss"]), min(float(s["train_loss"]) for s in scores[1:])
    assert fitted <= baseline + 1e-9  # the search includes both baselines' families
    with (first / "measures.csv").open() as handle:
        windows = {row["window"] for row in csv.DictReader(handle)}
    assert windows == {"train", "test"}
    with (first / "ranking.csv").open() as handle:
        ranked = list(csv.DictReader(handle))
    assert len(ranked) == 4 and {(r["side_a"], r["side_b"]) for r in ranked} == {("US", "RU")}
    outcome = CliRunner().invoke(
        cli,
        [
            "run",
            str(SCENARIO),
            "--mode",
            "behavioural",
            "--params",
            str(first / "params.toml"),
            "--results",
            str(tmp_path / "r"),
            "--no-plot",
        ],
    )
    assert outcome.exit_code == 0, outcome.output


@pytest.mark.parametrize(
    "options, message",
    [
        (["--policy", "mirror,nope"], "--policy: unknown policy 'nope'"),
        (["--train-until", "2030-01"], "--train-until: must fall inside the scenario"),
    ],
)
def test_bad_calibration_options(options, message, tmp_path):
    outcome = CliRunner().invoke(cli, ["calibrate", str(SCENARIO), "--results", str(tmp_path), "-q", *options])
    assert outcome.exit_code == 2 and message in outcome.stderr


def test_bad_parameter_file(tmp_path):
    path = tmp_path / "params.toml"
    path.write_text("[behaviour.US]\nperception_error = 3\n")
    outcome = CliRunner().invoke(
        cli, ["run", str(SCENARIO), "--mode", "behavioural", "--params", str(path), "--results", str(tmp_path / "r")]
    )
    assert outcome.exit_code == 2 and "behaviour.US.perception_error" in outcome.stderr


def test_calibration_on_a_pool_and_a_dask_cluster_gives_the_same_fit(tmp_path):
    distributed = pytest.importorskip("distributed")
    choices = dict(families=["mirror", "restraint"], replicates=2, screen=2, refine=1, maxiter=1, seed=5)
    serial, _ = run_calibration(SCENARIO, tmp_path / "a", workers=1, **choices)
    pooled, _ = run_calibration(SCENARIO, tmp_path / "b", workers=2, **choices)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask, _ = run_calibration(SCENARIO, tmp_path / "c", scheduler=cluster.scheduler_address, **choices)
    for other in (pooled, dask):
        for name in ("params.toml", "ranking.csv", "scores.csv"):
            assert (serial / name).read_bytes().split(b"\n")[2:] == (other / name).read_bytes().split(b"\n")[2:], name


def test_matches_outside_the_window_do_not_count(record):
    scenario, targets = record
    plan = replay_plan(scenario)
    figures = {
        name: np.zeros((len(plan.months), 1, 2))
        for name in ("staff_total", "diplomats", "support", "local", "posts_open", "properties_lost")
    }
    acts = np.zeros((len(plan.months), 1, 2, len(MeasureKind)), dtype=np.int16)
    near_end = [m for m in targets.measures if m[2] - plan.start >= 2][:1]
    actor, kind, month = near_end[0]
    acts[month - plan.start + 2, 0, actor, kind] = 1  # two months after the window closes
    window = Window(plan.start, month)
    result = score(targets, plan, figures, acts, window)
    assert 0.0 <= result["measures"] <= 1.0
    assert result["matched_share"] == 0.0
