"""Time within a month: counts dated to a day, compared with the state before that day's forced
events (and before the month's answers, crises and rotation)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import TOY, event, event_table, read_csv
from tests.test_observations import observation

# 5 CN diplomats expelled on 10 March, 3 more on 20 March, and a consulate closed in March
# (a date without a day counts as before any day of the month).
DAYS = (
    TOY
    + event(date="2020-03-10", actor="UK", kind="expel", size=5, post="cn_embassy")
    + event(date="2020-03-20", actor="UK", kind="expel", size=3, post="cn_embassy")
    + event(date="2020-03", actor="CN", kind="close_post", post="uk_consulate")
    + observation(date="2020-03-04", side="CN", column="diplomats", post="cn_embassy", value=40)
    + observation(date="2020-03-10", side="CN", column="diplomats", post="cn_embassy", value=40)
    + observation(date="2020-03-15", side="CN", column="diplomats", value=45)
    + observation(date="2020-03-31", side="CN", column="diplomats", value=42)
    + observation(date="2020-03", side="CN", column="diplomats", value=42)
    + observation(date="2020-03-04", side="UK", column="posts_open", value=2)
)
# the embassy's 40 before the 10th, 35 after it; the mission's 50 less 5 from the 10th, less 3
# from the 20th; the UK's consulate closed before the 4th (a month-dated event)
COUNTED = [40, 40, 45, 42, 42, 2]
FIGURES = [
    "diplomats@cn_embassy#04",
    "diplomats@cn_embassy#10",
    "diplomats#15",
    "diplomats#31",
    "diplomats",
    "posts_open#04",
]


@pytest.fixture
def days(toy_file):
    from sim.files.scenario_file import load_scenario

    return load_scenario(toy_file(text=DAYS, name="days.toml"))


def test_a_count_dated_to_a_day_names_the_figure_of_that_day(days):
    assert [o.day for o in days.observations] == [4, 10, 15, 31, 0, 4]
    assert [o.figure for o in days.observations] == FIGURES
    assert days.observed_days == (4, 10, 15, 31)
    assert days.within_figures == tuple(FIGURES[:4] + FIGURES[5:])


def test_the_replay_counts_before_the_days_events(days):
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan

    ensemble = simulate_batch(days, make_plan(days, "replay"), [1, 2])
    t = 2  # March 2020
    assert [int(ensemble.figures[o.figure][t, 0, o.side]) for o in days.observations] == COUNTED
    assert [int(ensemble.figures[o.figure][t, 1, o.side]) for o in days.observations] == COUNTED
    # in a month with no forced event, a count on a day is the state the month began with
    assert int(ensemble.figures["diplomats#15"][1, 0, 0]) == 50
    assert int(ensemble.figures["diplomats#15"][4, 0, 0]) == 42
    # the end-of-month figures are those of a run without counts on a day
    plain = DAYS.split("\n[[observations]]")[0]
    from sim.files.scenario_file import load_scenario

    path = days.path.replace("days.toml", "plain.toml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(plain)
    other = simulate_batch(load_scenario(path), make_plan(days, "replay"), [1, 2])
    for name in ("staff_total", "diplomats", "posts_open"):
        assert np.array_equal(other.figures[name], ensemble.figures[name])


def test_scores_calibration_and_inference_read_the_day(days):
    from sim.engines.drivers import simulate_batch
    from sim.engines.plan import replay_plan
    from sim.experiments.calibration import simulate_record
    from sim.experiments.choices import make_plan
    from sim.experiments.inference_summaries import Record
    from sim.experiments.scoring import Simulation, Window, tally
    from sim.rules.calendar import parse_date

    ensemble = simulate_batch(days, make_plan(days, "replay"), [1])
    counts = tally([], Simulation([[]], ensemble.figures, days.start), Window(days.start, days.end), days.observations)
    assert counts.staff.tolist() == [COUNTED]
    plan = replay_plan(days)
    figures, kinds = simulate_record(days, plan, np.array([1], dtype=np.uint64))
    assert [float(figures[o.figure][o.month - plan.start, 0, o.side]) for o in days.observations] == COUNTED
    summaries = Record.from_scenario(days, parse_date("2020-06")[0]).summaries(figures, kinds, plan.start)
    assert summaries["staff.CN.diplomats@cn_embassy.2020-03-04"] == pytest.approx(np.log1p(40))
    assert summaries["staff.CN.diplomats.2020-03-15"] == pytest.approx(np.log1p(45))
    assert summaries["staff.CN.diplomats.2020-03"] == pytest.approx(np.log1p(42))


def test_observations_csv_keeps_the_day(tmp_path):
    from click.testing import CliRunner

    from sim.cli import cli

    path = tmp_path / "days.toml"
    path.write_text(DAYS, encoding="utf-8")
    outcome = CliRunner().invoke(cli, ["run", str(path), "--results", str(tmp_path / "r"), "--run-id", "one"])
    assert outcome.exit_code == 0, outcome.output
    rows = read_csv(tmp_path / "r" / "toy" / "one" / "observations.csv")
    assert [r["date"] for r in rows] == [
        "2020-03-04",
        "2020-03-10",
        "2020-03-15",
        "2020-03-31",
        "2020-03",
        "2020-03-04",
    ]
    assert [r["column"] for r in rows] == ["diplomats@cn_embassy"] * 2 + ["diplomats"] * 3 + ["posts_open"]


# --- the date announced beside the date in force -------------------------------------------------

# UK declares 5 Chinese diplomats persona non grata on 25 March; they leave on 2 April.
ANNOUNCED = event(date="2020-04-02", announced="2020-03-25", actor="UK", kind="expel", size=5, post="cn_embassy")
EXPEL_FIVE = 3 * (1 + np.log10(5))  # the severity of expelling 5, as a magnitude


def test_an_event_keeps_the_date_it_was_announced(toy_file):
    from sim.files.scenario_file import load_scenario
    from sim.rules.calendar import parse_date

    scenario = load_scenario(toy_file(ANNOUNCED))
    (expel,) = scenario.events
    assert (expel.month, expel.day) == parse_date("2020-04-02")
    assert expel.announced == parse_date("2020-03-25")
    assert scenario.announces
    assert not load_scenario(
        toy_file(event(date="2020-04-02", actor="UK", kind="shock", name="x", severity=-2.0))
    ).announces


@pytest.mark.parametrize(
    ("announced", "problem"),
    [
        (
            "2020-04-05",
            "2020-04-05 is after the date in force 2020-04-02 (allowed: a date on or before the event's date)",
        ),
        ("2020-05", "2020-05 is after the date in force 2020-04-02 (allowed: a date on or before the event's date)"),
        ("2019-12-30", "2019-12-30 is before the run starts (allowed: 2020-01 to the event's date)"),
    ],
)
def test_an_announcement_after_the_date_or_before_the_run_is_refused(toy_file, announced, problem):
    from sim.errors import ScenarioError
    from sim.files.scenario_file import load_scenario

    path = toy_file(event(date="2020-04-02", announced=announced, actor="UK", kind="expel", size=5, post="cn_embassy"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == f"{path}: events[0].announced (line 78): {problem}"


def test_the_other_side_perceives_a_measure_when_it_is_announced(toy_file):
    from sim.engines.dynamics import Dynamics
    from sim.engines.plan import Mode, Plan
    from sim.files.scenario_file import load_scenario
    from sim.rules.calendar import parse_date

    scenario = load_scenario(toy_file(ANNOUNCED))
    march, april = parse_date("2020-03")[0], parse_date("2020-04")[0]
    # history forced through April and policies after it, so the accounts are kept (a replay has none)
    plan = Plan(Mode.PROJECT, scenario.start, scenario.end, april + 1, scenario.behaviours)
    dynamics = Dynamics(scenario, plan, np.zeros(2, dtype=np.uint64))
    for month in range(scenario.start, march + 1):
        dynamics.step(month)
    # perceived in March: UK's act, and UK expects its answer from then; nobody has left yet
    assert dynamics.shown_hostility[:, 1] == pytest.approx([EXPEL_FIVE] * 2)
    assert dynamics.debt[:, 1] == pytest.approx([EXPEL_FIVE] * 2)
    assert dynamics.state.staff_total(dynamics.world, 0).tolist() == [120] * 2
    log = dynamics.step(april)
    # in force in April: the five leave, and the act is not perceived a second time
    assert dynamics.shown_hostility[:, 1].tolist() == [0.0, 0.0]
    assert dynamics.state.staff_total(dynamics.world, 0).tolist() == [115] * 2
    assert [r.severity for r in log[0]] == pytest.approx([-EXPEL_FIVE])


def test_without_an_announcement_it_is_perceived_when_in_force(toy_file):
    from sim.engines.dynamics import Dynamics
    from sim.engines.plan import replay_plan
    from sim.files.scenario_file import load_scenario
    from sim.rules.calendar import parse_date

    scenario = load_scenario(toy_file(ANNOUNCED.replace('announced = "2020-03-25"\n', "")))
    dynamics = Dynamics(scenario, replay_plan(scenario), np.zeros(1, dtype=np.uint64))
    for month in range(scenario.start, parse_date("2020-03")[0] + 1):
        dynamics.step(month)
    assert dynamics.shown_hostility[:, 1].tolist() == [0.0]
    dynamics.step(parse_date("2020-04")[0])
    assert dynamics.shown_hostility[:, 1] == pytest.approx([EXPEL_FIVE])


def test_events_csv_and_the_export_carry_the_announcement(tmp_path, toy_file):
    from click.testing import CliRunner

    from sim.cli import cli
    from sim.files.event_data import export_events

    path = toy_file(ANNOUNCED + event(date="2020-06", actor="CN", kind="expel", size=2, post="uk_embassy"))
    outcome = CliRunner().invoke(cli, ["run", str(path), "--results", str(tmp_path / "r"), "--run-id", "one"])
    assert outcome.exit_code == 0, outcome.output
    rows = read_csv(tmp_path / "r" / "toy" / "one" / "events.csv")
    assert list(rows[0])[:3] == ["date", "announced", "actor"]
    assert [(r["date"], r["announced"], r["actor"]) for r in rows] == [
        ("2020-04-02", "2020-03-25", "UK"),
        ("2020-06", "", "CN"),
    ]
    coded = export_events(rows, ("CN", "UK"), "cameo", {"CN": "CHN", "UK": "GBR"})
    assert coded.columns[:3] == ("date", "in_force", "source_actor")
    assert [(r["date"], r["in_force"]) for r in coded.rows] == [("2020-03-25", "2020-04-02"), ("2020-06", "2020-06")]
    plover = export_events(rows, ("CN", "UK"), "plover", {"CN": "CHN", "UK": "GBR"})
    assert [(r["date"], r["in_force"]) for r in plover.rows] == [("2020-03-25", "2020-04-02"), ("2020-06", "2020-06")]


# --- answers within the month ---------------------------------------------------------------------

# UK's incident of 4 March 2020 (a shock, forced in every mode); CN mirrors it, UK holds back.
INCIDENT = event(date="2020-03-04", actor="UK", kind="shock", name="incident", severity=-6.0)


def policy_acts(toy_file, same_month: float, keys) -> list[list[tuple[str, str, str]]]:
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan
    from sim.files.scenario_file import load_scenario

    scenario = load_scenario(toy_file(INCIDENT))
    plan = make_plan(
        scenario,
        "behavioural",
        policies={"CN": "mirror", "UK": "restraint"},
        overrides=[("CN", "same_month", same_month)],
    )
    ensemble = simulate_batch(scenario, plan, keys)
    return [
        [(r["date"], r["actor"], r["kind"]) for r in run if r["cause"] == "policy"] for run in event_table(ensemble)
    ]


def test_an_answer_within_the_month_falls_in_the_month_of_what_it_answers(toy_file):
    # looking within the month, CN answers in March, and once: the incident is not answered again
    assert policy_acts(toy_file, 1.0, [1, 2]) == [[("2020-03", "CN", "expel")]] * 2
    # by default a side looks at the start of the next month: the answer falls in April
    assert policy_acts(toy_file, 0.0, [1, 2]) == [[("2020-04", "CN", "expel")]] * 2


def test_same_month_is_the_chance_of_looking_within_the_month(toy_file):
    from sim.rules import rng
    from sim.rules.calendar import parse_date

    keys = rng.run_keys(5, 40)
    acts = policy_acts(toy_file, 0.3, keys)
    looked = rng.uniform(keys, parse_date("2020-03")[0], 0, rng.SLOT_SAME_MONTH) < 0.3
    assert [run[0][0] for run in acts] == ["2020-03" if late else "2020-04" for late in looked]
    assert all(len(run) == 1 for run in acts)
    assert 0 < int(looked.sum()) < 40
