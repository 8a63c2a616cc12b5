"""Bad scenario input: a one-line reason naming file, key path or line, and what is allowed; exit 2;
no traceback; no result directory."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import TOY, event

CASES = {
    "toml_syntax": (TOY + "\n[[events]\n", [" (line 75): TOML syntax error: Expected ']]'", "(allowed: valid TOML)"]),
    "unknown_top_key": (TOY + "\n[extra]\nx = 1\n", ["extra (line 75): unknown key", "allowed: scenario, run"]),
    "unknown_post_key": (
        TOY.replace("local = 30", "local = 30\nstafff = 2"),
        ["missions.CN.posts[0].stafff (line 28): unknown key", "allowed: id, name"],
    ),
    "unknown_kind": (
        TOY + event(date="2020-03", actor="UK", kind="bomb"),
        ["events[0].kind (line 79): unknown value 'bomb'", "allowed: expel, force_departure"],
    ),
    "unknown_side": (
        TOY + event(date="2020-03", actor="FR", kind="expel", size=2),
        ["events[0].actor (line 78): unknown side 'FR' (allowed: CN, UK)"],
    ),
    "unknown_post": (
        TOY + event(date="2020-03", actor="UK", kind="close_post", post="cn_nowhere"),
        ["events[0].post (line 80): unknown post 'cn_nowhere'", "allowed: the posts and bodies of CN: cn_embassy"],
    ),
    "unknown_property": (
        TOY + event(date="2020-03", actor="UK", kind="seize_property", property="palace"),
        ["events[0].property (line 80): unknown property 'palace' (allowed: the properties of CN: cn_residence)"],
    ),
    "negative_count": (
        TOY.replace("diplomats = 40", "diplomats = -4"),
        ["missions.CN.posts[0].diplomats (line 25): -4 is out of range (allowed: 0 to 1,000,000)"],
    ),
    "fractional_count": (
        TOY + event(date="2020-03", actor="UK", kind="expel", size=2.5),
        ["events[0].size (line 80): expected a whole number, found 2.5"],
    ),
    "event_outside_run": (
        TOY + event(date="2021-02-01", actor="UK", kind="expel", size=2),
        ["events[0].date (line 77): 2021-02 is outside the run (allowed: 2020-01 to 2020-12)"],
    ),
    "close_closed_post": (
        TOY
        + event(date="2020-03", actor="UK", kind="close_post", post="cn_consulate")
        + event(date="2020-05", actor="UK", kind="close_post", post="cn_consulate"),
        ["events[1] (line 82): post 'cn_consulate' is already closed at that date"],
    ),
    "close_un_mission": (
        TOY + event(date="2020-03", actor="CN", kind="close_post", post="uk_un"),
        ["events[0] (line 75): ", "UN mission", "headquarters agreement"],
    ),
    "expel_too_many": (
        TOY + event(date="2020-03", actor="UK", kind="expel", size=16, post="cn_consulate"),
        ["events[0] (line 75): cannot remove 16 sent staff: post 'cn_consulate' has 15"],
    ),
    "missing_required": (
        TOY + '\n[[events]]\ndate = "2020-03"\nactor = "UK"\nkind = "expel"\nsource = "x"\n',
        ["events[0].size (line 75): missing required key"],
    ),
    "wrong_type": (
        TOY.replace("seed = 7", 'seed = "seven"'),
        ["run.seed (line 9): expected an integer, found the string 'seven'"],
    ),
    "missing_table": (TOY.replace("[run]", "[runs]"), ["runs (line 6): unknown key"]),
    "bad_date": (TOY.replace('start = "2020-01"', 'start = "2020-13"'), ["run.start (line 7): '2020-13' has month 13"]),
    "behaviour_out_of_range": (
        TOY + "\n[behaviour.UK]\nperception_error = 2.0\n",
        ["behaviour.UK.perception_error (line 76): 2.0 is out of range (allowed: 0.0 to 1.0)"],
    ),
    "behaviour_unknown_policy": (
        TOY + '\n[behaviour.CN]\npolicy = "tit_for_tat"\n',
        ["behaviour.CN.policy (line 76): unknown policy 'tit_for_tat'", "mirror"],
    ),
    "behaviour_unknown_key": (TOY + "\n[behaviour.CN]\nsneeze = 1\n", ["behaviour.CN.sneeze (line 76): unknown key"]),
    "behaviour_unknown_side": (
        TOY + '\n[behaviour.FR]\npolicy = "mirror"\n',
        ["behaviour.FR (line 75): unknown side 'FR' (allowed: CN, UK)"],
    ),
    "post_of_other_side": (
        TOY + event(date="2020-03", actor="UK", kind="expel", post="uk_consulate", size=1),
        [
            "events[0] (line 75): post 'uk_consulate' is UK's",
            "allowed: the posts and bodies of CN: cn_embassy, cn_consulate",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_gives_one_line_and_exit_2(case, tmp_path):
    text, expected = CASES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    results = tmp_path / "results"
    for command in (["run", str(path), "--results", str(results)], ["validate", str(path)]):
        outcome = CliRunner().invoke(cli, command)
        assert outcome.exit_code == 2, outcome.output
        message = outcome.stderr.strip()
        assert "\n" not in message, message
        assert "Traceback" not in outcome.output
        assert message.startswith("Error: ") and str(path) in message
        for part in expected:
            assert part in message, (part, message)
        assert outcome.exception is None or isinstance(outcome.exception, SystemExit)
    assert not results.exists()


def test_line_numbers_point_at_the_event_table(tmp_path):
    text = (
        TOY
        + event(date="2020-03", actor="UK", kind="expel", size=2)
        + event(date="2020-04", actor="UK", kind="expel", size=999)
    )
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    outcome = CliRunner().invoke(cli, ["validate", str(path)])
    line = [n for n, row in enumerate(text.splitlines(), start=1) if row == "[[events]]"][1]
    assert f"{path}: events[1] (line {line}): " in outcome.stderr


def test_missing_file(tmp_path):
    outcome = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.toml")])
    assert outcome.exit_code == 2 and "file not found" in outcome.stderr


def test_plot_of_a_folder_that_is_not_a_result(tmp_path):
    outcome = CliRunner().invoke(cli, ["plot", str(tmp_path)])
    assert outcome.exit_code == 2 and "no manifest.json" in outcome.stderr


B = ["--mode", "behavioural"]


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--mode", "project"], "--mode project needs --from DATE"),
        ([*B, "--policy", "US=grit"], "--policy: unknown side 'US' (allowed: CN, UK)"),
        ([*B, "--set", "US.perception_error=0.1"], "--set: US.perception_error: unknown side 'US' (allowed: CN, UK)"),
        ([*B, "--set", "UK_perception_error=0.1"], "--set: expected SIDE.KEY=VALUE, found 'UK_perception_error=0.1'"),
        ([*B, "--policy", "UK"], "expected SIDE=POLICY"),
        ([*B, "--policy", "UK=mirror", "--policy", "UK=grit"], "UK is given two policies"),
        ([*B, "--set", "UK.perception_error=x"], "--set: UK.perception_error: expected a number, found the string 'x'"),
        (
            [*B, "--set", "UK.perception_error=2"],
            "--set: UK.perception_error: 2.0 is out of range (allowed: 0.0 to 1.0)",
        ),
        ([*B, "--set", "UK.delay_weights=-1"], "--set: UK.delay_weights[0]: -1.0 is out of range (allowed: 0.0 to"),
        ([*B, "--set", "UK.delay_weights=0,0"], "--set: UK.delay_weights: the weights sum to 0"),
        ([*B, "--set", "UK.crisis_severity=-5"], "-8,-3 with --set"),
        ([*B, "--set", "UK.sneeze=1"], "--set: UK.sneeze: unknown key (allowed: policy, perception_error"),
        ([*B, "--policy", "UK=escalate:k=99"], "--policy: UK.policy: policy 'escalate': parameter 'k' = 99.0 is out"),
        (["--policy", "UK=grit"], "apply only when policies act"),
        (["--set", "UK.perception_error=0.1"], "apply only when policies act"),
        ([*B, "--run-seed", "5", "--replicates", "3"], "cannot be combined"),
        (["--run-seed", str(2**64)], "--run-seed"),
        (["--run-id", "../escape"], "--run-id: '../escape' cannot name a folder"),
        (["--run-id", "a/b"], "cannot name a folder"),
        (["-n", "0"], "--replicates"),
        (["--mode", "Replay"], "'Replay' is not one of"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(options, expected, toy_file, tmp_path):
    results = tmp_path / "results"
    outcome = CliRunner().invoke(cli, ["run", str(toy_file()), "--results", str(results), *options])
    assert outcome.exit_code == 2, outcome.output
    message = outcome.stderr.strip()
    assert "\n" not in message and expected in message, message
    assert "Traceback" not in outcome.output
    assert not results.exists()


def test_plot_of_a_folder_with_a_missing_column(replay_2022, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(replay_2022, copy)
    text = (copy / "trajectories.csv").read_text().replace("staff_total", "staff")
    (copy / "trajectories.csv").write_text(text)
    outcome = CliRunner().invoke(cli, ["plot", str(copy)])
    assert outcome.exit_code == 2 and "missing column staff_total" in outcome.stderr
