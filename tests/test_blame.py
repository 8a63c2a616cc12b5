"""Blame: a shock its blamed side denies, and a third party's act, are not the blamed side's own
debt, so the blamed side answers the injured side's answer instead of taking it as its due."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys
from tests.conftest import TOY, event, read_csv, refusal

SHOCK = event(date="2020-03-04", actor="CN", kind="shock", name="incident", severity=-6.0)


def behavioural(toy_file, extra: str, name: str):
    scenario = load_scenario(toy_file(SHOCK + extra, name=name))
    plan = make_plan(scenario, "behavioural", until="2021-06")
    return simulate_batch(scenario, plan, run_keys(1, 1))


def test_an_owned_shock_is_answered_once_a_denied_one_starts_an_echo(toy_file):
    owned = behavioural(toy_file, "", "owned.toml")
    denied = behavioural(toy_file, "denied = true\n", "denied.toml")
    third = behavioural(toy_file, 'party = "US"\n', "third.toml")
    # [side][hostile, conciliatory] policy acts, CN first, mirror against mirror
    assert owned.acts[0].tolist() == [[0, 0], [1, 0]]  # UK answers; CN takes it as its due
    # CN does not own the shock, so UK's answer is a provocation: answered each month in turn
    # (UK in 2020-04, CN in 2020-05, ...) until the run ends in 2021-06
    assert denied.acts[0].tolist() == [[7, 0], [8, 0]]
    assert third.acts[0].tolist() == [[7, 0], [8, 0]]
    months = [r.event.month for r in denied.events[0]]
    assert months == sorted(months) and len(months) == 1 + 15


def test_replay_is_the_same_and_the_log_says_who_did_it(toy_file, tmp_path):
    plain = toy_file(SHOCK, name="plain.toml")
    third = toy_file(SHOCK + 'party = "JP"\ndenied = true\n', name="third.toml")
    out = tmp_path / "results"
    for path, run_id in ((plain, "plain"), (third, "third")):
        result = CliRunner().invoke(cli, ["run", str(path), "--results", str(out), "--run-id", run_id, "--no-plot"])
        assert result.exit_code == 0, result.output
    toy = out / "toy"
    assert (toy / "plain" / "trajectories.csv").read_bytes() == (toy / "third" / "trajectories.csv").read_bytes()
    shocks = [r for r in read_csv(toy / "third" / "events.csv") if r["kind"] == "shock"]
    assert [(r["actor"], r["target"], r["description"]) for r in shocks] == [("CN", "UK", "[denied] [by JP] incident")]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('party = "UK"\n', "events[0].party (line 82): 'UK' is not a third party (allowed: the 2-3 upper-case"),
        ('party = "japan"\n', "events[0].party (line 82): 'japan' is not a third party (allowed: the 2-3 upper-case"),
        ('denied = "yes"\n', "events[0].denied (line 82): expected true or false"),
    ],
)
def test_bad_blame_is_one_line(toy_file, tmp_path, extra, expected):
    path = toy_file(SHOCK + extra, name="bad.toml")
    assert refusal(path).startswith(f"Error: {path}: {expected}")


def test_only_shocks_take_blame(toy_file):
    text = TOY + event(date="2020-03", actor="UK", kind="expel", size=1, post="cn_embassy") + 'party = "JP"\n'
    assert "key 'party' is not used by kind 'expel'" in refusal(toy_file(text=text, name="expel.toml"))
