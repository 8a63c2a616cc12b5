"""The replay of the record must show what the record shows (issue: replay that matches the record)."""

from __future__ import annotations

import pytest

from tests.conftest import read_csv


def series(folder, side: str, column: str) -> dict[str, float]:
    rows = read_csv(folder / "trajectories.csv")
    return {r["date"]: float(r[column]) for r in rows if r["side"] == side}


def months(values: dict[str, float], first: str, last: str) -> list[float]:
    return [v for d, v in values.items() if first <= d <= last]


@pytest.fixture(scope="module")
def us(replay_2022):
    return lambda column: series(replay_2022, "US", column)


@pytest.fixture(scope="module")
def ru(replay_2022):
    return lambda column: series(replay_2022, "RU", column)


def test_one_row_per_month_and_side(replay_2022):
    rows = read_csv(replay_2022 / "trajectories.csv")
    assert len(rows) == 2 * 84  # 2016-01 .. 2022-12
    assert {(r["side"], r["host"]) for r in rows} == {("US", "RU"), ("RU", "US")}
    assert rows[0]["date"] == "2016-01" and rows[-1]["date"] == "2022-12"


def test_us_mission_staff_levels(us):
    staff = us("staff_total")
    assert staff["2017-01"] == 1200  # about 1,200 in early 2017 (S04): 1,202 less the 2 of July 2016
    assert max(months(staff, "2017-09", "2022-12")) <= 455  # the cap of 1 September 2017
    assert max(months(staff, "2018-04", "2022-12")) <= 395  # after the 60 expelled in April 2018
    assert months(staff, "2021-08", "2022-01") == [120] * 6  # about 120 from August 2021 (S15, S17)
    assert set(months(us("local"), "2021-08", "2022-12")) == {0}  # no local staff after the ban


def test_us_posts_open(us):
    posts = us("posts_open")
    assert set(months(posts, "2016-01", "2018-02")) == {4}
    assert set(months(posts, "2018-04", "2020-02")) == {3}  # St Petersburg closed 31 March 2018
    assert set(months(posts, "2021-06", "2022-12")) == {1}  # only the embassy from mid-2021


def test_russian_posts_open(ru):
    posts = ru("posts_open")
    assert set(months(posts, "2016-01", "2017-08")) == {8}
    assert set(months(posts, "2017-09", "2018-03")) == {5}
    assert set(months(posts, "2018-04", "2022-12")) == {4}


def test_russian_posts_left_are_embassy_un_new_york_houston(replay_2022):
    from sim.files.scenario_file import load_scenario
    from tests.conftest import SCENARIOS

    scenario = load_scenario(SCENARIOS / "us_russia_2016_2022.toml")
    closed = {
        r["post"] for r in read_csv(replay_2022 / "events.csv") if r["kind"] == "close_post" and r["target"] == "RU"
    }
    posts = {p.id for p in scenario.missions[1].posts}
    assert posts - closed == {"embassy_washington", "un_mission_new_york", "cg_new_york", "cg_houston"}


def test_properties_lost(us, ru):
    lost = ru("properties_lost")
    assert set(months(lost, "2017-01", "2017-08")) == {2}
    assert set(months(lost, "2017-09", "2018-03")) == {5}
    assert set(months(lost, "2018-05", "2022-12")) == {6}
    assert set(months(us("properties_lost"), "2016-01", "2017-07")) == {0}
    assert set(months(us("properties_lost"), "2017-08", "2022-12")) == {2}


def test_russian_mission_levels_and_cause_of_the_fall(ru, replay_2022):
    staff = ru("staff_total")
    assert staff["2017-08"] == 455
    assert 150 <= staff["2022-01"] <= 250
    # The fall after 2018 comes from visa denials (rotation) and the recorded forced departures:
    # the only expulsions from the Russian mission after April 2018 are the record's.
    events = read_csv(replay_2022 / "events.csv")
    removed = sum(
        -int(e["staff_change"]) for e in events if e["target"] == "RU" and "2018-05" <= e["date"][:7] <= "2022-01"
    )
    recorded = {
        ("2021-04-15", "expel", "10"),
        ("2021-09-03", "force_departure", "24"),
        ("2022-01-30", "force_departure", "27"),
    }
    removals = {
        (e["date"], e["kind"], e["size"])
        for e in events
        if e["target"] == "RU" and int(e["staff_change"]) < 0 and "2018-05" <= e["date"][:7] <= "2022-01"
    }
    assert removals == recorded
    assert removed == 61
    rotation_loss = staff["2018-04"] - staff["2022-01"] - removed
    assert rotation_loss > 100  # most of the fall is unreplaced rotation after the May 2020 visa denial
    assert ru("visa_rate")["2020-04"] == 1.0 and ru("visa_rate")["2020-05"] == 0.2


def test_replay_is_exact(replay_2022):
    """The deterministic replay gives these exact figures (pinned)."""
    staff = {(r["date"], r["side"]): int(r["staff_total"]) for r in read_csv(replay_2022 / "trajectories.csv")}
    assert staff[("2017-09", "US")] == 455
    assert staff[("2018-04", "US")] == 377
    assert staff[("2021-07", "US")] == 335
    assert staff[("2018-04", "RU")] == 395
    assert staff[("2021-10", "RU")] == 230
    assert staff[("2022-01", "RU")] == 186


def test_2025_scenario_extends_2022(replay_2022, replay_2025):
    early = read_csv(replay_2022 / "trajectories.csv")
    late = read_csv(replay_2025 / "trajectories.csv")
    assert late[: len(early)] == early
    last = {r["side"]: r for r in late if r["date"] == "2025-12"}
    assert last["RU"]["banking"] == "true"  # restored at the April 2025 Istanbul round
    assert last["RU"]["ambassador"] == "true" and last["US"]["ambassador"] == "false"
