"""The four dyad scenarios replay what their records give, and every item cites a record row.

Each scenario in scenarios/ rests on one record in data/history/dyads/<record>/. Figures the
model produces exactly (after an expulsion, a cap, a closure) are pinned to the record's
figures; the comments name the row.
"""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pytest

from tests.conftest import ROOT, SCENARIOS, read_csv

DYADS = {
    "cz_russia_2021": "cz_ru_2021",
    "germany_russia_2022": "de_ru_2022",
    "us_ussr_1986": "us_su_1986",
    "us_russia_2001": "us_ru_2001",
}
ROW = re.compile(r"\b[ES]\d{2}\b")


def present(name: str) -> bool:
    return (SCENARIOS / f"{name}.toml").exists()


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    from sim.experiments.run import RunOptions, run_scenario

    root = tmp_path_factory.mktemp("dyads")
    cache: dict[str, dict[tuple[str, str], dict[str, str]]] = {}

    def replay(name: str) -> dict[tuple[str, str], dict[str, str]]:
        if name not in cache:
            folder = run_scenario(SCENARIOS / f"{name}.toml", root, RunOptions(run_id="replay")).folder
            cache[name] = {(r["date"], r["side"]): r for r in read_csv(folder / "trajectories.csv")}
        return cache[name]

    return replay


def figures(rows, date: str, side: str, *columns: str) -> tuple[int, ...]:
    return tuple(int(float(rows[(date, side)][c])) for c in columns)


def replayed(name: str, date: str):
    """The world and state at the end of a month of the replay, for what trajectories.csv does not
    show: caps on some posts or categories, and bodies."""
    from sim.engines.dynamics import Dynamics
    from sim.engines.plan import replay_plan
    from sim.files.scenario_file import load_scenario
    from sim.rules.calendar import parse_date

    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    dynamics = Dynamics(scenario, replay_plan(scenario), np.zeros(1, dtype=np.uint64), log_events=False)
    for month in range(scenario.start, parse_date(date)[0] + 1):
        dynamics.step(month)
    return dynamics.world, dynamics.state


def narrow_caps(name: str, date: str) -> dict[tuple[str, tuple[str, ...]], int]:
    """The caps on some posts or categories at the end of a month of the replay, by (the post, the
    posts joined by "+", or "mission"; categories); -1 where a cap was lifted."""
    from sim.rules.domain import Category

    world, state = replayed(name, date)
    caps = {}
    for index, scope in enumerate(world.cap_scopes):
        where = "mission" if scope.posts is None else "+".join(world.post_ids[p] for p in scope.posts)
        categories = tuple(Category(c).name.lower() for c in scope.categories)
        caps[(where, categories)] = int(state.scoped_cap[0, index])
    return caps


def staff_at(name: str, date: str, *posts: str) -> int:
    """Staff at the named posts and bodies at the end of a month of the replay."""
    world, state = replayed(name, date)
    return int(sum(state.staff[0, world.post_ids.index(p)].sum() for p in posts))


def within(name: str, date: str, side: str, column: str) -> int:
    """A figure of the replay on a day its observations count within the month: before the
    forced events of that day and later in the month."""
    from sim.engines.drivers import simulate_batch
    from sim.engines.plan import replay_plan
    from sim.files.scenario_file import load_scenario
    from sim.rules.calendar import parse_date
    from sim.rules.scenario import within_month

    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    month, day = parse_date(date)
    figure = within_month(column, day)
    ensemble = simulate_batch(scenario, replay_plan(scenario), [scenario.seed], log_events=False, columns=(figure,))
    return int(ensemble.figures[figure][month - scenario.start, 0, scenario.codes.index(side)])


SENT = ("diplomats", "support")


# --- every event and observation names a row of its record --------------------------------------


def record_rows(record: str) -> set[str]:
    folder = ROOT / "data" / "history" / "dyads" / record
    return {r["id"] for name in ("events.csv", "staff.csv") for r in read_csv(folder / name)}


@pytest.mark.parametrize("name", [n for n in DYADS if present(n)])
def test_every_item_names_rows_of_its_record(name):
    record = DYADS[name]
    rows = record_rows(record)
    data = tomllib.loads((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"))
    items = [("events", i, e) for i, e in enumerate(data.get("events", []))]
    items += [("observations", i, o) for i, o in enumerate(data.get("observations", []))]
    for side, mission in data["missions"].items():
        items.append((f"missions.{side}", 0, mission))
        items += [(f"missions.{side}.posts", i, p) for i, p in enumerate(mission.get("posts", []))]
        items += [(f"missions.{side}.properties", i, p) for i, p in enumerate(mission.get("properties", []))]
    assert items
    for table, index, item in items:
        source = item.get("source", "")
        where = f"{name}: {table}[{index}]"
        assert source.startswith(f"{record} "), f"{where}: source {source!r} does not start with {record!r}"
        cited = ROW.findall(source)
        assert cited, f"{where}: source {source!r} names no row"
        missing = sorted(set(cited) - rows)
        assert not missing, f"{where}: rows {missing} are not in {record}/events.csv or staff.csv"


# --- every observation holds in the replay -----------------------------------------------------

# The observations of some posts, bodies or categories each scenario makes (docs/scenarios.md).
NARROW = {
    "cz_russia_2021": [
        "diplomats@ru_embassy_prague",
        "diplomats+support@ru_embassy_prague",
        "diplomats@cz_embassy_moscow",
        "diplomats+support@cz_embassy_moscow",
        "local@cz_embassy_moscow+cz_czech_house_body",
        "staff_total@ru_embassy_prague",
        "staff_total@cz_embassy_moscow",
        "diplomats+support@ru_embassy_prague",
    ],
    "germany_russia_2022": [
        "staff_total@de_goethe_moscow+de_goethe_st_petersburg+de_goethe_novosibirsk",
        "staff_total@de_school_moscow",
        "staff_total@de_goethe_moscow+de_goethe_st_petersburg+de_goethe_novosibirsk",
        "posts_open@de_goethe_moscow+de_goethe_st_petersburg+de_goethe_novosibirsk",
        "staff_total@de_school_moscow",
        "staff_total@de_embassy_moscow+de_cg_st_petersburg+de_cg_kaliningrad+de_cg_yekaterinburg+de_~a7318f16",
    ],
    "us_ussr_1986": [
        "staff_total@su_un_mission_new_york",
        "diplomats+support@us_embassy_moscow",
        "diplomats+support@us_cg_leningrad",
        "diplomats+support",
        "staff_total@su_un_mission_new_york",
        "diplomats+support@su_embassy_washington+su_cg_san_francisco",
        "diplomats+support@su_embassy_washington",
        "diplomats+support@su_cg_san_francisco",
        "diplomats+support@us_embassy_moscow",
        "diplomats+support@us_cg_leningrad",
        "diplomats+support@su_embassy_washington",
        "diplomats+support@su_cg_san_francisco",
    ],
    "us_russia_2001": [],
}


@pytest.mark.parametrize("name", [n for n in DYADS if present(n)])
def test_every_observation_holds_in_the_replay(name):
    """A count is met exactly and a bound is kept: the replay reproduces every figure its record
    gives, whole missions, single posts, bodies and categories alike."""
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan
    from sim.files.scenario_file import load_scenario
    from sim.rules.calendar import month_label

    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    figures = simulate_batch(scenario, make_plan(scenario, "replay"), [scenario.seed], log_events=False).figures
    assert [o.column for o in scenario.observations if o.counted is not None] == NARROW[name]
    for obs in scenario.observations:
        replayed = int(figures[obs.figure][obs.month - scenario.start, 0, obs.side])
        where = (scenario.codes[obs.side], obs.figure, month_label(obs.month), obs.bound, obs.value)
        if obs.bound == "equal":
            assert replayed == obs.value, (where, replayed)
        elif obs.bound == "upper":
            assert replayed <= obs.value, (where, replayed)
        else:
            assert replayed >= obs.value, (where, replayed)


def test_the_source_check_can_fail():
    rows = record_rows("cz_ru_2021")
    assert "E32" in rows and "S15" in rows
    assert "E33" not in rows and "S16" not in rows


# --- Czech Republic - Russia, 2020-2026 ------------------------------------------------------------


@pytest.mark.skipif(not present("cz_russia_2021"), reason="scenario not written yet")
class TestCzechRussia:
    NAME = "cz_russia_2021"

    def test_czech_embassy_after_the_twenty(self, replays):
        rows = replays(self.NAME)
        # The consulates are assumed at 3 diplomats + 2 support each (6 + 4 in all), no local staff.
        # S06: 5 diplomats + 19 A&T at the embassy after E04's 16 + 4 left; S05: 5 diplomats.
        assert figures(rows, "2021-04", "CZ", "diplomats", "support", "local") == (5 + 6, 19 + 4, 108)

    def test_russian_embassy_after_the_eighteen(self, replays):
        rows = replays(self.NAME)
        # S03: 27 diplomats + 67 technical staff after E03's 18 left; consulates 8 + 6 assumed.
        assert figures(rows, "2021-04", "RU", "diplomats", "support", "local") == (27 + 8, 67 + 6, 19)

    def test_parity_of_may_2021(self, replays):
        rows = replays(self.NAME)
        # E15/S10: 7 diplomats + 25 A&T + 19 local at the Russian embassy by 31 May.
        assert figures(rows, "2021-05", "RU", "diplomats", "support", "local") == (7 + 8, 25 + 6, 19)
        # E14/S11: at most 19 local staff for the Czech mission; 89 let go (E16, Kulhanek).
        assert figures(rows, "2021-05", "CZ", "local", "staff_total") == (19, 24 + 10 + 19)
        assert figures(rows, "2021-04", "CZ", "local")[0] - figures(rows, "2021-05", "CZ", "local")[0] == 89

    def test_parity_caps_count_one_embassy_by_category(self):
        # E09/E15: 7 / 25 / 19 at the Russian embassy, consulates excluded; E05 -> E14: Czech local staff 108 -> 19.
        before = narrow_caps(self.NAME, "2021-04")
        assert before[("mission", ("local",))] == 108 and before[("ru_embassy_prague", ("diplomats",))] == -1
        caps = narrow_caps(self.NAME, "2026-01")
        assert caps[("ru_embassy_prague", ("diplomats",))] == 7
        assert caps[("ru_embassy_prague", ("support",))] == 25
        assert caps[("ru_embassy_prague", ("local",))] == 19
        assert caps[("mission", ("local",))] == 19

    def test_consulates_closed_in_march_2022(self, replays):
        rows = replays(self.NAME)
        # E21, E22: only the embassies left; S14: the Russian embassy at 7 + 25 (+ 19 local, S10).
        assert figures(rows, "2022-02", "CZ", "posts_open") == (3,)
        assert figures(rows, "2022-03", "CZ", "posts_open", "staff_total") == (1, 5 + 19 + 19)
        assert figures(rows, "2022-03", "RU", "posts_open", "diplomats", "support", "staff_total") == (1, 7, 25, 51)

    def test_six_russian_diplomats_in_2023(self, replays):
        rows = replays(self.NAME)
        # S15: 6 Russian diplomats (Czech MFA, March and May 2023), after E23 expelled one.
        assert figures(rows, "2023-03", "RU", "diplomats") == (6,)
        assert figures(rows, "2026-01", "RU", "diplomats", "staff_total") == (6, 50)
        # E24: one Czech diplomat expelled in April 2022.
        assert figures(rows, "2022-04", "CZ", "diplomats") == (4,)


# --- Germany - Russia, 2021-2026 -------------------------------------------------------------------


@pytest.mark.skipif(not present("germany_russia_2022"), reason="scenario not written yet")
class TestGermanyRussia:
    NAME = "germany_russia_2022"

    def test_the_forty_of_april_2022(self, replays):
        rows = replays(self.NAME)
        # S01: 104 Russian diplomats on 4 April, before E06 (9 April); S02: ~64 after (derived).
        assert within(self.NAME, "2022-04-04", "RU", "diplomats") == 104
        assert figures(rows, "2022-03", "RU", "diplomats") == (104,)
        assert figures(rows, "2022-04", "RU", "diplomats") == (64,)
        # S03: ~120 German diplomats on 25 April, before E07 that day; S04: ~80 after (derived).
        assert within(self.NAME, "2022-04-25", "DE", "diplomats") == 120
        assert within(self.NAME, "2022-04-25", "RU", "diplomats") == 64  # E06 (9 April) is before it
        assert figures(rows, "2022-04", "DE", "diplomats") == (80,)

    PRESENCE = (
        "de_embassy_moscow",
        "de_cg_st_petersburg",
        "de_cg_kaliningrad",
        "de_cg_yekaterinburg",
        "de_cg_novosibirsk",
        "de_goethe_moscow",
        "de_goethe_st_petersburg",
        "de_goethe_novosibirsk",
        "de_school_moscow",
    )

    def test_the_ceiling_of_350(self, replays):
        rows = replays(self.NAME)
        # E13 (">20", 20 used) leaves 60 German diplomats; the missions (without the bodies) keep 227 local staff.
        assert figures(rows, "2023-05", "DE", "diplomats", "staff_total") == (60, 287)
        assert figures(rows, "2023-06", "DE", "staff_total", "diplomats") == (287, 60)
        # E14/S09: 350 in all, missions, Goethe-Institut and schools, from June 2023 (the cap names them).
        assert staff_at(self.NAME, "2023-05", *self.PRESENCE) == 587
        assert staff_at(self.NAME, "2023-06", *self.PRESENCE) == 350
        everyone = ("diplomats", "support", "local")
        assert narrow_caps(self.NAME, "2023-06")[("+".join(self.PRESENCE), everyone)] == 350  # file order
        # S06/S07: the Goethe-Institut from ~200 to 13; S08: the school from ~100 to ~50; S10: at least 100 left.
        goethe = ("de_goethe_moscow", "de_goethe_st_petersburg", "de_goethe_novosibirsk")
        assert staff_at(self.NAME, "2023-05", *goethe) == 200 and staff_at(self.NAME, "2023-06", *goethe) == 13
        assert staff_at(self.NAME, "2023-06", "de_school_moscow") == 50
        cut = 587 - 350
        assert cut == 237 and cut >= 100

    def test_state_media(self):
        # E05: the DW bureau closed, its staff gone; E25, E26: two from each side's bureau.
        assert staff_at(self.NAME, "2022-01", "de_dw_moscow") == 1
        assert staff_at(self.NAME, "2022-02", "de_dw_moscow") == 0
        assert staff_at(self.NAME, "2024-10", "ru_channel_one_berlin", "de_ard_moscow") == 4
        assert staff_at(self.NAME, "2024-12", "ru_channel_one_berlin", "de_ard_moscow") == 0

    def test_one_consulate_each_from_2024(self, replays):
        rows = replays(self.NAME)
        # E20, E21: Germany keeps the embassy and CG St Petersburg; E17, E22, E23: Russia keeps Berlin and Bonn.
        assert figures(rows, "2023-10", "DE", "posts_open") == (5,)
        assert figures(rows, "2023-10", "RU", "posts_open") == (6,)
        assert figures(rows, "2023-11", "RU", "posts_open") == (5,)  # Leipzig closed 20 November (E19)
        assert figures(rows, "2024-01", "DE", "posts_open") == (2,)
        assert figures(rows, "2024-01", "RU", "posts_open") == (2,)

    def test_last_expulsions(self, replays):
        rows = replays(self.NAME)
        # E12: 20 Russians left in April 2023 (">20"); E27, E28: one each in 2026.
        assert figures(rows, "2023-04", "RU", "diplomats") == (44,)
        assert figures(rows, "2026-02", "RU", "diplomats") == (43,)
        assert figures(rows, "2026-02", "DE", "diplomats") == (59,)


# --- United States - Soviet Union, 1986-1989 -------------------------------------------------------


@pytest.mark.skipif(not present("us_ussr_1986"), reason="scenario not written yet")
class TestUsSoviet:
    NAME = "us_ussr_1986"

    def test_us_mission_before_and_after_october(self, replays):
        rows = replays(self.NAME)
        # S12: 251 Americans (225 + 26) on 21 Oct; S13: 260 Soviet employees on 22 Oct, before E17 (23 Oct).
        assert within(self.NAME, "1986-10-21", "US", "diplomats+support@us_embassy_moscow") == 225
        assert within(self.NAME, "1986-10-21", "US", "diplomats+support@us_cg_leningrad") == 26
        assert within(self.NAME, "1986-10-22", "US", "staff_total") == 251 + 260
        assert within(self.NAME, "1986-10-22", "US", "local") == 260
        assert figures(rows, "1986-09", "US", "staff_total", "local") == (251 + 260, 260)
        # E14, E22: 5 + 5 expelled; E17/S14: no local staff; E15/S15: ceilings of 225 + 26 on Americans.
        assert figures(rows, "1986-10", "US", "staff_total", "local") == (241, 0)
        assert figures(rows, "1986-10", "US", "posts_open") == (2,)
        caps = narrow_caps(self.NAME, "1986-10")
        assert caps[("us_embassy_moscow", SENT)] + caps[("us_cg_leningrad", SENT)] == 225 + 26

    def test_soviet_mission_after_the_55(self, replays):
        rows = replays(self.NAME)
        un_mission = 243 - 25  # S08, E13, S10
        # S11 (derived): ~301 at the embassy and consulate before the 55; E19: ~10 local staff.
        assert figures(rows, "1986-09", "SU", "staff_total") == (301 + 10 + 243,)
        assert figures(rows, "1986-10", "SU", "staff_total", "local") == (301 + un_mission, 0)
        # S16: 246 at the embassy and consulate after the 55 (E23, E24); S17: ceilings 225 + 26; E11: UN 218.
        assert figures(rows, "1986-11", "SU", "staff_total") == (246 + un_mission,)
        caps = narrow_caps(self.NAME, "1986-11")
        assert caps[("su_embassy_washington", SENT)] == 225 and caps[("su_cg_san_francisco", SENT)] == 26
        assert caps[("su_un_mission_new_york", ("diplomats", "support", "local"))] == un_mission

    def test_un_stages_and_1989_ceilings(self, replays):
        rows = replays(self.NAME)
        # E25/S18: main UN mission 195 from April 1987; E26/S19: 150 from April 1988 (compliance assumed).
        assert figures(rows, "1987-04", "SU", "staff_total") == (246 + 195,)
        assert figures(rows, "1988-04", "SU", "staff_total") == (246 + 150,)
        # E27, E28, S20: ceilings raised by 20 and 15 on each side, to 256 + 30 = 286.
        raised = narrow_caps(self.NAME, "1989-02")
        assert raised[("us_embassy_moscow", SENT)] + raised[("us_cg_leningrad", SENT)] == 271
        final = narrow_caps(self.NAME, "1989-08")
        for embassy, consulate in (
            ("us_embassy_moscow", "us_cg_leningrad"),
            ("su_embassy_washington", "su_cg_san_francisco"),
        ):
            assert (final[(embassy, SENT)], final[(consulate, SENT)]) == (256, 30)
        assert final[("su_un_mission_new_york", ("diplomats", "support", "local"))] == 150


# --- United States - Russia, 1999-2005 -------------------------------------------------------------


@pytest.mark.skipif(not present("us_russia_2001"), reason="scenario not written yet")
class TestUsRussia2001:
    NAME = "us_russia_2001"

    def test_before_the_order(self, replays):
        rows = replays(self.NAME)
        # S02: ~200 Russian intelligence officers under diplomatic cover (after E04 and E06).
        assert figures(rows, "2001-03", "RU", "diplomats", "staff_total") == (200, 200)
        # S05, S06: ~500 US staff, 325 diplomats (after E01 and E03), read as before the 50 (S07).
        assert figures(rows, "2001-03", "US", "staff_total", "diplomats") == (500, 325)
        assert figures(rows, "2001-03", "US", "posts_open") == (4,)

    def test_four_and_forty_six_each(self, replays):
        rows = replays(self.NAME)
        # E09, E10: 4 each in April; S03, S04: 50 each in all by 1 July (E13, E14).
        assert figures(rows, "2001-04", "RU", "staff_total") == (196,)
        assert figures(rows, "2001-04", "US", "staff_total") == (496,)
        # S08: ~150 after (derived); S07: ~450 after (derived).
        assert figures(rows, "2001-07", "RU", "diplomats") == (150,)
        assert figures(rows, "2001-07", "US", "staff_total") == (450,)
        # S09: more than 100 under official cover in 2005 (nothing refilled in the replay).
        assert figures(rows, "2005-01", "RU", "diplomats")[0] > 100
