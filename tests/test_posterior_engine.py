"""Runs whose behaviour values differ from run to run (a posterior ensemble): simulated in batches
by policy families with per-run values, each run is the same as the run simulated alone with its
values as an ordinary plan, whatever the other runs of its batch are."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.drivers import simulate_batch, simulate_mesa, simulate_mixed
from sim.engines.dynamics import Dynamics
from sim.engines.varying import MixedBatchError, groups
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.policies import REGISTRY
from sim.rules.rng import run_keys
from tests.test_engines import HISTORY, same

FAMILIES = ("mirror", "generous_mirror", "grit", "escalate")


def drawn_overrides(rng: np.random.Generator, families: tuple[str, ...]) -> tuple[dict, list]:
    """A random set of one run's values for both sides, as make_plan's policies and overrides."""
    policies, overrides = {}, []
    for code in ("CN", "UK"):
        family = families[int(rng.integers(len(families)))]
        params = []
        for p in REGISTRY[family].parameters:
            value = float(rng.integers(p.low, p.high + 1)) if p.integer else round(rng.uniform(p.low, p.high), 4)
            params.append(f"{p.name}={value:g}")
        policies[code] = family + (":" + ",".join(params) if params else "")
        whole = int(rng.integers(0, 3))
        frac = round(rng.uniform(0, 1), 4)
        overrides += [
            (code, "perception_error", round(rng.uniform(0, 0.3), 4)),
            (code, "misread_sigma", round(rng.uniform(0, 0.5), 4)),
            (code, "execution_error", round(rng.uniform(0, 0.1), 4)),
            (code, "notice", round(rng.uniform(0.5, 4), 4)),
            (code, "memory_months", round(rng.uniform(3, 36), 4)),
            (code, "crisis_rate", round(rng.uniform(0, 2), 4)),
            (code, "rehire_months", round(rng.uniform(3, 24), 4)),
            (code, "tour_months", round(rng.uniform(6, 36), 4)),
            (code, "delay_weights", [0.0] * whole + [round(1 - frac, 4), frac]),
            # some runs never look within the month: a batch mixes them with runs that may
            (code, "same_month", 0.0 if rng.uniform() < 0.3 else round(rng.uniform(0, 1), 4)),
            (
                code,
                "instruments",
                f"expel=3,close_post=1,deny_visas=1;like={rng.uniform(0, 1):.4f};package={rng.uniform(0, 0.6):.4f}",
            ),
        ]
    return policies, overrides


@pytest.fixture
def mixed(toy_file):
    scenario = load_scenario(toy_file(HISTORY))
    rng = np.random.default_rng(7)
    plans = []
    for _ in range(10):
        policies, overrides = drawn_overrides(rng, FAMILIES if len(plans) < 3 else FAMILIES[1:3])
        plans.append(
            make_plan(
                scenario, "project", start_from="2020-04", until="2021-03", policies=policies, overrides=overrides
            )
        )
    return scenario, plans, run_keys(99, len(plans))


def test_a_run_in_a_mixed_batch_is_the_run_alone(mixed):
    scenario, plans, keys = mixed
    behaviours = [p.behaviours for p in plans]
    together = simulate_mixed(scenario, plans[0], keys, behaviours)
    assert len(groups(behaviours)) < len(plans)  # runs of one pair of families share a batch
    for i, plan in enumerate(plans):
        alone = simulate_batch(scenario, plan, keys[i : i + 1])
        one = simulate_mixed(scenario, plan, keys[i : i + 1], behaviours[i : i + 1])
        same(one, alone)
        for name, values in together.figures.items():
            np.testing.assert_array_equal(values[:, i : i + 1], alone.figures[name], err_msg=f"run {i} {name}")
        assert repr(together.events[i]) == repr(alone.events[0])  # nan sizes compare by text
        np.testing.assert_array_equal(together.acts[i], alone.acts[0])
    assert sum(len(e) for e in together.events) > 20  # the runs act, so the comparison means something


def test_a_run_is_the_same_in_any_order_and_any_split(mixed):
    scenario, plans, keys = mixed
    behaviours = [p.behaviours for p in plans]
    whole = simulate_mixed(scenario, plans[0], keys, behaviours, log_events=False)
    order = np.random.default_rng(3).permutation(len(plans))
    shuffled = simulate_mixed(scenario, plans[0], keys[order], [behaviours[i] for i in order], log_events=False)
    halves = [
        simulate_mixed(scenario, plans[0], keys[s], behaviours[s], log_events=False)
        for s in (slice(0, 4), slice(4, None))
    ]
    for name, values in whole.figures.items():
        np.testing.assert_array_equal(shuffled.figures[name], values[:, order])
        np.testing.assert_array_equal(np.concatenate([h.figures[name] for h in halves], axis=1), values)


def test_the_batched_run_equals_the_mesa_model(mixed):
    scenario, plans, keys = mixed
    behaviours = [p.behaviours for p in plans[:3]]
    together = simulate_mixed(scenario, plans[0], keys[:3], behaviours)
    for i in range(3):
        alone = simulate_mesa(scenario, plans[i], keys[i : i + 1])
        for name, values in alone.figures.items():
            np.testing.assert_array_equal(together.figures[name][:, i : i + 1], values, err_msg=name)


def test_every_parameterised_policy_takes_its_parameters_per_run(toy_file):
    scenario = load_scenario(toy_file(HISTORY))
    rng = np.random.default_rng(11)
    families = tuple(name for name, policy in sorted(REGISTRY.items()) if policy.parameters)
    for family in families:
        plans = []
        for _ in range(3):
            policies, overrides = drawn_overrides(rng, (family,))
            plans.append(make_plan(scenario, "behavioural", until="2020-12", policies=policies, overrides=overrides))
        keys = run_keys(5, 3)
        together = simulate_mixed(scenario, plans[0], keys, [p.behaviours for p in plans], log_events=False)
        for i, plan in enumerate(plans):
            alone = simulate_batch(scenario, plan, keys[i : i + 1], log_events=False)
            for name, values in alone.figures.items():
                np.testing.assert_array_equal(together.figures[name][:, i : i + 1], values, err_msg=f"{family} {name}")


def test_a_batch_refuses_runs_that_differ_in_a_shared_value(toy_file):
    scenario = load_scenario(toy_file(HISTORY))
    calm = make_plan(scenario, "behavioural", until="2021-06")
    crises = make_plan(scenario, "behavioural", until="2021-06", overrides=[("CN", "crisis_severity", (-5.0, -1.0))])
    other = make_plan(scenario, "behavioural", until="2021-06", policies={"CN": "grit"})
    for plan in (crises, other):
        with pytest.raises(MixedBatchError):
            Dynamics(scenario, calm, run_keys(1, 2), behaviours=[calm.behaviours, plan.behaviours])
        assert len(groups([calm.behaviours, plan.behaviours])) == 2
