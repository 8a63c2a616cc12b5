"""Out-of-sample validation of the inference: a fit's test months, rolling origins and left-out episodes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.files.scenario_file import load_scenario
from tests.conftest import read_csv
from tests.test_inference import toy_text


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("toy") / "toy.toml"
    path.write_text(toy_text(), encoding="utf-8")
    return path


def test_a_left_out_episode_is_not_read(toy):
    from sim.experiments.inference_summaries import Record
    from sim.rules.calendar import parse_date

    scenario = load_scenario(toy)
    gap = (parse_date("2021-01")[0], parse_date("2021-06")[0])
    whole = Record.from_scenario(scenario, scenario.end)
    left = Record.from_scenario(scenario, scenario.end, gap)
    gone = [name for name in whole.names if name not in left.names]
    assert gone == ["timing.CN.2021-01", "timing.UK.2021-01"] + [
        f"staff.{side}.staff_total.{month}" for month in ("2021-03", "2021-06") for side in ("CN", "UK")
    ]
    assert set(left.names) < set(whole.names)
    # the acts of the episode (CN's crisis answered in 2021-02, say) are not counted in its totals
    assert all(o.month < gap[0] or o.month > gap[1] for o in left.observations)


@pytest.mark.slow
def test_folds_fit_and_score_each_fold(toy, tmp_path, monkeypatch):
    import sim.experiments.inference_folds as inference_folds
    from sim.experiments.folds import episode_folds, rolling_folds

    monkeypatch.setattr(inference_folds, "rolling_folds", lambda s: rolling_folds(s, ("2020-12", "2021-06")))
    monkeypatch.setattr(
        inference_folds, "episode_folds", lambda s: episode_folds(s, (("2021H1", "2021-01", "2021-06"),))
    )
    base = [
        "infer",
        str(toy),
        "--families",
        "restraint,mirror",
        "-p",
        "4",
        "-g",
        "1",
        "-n",
        "1",
        "--results",
        str(tmp_path),
    ]
    outcome = CliRunner().invoke(cli, [*base, "--folds", "rolling", "--id", "r", "--quiet"])
    assert outcome.exit_code == 0, outcome.output
    folder = tmp_path / "toy" / "inference-rolling-r"
    rows = read_csv(folder / "validation.csv")
    assert sorted({(r["fold"], r["train_until"], r["test_from"], r["test_until"]) for r in rows}) == [
        ("to 2020-12", "2020-12", "2021-01", "2021-06"),
        ("to 2021-06", "2021-06", "2021-07", "2021-12"),
    ]
    assert {r["model"] for r in rows} == {"fitted", "base_rate", "expel_only", "answer_once", "mirror_mirror"}
    for name in ("to-2020-12", "to-2021-06"):
        assert json.loads((folder / name / "inputs.json").read_text())["train_until"] == name[3:]
        # each fold's fit records the command that ran the folds
        fit_command = json.loads((folder / name / "manifest.json").read_text())["command_line"]
        assert fit_command == json.loads((folder / "manifest.json").read_text())["command_line"] != []
        # each fold's own validation is the one gathered
        assert read_csv(folder / name / "validation.csv") == [r for r in rows if r["fold"] == f"to {name[3:]}"]
    assert {r["fold"] for r in read_csv(folder / "families.csv")} == {"to 2020-12", "to 2021-06"}
    assert (folder / "validation.png").read_bytes()[:4] == b"\x89PNG"
    assert "f1" in outcome.output or "F1" in outcome.output
    outcome = CliRunner().invoke(cli, [*base, "--folds", "episodes", "--id", "e", "--quiet"])
    assert outcome.exit_code == 0, outcome.output
    episode = tmp_path / "toy" / "inference-episodes-e" / "without-2021H1"
    inputs = json.loads((episode / "inputs.json").read_text())
    assert (inputs["train_until"], inputs["left_out"], inputs["test"]) == (
        "2021-12",
        ["2021-01", "2021-06"],
        ["2021-01", "2021-06"],
    )
    outcome = CliRunner().invoke(cli, [*base, "--folds", "rolling", "--train-until", "2021-01"])
    assert outcome.exit_code == 2 and "--train-until: each fold has its own training months" in outcome.output
