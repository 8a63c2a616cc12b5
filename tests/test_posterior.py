"""Behaviour from a posterior file: one draw, the mean, or one draw per run by the run's own key;
each run of a posterior ensemble is the run alone with its draw as an ordinary overlay; bad files
get one line and exit 2, and nothing is written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.posterior import chosen_keys, run_behaviours
from sim.experiments.run import RunOptions, run_scenario
from sim.files.posterior_file import load_posterior
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys
from tests.conftest import read_csv
from tests.test_engines import HISTORY

INSTRUMENTS = {
    "CN": "expel=3,close_post=1,deny_visas=1;like=0.5;package=0;spread=2",
    "UK": "expel=2,seize_property=1,restrict_travel=1;like=0.5;package=0;spread=2",
}
SIDE_KEYS = ("perception_error", "mean_delay", "memory_months", "notice", "like", "package")
COLUMNS = [
    "particle", "model", "CN.family", "UK.family", "weight", "distance", "seed",
    *(f"{c}.{k}" for c in ("CN", "UK") for k in SIDE_KEYS),
    "CN.grit.step", "CN.grit.persistence", "UK.generous_mirror.forgiveness",
]  # fmt: skip
ROWS = [
    ["0", "grit/mirror", "grit", "mirror", "0.3", "1.2", "11", "0.2", "1.5", "12", "2", "0.8", "0.3",
     "0.1", "0", "24", "1", "0.4", "0", "2.5", "4", ""],
    ["1", "mirror/generous_mirror", "mirror", "generous_mirror", "0.5", "1.1", "12", "0.05", "2.25", "6", "1.5",
     "0.6", "0.1", "0.25", "0.5", "9", "3", "0.9", "0.2", "", "", "0.35"],
    ["2", "grit/mirror", "grit", "mirror", "0.2", "1.3", "13", "0.3", "0", "30", "0.5", "0.2", "0.5",
     "0.15", "3.5", "36", "2.5", "0.1", "0.6", "4", "7", ""],
    ["3", "mirror/mirror", "mirror", "mirror", "0", "1.4", "14", "0", "0", "12", "2", "0.5", "0", "0", "0", "12",
     "2", "0.5", "0", "", "", ""],
]  # fmt: skip


def write_posterior(folder: Path, rows=ROWS, columns=COLUMNS, instruments=INSTRUMENTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "posterior.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    (folder / "manifest.json").write_text(json.dumps({"instruments": instruments}), encoding="utf-8")
    return folder


@pytest.fixture
def fit(tmp_path):
    return write_posterior(tmp_path / "fit")


@pytest.fixture
def toy(toy_file):
    return toy_file(HISTORY)


def overlay_text(values: dict) -> str:
    """An ordinary --params file with a draw's values, every number written exactly."""
    lines = []
    for code, side in values.items():
        lines.append(f"[behaviour.{code}]")
        for key, value in side.items():
            text = f'"{value}"' if isinstance(value, str) else repr(list(value) if isinstance(value, tuple) else value)
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def trajectories(folder: Path) -> list[dict]:
    return read_csv(folder / "trajectories.csv")


def test_each_run_of_a_posterior_ensemble_is_the_run_alone_with_its_draw(toy, fit, tmp_path):
    options = dict(mode="behavioural", until="2021-06", replicates=10, posterior=fit, keep="all")
    whole = run_scenario(toy, tmp_path / "r", RunOptions(**options, run_id="whole", engine="batch")).folder
    chunked = run_scenario(toy, tmp_path / "r", RunOptions(**options, run_id="chunked", chunk_runs=3)).folder
    draws = read_csv(whole / "draws.csv")
    assert read_csv(chunked / "draws.csv") == draws
    assert trajectories(chunked) == trajectories(whole)
    pooled = run_scenario(toy, tmp_path / "r", RunOptions(**options, run_id="pooled", chunk_runs=4, workers=2)).folder
    for name in ("draws.csv", "trajectories.csv", "events.csv", "runs.csv"):
        assert (pooled / name).read_bytes() == (whole / name).read_bytes(), name
    assert {d["particle"] for d in draws} == {"0", "1", "2"}  # particle 3 has weight 0
    assert [d["run"] for d in draws] == [str(i) for i in range(10)]
    posterior = load_posterior(fit)
    rows = trajectories(whole)
    for run in (0, 1, 2, 5):
        particle, seed = int(draws[run]["particle"]), int(draws[run]["seed"])
        mine = [{k: v for k, v in r.items() if k != "run"} for r in rows if r["run"] == str(run)]
        alone = run_scenario(
            toy, tmp_path / "r", RunOptions(**options | {"replicates": 1}, run_seed=seed, draw=particle)
        ).folder
        assert trajectories(alone) == mine
        overlay = tmp_path / f"draw{particle}.toml"
        overlay.write_text(overlay_text(posterior.behaviour(posterior.row_of(particle))), encoding="utf-8")
        plain = dict(mode="behavioural", until="2021-06", run_seed=seed, params=overlay)
        assert trajectories(run_scenario(toy, tmp_path / "r", RunOptions(**plain)).folder) == mine
        assert draws[run]["CN.perception_error"] == str(
            posterior.values[posterior.row_of(particle)]["CN.perception_error"]
        )
    manifest = json.loads((whole / "manifest.json").read_text())
    assert manifest["posterior"]["draw"] == "all" and manifest["posterior"]["draws"] == 4
    assert len(manifest["posterior"]["sha256"]) == 64


def test_draws_follow_the_weights_and_each_run_draws_alone(fit):
    posterior = load_posterior(fit)
    keys = run_keys(3, 4000)
    rows = posterior.draws(keys)
    counts = np.bincount(rows, minlength=4) / len(keys)
    assert counts[3] == 0.0
    np.testing.assert_allclose(counts[:3], [0.3, 0.5, 0.2], atol=0.03)
    assert all(posterior.draws(keys[i : i + 1])[0] == rows[i] for i in range(0, 4000, 397))


def test_the_mean_is_the_weighted_mean_of_the_most_probable_pair(toy, fit, tmp_path):
    posterior = load_posterior(fit)
    assert posterior.top_pair() == ("grit", "mirror")  # 0.3 + 0.2 against 0.5
    mean = posterior.mean()
    assert mean["CN"]["policy"] == "grit:step=3.1,persistence=5"  # (2.5 x 0.3 + 4 x 0.2) / 0.5; 5.2 rounded
    assert mean["CN"]["perception_error"] == 0.24
    assert mean["CN"]["delay_weights"] == pytest.approx((0.1, 0.9))  # mean delay 0.9
    assert mean["UK"]["memory_months"] == 28.8
    assert mean["UK"]["instruments"] == "expel=2,seize_property=1,restrict_travel=1;like=0.28;package=0.24;spread=2"
    folder = run_scenario(toy, tmp_path, RunOptions(mode="behavioural", posterior=fit, draw="mean")).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["behaviour"]["CN"]["policy"] == "grit:step=3.1,persistence=5"
    assert manifest["posterior"]["draw"] == "mean" and not (folder / "draws.csv").exists()


def test_the_users_choices_override_what_they_set_and_nothing_else(toy, fit):
    from sim.experiments.choices import make_plan

    scenario = load_scenario(toy)
    posterior = load_posterior(fit)
    overrides = [("UK", "notice", 1.25)]
    plan = make_plan(scenario, "behavioural", policies={"CN": "mirror"}, overrides=overrides)
    chosen = chosen_keys(scenario.codes, {"CN": "mirror"}, overrides)
    runs = run_behaviours(scenario, plan, posterior, [0, 1, 2], chosen)
    assert [r[0].policy for r in runs] == ["mirror"] * 3
    assert [r[1].notice for r in runs] == [1.25] * 3
    assert [r[1].policy for r in runs] == ["mirror", "generous_mirror:forgiveness=0.35", "mirror"]
    assert [r[0].perception_error for r in runs] == [0.2, 0.05, 0.3]
    assert runs[2][1].delay_weights == (0.0, 0.0, 0.0, 0.5, 0.5) and runs[2][0].delay_weights == (1.0,)


def bad(tmp_path: Path, change) -> Path:
    columns, rows = list(COLUMNS), [list(r) for r in ROWS]
    instruments = dict(INSTRUMENTS)
    change(columns, rows, instruments)
    return write_posterior(tmp_path / "bad", rows, columns, instruments)


def cell(column: str, row: int, value: str):
    def change(columns, rows, instruments):
        rows[row][columns.index(column)] = value

    return change


BAD = {
    "negative_weight": (cell("weight", 1, "-0.5"), "posterior.csv: weight (line 3): '-0.5' is not a number"),
    "nan_value": (cell("UK.notice", 0, "nan"), "UK.notice (line 2): 'nan' is not a number from 0 to 10"),
    "out_of_bounds": (cell("CN.perception_error", 2, "1.5"), "CN.perception_error (line 4): '1.5' is not"),
    "unknown_family": (cell("UK.family", 0, "nice"), "UK.family (line 2): unknown policy 'nice' (allowed: "),
    "model_mismatch": (cell("model", 0, "mirror/mirror"), "model (line 2): 'mirror/mirror' is not the row's"),
    "fractional": (cell("CN.grit.persistence", 0, "4.5"), "CN.grit.persistence (line 2): 4.5 is not a whole"),
    "missing_column": (lambda c, r, i: [c.__setitem__(c.index("UK.like"), "UK.likes")], "UK.like: missing column"),
    "all_zero": (lambda c, r, i: [row.__setitem__(c.index("weight"), "0") for row in r], "weights do not sum"),
    "short_row": (lambda c, r, i: r[1].pop(), "(line 3): 21 cells (allowed: 22, one per column)"),
    "repeated_particle": (cell("particle", 1, "0"), "particle (line 3): '0' again or not whole"),
    "bad_instruments": (lambda c, r, i: i.__setitem__("UK", "ladder"), "instruments.UK: 'ladder' is not"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_posterior_is_one_line_and_nothing_is_written(case, toy, tmp_path):
    change, expected = BAD[case]
    folder = bad(tmp_path, change)
    results = tmp_path / "results"
    args = ["run", str(toy), "--mode", "behavioural", "-n", "3", "--posterior", str(folder), "--results", str(results)]
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 2, outcome.output
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert not results.exists()


def test_other_bad_posteriors_and_draws(toy, fit, tmp_path):
    results = tmp_path / "results"
    base = ["run", str(toy), "--mode", "behavioural", "--results", str(results)]
    (tmp_path / "latin1").mkdir()
    (tmp_path / "latin1" / "posterior.csv").write_bytes(b"particle,model\n\xe9\n")
    (tmp_path / "nomanifest").mkdir()
    (tmp_path / "nomanifest" / "posterior.csv").write_text((fit / "posterior.csv").read_text())
    us = write_posterior(
        tmp_path / "us",
        [r for r in ROWS],
        [c.replace("CN", "US") for c in COLUMNS],
        {"US": INSTRUMENTS["CN"], "UK": INSTRUMENTS["UK"]},
    )
    cases = [
        (["--posterior", str(tmp_path / "latin1")], "posterior.csv: not UTF-8 text"),
        (["--posterior", str(tmp_path / "nomanifest")], "manifest.json: missing: a posterior needs its fit's manifest"),
        (["--posterior", str(tmp_path / "none")], "posterior file not found"),
        (["--posterior", str(us)], "draws of sides US, UK, the scenario has CN, UK"),
        (["--posterior", str(fit), "--draw", "9"], "no particle 9 (allowed: mean, all, or a particle number: 0 to 3)"),
        (["--posterior", str(fit), "--draw", "most"], "--draw: 'most' is not a draw (allowed: mean, all,"),
        (["--draw", "mean"], "--draw needs --posterior"),
    ]  # fmt: skip
    for extra, expected in cases:
        outcome = CliRunner().invoke(cli, base + extra)
        assert outcome.exit_code == 2, (extra, outcome.output)
        assert expected in outcome.output and len(outcome.output.strip().splitlines()) == 1, outcome.output
    assert not results.exists()


def test_the_number_of_draws_is_bounded_before_they_are_read(fit, monkeypatch):
    import sim.files.posterior_file as posterior_file
    from sim.errors import ScenarioError

    monkeypatch.setattr(posterior_file, "MAX_DRAWS", 3)
    with pytest.raises(ScenarioError, match="more than 3 rows"):
        load_posterior(fit)


def test_the_mesa_engine_draws_the_same_runs(toy, fit, tmp_path):
    options = dict(mode="behavioural", until="2021-03", replicates=4, posterior=fit)
    mesa = run_scenario(toy, tmp_path, RunOptions(**options, engine="mesa")).folder
    batch = run_scenario(toy, tmp_path, RunOptions(**options, engine="batch")).folder
    assert trajectories(mesa) == trajectories(batch)
    assert read_csv(mesa / "draws.csv") == read_csv(batch / "draws.csv")
    assert read_csv(mesa / "events.csv") == read_csv(batch / "events.csv")


def test_a_replay_takes_no_drawn_behaviour(toy, fit, tmp_path):
    outcome = CliRunner().invoke(cli, ["run", str(toy), "-n", "2", "--posterior", str(fit), "--results", str(tmp_path)])
    assert outcome.exit_code == 2 and "--posterior applies only when policies act" in outcome.output
