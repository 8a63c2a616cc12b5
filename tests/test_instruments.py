"""Instruments: which kinds a side answers with, estimated from its record; packages."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.files.columns import event_row
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import parse_date
from sim.rules.instruments import HOSTILE_KINDS, InstrumentsError, estimate, parse_instruments
from sim.rules.measures import Measure, MeasureKind
from sim.rules.rng import run_keys
from tests.conftest import ROOT

K = MeasureKind


def m(kind, actor, month):
    return Measure(kind, actor, 1 - actor, month)


def test_estimates_are_posterior_means_under_flat_priors():
    events = [
        m(K.EXPEL, 0, 10),
        m(K.EXPEL, 1, 11),  # in kind
        m(K.CLOSE_POST, 1, 11),  # same month: one act, a package of two kinds
        m(K.SEIZE_PROPERTY, 1, 30),  # nothing like it used against side 1 within a year
        m(K.EXPEL, 1, 99),  # after the last month: not counted
    ]
    found = estimate(events, 1, last_month=40)
    weights = {k: found.weights[k] for k in HOSTILE_KINDS}
    assert weights[K.EXPEL] == 2 and weights[K.CLOSE_POST] == 2 and weights[K.SEIZE_PROPERTY] == 2
    assert all(w == 1 for k, w in weights.items() if k not in (K.EXPEL, K.CLOSE_POST, K.SEIZE_PROPERTY))
    assert found.like == pytest.approx((1 + 1) / (2 + 2), abs=1e-4)  # one of two acts in kind
    assert found.package == pytest.approx((1 + 1) / (2 + 2), abs=1e-4)  # one of two acts a package
    assert found.weights[K.RETURN_PROPERTY] == 0  # propensities are over hostile kinds only


def test_specs_are_read_strictly():
    read = parse_instruments("expel=5,close_post=2;like=0.6;package=0.3;spread=1.5")
    assert read.weights[K.EXPEL] == 5 and read.weights[K.CLOSE_POST] == 2 and read.like == 0.6
    assert parse_instruments(read.spec()) == read
    assert parse_instruments("ladder") is None and parse_instruments("record") is None
    for bad, words in [
        ("expel=1,expel=2", "given twice"),
        ("hold_talks=1", "unknown kind"),
        ("expel=1;like=2", "probability"),
        ("expel=nan", "finite"),
        ("like=0.5", "at least one kind"),
        ("expel", "KEY=VALUE"),
    ]:
        with pytest.raises(InstrumentsError, match=words):
            parse_instruments(bad)


@pytest.fixture(scope="module")
def record_runs():
    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2022.toml")
    overrides = [(s, "instruments", "record") for s in ("US", "RU")] + [
        (s, "perception_error", 0.05) for s in ("US", "RU")
    ]
    plan = make_plan(scenario, "behavioural", overrides=overrides)
    return simulate_batch(scenario, plan, run_keys(3, 200))


def test_states_with_instruments_from_the_record_use_most_hostile_kinds(record_runs):
    runs_using = collections.Counter()
    for records in record_runs.events:
        kinds = {r.event.kind for r in records if r.cause in ("policy", "noise") and isinstance(r.event, Measure)}
        runs_using.update(kinds)
    share = {kind: runs_using[kind] / 200 for kind in HOSTILE_KINDS}
    assert sum(s >= 0.10 for s in share.values()) >= 8, share
    assert share[K.CLOSE_POST] >= 0.10 and share[K.SEIZE_PROPERTY] >= 0.10 and share[K.DENY_VISAS] >= 0.10


def test_a_package_is_two_kinds_in_one_month(toy_file):
    from tests.test_engines import HISTORY

    scenario = load_scenario(toy_file(HISTORY))
    spec = "expel=1,close_post=1,seize_property=1,deny_visas=1;like=0;package=1"
    overrides = [(s, "instruments", spec) for s in ("CN", "UK")]
    policies = {"CN": "mirror", "UK": "mirror"}
    plan = make_plan(scenario, "behavioural", until="2021-06", policies=policies, overrides=overrides)
    ensemble = simulate_batch(scenario, plan, run_keys(5, 20))
    months = collections.defaultdict(list)
    for run, records in enumerate(ensemble.events):
        for r in records:
            row = event_row(ensemble.world, r)
            if row["cause"] == "policy" and float(row["severity"] or 0) < 0:
                months[(run, row["actor"], row["date"])].append(row["kind"])
    assert months, "the policies answered nothing"
    sizes = collections.Counter(len(kinds) for kinds in months.values())
    assert sizes[2] >= 0.8 * sum(sizes.values()), sizes  # a second part unless nothing else was feasible
    assert all(len(set(kinds)) == len(kinds) for kinds in months.values())  # parts are different kinds


def test_record_instruments_in_project_mode_read_only_the_history_before_policies_act():
    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2022.toml")
    switch = parse_date("2018-01")[0]
    before = estimate(scenario.events, 0, switch - 1)
    overrides = [("US", "instruments", "record")]
    plan = make_plan(scenario, "project", start_from="2018-01", overrides=overrides)
    from sim.engines.dynamics import Dynamics

    dynamics = Dynamics(scenario, plan, np.zeros(1, dtype=np.uint64))
    assert dynamics.instruments[0] == before
    assert dynamics.instruments[1] is None  # RU keeps the ladder
