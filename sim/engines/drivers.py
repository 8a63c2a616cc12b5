"""Running many runs of a scenario: the plan from the user's choices, and two drivers.

`simulate_batch` advances all runs at once through `Dynamics` (arrays with a leading run axis);
`simulate_mesa` runs the Mesa model once per run. For the same plan and run keys they give the
same trajectories and event logs, run by run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.observers import Events, Figures
from sim.engines.plan import Plan
from sim.rules.calendar import month_label
from sim.rules.measures import EventRecord
from sim.rules.scenario import Scenario
from sim.rules.state import FIGURES, World


@dataclass
class Ensemble:
    """Per-month figures of every run (`figures[name]`: [months, runs, 2]) and their event logs."""

    plan: Plan
    keys: np.ndarray
    world: World
    figures: dict[str, np.ndarray]
    events: list[list[EventRecord]]
    acts: np.ndarray  # int[runs, 2, 2]: measures each side's policy took, hostile [..., 0] and conciliatory [..., 1]

    @property
    def sides(self) -> tuple[str, str]:
        return self.world.sides

    @property
    def months(self) -> list[str]:
        return [month_label(m) for m in self.plan.months]


def simulate_batch(
    scenario: Scenario, plan: Plan, keys: Sequence[int], log_events: bool = True, columns: Sequence[str] = FIGURES
) -> Ensemble:
    """All runs at once: one `Dynamics` over arrays with a leading run axis. `columns` limits the
    per-month figures kept (memory grows with runs x months x columns)."""
    dynamics = Dynamics(scenario, plan, np.asarray(keys, dtype=np.uint64), log_events=log_events)
    figures, events = Figures(columns), Events()
    dynamics.run((figures, events) if log_events else (figures,))
    return Ensemble(
        plan,
        np.asarray(keys, dtype=np.uint64),
        dynamics.world,
        figures.values,
        events.runs if log_events else [],
        dynamics.acts.copy(),
    )


def simulate_mesa(scenario: Scenario, plan: Plan, keys: Sequence[int], log_events: bool = True) -> Ensemble:
    """One Mesa model per run, collected into the same form as `simulate_batch`."""
    from sim.engines.model import RetaliationModel  # mesa is imported only when its driver runs

    months = len(plan.months)
    figures: dict[str, np.ndarray] = {}
    events = []
    acts = []
    for run, key in enumerate(keys):
        model = RetaliationModel(scenario, plan, key=int(key))
        model.run()
        rows = model.trajectories()
        for name in FIGURES:
            values = np.array([[r[name] for r in rows[t * 2 : t * 2 + 2]] for t in range(months)])
            if name not in figures:
                figures[name] = np.empty((months, len(keys), 2), dtype=values.dtype)
            figures[name][:, run, :] = values
        if log_events:
            events.append(model.event_log)
        acts.append(model.dynamics.acts[0])
    return Ensemble(plan, np.asarray(keys, dtype=np.uint64), scenario.world(), figures, events, np.array(acts))
