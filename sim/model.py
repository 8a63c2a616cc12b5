"""The Mesa model: one agent per state, simultaneous update, a DataCollector for the figures.

The rules live in `sim.measures`, `sim.rotation` and `sim.engine`; this module only drives them
for one run. Each month both state agents decide on what they saw last month (`step`), then the
model commits all decisions at once in record order (`advance`), rotates staff and collects the
per-side figures.
"""

from __future__ import annotations

from functools import partial

import mesa

from sim.calendar import month_label
from sim.engine import commit, end_month, events_by_month
from sim.measures import Measure, Shock
from sim.scenario import Scenario
from sim.state import FIGURES, mission_figures

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
        """Decide this month's measures. In replay every scenario event of this side is forced."""
        self.decision = list(self.model.forced.get(self.model.month, {}).get(self.side, ()))

    def observe(self) -> None:
        """Read this side's mission figures off the model state (run 0)."""
        figures = mission_figures(self.model.world, self.model.state)
        self.figures = {name: values[0, self.side].item() for name, values in figures.items()}
        self.figures.update(date=month_label(self.model.month), side=self.code, host=self.host_code)


class RetaliationModel(mesa.Model):
    """Two states, their missions in each other's country, stepped monthly over the scenario's run."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(seed=scenario.seed if seed is None else seed)
        self.scenario = scenario
        self.world = scenario.world()
        self.state = scenario.initial_state()
        self.month = scenario.start
        self.forced: dict[int, dict[int, list[Measure | Shock]]] = {}
        for month, events in events_by_month(scenario.events).items():
            for event in events:
                self.forced.setdefault(month, {}).setdefault(event.actor, []).append(event)
        self.event_log: list[dict[str, object]] = []
        self.states = [StateAgent(self, side) for side in (0, 1)]
        self.datacollector = mesa.DataCollector(
            agent_reporters={column: partial(_figure, column=column) for column in TRAJECTORY_COLUMNS}
        )

    def step(self) -> None:
        self.agents.do("step")
        self.advance()

    def advance(self) -> None:
        """Commit both sides' decisions at once, rotate, and collect the month's figures."""
        decided = [event for agent in self.states for event in agent.decision]
        self.event_log.extend(commit(self.world, self.state, decided)[0])
        end_month(self.world, self.state)
        self.agents.do("observe")
        self.datacollector.collect(self)
        self.month += 1
        if self.month > self.scenario.end:
            self.running = False

    def run(self) -> None:
        while self.running:
            self.step()

    def trajectories(self) -> list[dict[str, object]]:
        """One row per month and side, in TRAJECTORY_COLUMNS order."""
        frame = self.datacollector.get_agent_vars_dataframe()
        return [{column: row[column] for column in TRAJECTORY_COLUMNS} for row in frame.to_dict("records")]
