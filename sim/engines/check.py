"""The replay check of a scenario: every forced event must be possible at its date."""

from __future__ import annotations

import numpy as np

from sim.errors import ScenarioError
from sim.rules.measures import Shock, apply_measure, infeasibility
from sim.rules.rotation import rotate
from sim.rules.scenario import Scenario, events_by_month


def check_events(scenario: Scenario) -> None:
    """Replay the forced events on one run and raise ScenarioError at the first impossible one."""
    world = scenario.world()
    state = scenario.initial_state()
    by_month = events_by_month(scenario.events)
    for month in scenario.months:
        for event in by_month.get(month, ()):
            if isinstance(event, Shock):
                continue
            problem = infeasibility(world, state, event)
            if problem:
                where, line = scenario.event_where[event.seq]
                raise ScenarioError(scenario.path, where, problem, line=line)
            apply_measure(world, state, event, np.arange(state.runs))
        rotate(world, state)
