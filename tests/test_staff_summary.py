"""A summary made month by month as runs go (`StaffSummary`) is what the runs' kept trajectories
give: the first, last and lowest staff of each run, and the counts and sums that give quantiles."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.drivers import simulate_batch, simulate_mixed
from sim.engines.observers import StaffSummary
from sim.experiments.choices import make_plan
from sim.experiments.run import RunOptions, run_scenario
from sim.experiments.summary import QUANTILES, StaffQuantiles
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label
from sim.rules.rng import run_keys
from tests.test_engines import HISTORY
from tests.test_posterior_engine import mixed  # noqa: F401 (a fixture)

NOISE = [
    ("CN", "perception_error", 0.3),
    ("UK", "execution_error", 0.2),
    ("CN", "crisis_rate", 2.0),
    ("UK", "crisis_rate", 1.0),
]


def same_summary(made: StaffSummary, kept: np.ndarray) -> None:
    """`made` is what the trajectories `kept` ([months, runs, 2]) say, exactly."""
    np.testing.assert_array_equal(made.start, kept[0])
    np.testing.assert_array_equal(made.end, kept[-1])
    np.testing.assert_array_equal(made.low, kept.min(axis=0))
    np.testing.assert_array_equal(made.total, kept.sum(axis=1))
    levels = np.arange(made.counts.shape[2])
    assert made.counts.shape[2] == kept.max() + 1
    for t in range(kept.shape[0]):
        for side in (0, 1):
            expected = (kept[t, :, side][:, None] == levels[None, :]).sum(axis=0)
            np.testing.assert_array_equal(made.counts[t, side], expected)


@pytest.fixture
def noisy(toy_file):
    scenario = load_scenario(toy_file(HISTORY))
    plan = make_plan(scenario, "behavioural", overrides=NOISE)
    return scenario, plan, run_keys(5, 60)


def test_a_summary_made_as_the_runs_go_is_the_one_of_their_trajectories(noisy):
    scenario, plan, keys = noisy
    summarised = simulate_batch(scenario, plan, keys, log_events=False, summary=True)
    kept = simulate_batch(scenario, plan, keys, log_events=False, columns=("staff_total",))
    assert summarised.figures == {}  # no trajectory is held
    staff = kept.figures["staff_total"]
    assert len(np.unique(staff[-1], axis=0)) > 10  # the runs differ, so the comparison means something
    same_summary(summarised.summary, staff)
    assert summarised.summary.start.dtype == staff.dtype
    np.testing.assert_array_equal(summarised.acts, kept.acts)


def test_a_mixed_batch_gathers_its_summaries_in_run_order(mixed):  # noqa: F811
    scenario, plans, keys = mixed
    behaviours = [p.behaviours for p in plans]
    summarised = simulate_mixed(scenario, plans[0], keys, behaviours, log_events=False, columns=(), summary=True)
    kept = simulate_mixed(scenario, plans[0], keys, behaviours, log_events=False, columns=("staff_total",))
    assert summarised.figures == {}
    same_summary(summarised.summary, kept.figures["staff_total"])


def test_quantiles_from_summaries_in_chunks_are_numpys_inverted_cdf(noisy):
    scenario, plan, keys = noisy
    quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
    for first in range(0, len(keys), 25):  # chunks of 25, 25 and 10 runs
        quantiles.add(simulate_batch(scenario, plan, keys[first : first + 25], log_events=False, summary=True).summary)
    staff = simulate_batch(scenario, plan, keys, log_events=False, columns=("staff_total",)).figures["staff_total"]
    assert quantiles.runs == len(keys)
    for q in QUANTILES:
        expected = np.quantile(staff, q / 100, axis=1, method="inverted_cdf")
        np.testing.assert_array_equal(quantiles.quantile(q), expected, err_msg=f"p{q}")
    np.testing.assert_array_equal(quantiles.total, staff.sum(axis=1))


def test_a_summary_of_runs_writes_what_their_kept_trajectories_write(toy_file, tmp_path):
    path = toy_file(HISTORY)
    choices = dict(mode="behavioural", replicates=12, seed=3, overrides=NOISE)
    summary = run_scenario(path, tmp_path, RunOptions(run_id="summary", keep="summary", chunk_runs=5, **choices))
    everything = run_scenario(path, tmp_path, RunOptions(run_id="all", keep="all", **choices))
    assert not (summary.folder / "trajectories.csv").exists()
    for name in ("runs.csv", "quantiles.csv"):
        assert (summary.folder / name).read_bytes() == (everything.folder / name).read_bytes(), name
