"""Where staff go: local staff kept at a suspended post, properties tied to the post they house;
exact effects on the toy dyad and the one-line errors of their keys."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.files.scenario_file import load_scenario
from sim.rules.domain import PropertyStatus
from sim.rules.measures import Measure, MeasureKind, apply_measure, infeasibility
from sim.rules.rotation import rotate
from sim.rules.state import mission_figures
from tests.conftest import TOY, event, refusal

K = MeasureKind

# The toy dyad with the UK consulate's building tied to it, and a UK property tied to no post.
HOUSED = (
    TOY
    + """
[[missions.UK.properties]]
id = "uk_consulate_building"
name = "Consulate building, Shanghai"
kind = "office"
post = "uk_consulate"
"""
)


def loaded(toy_file, *events: str, text: str = HOUSED):
    scenario = load_scenario(toy_file("".join(events), text=text))
    return scenario, scenario.world(), scenario.initial_state()


def at(world, state, name: str) -> list[int]:
    return state.staff[0, world.post_ids.index(name)].tolist()


def apply(world, state, m: Measure):
    assert infeasibility(world, state, m) is None
    return apply_measure(world, state, m, np.arange(state.runs))


def status(world, state, prop: str) -> PropertyStatus:
    return PropertyStatus(int(state.property_status[0, world.property_ids.index(prop)]))


def fails(toy_file, extra: str, expected: str, text: str = HOUSED) -> None:
    message = refusal(toy_file(extra, text=text))
    assert expected in message, (expected, message)


# --- local staff kept ---------------------------------------------------------------------------


def test_a_suspended_post_keeps_its_local_staff(toy_file):
    kept = event(date="2020-03", actor="UK", kind="suspend_post", post="uk_consulate", local="keep")
    scenario, world, state = loaded(toy_file, kept)
    assert scenario.events[0].keep_local
    effect = apply(world, state, scenario.events[0])
    # 8 + 4 sent staff move to the embassy; the 20 local staff stay employed at the post
    assert at(world, state, "uk_embassy") == [38, 14, 60]
    assert at(world, state, "uk_consulate") == [0, 0, 20]
    assert effect.staff_change.tolist() == [0]
    uk = world.side_index("UK")
    figures = mission_figures(world, state)
    assert figures["local"][0, uk] == 80 and figures["staff_total"][0, uk] == 140
    # they do not rotate, and count under the mission's cap, which cuts them first
    rotate(world, state)
    assert at(world, state, "uk_consulate") == [0, 0, 20]
    apply(world, state, Measure(kind=K.CAP_STAFF, actor=0, target=uk, month=0, size=130))
    # 140 -> 130: 10 local staff cut in proportion 60:20
    assert at(world, state, "uk_embassy")[2] == 52 and at(world, state, "uk_consulate") == [0, 0, 18]
    # a host closing the suspended post lets them go
    close = Measure(kind=K.CLOSE_POST, actor=0, target=uk, month=0, post=world.post_ids.index("uk_consulate"))
    assert apply(world, state, close).staff_change.tolist() == [-18]
    assert at(world, state, "uk_consulate") == [0, 0, 0]


def test_a_state_closing_its_own_post_may_keep_local_staff_and_send_the_rest_home(toy_file):
    closed = event(date="2020-03", actor="UK", kind="close_post", post="uk_consulate", staff="home", local="keep")
    scenario, world, state = loaded(toy_file, closed)
    effect = apply(world, state, scenario.events[0])
    assert at(world, state, "uk_embassy") == [30, 10, 60] and at(world, state, "uk_consulate") == [0, 0, 20]
    assert effect.staff_change.tolist() == [-12]


def test_local_staff_are_let_go_by_default(toy_file):
    suspended = event(date="2020-03", actor="UK", kind="suspend_post", post="uk_consulate", local="let_go")
    scenario, world, state = loaded(toy_file, suspended)
    assert not scenario.events[0].keep_local
    assert apply(world, state, scenario.events[0]).staff_change.tolist() == [-20]


def test_a_host_closure_cannot_keep_local_staff(toy_file):
    fails(
        toy_file,
        event(date="2020-03", actor="CN", kind="close_post", post="uk_consulate", local="keep"),
        "events[0].local (line 87): a host closing UK's post does not keep its local staff employed"
        " (allowed: local = 'keep' with suspend_post, or with close_post on one's own post)",
    )


def test_an_unknown_local_value(toy_file):
    fails(
        toy_file,
        event(date="2020-03", actor="UK", kind="suspend_post", post="uk_consulate", local="fire"),
        "events[0].local (line 87): unknown value 'fire' (allowed: let_go, keep)",
    )


def test_local_is_a_key_of_closures_only(toy_file):
    fails(
        toy_file,
        event(date="2020-03", actor="UK", kind="expel", size=2, local="keep"),
        "events[0].local (line 87): key 'local' is not used by kind 'expel'",
    )


# --- properties tied to their post --------------------------------------------------------------


def test_closing_a_post_vacates_the_property_it_houses(toy_file):
    closed = event(date="2020-03", actor="CN", kind="close_post", post="uk_consulate")
    reopened = event(date="2020-06", actor="CN", kind="reopen_post", post="uk_consulate")
    scenario, world, state = loaded(toy_file, closed, reopened)
    assert world.property_post.tolist() == [-1, -1, world.post_ids.index("uk_consulate")]
    apply(world, state, scenario.events[0])
    assert status(world, state, "uk_consulate_building") is PropertyStatus.VACATED
    assert status(world, state, "uk_compound") is PropertyStatus.IN_USE  # tied to no post
    # still held: only a seizure loses a property
    assert mission_figures(world, state)["properties_held"][0, world.side_index("UK")] == 2
    apply(world, state, scenario.events[1])
    assert status(world, state, "uk_consulate_building") is PropertyStatus.IN_USE


def test_a_suspension_vacates_and_a_vacated_property_may_be_seized(toy_file):
    suspended = event(date="2020-03", actor="UK", kind="suspend_post", post="uk_consulate")
    seized = event(date="2020-04", actor="CN", kind="seize_property", property="uk_consulate_building")
    scenario, world, state = loaded(toy_file, suspended, seized)
    apply(world, state, scenario.events[0])
    assert status(world, state, "uk_consulate_building") is PropertyStatus.VACATED
    apply(world, state, scenario.events[1])
    assert status(world, state, "uk_consulate_building") is PropertyStatus.SEIZED
    assert mission_figures(world, state)["properties_lost"][0, world.side_index("UK")] == 1
    # a seized property stays seized when its post reopens
    reopen = Measure(kind=K.REOPEN_POST, actor=1, target=1, month=0, post=world.post_ids.index("uk_consulate"))
    apply(world, state, reopen)
    assert status(world, state, "uk_consulate_building") is PropertyStatus.SEIZED


def test_a_property_of_an_unknown_or_foreign_post(toy_file):
    fails(
        toy_file,
        "",
        "missions.UK.properties[1].post (line 79): unknown post 'cn_consulate'"
        " (allowed: the posts and bodies of UK: uk_embassy, uk_un, uk_consulate)",
        text=HOUSED.replace('post = "uk_consulate"', 'post = "cn_consulate"'),
    )


def test_a_property_in_use_at_a_post_closed_at_the_start(toy_file):
    closed = TOY.replace('id = "uk_consulate"', 'id = "uk_consulate"\nstatus = "closed"').replace(
        "diplomats = 8\nsupport = 4\nlocal = 20", "diplomats = 0\nsupport = 0\nlocal = 0"
    )
    text = closed + HOUSED[len(TOY) :]
    fails(
        toy_file,
        "",
        "property 'uk_consulate_building' is in use but the post it houses, 'uk_consulate', is closed"
        " (allowed: status = 'vacated' or 'seized' for a property of a post not open at the start)",
        text=text,
    )
    scenario = load_scenario(
        toy_file("", text=text.replace('post = "uk_consulate"', 'post = "uk_consulate"\nstatus = "vacated"'))
    )
    assert scenario.missions[1].properties[1].status is PropertyStatus.VACATED


@pytest.mark.parametrize("extra", ["", event(date="2020-03", actor="CN", kind="close_post", post="uk_consulate")])
def test_a_scenario_with_housed_properties_validates(toy_file, extra):
    outcome = CliRunner().invoke(cli, ["validate", str(toy_file(extra, text=HOUSED))])
    assert outcome.exit_code == 0, outcome.output


# --- drawdowns that return ----------------------------------------------------------------------


def test_a_drawdown_leaves_the_country_and_returns(toy_file):
    down = event(date="2020-03", actor="UK", kind="draw_down", post="uk_embassy", size=20)
    back = event(date="2020-06", actor="UK", kind="return_staff", post="uk_embassy", size=15)
    scenario, world, state = loaded(toy_file, down, back)
    embassy = world.post_ids.index("uk_embassy")
    effect = apply(world, state, scenario.events[0])
    # 30 diplomats and 10 support at the embassy: 20 leave in proportion, 15 and 5
    assert at(world, state, "uk_embassy") == [15, 5, 60] and effect.staff_change.tolist() == [-20]
    assert state.drawn_down[0, embassy].tolist() == [15, 5]
    assert effect.severity.tolist() == [0.0]
    uk = world.side_index("UK")
    assert mission_figures(world, state)["staff_total"][0, uk] == 120  # not counted while away
    effect = apply(world, state, scenario.events[1])
    # 15 of the 20 come back in proportion to those drawn down (15:5): 11 and 4 (largest remainder)
    assert at(world, state, "uk_embassy") == [26, 9, 60] and effect.staff_change.tolist() == [15]
    assert state.drawn_down[0, embassy].tolist() == [4, 1]


def test_rotation_and_restaffing_leave_staff_drawn_down_alone(toy_file):
    from sim.rules.rotation import restaff

    down = event(date="2020-03", actor="UK", kind="draw_down", post="uk_embassy", size=20)
    scenario, world, state = loaded(toy_file, down)
    establishment = state.staff[0].copy()
    apply(world, state, scenario.events[0])
    for _ in range(12):
        rotate(world, state)
        restaff(world, state, establishment, (0, 1))
    embassy = world.post_ids.index("uk_embassy")
    # nobody hired in their place, and they are still remembered
    assert at(world, state, "uk_embassy") == [15, 5, 60]
    assert state.drawn_down[0, embassy].tolist() == [15, 5]


def test_a_return_is_held_to_the_caps(toy_file):
    down = event(date="2020-03", actor="UK", kind="draw_down", size=14, categories=["diplomats"])
    cap = event(date="2020-04", actor="CN", kind="cap_staff", size=130)
    back = event(date="2020-06", actor="UK", kind="return_staff", size=14)
    scenario, world, state = loaded(toy_file, down, cap, back)
    apply(world, state, scenario.events[0])
    # diplomats only, in proportion across the mission's posts (30:6:8 -> 10, 2, 2)
    assert [at(world, state, p)[0] for p in ("uk_embassy", "uk_un", "uk_consulate")] == [20, 4, 6]
    apply(world, state, scenario.events[1])  # 126 present, under the cap: nobody cut
    effect = apply(world, state, scenario.events[2])
    # room for 4 under the cap of 130; the other 10 stay drawn down
    assert effect.staff_change.tolist() == [4]
    assert mission_figures(world, state)["staff_total"][0, world.side_index("UK")] == 130
    assert state.drawn_down[0].sum() == 10


def test_staff_drawn_down_from_a_post_that_closes_return_to_the_embassy(toy_file):
    down = event(date="2020-03", actor="UK", kind="draw_down", post="uk_consulate", size=6)
    suspended = event(date="2020-04", actor="UK", kind="suspend_post", post="uk_consulate")
    scenario, world, state = loaded(toy_file, down, suspended)
    apply(world, state, scenario.events[0])
    apply(world, state, scenario.events[1])
    assert state.drawn_down[0, world.post_ids.index("uk_embassy")].tolist() == [4, 2]
    assert state.drawn_down[0, world.post_ids.index("uk_consulate")].tolist() == [0, 0]


def test_returning_more_than_were_drawn_down(toy_file):
    down = event(date="2020-03", actor="UK", kind="draw_down", post="uk_embassy", size=5)
    back = event(date="2020-06", actor="UK", kind="return_staff", post="uk_embassy", size=6)
    fails(
        toy_file,
        down + back,
        "events[1] (line 89): cannot return 6 sent staff: post 'uk_embassy' has 5 drawn down at that date"
        " (allowed: 1 to 5, after draw_down)",
    )
    fails(
        toy_file,
        event(date="2020-06", actor="UK", kind="return_staff", size=1),
        "cannot return 1 sent staff: UK's mission has 0 drawn down at that date (allowed: none, after draw_down)",
    )


def test_returning_to_a_post_that_is_not_open(toy_file):
    down = event(date="2020-03", actor="UK", kind="draw_down", post="uk_consulate", size=5)
    closed = event(date="2020-04", actor="CN", kind="close_post", post="uk_consulate")
    back = event(date="2020-06", actor="UK", kind="return_staff", post="uk_consulate", size=5)
    fails(toy_file, down + closed + back, "post 'uk_consulate' is not open at that date (allowed: an open post)")


def test_drawing_down_more_than_a_post_has_or_local_staff(toy_file):
    fails(
        toy_file,
        event(date="2020-03", actor="UK", kind="draw_down", post="uk_un", size=9),
        "cannot draw down 9 sent staff: post 'uk_un' has 8 at that date (allowed: 1 to 8)",
    )
    fails(
        toy_file,
        event(date="2020-03", actor="UK", kind="draw_down", size=9, categories=["local"]),
        "events[0].categories[0] (line 87): unknown value 'local' (allowed: diplomats, support)",
    )


# --- transfers between posts --------------------------------------------------------------------


def test_a_transfer_moves_staff_between_posts(toy_file):
    moved = event(
        date="2020-03", actor="UK", kind="transfer_staff", from_post="uk_embassy", post="uk_consulate", size=6
    )
    scenario, world, state = loaded(toy_file, moved)
    effect = apply(world, state, scenario.events[0])
    # 6 of 30 diplomats and 10 support, in proportion (4.5 and 1.5; the tie goes to the diplomats): 5 and 1
    assert at(world, state, "uk_embassy") == [25, 9, 60] and at(world, state, "uk_consulate") == [13, 5, 20]
    assert effect.staff_change.tolist() == [0] and effect.severity.tolist() == [0.0]


def test_a_transfer_of_diplomats_within_a_cap_on_the_post_moved_to(toy_file):
    cap = event(date="2020-02", actor="CN", kind="cap_staff", post="uk_consulate", size=35)
    moved = event(
        date="2020-03",
        actor="UK",
        kind="transfer_staff",
        from_post="uk_embassy",
        post="uk_consulate",
        categories=["diplomats"],
        size=5,
    )
    scenario, world, state = loaded(toy_file, cap, moved)
    apply(world, state, scenario.events[0])
    apply(world, state, scenario.events[1])
    # the consulate (32) has room for 3 under its cap of 35; the other 2 stay at the embassy
    assert at(world, state, "uk_consulate") == [11, 4, 20] and at(world, state, "uk_embassy") == [27, 10, 60]


TRANSFER_ERRORS = {
    "more_than_the_post_has": (
        {"from_post": "uk_un", "post": "uk_embassy", "size": 9},
        "cannot move 9 sent staff: post 'uk_un' has 8 at that date (allowed: 1 to 8)",
    ),
    "to_itself": (
        {"from_post": "uk_embassy", "post": "uk_embassy", "size": 1},
        "staff would move from post 'uk_embassy' to itself (allowed: two different posts)",
    ),
    "from_the_other_sides_post": (
        {"from_post": "cn_embassy", "post": "uk_embassy", "size": 1},
        "post 'cn_embassy' is CN's, but with 'transfer_staff' a state acts on its own posts",
    ),
    "unknown_post": (
        {"from_post": "uk_nowhere", "post": "uk_embassy", "size": 1},
        "events[0].from_post (line 86): unknown post 'uk_nowhere' (allowed: the posts and bodies of UK:",
    ),
    "missing_post": (
        {"from_post": "uk_embassy", "size": 1},
        "events[0].post (line 81): missing required key",
    ),
}


@pytest.mark.parametrize("case", sorted(TRANSFER_ERRORS))
def test_impossible_transfers(toy_file, case):
    keys, expected = TRANSFER_ERRORS[case]
    fails(toy_file, event(date="2020-03", actor="UK", kind="transfer_staff", **keys), expected)


def test_a_transfer_to_a_closed_post(toy_file):
    closed = event(date="2020-02", actor="CN", kind="close_post", post="uk_consulate")
    moved = event(
        date="2020-03", actor="UK", kind="transfer_staff", from_post="uk_embassy", post="uk_consulate", size=2
    )
    fails(
        toy_file,
        closed + moved,
        "events[1] (line 88): post 'uk_consulate' is not open at that date (allowed: an open post to move staff to)",
    )


def test_the_new_kinds_replay_and_export(toy_file, tmp_path):
    from sim.experiments.run import RunOptions, run_scenario

    events = (
        event(date="2020-03", actor="UK", kind="draw_down", size=20)
        + event(date="2020-05", actor="UK", kind="return_staff", size=20)
        + event(date="2020-07", actor="UK", kind="transfer_staff", from_post="uk_embassy", post="uk_un", size=2)
    )
    folder = run_scenario(toy_file(events, text=HOUSED), tmp_path / "r", RunOptions(run_id="x")).folder
    outcome = CliRunner().invoke(cli, ["export", str(folder), "--format", "cameo"])
    assert outcome.exit_code == 0, outcome.output
    from tests.conftest import read_csv

    rows = {r["date"]: r for r in read_csv(folder / "trajectories.csv") if r["side"] == "UK"}
    assert [rows[m]["staff_total"] for m in ("2020-02", "2020-03", "2020-05", "2020-07")] == [
        "140",
        "120",
        "140",
        "140",
    ]


def test_the_documented_example_replays_on_the_toy_dyad(toy_file):
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = text.split("### Drawdowns that return, and transfers between posts", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    scenario, world, state = loaded(toy_file, example)
    for measure in scenario.events:
        apply(world, state, measure)
    # 20 drawn down (15 + 5), 15 back (11 + 4), then 4 diplomats to the consulate
    assert at(world, state, "uk_embassy") == [22, 9, 60] and at(world, state, "uk_consulate") == [12, 4, 20]
