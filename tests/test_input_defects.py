"""Hostile and careless input (issue 13, items 9-12, 15, 17): counts that could overflow, nan and
inf, names with a newline or too long, nesting, wrong types and files that are not text, lax
values that changed meaning, byte-order marks. Each is refused with exit status 2 and one line
naming the file (or option), the key and the line, or accepted where it should be."""

from __future__ import annotations

import json
import re

import pytest

from sim.errors import ScenarioError
from sim.files.params import apply_params
from sim.files.scenario_file import load_scenario, parse_scenario
from sim.files.sweep_file import load_sweep
from tests.conftest import TOY, event
from tests.input_files import FULL, PARAMS, SWEEP, assert_one_line_error, invoke, write

BEHAVIOURAL = ["--mode", "behavioural", "--no-plot"]


def validate(tmp_path, text: str, name: str = "bad.toml"):
    path = write(tmp_path, name, text)
    code, stderr, _ = invoke(["validate", path])
    return path, code, stderr


def sweep(tmp_path, text: str, *options: str):
    write(tmp_path, "toy.toml", FULL)
    path = write(tmp_path, "sweep.toml", text)
    code, stderr, _ = invoke(["sweep", path, "--results", tmp_path / "results", "--workers", "1", "-q", *options])
    return path, code, stderr


def run(tmp_path, *options: object, text: str = FULL):
    path = write(tmp_path, "toy.toml", text)
    code, stderr, _ = invoke(["run", path, "--results", tmp_path / "results", *options])
    return path, code, stderr


# --- 9: every count is bounded ------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, where",
    [
        (("diplomats = 40", "diplomats = 5000000000000000000"), "missions.CN.posts[0].diplomats (line 25): "),
        (("support = 5", "support = 9223372036854775808"), "missions.CN.posts[1].support (line 34): "),
        (("local = 60", "local = 1000001"), "missions.UK.posts[0].local (line 50): "),
        (("visa_rate = 1.0", "visa_rate = 1.0\nstaff_cap = 9223372036854775808"), "missions.CN.staff_cap (line 20): "),
    ],
)
def test_counts_above_a_million_are_refused(tmp_path, change, where):
    path, code, stderr = validate(tmp_path, TOY.replace(*change))
    assert_one_line_error(code, stderr, f"{path}: {where}", "is out of range (allowed: 0 to 1,000,000)")


def test_event_sizes_and_seeds_are_bounded(tmp_path):
    for extra, expected in [
        (event(date="2020-03", actor="UK", kind="expel", size=2**64), "events[0].size (line 80): "),
        (event(date="2020-03", actor="UK", kind="cap_staff", size=2**63), "events[0].size (line 80): "),
    ]:
        path, code, stderr = validate(tmp_path, TOY + extra)
        assert_one_line_error(code, stderr, f"{path}: {expected}", "out of range (allowed: ")
    path, code, stderr = validate(tmp_path, TOY.replace("seed = 7", "seed = 18446744073709551616"))
    assert_one_line_error(code, stderr, "run.seed (line 9): ", "(allowed: 0 to 9,223,372,036,854,775,807)")


def test_a_seed_on_the_command_line_has_the_bound_of_a_seed_in_a_file(tmp_path):
    _, code, stderr = run(tmp_path, "--seed", str(2**63))
    assert_one_line_error(code, stderr, "--seed", "9223372036854775808 is not in the range 0<=x<=9223372036854775807")


def test_every_behaviour_key_has_a_checked_field():
    from sim.files.behaviour_values import BehaviourModel
    from sim.rules.behaviour import KEYS

    assert tuple(BehaviourModel.model_fields) == KEYS


def test_a_mission_cannot_grow_past_ten_million(tmp_path):
    big = "diplomats = 1000000\nsupport = 1000000\nlocal = 1000000"
    text = TOY
    for counts in ("diplomats = 40\nsupport = 20\nlocal = 30", "diplomats = 10\nsupport = 5\nlocal = 15"):
        text = text.replace(counts, big)
    posts = "".join(
        f'\n[[missions.CN.posts]]\nid = "cn_{i}"\nname = "Post {i}"\nkind = "trade_mission"\n{big}\n' for i in range(2)
    )
    path, code, stderr = validate(tmp_path, text.replace("[missions.UK]", posts + "\n[missions.UK]"))
    assert_one_line_error(code, stderr, "missions.CN.posts", "the mission starts with 12,000,000 staff")
    adding = "".join(event(date="2020-03", actor="UK", kind="add_staff", size=1_000_000) for _ in range(10))
    path, code, stderr = validate(tmp_path, TOY + adding)
    assert_one_line_error(
        code, stderr, "events[9].size", "UK's mission could reach 10,000,140 staff", "at most 10,000,000"
    )


# --- 10: no nan or inf, anywhere ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            TOY + "\n[behaviour.CN]\ndelay_weights = [nan, 1]\n",
            "behaviour.CN.delay_weights[0] (line 76): expected a finite",
        ),
        (TOY + "\n[behaviour.CN]\ndelay_weights = [1e308, 1e308]\n", "delay_weights[0] (line 76): 1e+308 is out"),
        (TOY + "\n[behaviour.CN]\ncrisis_rate = inf\n", "behaviour.CN.crisis_rate (line 76): expected a finite number"),
        (TOY.replace("visa_rate = 1.0", "visa_rate = nan"), "missions.CN.visa_rate (line 19): expected a finite"),
        (TOY.replace("area = 12.5", "area = inf"), "missions.UK.properties[0].area (line 72): expected a finite"),
        (
            TOY + event(date="2020-03", actor="UK", kind="shock", name="x", severity=float("-inf")),
            "events[0].severity (line 81)",
        ),
        (TOY + event(date="2020-03", actor="UK", kind="deny_visas", size=float("nan")), "events[0].size (line 80)"),
    ],
)
def test_nan_and_inf_in_scenarios(tmp_path, text, expected):
    path, code, stderr = validate(tmp_path, text)
    assert_one_line_error(code, stderr, f"{path}: ", expected)


@pytest.mark.parametrize(
    "option, expected",
    [
        (["--set", "CN.perception_error=nan"], "--set: CN.perception_error: expected a finite number, found nan"),
        (["--set", "CN.crisis_rate=inf"], "--set: CN.crisis_rate: expected a finite number, found inf"),
        (["--set", "CN.delay_weights=1e308,1e308"], "--set: CN.delay_weights[0]: 1e+308 is out of range"),
        (["--set", "CN.crisis_severity=-inf,0"], "--set: CN.crisis_severity[0]: expected a finite number"),
        (["--policy", "CN=escalate:k=nan"], "--policy: CN.policy: policy 'escalate': parameter 'k' must be a number"),
    ],
)
def test_nan_and_inf_on_the_command_line(tmp_path, option, expected):
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, *option)
    assert_one_line_error(code, stderr, expected)
    assert not (tmp_path / "results").exists()


def test_nan_and_inf_in_parameter_files_and_sweeps(tmp_path):
    params = write(tmp_path, "params.toml", "[behaviour.UK]\nperception_error = nan\n")
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, "--params", params)
    assert_one_line_error(code, stderr, f"{params}: behaviour.UK.perception_error (line 2): expected a finite number")
    for change, expected in [
        (('"UK.perception_error" = [0.1]', '"UK.perception_error" = [nan]'), "levers.UK.perception_error[0] (line 17)"),
        (("low = 0.0", "low = nan"), "uncertainties.crisis_rate.low (line 20): expected a finite number, found nan"),
        (("high = 1.0", "high = inf"), "uncertainties.crisis_rate.high (line 20): expected a finite number, found inf"),
    ]:
        path, code, stderr = sweep(tmp_path, SWEEP.replace(*change))
        assert_one_line_error(code, stderr, f"{path}: {expected}")


def test_manifests_hold_no_nan(tmp_path):
    params = write(tmp_path, "params.toml", PARAMS)
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, "-n", "3", "--params", params, "--run-id", "a")
    assert code == 0, stderr

    def refuse(constant: str):
        raise AssertionError(f"manifest.json holds {constant}")

    manifest = json.loads((tmp_path / "results/toy/a/manifest.json").read_text(), parse_constant=refuse)
    assert manifest["behaviour"]["CN"]["delay_weights"] == [0.5, 0.5]


# --- 11: names are full matches of at most 64 characters ------------------------------------------


@pytest.mark.parametrize("name", ["toy\\n", "a" * 65, "toy\\u0000", "toy ", ""])
def test_bad_scenario_names(tmp_path, name):
    path, code, stderr = validate(tmp_path, TOY.replace('name = "toy"', f'name = "{name}"'))
    assert_one_line_error(code, stderr, f"{path}: scenario.name (line 3): ", "cannot name a results folder")


def test_a_name_of_64_characters_is_a_name(tmp_path):
    _, code, stderr = validate(tmp_path, TOY.replace('name = "toy"', f'name = "{"a" * 64}"'))
    assert code == 0, stderr


@pytest.mark.parametrize("run_id", ["abc\n", "a" * 65])
def test_bad_run_ids(tmp_path, run_id):
    _, code, stderr = run(tmp_path, "--run-id", run_id)
    message = assert_one_line_error(code, stderr, "--run-id: ", "cannot name a folder")
    assert "\\n" in message or "a" * 65 in message
    assert not any((tmp_path / "results").glob("*/*"))


def test_bad_sweep_names_and_ids(tmp_path):
    path, code, stderr = sweep(tmp_path, SWEEP.replace('name = "toy_sweep"', 'name = "toy_sweep\\n"'))
    assert_one_line_error(code, stderr, f"{path}: sweep.name (line 3): 'toy_sweep\\n' cannot name a results folder")
    for bad in ("abc\n", "b" * 65):
        _, code, stderr = sweep(tmp_path, SWEEP, "--id", bad)
        assert_one_line_error(code, stderr, "--id: ", "cannot name a folder")
    assert not (tmp_path / "results").exists()


# Every character that str.splitlines breaks a line at, C1 controls (U+0085) included.
LINE_BREAKS = ["\\n", "\\r", "\\u000b", "\\u000c", "\\u001c", "\\u001d", "\\u001e", "\\u0085", "\\u2028", "\\u2029"]


@pytest.mark.parametrize("escape", LINE_BREAKS)
def test_unknown_keys_that_break_lines_stay_on_one_line(tmp_path, escape):
    path, code, stderr = sweep(tmp_path, f'"{escape}" = 1\n' + SWEEP)
    allowed = "unknown key (allowed: sweep, design, levers, uncertainties, posterior)"
    message = assert_one_line_error(code, stderr, f"{path}: ", allowed)
    assert escape.replace("\\u00", "\\x") in message or escape in message
    path, code, stderr = validate(tmp_path, TOY.replace('name = "toy"', f'name = "toy"\n"a{escape}b" = 2'))
    assert_one_line_error(code, stderr, f"{path}: scenario.a", "unknown key")


def test_a_file_name_that_breaks_lines_stays_on_one_line(tmp_path):
    code, stderr, _ = invoke(["validate", tmp_path / "no\u0085such\u2028file.toml"])
    assert_one_line_error(code, stderr, "no\\x85such\\u2028file.toml")


# --- 12: nesting, wrong shapes, folders and bytes that are not text ---------------------------------


@pytest.mark.parametrize("depth", [50, 5000])
def test_deep_nesting(tmp_path, depth):
    nested = "[" * depth + "]" * depth
    path, code, stderr = validate(tmp_path, TOY + f"\n[behaviour.CN]\ndelay_weights = {nested}\n")
    assert_one_line_error(code, stderr, str(path))
    _, code, stderr = sweep(tmp_path, SWEEP + f"\nx = {nested}\n")
    assert_one_line_error(code, stderr, "sweep.toml")
    params = write(tmp_path, "params.toml", f"x = {nested}\n")
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, "--params", params)
    assert_one_line_error(code, stderr, "params.toml")


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ("low = 0.0", 'low = "a"'),
            "uncertainties.crisis_rate.low (line 20): expected a number, found the string 'a'",
        ),
        (("low = 0.0", "low = [0.0]"), "uncertainties.crisis_rate.low (line 20): expected a number, found an array"),
        (("\n[sweep]", "levers = 5\n[sweep]"), "levers (line 1): expected a table, found the integer 5"),
        (("\n[sweep]", "uncertainties = 5\n[sweep]"), "uncertainties (line 1): expected a table, found the integer 5"),
        (("\n[sweep]", "design = []\n[sweep]"), "design (line 1): expected a table, found an array"),
        (("[sweep]", "[[sweep]]"), "sweep (line 2): expected a table, found an array"),
        (("crisis_rate = {", "crisis_rate = 3\nz = {"), "uncertainties.crisis_rate (line 20): expected a table"),
        (('"CN.policy" = ["mirror"]', '"CN.policy" = []'), "levers.CN.policy (line 16): found 0 items"),
    ],
)
def test_wrong_shapes_in_sweep_files(tmp_path, change, expected):
    text = SWEEP
    for table in ("levers", "uncertainties", "design"):
        if f"{table} = " in change[1]:  # the table becomes a plain value: drop the table
            text = re.sub(rf"\n\[{table}\]\n(?:[^\n]+\n)*", "\n", text)
    path, code, stderr = sweep(tmp_path, text.replace(*change))
    assert_one_line_error(code, stderr, f"{path}: {expected}")


def test_a_folder_given_as_a_file(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    for command in (
        ["validate", folder],
        ["run", folder, "--results", tmp_path / "r"],
        ["sweep", folder, "--results", tmp_path / "r"],
        ["run", write(tmp_path, "toy.toml", FULL), *BEHAVIOURAL, "--params", folder, "--results", tmp_path / "r"],
    ):
        code, stderr, _ = invoke(command)
        message = assert_one_line_error(code, stderr, str(folder))
        assert "is a directory" in message or "is a folder" in message, message
    scenario = load_scenario(write(tmp_path, "toy.toml", FULL))
    for read in (parse_scenario, load_sweep, lambda path: apply_params(scenario, path)):
        with pytest.raises(ScenarioError, match=f"^{re.escape(str(folder))}: is a folder, not a file"):
            read(folder)


def test_files_that_are_not_utf8(tmp_path):
    latin = FULL.replace("every key", "caf\xe9").encode("latin-1")
    (tmp_path / "latin.toml").write_bytes(latin)
    code, stderr, _ = invoke(["validate", tmp_path / "latin.toml"])
    assert_one_line_error(code, stderr, "latin.toml (line 4): not UTF-8 text (byte 0xe9) (allowed: a UTF-8 TOML file)")
    (tmp_path / "params.toml").write_bytes(b'[behaviour.CN]\npolicy = "gr\xefft"\n')
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, "--params", tmp_path / "params.toml")
    assert_one_line_error(code, stderr, "params.toml (line 2): not UTF-8 text (byte 0xef)")
    (tmp_path / "utf16.toml").write_bytes(FULL.encode("utf-16"))
    code, stderr, _ = invoke(["validate", tmp_path / "utf16.toml"])
    assert_one_line_error(code, stderr, "not UTF-8 text (a UTF-16 byte-order mark)")
    write(tmp_path, "toy.toml", FULL)
    (tmp_path / "sweep.toml").write_bytes(SWEEP.encode("utf-8") + b"\n# \xff\n")
    code, stderr, _ = invoke(["sweep", tmp_path / "sweep.toml", "--results", tmp_path / "r"])
    assert_one_line_error(code, stderr, "sweep.toml (line 22): not UTF-8 text (byte 0xff)")


# --- 15: strict values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, expected",
    [
        (("low = 0.0", "low = true"), "uncertainties.crisis_rate.low (line 20): expected a number, found true"),
        (("high = 1.0", "high = false"), "uncertainties.crisis_rate.high (line 20): expected a number, found false"),
        (
            ("points = 1", "points = true"),
            "uncertainties.crisis_rate.points (line 20): expected an integer, found true",
        ),
        (
            ("points = 1", "points = 2.0"),
            "uncertainties.crisis_rate.points (line 20): expected a whole number, found 2.0",
        ),
        (("replicates = 1", "replicates = true"), "sweep.replicates (line 8): expected an integer, found true"),
        (("[0.1]", "[true]"), "levers.UK.perception_error[0] (line 17): expected a number, found true"),
        (('["mirror"]', '["escalate:k=2,k=3"]'), "levers.CN.policy[0] (line 16): policy 'escalate': parameter 'k' is"),
    ],
)
def test_lax_values_in_sweep_files(tmp_path, change, expected):
    path, code, stderr = sweep(tmp_path, SWEEP.replace(*change))
    assert_one_line_error(code, stderr, f"{path}: {expected}")


def test_lax_values_in_scenarios(tmp_path):
    for change, expected in [
        (("seed = 7", "seed = true"), "run.seed (line 9): expected an integer, found true"),
        (("diplomats = 40", "diplomats = 40.0"), "missions.CN.posts[0].diplomats (line 25): expected a whole number"),
        (("local = 30", "local = true"), "missions.CN.posts[0].local (line 27): expected an integer, found true"),
        (
            ("visa_rate = 1.0", 'visa_rate = "1"'),
            "missions.CN.visa_rate (line 19): expected a number, found the string",
        ),
        (("tour_months = 12", "tour_months = 12.5"), "missions.CN.tour_months (line 18): expected a whole number"),
    ]:
        path, code, stderr = validate(tmp_path, TOY.replace(*change))
        assert_one_line_error(code, stderr, f"{path}: {expected}")
    path, code, stderr = validate(tmp_path, TOY + '\n[behaviour.CN]\npolicy = "escalate:k=2,k=3"\nrestaff = 1\n')
    assert_one_line_error(
        code, stderr, "behaviour.CN.policy (line 76): policy 'escalate': parameter 'k' is given twice"
    )


def test_a_policy_parameter_given_twice(tmp_path):
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, "--policy", "UK=escalate:k=2,k=3")
    assert_one_line_error(code, stderr, "--policy: UK.policy: policy 'escalate': parameter 'k' is given twice")
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, "--set", "UK.policy=escalate:k=2,k=3")
    assert_one_line_error(code, stderr, "--set: UK.policy: policy 'escalate': parameter 'k' is given twice")


def test_initiatives_outside_the_run(tmp_path):
    path, code, stderr = validate(tmp_path, TOY + '\n[behaviour.UK]\ninitiative = "return_property@1900-01"\n')
    assert_one_line_error(
        code, stderr, f"{path}: behaviour.UK.initiative (line 76): 'return_property@1900-01' is dated 1900-01, before"
    )
    params = write(tmp_path, "params.toml", '[behaviour.UK]\ninitiative = "reopen_post@2019-12"\n')
    _, code, stderr = run(tmp_path, *BEHAVIOURAL, "--params", params)
    assert_one_line_error(code, stderr, f"{params}: behaviour.UK.initiative (line 2): 'reopen_post@2019-12' is dated")
    for options, allowed in [
        (["--set", "UK.initiative=return_property@1900-01"], "(allowed: 2020-01 to 2020-12)"),
        (["--set", "UK.initiative=return_property@2021-01"], "(allowed: 2020-01 to 2020-12)"),
        (["--mode", "project", "--from", "2020-06", "--set", "UK.initiative=lift_cap@2020-03"], "2020-06 to 2020-12"),
    ]:
        _, code, stderr = run(tmp_path, *BEHAVIOURAL, *options)
        assert_one_line_error(code, stderr, "UK.initiative: ", "outside the months policies act", allowed)
    assert not (tmp_path / "results").exists()


def test_more_workers_than_cores(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    write(tmp_path, "toy.toml", FULL)
    path = write(tmp_path, "sweep.toml", SWEEP)
    code, stderr, outcome = invoke(["sweep", path, "--results", tmp_path / "r", "--workers", "2", "-q"])
    assert code == 0, outcome.output
    assert stderr.strip() == (
        "warning: --workers 2 is more than the 1 cores of this machine; the workers will share them"
    )
    code, stderr, _ = invoke(["sweep", path, "--results", tmp_path / "r", "--workers", "257"])
    assert_one_line_error(code, stderr, "--workers", "257 is not in the range 1<=x<=256")
    code, stderr, _ = invoke(["calibrate", write(tmp_path, "toy.toml", FULL), "--workers", "1000"])
    assert_one_line_error(code, stderr, "--workers", "1000 is not in the range 1<=x<=256")


# --- 17: a byte-order mark is not an error ------------------------------------------------------------


def test_byte_order_marks_are_dropped(tmp_path):
    bom = "\ufeff"
    scenario = write(tmp_path, "toy.toml", bom + FULL)
    code, stderr, outcome = invoke(["validate", scenario])
    assert code == 0, stderr
    params = write(tmp_path, "params.toml", bom + PARAMS)
    code, stderr, _ = invoke(["run", scenario, *BEHAVIOURAL, "--params", params, "--results", tmp_path / "r"])
    assert code == 0, stderr
    path = write(tmp_path, "sweep.toml", bom + SWEEP)
    code, stderr, _ = invoke(["sweep", path, "--results", tmp_path / "r", "--workers", "1", "-q"])
    assert code == 0, stderr
    path, code, stderr = validate(tmp_path, bom + TOY.replace("seed = 7", "seed = -7"))
    assert_one_line_error(code, stderr, "run.seed (line 9): -7 is out of range")
