"""Sweeps that draw behaviour from a posterior: one draw per replicate, the same at every design
point (common random numbers), levers override what they set, each run is the run alone with its
draw and the point's levers, and the draws are in the outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.outcomes import simulate_outcomes
from sim.experiments.posterior import with_draw
from sim.experiments.sweep import point_plan, run_sweep
from sim.files.posterior_file import load_posterior
from sim.files.scenario_file import load_scenario
from sim.files.sweep_file import load_sweep
from sim.files.sweep_store import read_runs
from sim.rules.rng import run_keys
from tests.conftest import TOY, event, read_csv
from tests.test_posterior import write_posterior

SWEEP = """
[sweep]
name = "drawn"
scenario = "toy.toml"
mode = "project"
from = "2020-04"
until = "2021-06"
replicates = 7
seed = 5

[levers]
"CN.policy" = ["mirror", "grit"]
"UK.notice" = [1.0]
{posterior}
"""


@pytest.fixture
def drawn_sweep(tmp_path):
    def write(posterior: str = '[posterior]\npath = "fit"') -> Path:
        extra = event(date="2020-03", actor="CN", kind="expel", size=3, post="uk_embassy")
        (tmp_path / "toy.toml").write_text(TOY + extra, encoding="utf-8")
        write_posterior(tmp_path / "fit")
        path = tmp_path / "drawn.toml"
        path.write_text(SWEEP.format(posterior=posterior), encoding="utf-8")
        return path

    return write


def test_each_replicate_draws_once_for_every_point_and_each_run_is_the_run_alone(drawn_sweep, tmp_path):
    path = drawn_sweep()
    folder = run_sweep(path, tmp_path / "results", workers=1, block=3)["folder"]
    again = run_sweep(path, tmp_path / "again", workers=1, block=7)["folder"]
    runs, other = read_runs(folder), read_runs(again)
    for name in runs:
        np.testing.assert_array_equal(runs[name], other[name], err_msg=name)  # whatever the block
    draws = read_csv(folder / "draws.csv")
    assert [d["replicate"] for d in draws] == [str(r) for r in range(7)]
    particles = [int(d["particle"]) for d in draws]
    for point in (0, 1):
        mine = runs["point"] == point
        assert list(runs["particle"][mine]) == particles  # the same draw at every point
        assert list(runs["replicate"][mine]) == list(range(7))
    sweep = load_sweep(path)
    scenario = load_scenario(sweep.scenario_path)
    posterior = load_posterior(tmp_path / "fit")
    keys = run_keys(sweep.seed, sweep.replicates)
    for point, values in enumerate(sweep.points()):
        for replicate in (0, 3, 6):
            alone = point_plan(sweep, with_draw(scenario, posterior, particles[replicate]), values)
            assert alone.behaviours[0].policy == values["CN.policy"] and alone.behaviours[1].notice == 1.0
            outcomes = simulate_outcomes(scenario, alone, keys[replicate : replicate + 1])
            row = np.flatnonzero((runs["point"] == point) & (runs["replicate"] == replicate))[0]
            for name, value in outcomes.items():
                np.testing.assert_array_equal(runs[name][row], value[0], err_msg=f"{point} {replicate} {name}")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["posterior"]["draw"] == "all" and manifest["posterior"]["sha256"] == posterior.sha256
    assert json.loads((folder / "inputs.json").read_text())["posterior"].startswith(posterior.sha256)
    assert len(set(particles)) > 1


def test_one_draw_or_the_mean_for_every_run(drawn_sweep, tmp_path):
    path = drawn_sweep('[posterior]\npath = "fit/posterior.csv"\ndraw = 2')
    folder = run_sweep(path, tmp_path / "results", workers=1)["folder"]
    assert not (folder / "draws.csv").exists() and "particle" not in read_runs(folder)
    assert json.loads((folder / "manifest.json").read_text())["posterior"]["draw"] == 2
    mean = run_sweep(drawn_sweep(""), tmp_path / "results", workers=1, posterior=tmp_path / "fit", draw="mean")
    assert mean["folder"] != folder
    assert json.loads((mean["folder"] / "manifest.json").read_text())["posterior"]["draw"] == "mean"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[posterior]\npath = "nowhere"', "drawn.toml: posterior.path (line 15): no posterior at"),
        ('[posterior]\npath = "fit"\ndraw = "most"', "posterior.draw (line 16): 'most' is not a draw"),
        ('[posterior]\npath = "fit"\ndraw = true', "posterior.draw (line 16): true is not a draw"),
        ('[posterior]\npath = "fit"\nweights = 1', "posterior.weights (line 16): unknown key"),
        ('[posterior]\npath = "fit"\ndraw = 12', "no particle 12"),
    ],
)
def test_bad_posterior_tables(drawn_sweep, tmp_path, table, expected):
    results = tmp_path / "results"
    outcome = CliRunner().invoke(cli, ["sweep", str(drawn_sweep(table)), "--results", str(results), "-q"])
    assert outcome.exit_code == 2, outcome.output
    assert expected in outcome.output and len(outcome.output.strip().splitlines()) == 1, outcome.output
    assert not results.exists()


def test_a_posterior_given_twice_is_refused(drawn_sweep, tmp_path):
    results = tmp_path / "results"
    args = ["sweep", str(drawn_sweep()), "--results", str(results), "--posterior", str(tmp_path / "fit")]
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 2 and "names a posterior already" in outcome.output
    assert not results.exists()


def test_fans_are_not_kept_with_one_draw_per_run(drawn_sweep, tmp_path):
    path = drawn_sweep()
    path.write_text(path.read_text().replace("seed = 5\n", "seed = 5\nfans = true\n"), encoding="utf-8")
    results = tmp_path / "results"
    outcome = CliRunner().invoke(cli, ["sweep", str(path), "--results", str(results), "-q"])
    assert outcome.exit_code == 2 and "sweep.fans: not kept with one draw per run" in outcome.output, outcome.output
    assert not results.exists()
