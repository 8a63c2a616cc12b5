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
from tests.conftest import TOY, event

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
    path = toy_file(extra, text=text)
    outcome = CliRunner().invoke(cli, ["validate", str(path)])
    message = outcome.stderr.strip()
    assert outcome.exit_code == 2, outcome.output
    assert "\n" not in message and "Traceback" not in outcome.output
    assert message.startswith("Error: ") and str(path) in message
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
