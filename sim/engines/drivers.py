"""Running many runs of a scenario: the plan from the user's choices, and two drivers.

`simulate_batch` advances all runs at once through `Dynamics` (arrays with a leading run axis);
`simulate_mesa` runs the Mesa model once per run. For the same plan and run keys they give the
same trajectories and event logs, run by run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sim.engines.dynamics import Dynamics
from sim.engines.observers import Events, Figures, StaffSummary
from sim.engines.plan import Plan
from sim.engines.varying import groups
from sim.rules.behaviour import Behaviour
from sim.rules.calendar import month_label
from sim.rules.measures import EventRecord
from sim.rules.scenario import Scenario
from sim.rules.state import FIGURES, World, figure_dtype


@dataclass
class Ensemble:
    """Per-month figures of every run (`figures[name]`: [months, runs, 2]) and their event logs."""

    plan: Plan
    keys: np.ndarray
    world: World
    figures: dict[str, np.ndarray]
    events: list[list[EventRecord]]
    acts: np.ndarray  # int[runs, 2, 2]: measures each side's policy took, hostile [..., 0] and conciliatory [..., 1]
    # what a summary keeps of staff_total, made as the runs went (`simulate_batch(summary=True)`)
    summary: StaffSummary | None = None

    @property
    def sides(self) -> tuple[str, str]:
        return self.world.sides

    @property
    def months(self) -> list[str]:
        return [month_label(m) for m in self.plan.months]


def observed_columns(scenario: Scenario) -> tuple[str, ...]:
    """Every column of trajectories.csv, and every figure the scenario's observations count at
    some posts or in some categories, or on a day within a month."""
    return (*FIGURES, *scenario.counted_figures, *scenario.within_figures)


def simulate_batch(
    scenario: Scenario,
    plan: Plan,
    keys: Sequence[int],
    log_events: bool = True,
    columns: Sequence[str] | None = None,
    behaviours: Sequence[tuple[Behaviour, Behaviour]] | None = None,
    summary: bool = False,
) -> Ensemble:
    """All runs at once: one `Dynamics` over arrays with a leading run axis. `columns` limits the
    per-month figures kept (memory grows with runs x months x columns); by default every column
    of trajectories.csv and every figure the observations count (`observed_columns`).
    `behaviours`: each run's own behaviours, all of one batch (`sim.engines.varying.batch_key`),
    instead of the plan's. `summary`: keep the runs' `StaffSummary`, and no figures unless
    `columns` names some (memory per run then does not grow with the months)."""
    dynamics = Dynamics(scenario, plan, np.asarray(keys, dtype=np.uint64), log_events=log_events, behaviours=behaviours)
    if columns is None:
        columns = () if summary else observed_columns(scenario)
    figures, events, staff = Figures(columns), Events(), StaffSummary()
    observers = [figures] if columns else []
    observers += [events] if log_events else []
    dynamics.run([*observers, staff] if summary else observers)
    return Ensemble(
        plan,
        np.asarray(keys, dtype=np.uint64),
        dynamics.world,
        figures.values,
        events.runs if log_events else [],
        dynamics.acts.copy(),
        staff if summary else None,
    )


def simulate_mixed(
    scenario: Scenario,
    plan: Plan,
    keys: Sequence[int],
    behaviours: Sequence[tuple[Behaviour, Behaviour]],
    log_events: bool = True,
    columns: Sequence[str] | None = FIGURES,
    summary: bool = False,
) -> Ensemble:
    """Runs with their own behaviours (run i: `behaviours[i]`, e.g. a posterior draw each): the
    runs that can share a batch (same policy families and other shared values) are simulated as
    one batch, with their own keys and per-run values; the result is in run order, as if each run
    had been simulated alone with its behaviours as the plan's. `columns` and `summary` as for
    `simulate_batch`."""
    keys = np.asarray(keys, dtype=np.uint64)
    runs = len(keys)
    figures: dict[str, np.ndarray] = {}
    events: list[list[EventRecord]] = [[] for _ in range(runs)] if log_events else []
    acts = np.zeros((runs, 2, 2), dtype=np.int64)
    summaries = []
    for rows in groups(behaviours):
        part = simulate_batch(
            scenario,
            replace(plan, behaviours=behaviours[rows[0]]),
            keys[rows],
            log_events=log_events,
            columns=columns,
            behaviours=[behaviours[i] for i in rows],
            summary=summary,
        )
        if summary:
            summaries.append((rows, part.summary))
        for name, values in part.figures.items():
            if name not in figures:
                figures[name] = np.empty((values.shape[0], runs, 2), dtype=values.dtype)
            figures[name][:, rows, :] = values
        for i, run in enumerate(rows):
            if log_events:
                events[run] = part.events[i]
        acts[rows] = part.acts
    gathered = StaffSummary.gathered(summaries, runs) if summary else None
    return Ensemble(plan, keys, scenario.world(), figures, events, acts, gathered)


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
                dtype = figure_dtype(model.world, name) or values.dtype
                figures[name] = np.empty((months, len(keys), 2), dtype=dtype)
            figures[name][:, run, :] = values
        if log_events:
            events.append(model.event_log)
        acts.append(model.dynamics.acts[0])
    return Ensemble(plan, np.asarray(keys, dtype=np.uint64), scenario.world(), figures, events, np.array(acts))
