"""What a lever combination's success depends on: Sobol indices in the robust report."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.robust import SweepRuns
from sim.experiments.robust_depends import first_order, sobol_sweep
from tests.robust_folders import synthetic_sweep


def lhs_runs(points: int = 64, replicates: int = 8) -> tuple[SweepRuns, np.ndarray]:
    """One lever combination over a Latin hypercube of two uncertainties: it succeeds exactly where
    memory_months is under 20; perception_error does nothing."""
    rng = np.random.default_rng(3)
    memory = 6 + 30 * (rng.permutation(points) + rng.uniform(size=points)) / points
    perception = 0.2 * (rng.permutation(points) + rng.uniform(size=points)) / points
    scenarios = np.column_stack([perception, memory])
    rows = np.arange(points * replicates).reshape(1, points, replicates)
    good = np.repeat((memory < 20).astype(float)[None, :, None], replicates, axis=2)
    runs = SweepRuns(
        folder=Path("."),
        name="lhs",
        seed=7,
        levers=[("US.policy", ("grit",))],
        uncertainties=["perception_error", "memory_months"],
        options=[("grit",)],
        scenarios=scenarios,
        rows=rows,
        table={"error": np.array([""] * (points * replicates))},
        parameters=[],
        posterior=False,
    )
    return runs, good


def test_first_order_indices_name_the_parameter_success_depends_on():
    runs, good = lhs_runs()
    found = first_order(runs, good, 0, seed=7)
    assert [row["parameter"] for row in found] == ["memory_months", "perception_error"]
    memory, perception = found
    assert memory["rank"] == 1 and memory["index"] == "S1"
    assert 0.8 <= memory["value"] <= 1.0 and memory["low"] > 0.5  # a step explains nearly all the variance
    assert abs(perception["value"]) < 0.1 and perception["low"] < 0.05
    # the same seed gives the same intervals
    assert first_order(runs, good, 0, seed=7) == found


def test_nothing_to_estimate_is_said():
    runs, good = lhs_runs()
    assert first_order(runs, np.ones_like(good), 0, seed=1) == "it succeeds in every run"
    assert first_order(runs, np.zeros_like(good), 0, seed=1) == "it fails in every run"
    small, few = lhs_runs(points=4, replicates=2)
    assert first_order(small, few, 0, seed=1) == "8 runs are too few to estimate Sobol indices from (at least 36)"


SENSITIVITY = """outcome,parameter,index,value,low,high
restored_half,RU.policy,S1,0.63,0.2,1.07
restored_half,RU.policy,ST,0.88,0.55,1.21
restored_half,memory_months,S1,0.03,-0.09,0.15
restored_half,memory_months,ST,0.04,-0.01,0.09
restored_half,US.policy,S1,0.17,-0.15,0.5
restored_half,US.policy,ST,0.37,0.09,0.66
spiral,US.policy,S1,0.1,0.0,0.2
spiral,US.policy,ST,0.2,0.1,0.3
"""


def test_a_sobol_sweep_ranks_by_total_index(tmp_path):
    (tmp_path / "sensitivity.csv").write_text(SENSITIVITY, encoding="utf-8")
    found = sobol_sweep(tmp_path, "restored_half")
    assert [(r["parameter"], r["index"], r["rank"]) for r in found] == [
        ("RU.policy", "S1", 1),
        ("RU.policy", "ST", 1),
        ("US.policy", "S1", 2),
        ("US.policy", "ST", 2),
        ("memory_months", "S1", 3),
        ("memory_months", "ST", 3),
    ]
    assert sobol_sweep(tmp_path, "talks_hold") == "the Sobol sweep did not analyse talks_hold"


def test_the_report_cites_the_sobol_sweep(tmp_path):
    folder = synthetic_sweep(tmp_path / "a")
    sobol = tmp_path / "sobol"
    sobol.mkdir()
    (sobol / "sensitivity.csv").write_text(SENSITIVITY, encoding="utf-8")
    outcome = CliRunner().invoke(
        cli,
        [
            "robust",
            str(folder),
            "--resamples",
            "0",
            "--no-plot",
            "--outcome",
            "restored_half",
            "--sensitivity",
            str(sobol),
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    rows = list(csv.DictReader(open(folder / "robust-depends.csv", encoding="utf-8")))
    assert [(r["source"], r["parameter"], r["index"], r["value"], r["rank"]) for r in rows][:2] == [
        ("sobol sweep", "RU.policy", "S1", "0.63", "1"),
        ("sobol sweep", "RU.policy", "ST", "0.88", "1"),
    ]
    report = (folder / "robust.md").read_text(encoding="utf-8")
    assert (
        "the outcome's variance is carried most by RU.policy (ST 0.88, 0.55 to 1.21), US.policy (ST 0.37, 0.09 to "
        "0.66), memory_months (ST 0.04, -0.01 to 0.09)." in report
    )
    # the synthetic sweep's 16 runs per combination are too few for indices of its own
    assert "What it depends on: 16 runs are too few to estimate Sobol indices from (at least 36)." in report


def test_a_sensitivity_folder_that_is_not_one(tmp_path):
    folder = synthetic_sweep(tmp_path / "a")
    empty = tmp_path / "empty"
    empty.mkdir()
    for where, pattern in (
        (tmp_path / "nowhere", "not a folder"),
        (empty, "no sensitivity.csv"),
    ):
        outcome = CliRunner().invoke(cli, ["robust", str(folder), "--no-plot", "--sensitivity", str(where)])
        assert outcome.exit_code == 2, outcome.output
        assert len(outcome.output.strip().splitlines()) == 1 and pattern in outcome.output, outcome.output
    (empty / "sensitivity.csv").write_text("outcome,parameter,index,value,low,high\nx,a,mu_star,1,0,2\n")
    outcome = CliRunner().invoke(cli, ["robust", str(folder), "--no-plot", "--sensitivity", str(empty)])
    assert outcome.exit_code == 2 and "not a Sobol analysis" in outcome.output, outcome.output


def test_too_few_runs_that_differ_give_no_interval_and_no_claim():
    from sim.experiments.robust_depends import depends_text

    runs, good = lhs_runs()
    good = np.ones_like(good)
    good[0, 5, 3] = good[0, 9, 1] = 0  # two failures in 512 runs: a resample often has none
    found = first_order(runs, good, 0, seed=7)
    assert all(np.isnan(row["low"]) for row in found)
    (line,) = depends_text([("most robust", "x", "this sweep", found)])
    assert line.endswith(
        "the bootstrap gave no interval (too few runs differ), so none of these is evidence of dependence."
    )
