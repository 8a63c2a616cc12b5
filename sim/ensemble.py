"""Running many runs of a scenario: the plan from the user's choices, and two drivers.

`simulate_batch` advances all runs at once through `Dynamics` (arrays with a leading run axis);
`simulate_mesa` runs the Mesa model once per run. For the same plan and run keys they give the
same trajectories and event logs, run by run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.behaviour import BehaviourError, with_values
from sim.calendar import month_label, parse_date
from sim.dynamics import Dynamics, Mode, Plan
from sim.errors import SimError
from sim.model import TRAJECTORY_COLUMNS, RetaliationModel
from sim.policies import PolicyError
from sim.scenario import Scenario
from sim.state import FIGURES, mission_figures


class PlanError(SimError):
    """A mode, date range or behaviour choice that does not fit the scenario."""


def _month(text: str, option: str) -> int:
    try:
        return parse_date(text)[0]
    except ValueError as exc:
        raise PlanError(f"{option}: {exc}") from None


def make_plan(
    scenario: Scenario,
    mode: str = "replay",
    *,
    start_from: str | None = None,
    until: str | None = None,
    policies: dict[str, str] | None = None,
    overrides: Iterable[tuple[str, str, object]] = (),
) -> Plan:
    """The plan for a run: mode, months, and each side's behaviour (scenario values, then the
    command line's `--policy` and `--set` choices)."""
    try:
        chosen = Mode(mode)
    except ValueError:
        raise PlanError(f"--mode: unknown mode '{mode}' (allowed: replay, behavioural, project)") from None
    end = scenario.end if until is None else _month(until, "--until")
    if end < scenario.start:
        raise PlanError(f"--until: {month_label(end)} is before the scenario's start {month_label(scenario.start)}")
    if chosen is Mode.REPLAY and end > scenario.end:
        raise PlanError(
            f"--until: a replay ends with the record ({month_label(scenario.end)}); use --mode project to go further"
        )
    if chosen is Mode.PROJECT:
        if start_from is None:
            raise PlanError("--mode project needs --from DATE: the month policies take over")
        active = _month(start_from, "--from")
        if not scenario.start < active <= min(end, scenario.end + 1):
            raise PlanError(
                f"--from: {month_label(active)} must be after {month_label(scenario.start)} and "
                f"no later than {month_label(min(end, scenario.end + 1))}"
            )
    elif start_from is not None:
        raise PlanError("--from applies to --mode project only")
    else:
        active = scenario.start if chosen is Mode.BEHAVIOURAL else end + 1
    behaviours = list(scenario.behaviours)
    codes = scenario.codes
    overrides = list(overrides)
    if chosen is Mode.REPLAY and (policies or overrides):
        raise PlanError("--policy and --set apply only when policies act (allowed with --mode behavioural or project)")
    for side, spec in (policies or {}).items():
        if side not in codes:
            raise PlanError(f"--policy: unknown side '{side}' (allowed: {', '.join(codes)})")
        try:
            behaviours[codes.index(side)] = with_values(behaviours[codes.index(side)], {"policy": spec})
        except (BehaviourError, PolicyError) as exc:
            raise PlanError(f"--policy {side}={spec}: {exc}") from None
    for side, key, value in overrides:
        if side not in codes:
            raise PlanError(f"--set: unknown side '{side}' (allowed: {', '.join(codes)})")
        try:
            behaviours[codes.index(side)] = with_values(behaviours[codes.index(side)], {key: value})
        except (BehaviourError, PolicyError) as exc:
            raise PlanError(f"--set {side}.{key}: {exc}") from None
    return Plan(chosen, scenario.start, end, active, (behaviours[0], behaviours[1]))


@dataclass
class Ensemble:
    """Per-month figures of every run (`figures[name]`: [months, runs, 2]) and their event logs."""

    plan: Plan
    keys: np.ndarray
    sides: tuple[str, str]
    figures: dict[str, np.ndarray]
    events: list[list[dict[str, object]]]
    acts: np.ndarray  # int[runs, 2, 2]: measures each side's policy took, hostile [..., 0] and conciliatory [..., 1]

    @property
    def months(self) -> list[str]:
        return [month_label(m) for m in self.plan.months]

    def trajectory_rows(self, with_run: bool, first_run: int = 0) -> Iterable[dict[str, object]]:
        labels = self.months
        for run in range(len(self.keys)):
            for t, label in enumerate(labels):
                for side in (0, 1):
                    row: dict[str, object] = {"run": first_run + run} if with_run else {}
                    row.update(date=label, side=self.sides[side], host=self.sides[1 - side])
                    for name in FIGURES:
                        row[name] = self.figures[name][t, run, side].item()
                    yield row

    def event_rows(self, with_run: bool, first_run: int = 0) -> Iterable[dict[str, object]]:
        for run, rows in enumerate(self.events):
            for row in rows:
                yield ({"run": first_run + run} | row) if with_run else row


def simulate_batch(
    scenario: Scenario, plan: Plan, keys: Sequence[int], log_events: bool = True, columns: Sequence[str] = FIGURES
) -> Ensemble:
    """All runs at once: one `Dynamics` over arrays with a leading run axis. `columns` limits the
    per-month figures kept (memory grows with runs x months x columns)."""
    dynamics = Dynamics(scenario, plan, np.asarray(keys, dtype=np.uint64), log_events=log_events)
    months = len(plan.months)
    figures: dict[str, np.ndarray] = {}
    events: list[list[dict[str, object]]] = [[] for _ in keys] if log_events else []
    for t, month in enumerate(plan.months):
        for side in (0, 1):
            dynamics.decide(month, side)
        log = dynamics.commit(month)
        for run, rows in enumerate(log):
            events[run].extend(rows)
        for name, values in mission_figures(dynamics.world, dynamics.state, columns).items():
            if name not in figures:
                figures[name] = np.empty((months, *values.shape), dtype=values.dtype)
            figures[name][t] = values
    return Ensemble(plan, np.asarray(keys, dtype=np.uint64), scenario.codes, figures, events, dynamics.acts.copy())


def simulate_mesa(
    scenario: Scenario, plan: Plan, keys: Sequence[int], log_events: bool = True, columns: Sequence[str] = FIGURES
) -> Ensemble:
    """One Mesa model per run, collected into the same form as `simulate_batch`."""
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
    return Ensemble(plan, np.asarray(keys, dtype=np.uint64), scenario.codes, figures, events, np.array(acts))


ENSEMBLE_TRAJECTORY_COLUMNS = ("run", *TRAJECTORY_COLUMNS)


def behaviours_for_manifest(plan: Plan, sides: tuple[str, str]) -> dict[str, dict]:
    return {
        sides[i]: {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(b).items()}
        for i, b in enumerate(plan.behaviours)
    }
