"""The Mesa model: one agent per state, simultaneous update, a DataCollector for the figures.

The rules live in `sim.rules.measures`, `sim.rules.rotation`, `sim.rules.repertoire`, `sim.rules.policies` and
`sim.engines.dynamics`; this module only drives them for one run. Each month both state agents decide on
what they saw the month before (`step`); then the model commits everything at once in record
order (`advance`): forced events, the answers that fall due, crises; rotation follows and the
DataCollector records the per-side figures.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.plan import Plan, replay_plan
from sim.rules.calendar import month_label
from sim.rules.measures import EventRecord, Measure, Shock
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario
from sim.rules.state import FIGURES, mission_figures

TRAJECTORY_COLUMNS = ("date", "side", "host", *FIGURES)


def _figure(agent: StateAgent, column: str) -> object:
    return agent.figures[column]


class StateAgent(mesa.Agent):
    """A state: it keeps a mission in the other state's country and hosts the other's mission."""

    def __init__(self, model: RetaliationModel, side: int):
        super().__init__(model)
        self.side = side
        self.code = model.world.sides[side]
        self.host_code = model.world.sides[1 - side]
        self.decision: list[Measure | Shock] = []
        self.figures: dict[str, object] = {}

    def step(self) -> None:
        """Decide: take this month's forced events, and let the policy answer what was seen."""
        self.decision = self.model.dynamics.forced_of(self.model.month, self.side)
        self.model.dynamics.decide(self.model.month, self.side)

    def observe(self) -> None:
        """Read this side's mission figures off the model state."""
        figures = mission_figures(self.model.world, self.model.state)
        self.figures = {name: values[0, self.side].item() for name, values in figures.items()}
        self.figures.update(date=month_label(self.model.month), side=self.code, host=self.host_code)


class RetaliationModel(mesa.Model):
    """Two states and their missions in each other's country, stepped monthly.

    `plan` says the mode, the months and the behaviours (default: replay of the scenario);
    `key` is the run's random key (default: the first run key spawned from `seed`, itself
    defaulting to the scenario's seed, so a single run equals run 0 of an ensemble).
    """

    def __init__(
        self, scenario: Scenario, plan: Plan | None = None, *, seed: int | None = None, key: int | None = None
    ):
        seed = scenario.seed if seed is None else seed
        key = int(run_keys(seed, 1)[0]) if key is None else int(key)
        # The rules draw only from sim.rules.rng (counter-based, from `key`); Mesa's own generator is
        # seeded from the same key and is not used by them.
        super().__init__(seed=key)
        self.scenario = scenario
        self.plan = plan or replay_plan(scenario)
        self.key = key
        self.dynamics = Dynamics(scenario, self.plan, np.array([key], dtype=np.uint64))
        self.world = self.dynamics.world
        self.state = self.dynamics.state
        self.month = self.plan.start
        self.event_log: list[EventRecord] = []
        self.states = [StateAgent(self, side) for side in (0, 1)]
        self.datacollector = mesa.DataCollector(
            agent_reporters={column: partial(_figure, column=column) for column in TRAJECTORY_COLUMNS}
        )

    def step(self) -> None:
        self.agents.do("step")
        self.advance()

    def advance(self) -> None:
        """Commit both sides' decisions at once, rotate, and collect the month's figures."""
        self.event_log.extend(self.dynamics.commit(self.month)[0])
        self.agents.do("observe")
        self.datacollector.collect(self)
        self.month += 1
        if self.month > self.plan.end:
            self.running = False

    def run(self) -> None:
        while self.running:
            self.step()

    def trajectories(self) -> list[dict[str, object]]:
        """One row per month and side, in TRAJECTORY_COLUMNS order."""
        frame = self.datacollector.get_agent_vars_dataframe()
        return [{column: row[column] for column in TRAJECTORY_COLUMNS} for row in frame.to_dict("records")]
