"""The Mesa model: one agent per state, simultaneous update, a DataCollector for the figures.

The rules live in `sim.rules`; the month protocol in `sim.engines.dynamics`. Each month every
`StateAgent` decides on what it saw the month before (`step`), then the model commits all
decisions at once (`advance`): forced events in record order, the answers that fall due,
crises; rotation follows and the DataCollector records each agent's figures. This is the
simultaneous activation of Mesa's `pd_grid` example, which tit-for-tat dynamics depend on.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.plan import Plan, replay_plan
from sim.rules.calendar import month_label
from sim.rules.domain import Category, PostStatus, PropertyStatus
from sim.rules.kinds_rules import rules_held
from sim.rules.measures import EventRecord, Measure, Shock
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario
from sim.rules.state import NO_CAP, TRAJECTORY_COLUMNS, State, World, mission_figures


def _read_only(values: np.ndarray) -> np.ndarray:
    view = values.view()
    view.flags.writeable = False
    return view


class MissionView:
    """A read-only view of one side's mission in the one run a Mesa model holds: its posts and
    their staff, its properties, and the conditions its host sets. Nothing here can change the
    model's state; the rules change it when the model commits."""

    def __init__(self, world: World, state: State, side: int):
        self.world, self.state, self.side = world, state, side
        self.owner = world.sides[side]
        self.host = world.sides[1 - side]

    @property
    def post_ids(self) -> tuple[str, ...]:
        return tuple(self.world.post_ids[p] for p in self.world.every_post_of(self.side))

    @property
    def staff(self) -> np.ndarray:
        """int[posts, 3]: staff of each post by category (diplomats, support, local)."""
        return _read_only(self.state.staff[0, self.world.post_slice(self.side), :])

    @property
    def post_status(self) -> dict[str, PostStatus]:
        return {
            self.world.post_ids[p]: PostStatus(int(self.state.post_status[0, p]))
            for p in self.world.every_post_of(self.side)
        }

    @property
    def property_status(self) -> dict[str, PropertyStatus]:
        return {
            self.world.property_ids[q]: PropertyStatus(int(self.state.property_status[0, q]))
            for q in self.world.properties_of(self.side)
        }

    def staff_of(self, category: Category) -> int:
        return int(self.staff[:, category].sum())

    @property
    def staff_total(self) -> int:
        return int(self.staff.sum())

    @property
    def conditions(self) -> dict[str, object]:
        """What the host sets: cap (None when there is none), visa rate, travel limit (None when
        none), banking, local hiring, and whether an ambassador heads the mission."""
        state, side = self.state, self.side
        cap = int(state.staff_cap[0, side])
        travel = float(state.travel_limit_km[0, side])
        return {
            "staff_cap": None if cap == NO_CAP else cap,
            "visa_rate": float(state.visa_rate[0, side]),
            "travel_limit_km": None if np.isnan(travel) else travel,
            "banking": bool(state.banking[0, side]),
            "local_hiring": bool(state.local_hiring[0, side]),
            "ambassador": bool(state.ambassador[0, side]),
        }

    @property
    def rules(self) -> dict[str, object]:
        """The rules with a size the host holds against this mission: notice regimes per scope, the
        visa term (None when none is set), people or items ordered disclosed, outlets designated."""
        return rules_held(self.state, self.side)


def _figure(agent: StateAgent, column: str) -> object:
    return agent.figures[column]


class StateAgent(mesa.Agent):
    """A state: it keeps a mission in the other state's country (`mission`) and hosts the other
    state's mission (`hosted`); both are read-only views of the model's state."""

    def __init__(self, model: RetaliationModel, side: int):
        super().__init__(model)
        self.side = side
        self.code = model.world.sides[side]
        self.host_code = model.world.sides[1 - side]
        self.mission = MissionView(model.world, model.state, side)
        self.hosted = MissionView(model.world, model.state, 1 - side)
        self.decision: list[Measure | Shock] = []
        self.figures: dict[str, object] = {}

    def step(self) -> None:
        """Decide: this month's forced events, and the policy's answer to what was seen last month
        (queued; nothing happens to the missions until the model commits)."""
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
        # The rules draw only from sim.rules.rng (counter-based, from `key`); Mesa's own generator
        # is seeded from the same key and is not used by them.
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
