"""Each measure's exact effect, on a dyad that is neither the US nor Russia."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.files.scenario_file import load_scenario
from sim.rules.domain import PostStatus, PropertyStatus
from sim.rules.measures import CATALOGUE, Measure, MeasureKind, Role, apply_measure, infeasibility, severity_of
from tests.conftest import TOY

K = MeasureKind


@pytest.fixture
def toy(toy_file):
    scenario = load_scenario(toy_file())
    return scenario, scenario.world(), scenario.initial_state()


def make(world, kind, actor, target, **keys):
    return Measure(kind=kind, actor=world.side_index(actor), target=world.side_index(target), month=0, **keys)


def post(world, name):
    return world.post_ids.index(name)


def apply(world, state, measure):
    assert infeasibility(world, state, measure) is None
    return apply_measure(world, state, measure, np.arange(state.runs))


def staff(state, world, name):
    return state.staff[0, post(world, name)].tolist()


def test_expel_from_a_post_takes_diplomats_first(toy):
    _, world, state = toy
    effect = apply(world, state, make(world, K.EXPEL, "UK", "CN", size=45, post=post(world, "cn_embassy")))
    assert staff(state, world, "cn_embassy") == [0, 15, 30]
    assert effect.staff_change.tolist() == [-45]
    assert effect.severity[0] == pytest.approx(-3 * (1 + math.log10(45)))


def test_expel_without_post_splits_in_proportion_to_sent_staff(toy):
    _, world, state = toy
    apply(world, state, make(world, K.EXPEL, "UK", "CN", size=15))
    # sent staff 60 and 15: the 15 split 12 and 3
    assert staff(state, world, "cn_embassy") == [28, 20, 30]
    assert staff(state, world, "cn_consulate") == [7, 5, 15]


def test_force_departure_falls_on_diplomats_and_support_in_proportion(toy):
    _, world, state = toy
    effect = apply(world, state, make(world, K.FORCE_DEPARTURE, "UK", "CN", size=6, post=post(world, "cn_embassy")))
    assert staff(state, world, "cn_embassy") == [36, 18, 30]
    assert effect.severity[0] == pytest.approx(-2 * (1 + math.log10(6)))


def test_cap_cuts_local_then_support_then_diplomats(toy):
    _, world, state = toy
    effect = apply(world, state, make(world, K.CAP_STAFF, "UK", "CN", size=70))  # 120 -> 70
    # 50 to cut: all 45 local staff, then 5 support in proportion (20:5 -> 4:1)
    assert staff(state, world, "cn_embassy") == [40, 16, 0]
    assert staff(state, world, "cn_consulate") == [10, 4, 0]
    assert state.staff_cap[0].tolist() == [70, -1]
    assert effect.staff_change.tolist() == [-50]


def test_cap_that_cuts_nobody_is_mildly_hostile(toy):
    _, world, state = toy
    effect = apply(world, state, make(world, K.CAP_STAFF, "UK", "CN", size=500))
    assert effect.staff_change.tolist() == [0] and effect.severity.tolist() == [-1.0]


def test_close_post_moves_sent_staff_to_embassy_and_lets_local_staff_go(toy):
    _, world, state = toy
    effect = apply(world, state, make(world, K.CLOSE_POST, "UK", "CN", post=post(world, "cn_consulate")))
    assert staff(state, world, "cn_consulate") == [0, 0, 0]
    assert staff(state, world, "cn_embassy") == [50, 25, 30]
    assert state.post_status[0, post(world, "cn_consulate")] == PostStatus.CLOSED
    assert effect.staff_change.tolist() == [-15] and effect.severity.tolist() == [-5.0]


def test_un_mission_and_embassy_cannot_be_closed(toy):
    _, world, state = toy
    un = make(world, K.CLOSE_POST, "CN", "UK", post=post(world, "uk_un"))
    assert "UN headquarters agreement" in infeasibility(world, state, un)
    embassy = make(world, K.CLOSE_POST, "CN", "UK", post=post(world, "uk_embassy"))
    assert "embassy" in infeasibility(world, state, embassy)
    # ... but the host may expel UN-mission staff and restrict their travel
    assert infeasibility(world, state, make(world, K.EXPEL, "CN", "UK", size=2, post=post(world, "uk_un"))) is None


def test_impossible_measures_are_named(toy):
    _, world, state = toy
    assert "has 15 at that date" in infeasibility(
        world, state, make(world, K.EXPEL, "UK", "CN", size=16, post=post(world, "cn_consulate"))
    )
    apply(world, state, make(world, K.SEIZE_PROPERTY, "UK", "CN", prop=0))
    assert "already seized" in infeasibility(world, state, make(world, K.SEIZE_PROPERTY, "UK", "CN", prop=0))
    assert "not seized" in infeasibility(world, state, make(world, K.RETURN_PROPERTY, "CN", "UK", prop=1))
    assert "does not lower" in infeasibility(world, state, make(world, K.DENY_VISAS, "UK", "CN", size=1.0))
    assert "no cap to raise" in infeasibility(world, state, make(world, K.RAISE_CAP, "UK", "CN", size=10))


def test_property_seized_and_returned(toy):
    _, world, state = toy
    apply(world, state, make(world, K.SEIZE_PROPERTY, "CN", "UK", prop=1))
    assert state.property_status[0, 1] == PropertyStatus.SEIZED
    effect = apply(world, state, make(world, K.RETURN_PROPERTY, "CN", "UK", prop=1))
    assert state.property_status[0, 1] == PropertyStatus.RETURNED and effect.severity.tolist() == [4.0]


def test_conditions_set_and_lifted(toy):
    _, world, state = toy
    side = world.side_index("UK")
    apply(world, state, make(world, K.DENY_VISAS, "CN", "UK", size=0.25))
    assert state.visa_rate[0, side] == 0.25
    effect = apply(world, state, make(world, K.RESTORE_VISAS, "CN", "UK", size=0.75))
    assert effect.severity.tolist() == [2.5]  # 5 x the rise of the rate
    apply(world, state, make(world, K.RESTRICT_TRAVEL, "CN", "UK", size=40.0))
    assert state.travel_limit_km[0, side] == 40.0
    apply(world, state, make(world, K.LIFT_TRAVEL_LIMIT, "CN", "UK"))
    assert math.isnan(state.travel_limit_km[0, side])
    apply(world, state, make(world, K.FREEZE_BANKING, "CN", "UK"))
    assert not state.banking[0, side]
    apply(world, state, make(world, K.RESTORE_BANKING, "CN", "UK"))
    assert state.banking[0, side]
    effect = apply(world, state, make(world, K.BAN_LOCAL_HIRES, "CN", "UK"))
    assert effect.staff_change.tolist() == [-80] and not state.local_hiring[0, side]
    assert state.staff[0, world.posts_of(side), 2].sum() == 0
    apply(world, state, make(world, K.ALLOW_LOCAL_HIRES, "CN", "UK"))
    assert state.local_hiring[0, side]
    apply(world, state, make(world, K.EXPEL_AMBASSADOR, "CN", "UK"))
    assert not state.ambassador[0, side]
    apply(world, state, make(world, K.ACCEPT_AMBASSADOR, "CN", "UK"))
    assert state.ambassador[0, side]


def test_cap_raise_lift_and_staffing_within_it(toy):
    _, world, state = toy
    side = world.side_index("UK")
    apply(world, state, make(world, K.CAP_STAFF, "CN", "UK", size=130))
    assert state.staff_total(world, side).tolist() == [130]
    apply(world, state, make(world, K.RAISE_CAP, "CN", "UK", size=135))
    effect = apply(world, state, make(world, K.ADD_STAFF, "UK", "UK", size=10))
    assert effect.staff_change.tolist() == [5]  # only 5 places under the cap
    apply(world, state, make(world, K.LIFT_CAP, "CN", "UK"))
    assert state.staff_cap[0, side] == -1


def test_self_measures_change_holdings_but_are_not_aggression(toy):
    _, world, state = toy
    effect = apply(world, state, make(world, K.SUSPEND_POST, "CN", "CN", post=post(world, "cn_consulate")))
    assert state.post_status[0, post(world, "cn_consulate")] == PostStatus.SUSPENDED
    assert effect.severity.tolist() == [0.0]
    reopen = make(world, K.REOPEN_POST, "CN", "CN", post=post(world, "cn_consulate"))
    apply(world, state, reopen)
    assert state.post_status[0, post(world, "cn_consulate")] == PostStatus.OPEN
    effect = apply(world, state, make(world, K.CUT_STAFF, "CN", "CN", size=3))
    assert effect.staff_change.tolist() == [-3] and effect.severity.tolist() == [0.0]
    apply(world, state, make(world, K.RECALL_AMBASSADOR, "CN", "CN"))
    assert not state.ambassador[0, world.side_index("CN")]


def test_a_post_closed_by_the_host_cannot_be_reopened_by_its_owner(toy):
    _, world, state = toy
    apply(world, state, make(world, K.CLOSE_POST, "UK", "CN", post=post(world, "cn_consulate")))
    reopen = make(world, K.REOPEN_POST, "CN", "CN", post=post(world, "cn_consulate"))
    assert "only the host" in infeasibility(world, state, reopen)


def test_every_kind_has_an_effect_a_documented_row_and_a_sign():
    doc = (TOY and __import__("pathlib").Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text()
    for kind, spec in CATALOGUE.items():
        assert f"| `{kind.label}` |" in doc, kind
        if spec.role is Role.SELF:
            assert spec.severity == 0
    assert all(CATALOGUE[k].severity < 0 for k in (K.EXPEL, K.CLOSE_POST, K.SEIZE_PROPERTY, K.DENY_VISAS))
    assert all(CATALOGUE[k].severity > 0 for k in (K.RETURN_PROPERTY, K.REOPEN_POST, K.HOLD_TALKS))


def test_severity_scale_is_clipped_and_grows_with_people():
    assert severity_of(K.EXPEL, np.array([1, 10, 60, 10_000]), np.zeros(4)).tolist() == pytest.approx(
        [-3.0, -6.0, -3 * (1 + math.log10(60)), -10.0]
    )


def test_what_a_policy_may_take_the_scenario_check_allows():
    """The repertoire's options and the scenario check read one feasibility check: at every month
    of the 2016-2025 replay, a measure an entry offers a policy is one the scenario check accepts."""
    from sim.engines.dynamics import Dynamics
    from sim.engines.plan import replay_plan
    from sim.files.scenario_file import load_scenario
    from sim.rules.measures import NONE
    from tests.conftest import ROOT

    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2025.toml")
    dynamics = Dynamics(scenario, replay_plan(scenario), np.zeros(1, dtype=np.uint64), log_events=False)
    offered = 0
    for month in scenario.months:
        dynamics.step(month)
        for kind, spec in CATALOGUE.items():
            for actor in (0, 1):
                option = spec.option(dynamics.world, dynamics.state, 1 - actor, np.array([4.0]), np.array([np.nan]))
                if option is None or not option.feasible[0]:
                    continue
                offered += 1
                measure = Measure(
                    kind,
                    actor,
                    1 - actor,
                    month,
                    size=None if np.isnan(option.size[0]) else float(option.size[0]),
                    post=None if option.post[0] == NONE else int(option.post[0]),
                    prop=None if option.prop[0] == NONE else int(option.prop[0]),
                )
                assert infeasibility(dynamics.world, dynamics.state, measure) is None, (kind, month)
    assert offered > 1000


def test_every_entry_names_its_inverse_consistently():
    undone = {kind: spec.inverse for kind, spec in CATALOGUE.items() if spec.inverse is not None}
    for kind, inverse in undone.items():
        assert CATALOGUE[inverse].hostile != CATALOGUE[kind].hostile or CATALOGUE[kind].role is Role.SELF, kind
    assert undone[K.CLOSE_POST] is K.REOPEN_POST and undone[K.SEIZE_PROPERTY] is K.RETURN_PROPERTY
    assert undone[K.DENY_VISAS] is K.RESTORE_VISAS and undone[K.RESTORE_VISAS] is K.DENY_VISAS
