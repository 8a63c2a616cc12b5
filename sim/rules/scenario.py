"""What a scenario says: the two sides, their missions at the start, the events of the record,
the observations, and each side's behaviour. Built by `sim.files.scenario_file` from a file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.rules.behaviour import Behaviour
from sim.rules.domain import PostKind, PostStatus, PropertyKind, PropertyStatus
from sim.rules.measures import CATALOGUE, Measure, Shock
from sim.rules.observed import Counted
from sim.rules.state import NO_CAP, CapScope, State, World, cap_scope

OBSERVED_COLUMNS = ("staff_total", "diplomats", "support", "local", "posts_open", "properties_lost")
OBSERVATION_BOUNDS = ("equal", "upper", "lower")
CONFIDENCE = ("confirmed", "one source", "uncertain")
AREA_UNITS = ("m2", "acre")


@dataclass(frozen=True)
class Side:
    code: str
    name: str


@dataclass(frozen=True)
class PostSpec:
    id: str
    name: str
    kind: PostKind
    status: PostStatus
    diplomats: int
    support: int
    local: int
    source: str = ""


@dataclass(frozen=True)
class PropertySpec:
    id: str
    name: str
    kind: PropertyKind
    status: PropertyStatus
    area: float | None = None
    area_unit: str | None = None
    source: str = ""
    post: str | None = None  # the id of the post the property houses, if the record ties it to one


@dataclass(frozen=True)
class MissionSpec:
    """One side's mission in the other's country, as it stood at the start date."""

    side: str
    tour_months: int
    visa_rate: float
    staff_cap: int | None
    travel_limit_km: float | None
    banking: bool
    local_hiring: bool
    ambassador: bool
    posts: tuple[PostSpec, ...]
    properties: tuple[PropertySpec, ...]
    source: str = ""
    visa_term_days: int | None = None  # the visa term the host grants the staff, when the scenario gives one


@dataclass(frozen=True)
class Observation:
    """A dated figure of the record. `column` names the figure it is compared with: a column of
    trajectories.csv, or, when it counts some posts or categories only (`counted`), the name of
    that figure (`sim.rules.observed`)."""

    month: int
    side: int
    column: str
    value: float
    bound: str
    confidence: str
    counts: str
    source: str
    counted: Counted | None = None
    # A day of the month: the count was taken before the month's forced events dated on or after
    # that day (and before its answers, crises and rotation); 0: at the end of the month.
    day: int = 0

    @property
    def figure(self) -> str:
        """The name of the simulated figure it is compared with: its column, or, for a count
        dated to a day, that column within the month (`within_month`)."""
        return within_month(self.column, self.day) if self.day else self.column


def within_month(column: str, day: int) -> str:
    """The name of `column` counted on day `day` of each month, before that day's forced events."""
    return f"{column}#{day:02d}"


def split_within(name: str) -> tuple[str, int]:
    """(column, day) of a figure name; day 0 for a figure at the end of the month."""
    column, _, day = name.partition("#")
    return column, int(day) if day else 0


@dataclass(frozen=True)
class Scenario:
    path: str
    sha256: str
    name: str
    title: str
    description: str
    start: int
    end: int
    seed: int
    sides: tuple[Side, Side]
    missions: tuple[MissionSpec, MissionSpec]
    events: tuple[Measure | Shock, ...]  # in date order, file order within a day
    observations: tuple[Observation, ...]
    event_where: tuple[tuple[str, int | None], ...]  # key path and line of each event, by seq
    behaviours: tuple[Behaviour, Behaviour] = (Behaviour(), Behaviour())

    @property
    def codes(self) -> tuple[str, str]:
        return (self.sides[0].code, self.sides[1].code)

    @property
    def months(self) -> range:
        return range(self.start, self.end + 1)

    @property
    def counted_figures(self) -> dict[str, Counted]:
        """The figures the observations count that trajectories.csv does not hold, by name."""
        return {o.column: o.counted for o in self.observations if o.counted is not None}

    @property
    def announces(self) -> bool:
        """Whether an event gives the date it was announced (events.csv then has that column)."""
        return any(e.announced is not None for e in self.events)

    @property
    def observed_days(self) -> tuple[int, ...]:
        """The days of the month on which observations count within a month, in order."""
        return tuple(sorted({o.day for o in self.observations if o.day}))

    @property
    def within_figures(self) -> tuple[str, ...]:
        """The figures counted within a month that the observations are compared with, in order."""
        return tuple(dict.fromkeys(o.figure for o in self.observations if o.day))

    def world(self) -> World:
        """What does not change during a run (`World`), made once per scenario and shared by its
        runs: nothing writes to it."""
        made = self.__dict__.get("_world")
        if made is None:
            made = self._make_world()
            object.__setattr__(self, "_world", made)
        return made

    def _make_world(self) -> World:
        posts = [p for m in self.missions for p in m.posts]
        owners = [i for i, m in enumerate(self.missions) for _ in m.posts]
        props = [p for m in self.missions for p in m.properties]
        prop_owners = [i for i, m in enumerate(self.missions) for _ in m.properties]
        kinds = np.array([int(p.kind) for p in posts], dtype=np.int8)
        owner = np.array(owners, dtype=np.int64)
        head = np.array([np.flatnonzero((owner == s) & (kinds == PostKind.EMBASSY))[0] for s in (0, 1)])
        return World(
            sides=self.codes,
            post_ids=tuple(p.id for p in posts),
            post_owner=owner,
            post_kind=kinds,
            head_post=head,
            property_ids=tuple(p.id for p in props),
            property_owner=np.array(prop_owners, dtype=np.int64),
            tour_months=np.array([float(m.tour_months) for m in self.missions]),
            cap_scopes=self.cap_scopes(),
            property_post=np.array(
                [-1 if p.post is None else [q.id for q in posts].index(p.post) for p in props], dtype=np.int64
            ),
        )

    def cap_scopes(self) -> tuple[CapScope, ...]:
        """The caps narrower than a whole mission that the events set, in file order."""
        scopes: list[CapScope] = []
        for event in self.events:
            if isinstance(event, Measure) and CATALOGUE[event.kind].scoped:
                posts = event.posts if event.post is None else (event.post,)
                scope = cap_scope(event.target, posts, event.categories)
                if scope is not None and scope not in scopes:
                    scopes.append(scope)
        return tuple(scopes)

    def initial_state(self, runs: int = 1) -> State:
        posts = [p for m in self.missions for p in m.posts]
        props = [p for m in self.missions for p in m.properties]
        one = State(
            staff=np.array([[[p.diplomats, p.support, p.local] for p in posts]], dtype=np.int64),
            post_status=np.array([[int(p.status) for p in posts]], dtype=np.int8),
            property_status=np.array([[int(p.status) for p in props]], dtype=np.int8).reshape(1, len(props)),
            staff_cap=np.array(
                [[NO_CAP if m.staff_cap is None else m.staff_cap for m in self.missions]], dtype=np.int64
            ),
            visa_rate=np.array([[m.visa_rate for m in self.missions]], dtype=float),
            travel_limit_km=np.array(
                [[np.nan if m.travel_limit_km is None else m.travel_limit_km for m in self.missions]], dtype=float
            ),
            banking=np.array([[m.banking for m in self.missions]]),
            local_hiring=np.array([[m.local_hiring for m in self.missions]]),
            ambassador=np.array([[m.ambassador for m in self.missions]]),
            scoped_cap=np.full((1, len(self.cap_scopes())), NO_CAP, dtype=np.int64),
            visa_term_days=np.array(
                [[np.nan if m.visa_term_days is None else m.visa_term_days for m in self.missions]], dtype=float
            ),
        )
        return one if runs == 1 else one.repeat(runs)


def events_by_month(events: Iterable[Measure | Shock]) -> dict[int, list[Measure | Shock]]:
    grouped: dict[int, list[Measure | Shock]] = {}
    for event in events:
        grouped.setdefault(event.month, []).append(event)
    return grouped


def events_by_announcement(events: Iterable[Measure | Shock]) -> dict[int, list[Measure | Shock]]:
    """The events announced in an earlier month than the one they take effect in, by that month."""
    grouped: dict[int, list[Measure | Shock]] = {}
    for event in events:
        if event.announced is not None and event.announced[0] < event.month:
            grouped.setdefault(event.announced[0], []).append(event)
    return grouped


def record_order(events: Iterable[Measure | Shock]) -> list[Measure | Shock]:
    return sorted(events, key=lambda e: (e.month, e.day, e.seq))
