"""Outcomes of a sweep's runs, each definition checked with exact values on the toy dyad: a
crisis in which China expels 20 of the UK embassy's staff and closes its Shanghai consulate and
the UK seizes China's residence, then a policy period from May 2020."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiments.choices import make_plan
from sim.experiments.outcomes import outcome_names, simulate_outcomes
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys
from tests.conftest import TOY, event

CRISIS = (
    event(date="2020-02", actor="CN", kind="expel", post="uk_embassy", size=20)
    + event(date="2020-02", actor="CN", kind="close_post", post="uk_consulate")
    + event(date="2020-03", actor="UK", kind="seize_property", property="cn_residence")
)


@pytest.fixture
def crisis(toy_file):
    return load_scenario(toy_file(CRISIS, text=TOY.replace('end = "2020-12"', 'end = "2020-04"')))


def outcomes(scenario, policies, until="2022-12", overrides=(), runs=3):
    plan = make_plan(
        scenario, "project", start_from="2020-05", until=until, policies=policies, overrides=list(overrides)
    )
    return {name: values.tolist() for name, values in simulate_outcomes(scenario, plan, run_keys(3, runs)).items()}


def test_the_original_outcomes_come_first_in_their_order():
    assert outcome_names(("CN", "UK"))[:13] == [
        "CN_staff_end_share",
        "CN_staff_min",
        "CN_hostile_measures",
        "UK_staff_end_share",
        "UK_staff_min",
        "UK_hostile_measures",
        "months_to_half",
        "restored_half",
        "hostile_measures",
        "longest_chain",
        "posts_reopened",
        "properties_returned",
        "spiral",
    ]


def test_a_talks_led_reset_restores_everything_at_its_own_pace(crisis):
    out = outcomes(crisis, {"UK": "talks_reset", "CN": "mirror"})
    assert sorted(out) == sorted(outcome_names(("CN", "UK")))
    first = {name: values[0] for name, values in out.items()}
    assert all(values == [values[0]] * 3 for values in out.values())  # no randomness in this plan
    assert first == {
        "CN_staff_end_share": 1.0,
        "CN_staff_min": 120,
        "CN_hostile_measures": 0,
        "UK_staff_end_share": 0.9429,
        "UK_staff_min": 100,
        "UK_hostile_measures": 0,
        "months_to_half": 1.0,
        "restored_half": 1,
        "hostile_measures": 0,
        "longest_chain": 0,
        "posts_reopened": 1,
        "properties_returned": 1,
        "spiral": 0,
        "months_to_three_quarters": 5.0,
        "restored_three_quarters": 1,
        "months_to_sent_half": 1.0,
        "restored_sent_half": 1,
        "months_to_sent_three_quarters": 11.0,
        "restored_sent_three_quarters": 1,
        "months_to_posts": 3.0,
        "posts_restored": 1,
        "months_to_properties": 2.0,
        "properties_restored": 1,
        "months_to_talks": 1.0,
        "talks_hold": 1,
    }


def test_reciprocators_restore_staff_but_never_the_post_or_the_property(crisis):
    out = outcomes(crisis, {"UK": "mirror", "CN": "mirror"}, runs=1)
    assert out["UK_staff_end_share"] == [0.7643]
    assert out["months_to_three_quarters"] == [19.0] and out["months_to_sent_three_quarters"] == [19.0]
    assert out["restored_three_quarters"] == [1] and out["restored_sent_three_quarters"] == [1]
    for name in ("posts", "properties", "talks"):
        assert math.isnan(out[f"months_to_{name}"][0])
    assert out["posts_restored"] == out["properties_restored"] == out["talks_hold"] == [0]


def test_talks_hold_needs_twelve_quiet_months_after_the_talks(crisis):
    policies = {"UK": "talks_reset", "CN": "mirror"}
    # talks in the first month; the 12 months after it end in the 13th month of the period
    assert outcomes(crisis, policies, until="2021-04", runs=1)["talks_hold"] == [0]
    assert outcomes(crisis, policies, until="2021-05", runs=1)["talks_hold"] == [1]
    # crises on the Chinese side bring hostile measures after the talks: they do not hold
    noisy = outcomes(crisis, policies, overrides=[("CN", "crisis_rate", 3.0)], runs=4)
    assert noisy["hostile_measures"] == [10, 5, 8, 11]
    assert noisy["months_to_talks"] == [1.0] * 4 and noisy["talks_hold"] == [0] * 4


def test_sent_staff_count_diplomats_and_support_only(crisis):
    # the expulsion took sent staff only: they fall further below three quarters of their start
    # than all staff do, so restoring them takes longer
    out = outcomes(crisis, {"UK": "grit", "CN": "mirror"}, runs=1)
    assert out["months_to_three_quarters"] == [4.0] and out["months_to_sent_three_quarters"] == [10.0]
    assert np.isfinite(out["months_to_sent_half"]).all()
