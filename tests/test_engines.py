"""One set of rules, two drivers: the batched engine and the Mesa model give identical runs, for
every policy in the catalogue, with and without noise, in all three modes, however runs are
split into batches."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.drivers import simulate_batch, simulate_mesa
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.policies import REGISTRY
from sim.rules.rng import run_keys
from tests.conftest import event, event_table

POLICIES = sorted(REGISTRY)
NOISE = [
    (side, key, value)
    for side in ("CN", "UK")
    for key, value in (
        ("perception_error", 0.15),
        ("misread_sigma", 0.5),
        ("execution_error", 0.1),
        ("crisis_rate", 2.0),
        ("delay_weights", [0.4, 0.4, 0.2]),
        ("same_month", 0.5),
    )
]
HISTORY = (
    event(date="2020-02-10", actor="CN", kind="expel", size=4, post="uk_embassy")
    + event(date="2020-03-04", actor="UK", kind="shock", name="incident", severity=-6.0)
    + event(date="2020-03-20", actor="UK", kind="seize_property", property="cn_residence")
    + event(date="2020-05-01", actor="CN", kind="deny_visas", size=0.5)
)


def same(first, second) -> None:
    assert event_table(first) == event_table(second)
    np.testing.assert_array_equal(first.acts, second.acts)
    for name, values in first.figures.items():
        np.testing.assert_array_equal(values, second.figures[name], err_msg=name)


@pytest.mark.parametrize("noise", [False, True], ids=["quiet", "noisy"])
@pytest.mark.parametrize("mode", ["replay", "behavioural", "project"])
def test_batch_equals_mesa_for_every_policy(toy_file, mode, noise):
    scenario = load_scenario(toy_file(HISTORY))
    keys = run_keys(2024, 3)
    pairs = (
        [(POLICIES[0], POLICIES[0])]
        if mode == "replay"
        else list(zip(POLICIES, POLICIES[1:] + POLICIES[:1], strict=True))
    )
    for first, second in pairs:
        plan = make_plan(
            scenario,
            mode,
            start_from="2020-04" if mode == "project" else None,
            until=None if mode == "replay" else "2021-06",
            # a replay forces everything: no policy acts, so none may be chosen
            policies=None if mode == "replay" else {"CN": first, "UK": second},
            overrides=NOISE if noise and mode != "replay" else (),
        )
        batch = simulate_batch(scenario, plan, keys)
        same(batch, simulate_mesa(scenario, plan, keys))
        # the same runs split over two batches
        head, tail = simulate_batch(scenario, plan, keys[:1]), simulate_batch(scenario, plan, keys[1:])
        assert event_table(head) + event_table(tail) == event_table(batch)
        for name, values in batch.figures.items():
            np.testing.assert_array_equal(np.concatenate([head.figures[name], tail.figures[name]], axis=1), values)
        if noise and mode != "replay":
            assert sum(len(e) for e in batch.events) > len(HISTORY.split("[[events]]")) - 1


@pytest.mark.parametrize("instruments", ["record", "expel=1,close_post=3,seize_property=2;like=0.3;package=0.8"])
def test_batch_equals_mesa_with_propensity_instruments(toy_file, instruments):
    scenario = load_scenario(toy_file(HISTORY))
    keys = run_keys(77, 4)
    plan = make_plan(
        scenario,
        "behavioural",
        until="2021-06",
        policies={"CN": "escalate:k=1.5", "UK": "mirror"},
        overrides=NOISE + [("CN", "instruments", instruments), ("UK", "instruments", instruments)],
    )
    batch = simulate_batch(scenario, plan, keys)
    same(batch, simulate_mesa(scenario, plan, keys))
    head, tail = simulate_batch(scenario, plan, keys[:2]), simulate_batch(scenario, plan, keys[2:])
    assert event_table(head) + event_table(tail) == event_table(batch)
