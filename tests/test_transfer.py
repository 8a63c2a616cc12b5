"""Behaviour fitted on one dyad run on another without refitting (`tft transfer`,
`--policy-from TARGET=SOURCE`), scored beside the same nulls."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.errors import ScenarioError
from sim.files.params_from import apply_params_from
from sim.files.scenario_file import load_scenario
from tests.conftest import SCENARIOS, read_csv

FITTED = """
[behaviour.US]
policy = "tit_for_two_tats"
perception_error = 0.05
delay_weights = [0.0, 1.0]

[behaviour.RU]
policy = "escalate:k=1.5"
perception_error = 0.1
delay_weights = [1.0]
"""


@pytest.fixture
def fitted(tmp_path):
    path = tmp_path / "params.toml"
    path.write_text(FITTED, encoding="utf-8")
    return path


def test_a_fitted_side_is_applied_to_another_state(fitted):
    scenario = load_scenario(SCENARIOS / "cz_russia_2021.toml")
    moved = apply_params_from(scenario, fitted, {"CZ": "US", "RU": "RU"})
    cz, ru = moved.behaviours
    assert (cz.policy, cz.perception_error, tuple(cz.delay_weights)) == ("tit_for_two_tats", 0.05, (0.0, 1.0))
    assert (ru.policy, ru.perception_error) == ("escalate:k=1.5", 0.1)
    # a side not named keeps its behaviour
    only = apply_params_from(scenario, fitted, {"CZ": "RU"})
    assert only.behaviours[0].policy == "escalate:k=1.5" and only.behaviours[1] == scenario.behaviours[1]


def test_bad_sides_are_one_line_errors(fitted):
    scenario = load_scenario(SCENARIOS / "cz_russia_2021.toml")
    with pytest.raises(ScenarioError) as unknown_target:
        apply_params_from(scenario, fitted, {"SU": "US"})
    assert str(unknown_target.value) == "--policy-from: SU=US: 'SU' is not a side of cz_russia_2021 (allowed: CZ, RU)"
    with pytest.raises(ScenarioError) as unknown_source:
        apply_params_from(scenario, fitted, {"CZ": "DE"})
    assert str(unknown_source.value) == f"--policy-from: CZ=DE: {fitted} has no [behaviour.DE] table (allowed: US, RU)"


def test_transfer_scores_the_fitted_behaviour_beside_the_nulls(fitted, tmp_path):
    from sim.experiments.transfer import run_transfer

    sides = {"US": "US", "SU": "RU"}
    folder, rows = run_transfer(SCENARIOS / "us_ussr_1986.toml", fitted, sides, tmp_path, runs=4, seed=3, resamples=20)
    written = read_csv(folder / "transfer.csv")
    assert len(written) == len(rows)
    assert {r["model"] for r in written} == {"transferred", "base_rate", "expel_only", "answer_once", "mirror_mirror"}
    assert {r["fold"] for r in written} == {"whole record"}
    assert {(r["test_from"], r["test_until"]) for r in written} == {("1986-01", "1989-12")}
    f1 = {r["model"]: float(r["value"]) for r in written if r["metric"] == "f1" and r["tolerance_months"] == "1"}
    assert set(f1) == {"transferred", "base_rate", "expel_only", "answer_once", "mirror_mirror"}
    assert all(0.0 <= v <= 1.0 for v in f1.values())
    # the same seed gives the same scores
    _, again = run_transfer(
        SCENARIOS / "us_ussr_1986.toml", fitted, sides, tmp_path / "again", runs=4, seed=3, resamples=20
    )
    assert again == rows


def test_the_command_line(fitted, tmp_path):
    runner = CliRunner()
    args = ["transfer", str(SCENARIOS / "us_russia_2001.toml"), "--params", str(fitted), "--runs", "3"]
    outcome = runner.invoke(cli, [*args, "--results", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    assert "transferred" in outcome.output and "base_rate" in outcome.output
    bad = runner.invoke(cli, [*args, "--results", str(tmp_path), "--policy-from", "US"])
    assert bad.exit_code == 2 and "expected TARGET=SOURCE" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    missing = runner.invoke(cli, [*args, "--results", str(tmp_path), "--policy-from", "US=CZ"])
    assert missing.exit_code == 2 and "has no [behaviour.CZ] table (allowed: US, RU)" in missing.stderr
