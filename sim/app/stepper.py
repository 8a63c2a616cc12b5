"""One run of the Mesa model stepped a month at a time, and what the page shows of it: the month's
measures, both missions' posts, properties and conditions, and the staff so far."""

from __future__ import annotations

import math

from sim.engines.model import RetaliationModel
from sim.engines.plan import Plan
from sim.files.columns import event_row
from sim.rules.calendar import month_label
from sim.rules.domain import Category, PostStatus, PropertyStatus, enum_name
from sim.rules.scenario import Scenario
from sim.rules.state import NO_CAP

MEASURE_COLUMNS = ("date", "actor", "target", "kind", "size", "post", "property", "severity", "cause", "description")
POST_COLUMNS = ("mission", "post", "name", "kind", "status", "diplomats", "support", "local")
PROPERTY_COLUMNS = ("mission", "property", "name", "kind", "status")
CONDITION_COLUMNS = (
    "mission",
    "host",
    "staff_total",
    "staff_cap",
    "visa_rate",
    "travel_limit_km",
    "banking",
    "local_hiring",
    "ambassador",
)


class Stepper:
    """A `RetaliationModel` for one run key, advanced by `step()`; `reset()` starts it again."""

    def __init__(self, scenario: Scenario, plan: Plan, key: int):
        self.scenario = scenario
        self.plan = plan
        self.key = int(key)
        self.reset()

    def reset(self) -> None:
        self.model = RetaliationModel(self.scenario, self.plan, key=self.key)
        self.measures: list[dict[str, object]] = []  # rows of the month last committed
        self.staff: list[tuple[str, int, int]] = []  # (month, staff of side 0, staff of side 1) so far

    @property
    def months_done(self) -> int:
        return len(self.staff)

    @property
    def months_total(self) -> int:
        return len(self.plan.months)

    @property
    def finished(self) -> bool:
        return not self.model.running

    @property
    def month(self) -> str:
        """The month last committed, or the one about to start."""
        return self.staff[-1][0] if self.staff else month_label(self.plan.start)

    def step(self) -> None:
        """Advance one month (nothing once the run has ended)."""
        if self.finished:
            return
        before = len(self.model.event_log)
        committed = self.model.month
        self.model.step()
        world = self.model.world
        self.measures = [
            {name: row[name] for name in MEASURE_COLUMNS}
            for row in (event_row(world, record) for record in self.model.event_log[before:])
        ]
        state = self.model.state
        self.staff.append((month_label(committed), *(int(state.staff_total(world, s)[0]) for s in (0, 1))))

    def posts(self) -> list[dict[str, object]]:
        world, state = self.model.world, self.model.state
        specs = [(side, spec) for side, mission in enumerate(self.scenario.missions) for spec in mission.posts]
        rows = []
        for index, (side, spec) in enumerate(specs):
            staff = state.staff[0, index]
            rows.append(
                {
                    "mission": world.sides[side],
                    "post": spec.id,
                    "name": spec.name,
                    "kind": enum_name(spec.kind),
                    "status": enum_name(PostStatus(int(state.post_status[0, index]))),
                    "diplomats": int(staff[Category.DIPLOMATS]),
                    "support": int(staff[Category.SUPPORT]),
                    "local": int(staff[Category.LOCAL]),
                }
            )
        return rows

    def properties(self) -> list[dict[str, object]]:
        world, state = self.model.world, self.model.state
        specs = [(side, spec) for side, mission in enumerate(self.scenario.missions) for spec in mission.properties]
        return [
            {
                "mission": world.sides[side],
                "property": spec.id,
                "name": spec.name,
                "kind": enum_name(spec.kind),
                "status": enum_name(PropertyStatus(int(state.property_status[0, index]))),
            }
            for index, (side, spec) in enumerate(specs)
        ]

    def conditions(self) -> list[dict[str, object]]:
        """What each host allows the other's mission: the conditions of trajectories.csv."""
        world, state = self.model.world, self.model.state
        rows = []
        for side in (0, 1):
            cap = int(state.staff_cap[0, side])
            travel = float(state.travel_limit_km[0, side])
            rows.append(
                {
                    "mission": world.sides[side],
                    "host": world.sides[1 - side],
                    "staff_total": int(state.staff_total(world, side)[0]),
                    "staff_cap": "none" if cap == NO_CAP else cap,
                    "visa_rate": f"{float(state.visa_rate[0, side]):.2f}",
                    "travel_limit_km": "none" if math.isnan(travel) else f"{travel:g}",
                    "banking": _yes(state.banking[0, side]),
                    "local_hiring": _yes(state.local_hiring[0, side]),
                    "ambassador": _yes(state.ambassador[0, side]),
                }
            )
        return rows


def _yes(value) -> str:
    return "yes" if bool(value) else "no"
