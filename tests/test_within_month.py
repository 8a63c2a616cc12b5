"""Time within a month: counts dated to a day, compared with the state before that day's forced
events (and before the month's answers, crises and rotation)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import TOY, event, read_csv
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
def days(tmp_path):
    from sim.files.scenario_file import load_scenario

    path = tmp_path / "days.toml"
    path.write_text(DAYS, encoding="utf-8")
    return load_scenario(path)


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
