"""Loading a scenario with a replay check, the order of events, and the rows of events.csv.

Within a month, events are committed in record order (date, then the order of the scenario file).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sim.calendar import date_label
from sim.errors import ScenarioError
from sim.measures import Measure, Shock, apply_measure, infeasibility
from sim.rotation import rotate
from sim.scenario import Scenario, parse_scenario
from sim.state import World

EVENT_COLUMNS = (
    "date",
    "actor",
    "target",
    "kind",
    "size",
    "post",
    "property",
    "severity",
    "staff_change",
    "cause",
    "source",
    "description",
)


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file and prove, by replaying it, that every event is possible at its date."""
    scenario = parse_scenario(path)
    check_events(scenario)
    return scenario


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


def events_by_month(events: Iterable[Measure | Shock]) -> dict[int, list[Measure | Shock]]:
    grouped: dict[int, list[Measure | Shock]] = {}
    for event in events:
        grouped.setdefault(event.month, []).append(event)
    return grouped


def record_order(events: Iterable[Measure | Shock]) -> list[Measure | Shock]:
    return sorted(events, key=lambda e: (e.month, e.day, e.seq))


def _format_size(value: float | None) -> str:
    if value is None or math.isnan(value):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def event_row(
    world: World, event: Measure | Shock, severity: float, staff_change: int, size: float | None = None
) -> dict[str, object]:
    """One row of events.csv; `size` overrides the measure's own (a policy sizes it per run)."""
    if isinstance(event, Shock):
        kind, size, post, prop = "shock", "", "", ""
    else:
        kind = event.kind.label
        size = _format_size(event.size if size is None else size)
        post = world.post_ids[event.post] if event.post is not None else ""
        prop = world.property_ids[event.prop] if event.prop is not None else ""
    return {
        "date": date_label(event.month, event.day),
        "actor": world.sides[event.actor],
        "target": world.sides[event.target],
        "kind": kind,
        "size": size,
        "post": post,
        "property": prop,
        "severity": round(float(severity), 3) if not math.isnan(severity) else "",
        "staff_change": int(staff_change),
        "cause": event.cause.value,
        "source": event.source,
        "description": event.description
        if isinstance(event, Measure)
        else (event.name + (f": {event.description}" if event.description else "")),
    }
