"""Rules with a size (notice regimes, disclosure orders, visa terms, designated outlets): their
exact effects, their checks, that only scenario events take them, and how they show."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.acts import GROUP_SEVERITY, HOSTILE_GROUPS, recorded_acts
from sim.files.scenario_file import load_scenario
from sim.rules.behaviour import BehaviourError, parse_initiative
from sim.rules.domain import NoticeScope
from sim.rules.groups import KindGroup
from sim.rules.instruments import InstrumentsError, estimate, parse_instruments
from sim.rules.kinds_rules import rules_held, rules_held_lines
from sim.rules.measures import CATALOGUE, HOSTILE_KINDS, Measure, MeasureKind, apply_measure, infeasibility
from sim.rules.repertoire import CONCILIATORY_ORDER, HOSTILE_LADDER
from tests.conftest import TOY, event, read_csv, refusal

K = MeasureKind
RULES = (
    K.REQUIRE_NOTICE,
    K.LIFT_NOTICE,
    K.ORDER_DISCLOSURE,
    K.SHORTEN_VISA_TERM,
    K.RESTORE_VISA_TERM,
    K.DESIGNATE_OUTLETS,
    K.REVOKE_DESIGNATION,
)
TRAVEL, MEETINGS = int(NoticeScope.TRAVEL), int(NoticeScope.MEETINGS)
CN, UK = 0, 1


@pytest.fixture
def toy(toy_file):
    scenario = load_scenario(toy_file())
    return scenario.world(), scenario.initial_state()


def take(world, state, kind, actor, **keys):
    measure = Measure(kind=kind, actor=actor, target=1 - actor, month=0, **keys)
    problem = infeasibility(world, state, measure)
    if problem is None:
        return apply_measure(world, state, measure, np.arange(state.runs))
    return problem


def test_the_rules_are_host_measures_of_one_group_with_their_inverses():
    for kind in RULES:
        spec = CATALOGUE[kind]
        assert spec.record_only and spec.ladder is None
        assert spec.group is (KindGroup.TRAVEL_AND_POSTING if spec.hostile else KindGroup.CONCILIATORY)
        assert spec.severity == (-2.0 if spec.hostile else 2.0)
    assert [CATALOGUE[k].inverse for k in RULES] == [
        K.LIFT_NOTICE,
        K.REQUIRE_NOTICE,
        None,  # what was disclosed stays disclosed
        K.RESTORE_VISA_TERM,
        K.SHORTEN_VISA_TERM,
        K.REVOKE_DESIGNATION,
        K.DESIGNATE_OUTLETS,
    ]


def test_a_notice_regime_per_scope_tightened_and_lifted(toy):
    world, state = toy
    effect = take(world, state, K.REQUIRE_NOTICE, UK, size=5, scope=(MEETINGS,))
    assert effect.severity.tolist() == [-2.0] and effect.staff_change.tolist() == [0]
    assert np.isnan(state.notice_days[0, CN, TRAVEL]) and state.notice_days[0, CN, MEETINGS] == 5
    assert np.isnan(state.notice_days[0, UK]).all()  # the other mission is untouched
    assert take(world, state, K.REQUIRE_NOTICE, UK, size=5, scope=(MEETINGS,)) == (
        "a regime of 5 days' notice for meetings does not tighten the one in force (meetings: 5 days' notice)"
        " (allowed: more days than in force, or approval where notice is required; lift_notice to loosen it)"
    )
    take(world, state, K.REQUIRE_NOTICE, UK, size=5, scope=(MEETINGS,), approval=True)  # approval tightens
    assert state.notice_approval[0, CN].tolist() == [False, True]
    take(world, state, K.REQUIRE_NOTICE, UK, size=2)  # both scopes: tightens travel, sets meetings to 2
    assert state.notice_days[0, CN].tolist() == [2.0, 2.0] and state.notice_approval[0, CN].tolist() == [False, False]
    effect = take(world, state, K.LIFT_NOTICE, UK, scope=(TRAVEL,))
    assert effect.severity.tolist() == [2.0]
    assert np.isnan(state.notice_days[0, CN, TRAVEL]) and state.notice_days[0, CN, MEETINGS] == 2
    assert take(world, state, K.LIFT_NOTICE, UK, scope=(TRAVEL,)) == (
        "there is no notice regime for travel to lift at that date (allowed: after require_notice)"
    )


def test_disclosure_orders_add_up(toy):
    world, state = toy
    take(world, state, K.ORDER_DISCLOSURE, CN, size=12)
    take(world, state, K.ORDER_DISCLOSURE, CN, size=30)
    assert state.disclosed[0].tolist() == [0, 42]


def test_a_visa_term_cut_and_restored(toy):
    world, state = toy
    assert take(world, state, K.RESTORE_VISA_TERM, CN, size=365) == (
        "no visa term is set at that date (allowed: after shorten_visa_term, or with visa_term_days in the mission)"
    )
    take(world, state, K.SHORTEN_VISA_TERM, CN, size=90)
    assert state.visa_term_days[0, UK] == 90 and np.isnan(state.visa_term_days[0, CN])
    assert take(world, state, K.SHORTEN_VISA_TERM, CN, size=90) == (
        "a visa term of 90 days does not shorten the current term of 90 days (allowed: 1 to 89 days)"
    )
    assert take(world, state, K.RESTORE_VISA_TERM, CN, size=60) == (
        "a visa term of 60 days does not lengthen the current term of 90 days (allowed: above 90)"
    )
    take(world, state, K.RESTORE_VISA_TERM, CN, size=365)
    assert state.visa_term_days[0, UK] == 365


def test_outlets_designated_and_revoked(toy):
    world, state = toy
    assert take(world, state, K.REVOKE_DESIGNATION, UK, size=1) == (
        "no outlets of CN are designated at that date (allowed: after designate_outlets)"
    )
    take(world, state, K.DESIGNATE_OUTLETS, UK, size=4)
    take(world, state, K.DESIGNATE_OUTLETS, CN, size=4)
    assert state.designated_outlets[0].tolist() == [4, 4]
    assert take(world, state, K.REVOKE_DESIGNATION, UK, size=5) == (
        "cannot revoke the designation of 5 outlets: 4 designated at that date (allowed: 1 to 4)"
    )
    take(world, state, K.REVOKE_DESIGNATION, UK, size=1)
    assert state.designated_outlets[0].tolist() == [3, 4]
    assert rules_held(state, CN) == {
        "notice_travel": "none",
        "notice_meetings": "none",
        "visa_term_days": None,
        "disclosed": 0,
        "designated_outlets": 3,
    }
    assert rules_held_lines(world, state) == [
        "UK on CN's mission: 3 outlets designated foreign missions",
        "CN on UK's mission: 4 outlets designated foreign missions",
    ]


def test_no_policy_instrument_or_initiative_takes_them():
    """Russia-US behaviour must not change: the policies' kinds are the ten they were."""
    assert [k.label for k in HOSTILE_KINDS] == [
        "expel",
        "force_departure",
        "cap_staff",
        "close_post",
        "seize_property",
        "ban_local_hires",
        "deny_visas",
        "restrict_travel",
        "freeze_banking",
        "expel_ambassador",
    ]
    assert not set(RULES) & set(HOSTILE_LADDER + CONCILIATORY_ORDER)
    # the groups acts are scored and summarised by, and their nominal severities, are as they were
    assert {g.value: s for g, s in GROUP_SEVERITY.items()} == {
        "expel": 3.0,
        "cap": 3.0,
        "close_post": 5.0,
        "seize_property": 4.0,
        "visas": 5.0,
        "local_hires": 3.0,
        "travel_and_posting": 2.0,
        "banking": 3.0,
        "ambassador": 6.0,
    }
    assert list(GROUP_SEVERITY) == list(HOSTILE_GROUPS)
    found = estimate([Measure(K.DESIGNATE_OUTLETS, 0, 1, 3), Measure(K.EXPEL, 0, 1, 5)], 0, last_month=10)
    assert [found.weights[k] for k in RULES] == [0.0] * 7  # no propensity, not even the prior's
    assert found.weights[K.EXPEL] == 2 and found.package == pytest.approx(1 / 3, abs=1e-4)  # one act, not two
    with pytest.raises(InstrumentsError, match="unknown kind 'designate_outlets'"):
        parse_instruments("designate_outlets=1")
    with pytest.raises(BehaviourError, match="initiative 'lift_notice@2020-01'"):
        parse_initiative("lift_notice@2020-01")


RULE_EVENTS = (
    event(date="2020-02-03", actor="UK", kind="require_notice", size=5, scope="meetings")
    + event(date="2020-02-20", actor="CN", kind="require_notice", size=5, scope="meetings")
    + event(date="2020-03", actor="UK", kind="designate_outlets", size=4, description="four outlets")
    + event(date="2020-04", actor="CN", kind="designate_outlets", size=4)
    + event(date="2020-05", actor="CN", kind="shorten_visa_term", size=90)
    + event(date="2020-05", actor="UK", kind="order_disclosure", size=12)
    + event(date="2020-06", actor="UK", kind="require_notice", size=2, scope="travel", approval="@true")
    + event(date="2020-09", actor="UK", kind="revoke_designation", size=1)
    + event(date="2020-11", actor="UK", kind="lift_notice", scope="travel")
).replace('"@true"', "true")


def test_a_replay_logs_their_sizes_and_validate_compares_the_sides(toy_file, tmp_path):
    path = toy_file(RULE_EVENTS)
    outcome = CliRunner().invoke(cli, ["run", str(path), "--results", str(tmp_path), "--run-id", "r", "--no-plot"])
    assert outcome.exit_code == 0, outcome.output
    logged = read_csv(tmp_path / "toy/r/events.csv")
    rows = [(r["date"], r["actor"], r["kind"], r["size"], r["severity"]) for r in logged]
    assert rows == [
        ("2020-02-03", "UK", "require_notice", "5", "-2"),
        ("2020-02-20", "CN", "require_notice", "5", "-2"),
        ("2020-03", "UK", "designate_outlets", "4", "-2"),
        ("2020-04", "CN", "designate_outlets", "4", "-2"),
        ("2020-05", "CN", "shorten_visa_term", "90", "-2"),
        ("2020-05", "UK", "order_disclosure", "12", "-2"),
        ("2020-06", "UK", "require_notice", "2", "-2"),
        ("2020-09", "UK", "revoke_designation", "1", "2"),
        ("2020-11", "UK", "lift_notice", "", "2"),
    ]
    outcome = CliRunner().invoke(cli, ["validate", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.splitlines()[1:] == [
        "  rules in force at the end: UK on CN's mission: meetings: 5 days' notice; 12 people or items disclosed;"
        " 3 outlets designated foreign missions",
        "  rules in force at the end: CN on UK's mission: meetings: 5 days' notice; visa term 90 days;"
        " 4 outlets designated foreign missions",
    ]
    # the record's acts count them in their group; conciliatory ones are not acts
    acts = recorded_acts(load_scenario(path))
    assert [(a.actor, a.month - acts[0].month, [p.group.value for p in a.parts]) for a in acts] == [
        (CN, 0, ["travel_and_posting"]),
        (UK, 0, ["travel_and_posting"]),
        (UK, 1, ["travel_and_posting"]),
        (CN, 2, ["travel_and_posting"]),
        (CN, 3, ["travel_and_posting"]),
        (UK, 3, ["travel_and_posting"]),
        (UK, 4, ["travel_and_posting"]),
    ]


def test_a_mission_may_start_with_a_visa_term(toy_file):
    text = TOY.replace("[missions.UK]\n", "[missions.UK]\nvisa_term_days = 365\n")
    extra = event(date="2020-05", actor="CN", kind="restore_visa_term", size=400)
    assert load_scenario(toy_file(extra, text=text)).initial_state().visa_term_days[0].tolist()[1] == 365
    path = toy_file(event(date="2020-05", actor="CN", kind="shorten_visa_term", size=365), text=text)
    assert refusal(path).endswith(
        "a visa term of 365 days does not shorten the current term of 365 days (allowed: 1 to 364 days)"
    )


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"kind": "require_notice", "size": 5, "scope": "meals"},
            "events[0].scope (line 81): unknown value 'meals' (allowed: travel, meetings, both)",
        ),
        (
            {"kind": "lift_notice", "approval": "@true"},
            "events[0].approval (line 80): key 'approval' is not used by kind 'lift_notice'"
            " (allowed: date, actor, kind, source, description, announced, target, scope)",
        ),
        (
            {"kind": "shorten_visa_term", "size": 0},
            "events[0].size (line 80): 0 is out of range (allowed: 1 to 3,650)",
        ),
        (
            {"kind": "designate_outlets", "size": 1.5},
            "events[0].size (line 80): expected a whole number, found 1.5",
        ),
    ],
)
def test_bad_rules_get_one_line(toy_file, keys, message):
    path = toy_file(event(date="2020-03", actor="UK", **keys).replace('"@true"', "true"))
    assert refusal(path) == f"Error: {path}: {message}"


def test_a_projection_answers_a_rule_from_the_history_with_its_own_kinds(toy_file):
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan
    from sim.files.columns import event_row
    from sim.rules.rng import run_keys

    extra = event(date="2020-05", actor="UK", kind="require_notice", size=5) + event(
        date="2020-05", actor="UK", kind="designate_outlets", size=2
    )
    scenario = load_scenario(toy_file(extra))
    overrides = [("CN", "instruments", "record")]
    plan = make_plan(scenario, "project", start_from="2020-06", policies={"CN": "mirror"}, overrides=overrides)
    ensemble = simulate_batch(scenario, plan, run_keys(3, 20))
    rows = [event_row(ensemble.world, r) for records in ensemble.events for r in records]
    policy = [row for row in rows if row["cause"] in ("policy", "noise")]
    first = [row for row in policy if row["date"] == "2020-06"]
    assert first and all(row["actor"] == "CN" for row in first)  # CN answers the record's rules first
    assert not {row["kind"] for row in policy} & {k.label for k in RULES}


def test_the_mesa_agents_see_the_rules_their_missions_are_held_to(toy_file):
    from sim.engines.model import RetaliationModel

    scenario = load_scenario(toy_file(RULE_EVENTS))
    model = RetaliationModel(scenario)
    cn, uk = model.states
    while model.month <= scenario.end:
        model.step()
    assert cn.mission.rules == {
        "notice_travel": "none",
        "notice_meetings": "5 days' notice",
        "visa_term_days": None,
        "disclosed": 12,
        "designated_outlets": 3,
    }
    assert uk.mission.rules["visa_term_days"] == 90 and uk.mission.rules["designated_outlets"] == 4
