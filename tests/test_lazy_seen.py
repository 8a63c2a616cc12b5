"""What a side sees is computed when its policy reads it, with the value it had when the side looked."""

from __future__ import annotations

import numpy as np

from sim.engines.dynamics import Dynamics
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.policies import Seen
from sim.rules.repertoire import restorable
from sim.rules.rng import SLOT_POLICY, run_keys, uniform
from tests.conftest import SCENARIOS


def _dynamics(months: int = 30) -> tuple[Dynamics, int]:
    scenario = load_scenario(SCENARIOS / "us_russia_2016_2025.toml")
    noise = [(side, "perception_error", 0.2) for side in scenario.codes]
    plan = make_plan(scenario, "behavioural", overrides=noise)
    dynamics = Dynamics(scenario, plan, run_keys(3, 8), log_events=False)
    for month in plan.months[:months]:
        dynamics.step(month)
    return dynamics, plan.months[months]


def _eager(dynamics: Dynamics, month: int, side: int) -> dict[str, np.ndarray]:
    world, state, other = dynamics.world, dynamics.state, 1 - side
    return {
        "restorable": restorable(world, state, other),
        "own_last": dynamics.own_last[:, side].copy(),
        "own_error": dynamics.own_error[:, side].copy(),
        "own_staff": state.staff_total(world, side).astype(float),
        "other_staff": state.staff_total(world, other).astype(float),
        "draw": uniform(dynamics.keys, month, side, SLOT_POLICY),
    }


def test_a_field_read_later_has_its_value_at_the_look():
    dynamics, month = _dynamics()
    expected = _eager(dynamics, month, 0)
    seen = dynamics.perceive(month, 0)
    assert "own_staff" not in vars(seen)  # not computed until read
    for name, value in expected.items():
        np.testing.assert_array_equal(getattr(seen, name), value)
        assert getattr(seen, name).dtype == value.dtype
    assert set(Seen.__dataclass_fields__) <= set(vars(seen))


def test_a_settled_look_keeps_its_values_when_the_missions_change():
    dynamics, month = _dynamics()
    expected = _eager(dynamics, month, 1)
    seen = dynamics.perceive(month, 1, looking=np.ones(dynamics.runs, dtype=bool))
    assert expected["own_staff"].min() > 0
    dynamics.state.staff[:] = 0
    dynamics.own_last[:] = 7.0
    for name, value in expected.items():
        np.testing.assert_array_equal(getattr(seen, name), value)
    np.testing.assert_array_equal(dynamics.perceive(month, 1).own_staff, np.zeros(dynamics.runs))
