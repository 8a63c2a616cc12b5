"""Caps on one post or some categories, expulsions of one category, posts whose staff go home, and
closing a post its owner suspended: exact effects on the toy dyad, and the one-line errors of
their keys."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.files.scenario_file import load_scenario
from sim.rules.domain import Category, PostStatus
from sim.rules.measures import Measure, MeasureKind, apply_measure, infeasibility
from sim.rules.rotation import restaff, rotate
from tests.conftest import event, refusal

K = MeasureKind
D, S, L = int(Category.DIPLOMATS), int(Category.SUPPORT), int(Category.LOCAL)


def loaded(toy_file, *events: str):
    scenario = load_scenario(toy_file("".join(events)))
    return scenario, scenario.world(), scenario.initial_state()


def post(world, name: str) -> int:
    return world.post_ids.index(name)


def staff(state, world, name: str) -> list[int]:
    return state.staff[0, post(world, name)].tolist()


def measure(world, kind, actor="UK", target="CN", **keys) -> Measure:
    return Measure(kind=kind, actor=world.side_index(actor), target=world.side_index(target), month=0, **keys)


def apply(world, state, m: Measure):
    assert infeasibility(world, state, m) is None
    return apply_measure(world, state, m, np.arange(state.runs))


EMBASSY_SENT_CAP = event(
    date="2020-03", actor="UK", kind="cap_staff", post="cn_embassy", categories=["diplomats", "support"], size=50
)
LOCAL_CAP = event(date="2020-03", actor="UK", kind="cap_staff", categories=["local"], size=20)


def test_a_cap_on_one_post_and_the_sent_categories_cuts_there_only(toy_file):
    scenario, world, state = loaded(toy_file, EMBASSY_SENT_CAP)
    assert len(world.cap_scopes) == 1
    cap = scenario.events[0]
    effect = apply(world, state, cap)
    # 60 sent staff at the embassy -> 50: support first (20 -> 10); local staff and the consulate untouched
    assert staff(state, world, "cn_embassy") == [40, 10, 30]
    assert staff(state, world, "cn_consulate") == [10, 5, 15]
    assert effect.staff_change.tolist() == [-10]
    assert state.scoped_cap[0].tolist() == [50] and state.staff_cap[0].tolist() == [-1, -1]


def test_a_cap_on_local_staff_cuts_local_staff_in_proportion_across_posts(toy_file):
    scenario, world, state = loaded(toy_file, LOCAL_CAP)
    apply(world, state, scenario.events[0])
    # 45 local staff -> 20: 30:15 split of the 25 cut is 17 and 8 (largest remainder)
    assert staff(state, world, "cn_embassy") == [40, 20, 13]
    assert staff(state, world, "cn_consulate") == [10, 5, 7]


def test_a_narrow_cap_persists_through_restaffing_and_additions(toy_file):
    scenario, world, state = loaded(toy_file, EMBASSY_SENT_CAP)
    establishment = state.staff[0].copy()
    apply(world, state, scenario.events[0])
    for _ in range(24):
        rotate(world, state)
        restaff(world, state, establishment, (0,))
    # without the cap the embassy would grow back to 40 + 20; the cap holds it at 50 sent staff
    assert state.staff[0, post(world, "cn_embassy"), :2].sum() == 50
    add = measure(world, K.ADD_STAFF, actor="CN", target="CN", size=5, post=post(world, "cn_embassy"))
    assert apply(world, state, add).staff_change.tolist() == [0]
    add_there = measure(world, K.ADD_STAFF, actor="CN", target="CN", size=5, post=post(world, "cn_consulate"))
    assert apply(world, state, add_there).staff_change.tolist() == [5]


def test_raise_and_lift_a_narrow_cap(toy_file):
    raised = event(
        date="2020-05", actor="UK", kind="raise_cap", post="cn_embassy", categories=["diplomats", "support"], size=55
    )
    lifted = event(date="2020-07", actor="UK", kind="lift_cap", post="cn_embassy", categories=["support", "diplomats"])
    scenario, world, state = loaded(toy_file, EMBASSY_SENT_CAP, raised, lifted)
    assert len(world.cap_scopes) == 1  # the order of the categories does not make another cap
    cap, up, off = scenario.events
    assert "no cap to raise" in infeasibility(world, state, up)
    apply(world, state, cap)
    assert "does not raise the current cap of 50" in infeasibility(
        world, state, measure(world, K.RAISE_CAP, size=50, post=cap.post, categories=cap.categories)
    )
    apply(world, state, up)
    assert state.scoped_cap[0].tolist() == [55]
    apply(world, state, off)
    assert state.scoped_cap[0].tolist() == [-1]
    assert "no cap to lift" in infeasibility(world, state, off)


def test_expel_one_category(toy_file):
    _, world, state = loaded(toy_file)
    support = (S,)
    effect = apply(world, state, measure(world, K.EXPEL, size=4, post=post(world, "cn_embassy"), categories=support))
    assert staff(state, world, "cn_embassy") == [40, 16, 30]
    assert effect.staff_change.tolist() == [-4]
    # without a post, in proportion to each post's staff of that category (20:5)
    apply(world, state, measure(world, K.EXPEL, size=7, categories=support))
    assert staff(state, world, "cn_embassy")[S] == 16 - 5 and staff(state, world, "cn_consulate")[S] == 5 - 2
    too_many = measure(world, K.EXPEL, size=4, post=post(world, "cn_consulate"), categories=support)
    assert infeasibility(world, state, too_many) == (
        "cannot remove 4 support staff: post 'cn_consulate' has 3 at that date (allowed: 1 to 3)"
    )


def test_closing_a_post_with_its_staff_sent_home(toy_file):
    _, world, state = loaded(toy_file)
    consulate = post(world, "cn_consulate")
    effect = apply(world, state, measure(world, K.CLOSE_POST, post=consulate, home=True))
    assert staff(state, world, "cn_embassy") == [40, 20, 30]  # nobody moved to the embassy
    assert staff(state, world, "cn_consulate") == [0, 0, 0]
    assert effect.staff_change.tolist() == [-30]
    assert state.post_status[0, consulate] == PostStatus.CLOSED


def test_suspending_one_own_post_with_its_staff_sent_home(toy_file):
    _, world, state = loaded(toy_file)
    consulate = post(world, "uk_consulate")
    effect = apply(world, state, measure(world, K.SUSPEND_POST, actor="UK", target="UK", post=consulate, home=True))
    assert staff(state, world, "uk_embassy") == [30, 10, 60]
    assert effect.staff_change.tolist() == [-32]


def test_the_host_may_close_a_post_its_owner_suspended(toy_file):
    _, world, state = loaded(toy_file)
    consulate = post(world, "uk_consulate")
    apply(world, state, measure(world, K.SUSPEND_POST, actor="UK", target="UK", post=consulate))
    again = measure(world, K.SUSPEND_POST, actor="UK", target="UK", post=consulate)
    assert infeasibility(world, state, again) == (
        "post 'uk_consulate' is already suspended at that date (allowed: an open post)"
    )
    close = measure(world, K.CLOSE_POST, actor="CN", target="UK", post=consulate)
    apply(world, state, close)
    assert state.post_status[0, consulate] == PostStatus.CLOSED
    assert infeasibility(world, state, close) == (
        "post 'uk_consulate' is already closed at that date (allowed: an open or suspended post)"
    )


def test_a_scenario_replays_the_new_keys(toy_file, tmp_path):
    path = toy_file(
        EMBASSY_SENT_CAP
        + event(date="2020-04", actor="UK", kind="expel", size=3, categories=["support"])
        + event(date="2020-05", actor="UK", kind="close_post", post="cn_consulate", staff="home")
    )
    outcome = CliRunner().invoke(cli, ["validate", str(path)])
    assert outcome.exit_code == 0, outcome.output


BAD = {
    "empty_categories": (
        event(date="2020-03", actor="UK", kind="cap_staff", categories=[], size=5),
        "events[0].categories (line 80): an empty list (allowed: one or more of diplomats, support, local)",
    ),
    "category_twice": (
        event(date="2020-03", actor="UK", kind="cap_staff", categories=["local", "local"], size=5),
        "events[0].categories (line 80): local named twice (allowed: each of diplomats, support, local at most once)",
    ),
    "expel_local_staff": (
        event(date="2020-03", actor="UK", kind="expel", categories=["local"], size=5),
        "events[0].categories[0] (line 80): unknown value 'local' (allowed: diplomats, support)",
    ),
    "staff_nowhere": (
        event(date="2020-03", actor="UK", kind="close_post", post="cn_consulate", staff="abroad"),
        "events[0].staff (line 81): unknown value 'abroad' (allowed: embassy, home)",
    ),
    "staff_on_an_expulsion": (
        event(date="2020-03", actor="UK", kind="expel", size=2, staff="home"),
        "events[0].staff (line 81): key 'staff' is not used by kind 'expel' (allowed: date, actor",
    ),
    "categories_of_a_closure": (
        event(date="2020-03", actor="UK", kind="close_post", post="cn_consulate", categories=["local"]),
        "events[0].categories (line 81): key 'categories' is not used by kind 'close_post' (allowed: date, actor",
    ),
    "cap_on_the_other_sides_post": (
        event(date="2020-03", actor="UK", kind="cap_staff", post="uk_embassy", size=5),
        "post 'uk_embassy' is UK's, but with 'cap_staff' the host acts on the other side's posts",
    ),
    "narrow_cap_not_lowered": (
        LOCAL_CAP + event(date="2020-04", actor="UK", kind="cap_staff", categories=["local"], size=30),
        "events[1] (line 83): a cap of 30 does not lower the current cap of 20",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_new_keys_give_one_line(case, toy_file):
    extra, expected = BAD[case]
    message = refusal(toy_file(extra))
    assert expected in message, (expected, message)


# --- bodies: media bureaus and cultural bodies ---------------------------------------------------

BUREAU = """
[[missions.CN.posts]]
id = "cn_news_bureau"
name = "State news agency bureau, London"
kind = "media_bureau"
diplomats = 0
support = 3
local = 2

[[missions.CN.posts]]
id = "cn_institute"
name = "Cultural institute, London"
kind = "cultural_body"
diplomats = 0
support = 1
local = 9

[[missions.CN.properties]]"""


def with_bodies(toy_file, *events: str):
    from tests.conftest import TOY

    path = toy_file("".join(events), text=TOY.replace("\n[[missions.CN.properties]]", BUREAU, 1))
    scenario = load_scenario(path)
    return scenario, scenario.world(), scenario.initial_state()


def test_bodies_are_not_counted_in_the_missions_figures(toy_file):
    from sim.rules.state import mission_figures

    _, world, state = with_bodies(toy_file)
    figures = mission_figures(world, state)
    cn = world.side_index("CN")
    # the embassy and consulate only: 60 + 30 staff, 45 local, 2 posts open
    assert figures["staff_total"][0, cn] == 120 and figures["local"][0, cn] == 45
    assert figures["posts_open"][0, cn] == 2
    assert mission_figures(world, state, ("staff_total",))["staff_total"][0, cn] == 120


def test_mission_wide_measures_leave_bodies_alone(toy_file):
    _, world, state = with_bodies(toy_file)
    apply(world, state, measure(world, K.CAP_STAFF, size=70))
    apply(world, state, measure(world, K.EXPEL, size=10))
    apply(world, state, measure(world, K.BAN_LOCAL_HIRES))
    assert staff(state, world, "cn_news_bureau") == [0, 3, 2]
    assert staff(state, world, "cn_institute") == [0, 1, 9]


def test_expelling_journalists_capping_and_closing_a_bureau(toy_file):
    cap = event(date="2020-03", actor="UK", kind="cap_staff", post="cn_news_bureau", size=3)
    scenario, world, state = with_bodies(toy_file, cap)
    bureau = post(world, "cn_news_bureau")
    apply(world, state, measure(world, K.EXPEL, size=1, post=bureau, categories=(S,)))
    assert staff(state, world, "cn_news_bureau") == [0, 2, 2]
    apply(world, state, scenario.events[0])
    assert staff(state, world, "cn_news_bureau") == [0, 2, 1]
    # closed: its staff go home, not to the embassy
    effect = apply(world, state, measure(world, K.CLOSE_POST, post=bureau))
    assert effect.staff_change.tolist() == [-3]
    assert staff(state, world, "cn_embassy") == [40, 20, 30]
    assert state.post_status[0, bureau] == PostStatus.CLOSED


def test_a_cap_on_several_posts_and_bodies(toy_file):
    cap = event(
        date="2020-03", actor="UK", kind="cap_staff", posts=["cn_embassy", "cn_consulate", "cn_institute"], size=120
    )
    scenario, world, state = with_bodies(toy_file, cap)
    apply(world, state, scenario.events[0])
    # 130 counted (120 at the posts + 10 at the institute): 10 local staff cut in proportion 30:15:9 (largest
    # remainder)
    assert [staff(state, world, p)[L] for p in ("cn_embassy", "cn_consulate", "cn_institute")] == [25, 12, 7]
    assert staff(state, world, "cn_news_bureau") == [0, 3, 2]


def test_a_state_lets_its_own_local_staff_go(toy_file):
    _, world, state = with_bodies(toy_file)
    institute = post(world, "cn_institute")
    cut = measure(world, K.CUT_STAFF, actor="CN", target="CN", size=5, post=institute, categories=(L,))
    effect = apply(world, state, cut)
    assert staff(state, world, "cn_institute") == [0, 1, 4] and effect.staff_change.tolist() == [-5]


BODY_ERRORS = {
    "post_and_posts": (
        event(date="2020-03", actor="UK", kind="cap_staff", post="cn_embassy", posts=["cn_consulate"], size=5),
        "events[0].posts (line 97): both post and posts given (allowed: post (one post or body) or posts (several))",
    ),
    "unknown_post_in_posts": (
        event(date="2020-03", actor="UK", kind="cap_staff", posts=["cn_embassy", "cn_nowhere"], size=5),
        "events[0].posts[1] (line 96): unknown post 'cn_nowhere' (allowed: the posts and bodies of CN: cn_embassy,",
    ),
    "posts_of_both_sides": (
        event(date="2020-03", actor="UK", kind="cap_staff", posts=["cn_embassy", "uk_embassy"], size=5),
        "events[0] (line 91): post 'uk_embassy' is UK's, but with 'cap_staff' the host acts on the other side's posts"
        " (allowed: the posts and bodies of CN: cn_embassy, cn_consulate, cn_news_bureau, cn_institute)",
    ),
    "local_staff_of_an_expulsion": (
        event(date="2020-03", actor="UK", kind="expel", post="cn_news_bureau", categories=["local"], size=1),
        "events[0].categories[0] (line 97): unknown value 'local' (allowed: diplomats, support)",
    ),
}


@pytest.mark.parametrize("case", sorted(BODY_ERRORS))
def test_bad_body_keys_give_one_line(case, toy_file):
    from tests.conftest import TOY

    extra, expected = BODY_ERRORS[case]
    message = refusal(toy_file(extra, text=TOY.replace("\n[[missions.CN.properties]]", BUREAU, 1)))
    assert expected in message, (expected, message)


def test_a_state_reopens_the_post_it_suspended(toy_file):
    suspended = event(date="2020-03", actor="UK", kind="suspend_post", post="uk_consulate")
    reopened = event(date="2020-05", actor="UK", kind="reopen_post", post="uk_consulate")
    scenario, world, state = loaded(toy_file, suspended, reopened)
    reopen = scenario.events[1]
    assert (reopen.actor, reopen.target) == (world.side_index("UK"), world.side_index("UK"))
    apply(world, state, scenario.events[0])
    apply(world, state, reopen)
    assert state.post_status[0, post(world, "uk_consulate")] == PostStatus.OPEN
    # with the target named, too; a post the host closed is the host's to reopen
    closed = event(date="2020-03", actor="CN", kind="close_post", post="uk_consulate")
    named = event(date="2020-05", actor="UK", kind="reopen_post", post="uk_consulate", target="UK")
    outcome = CliRunner().invoke(cli, ["validate", str(toy_file(closed + named))])
    assert outcome.exit_code == 2
    assert "post 'uk_consulate' is closed; only the host can reopen a closed post" in outcome.stderr


def test_a_state_closes_its_own_post(toy_file):
    closed = event(date="2020-03", actor="UK", kind="close_post", post="uk_consulate", staff="home")
    scenario, world, state = loaded(toy_file, closed)
    close = scenario.events[0]
    assert (close.actor, close.target) == (world.side_index("UK"), world.side_index("UK"))
    effect = apply(world, state, close)
    # not aggression: severity 0; its sent staff go home, its local staff are let go
    assert effect.severity.tolist() == [0.0] and effect.staff_change.tolist() == [-32]
    assert state.post_status[0, post(world, "uk_consulate")] == PostStatus.CLOSED
    # a state may close its own UN mission; the host may not
    own_un = measure(world, K.CLOSE_POST, actor="UK", target="UK", post=post(world, "uk_un"))
    assert infeasibility(world, state, own_un) is None
    host_un = measure(world, K.CLOSE_POST, actor="CN", target="UK", post=post(world, "uk_un"))
    assert "UN headquarters agreement" in infeasibility(world, state, host_un)
