"""The replay check of a scenario: every forced event must be possible at its date."""

from __future__ import annotations

import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.plan import replay_plan
from sim.rules.scenario import Scenario
from sim.rules.state import State


def check_events(scenario: Scenario) -> State:
    """Replay the forced events on one run and raise ScenarioError at the first impossible one;
    returns the state at the end of the replay."""
    dynamics = Dynamics(
        scenario, replay_plan(scenario), np.zeros(1, dtype=np.uint64), log_events=False, check_forced=True
    )
    dynamics.run()
    return dynamics.state
