"""The shape of a scenario file: every table and key, its type and its range.

Optional keys that have no default in the file are declared with a default of None and the type
of the value when given, so that a wrong value gets a plain message rather than one per member
of a union (TOML has no null, so None only ever means "not given").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, create_model

from sim.files.behaviour_values import BehaviourModel
from sim.files.validation import (
    MAX_COUNT,
    MAX_MISSION,
    Choice,
    Count,
    Date,
    Integer,
    Name,
    Number,
    Seed,
    Strict,
    problem,
)
from sim.rules.domain import SENT, Category, PostKind, PostStatus, PropertyKind, PropertyStatus, enum_name, enum_names
from sim.rules.measures import CATALOGUE, MeasureKind, Role, Unit
from sim.rules.scenario import AREA_UNITS, CONFIDENCE, OBSERVATION_BOUNDS, OBSERVED_COLUMNS

MAX_KM = 20_000.0  # half the Earth's circumference: every place is within it
MAX_AREA = 1e9  # m2 or acres: a property, not a country
MAX_TOUR_MONTHS = 120
MAX_DAYS = 3650  # days of notice or of a visa term: ten years
NOTICE_SCOPES = ("travel", "meetings", "both")
SIDE_CODE = re.compile(r"[A-Z]{2,3}")  # a side, or a third party: US, RU, UK


def _nonempty_source(value: str) -> str:
    if not value.strip():
        raise problem("empty source", "the record entry this event comes from")
    return value


Source = Annotated[str, AfterValidator(_nonempty_source)]


def _distinct(value: list[str], allowed: str) -> list[str]:
    if not value:
        raise problem("an empty list", f"one or more of {allowed}")
    twice = sorted({c for c in value if value.count(c) > 1})
    if twice:
        raise problem(f"{', '.join(twice)} named twice", f"each of {allowed} at most once")
    return value


def _categories(options: list[str]) -> Any:
    allowed = ", ".join(options)
    return Annotated[list[Choice(options)], AfterValidator(lambda value: _distinct(value, allowed))]


PostIds = Annotated[list[str], AfterValidator(lambda value: _distinct(value, "the ids of the mission's posts"))]


class HeadModel(Strict):
    name: Name
    title: str
    description: str = ""


class RunModel(Strict):
    start: Date
    end: Date
    seed: Seed


class SideModel(Strict):
    name: str


class PostModel(Strict):
    id: str
    name: str
    kind: Choice(enum_names(PostKind))
    status: Choice(enum_names(PostStatus)) = "open"
    diplomats: Count
    support: Count
    local: Count
    source: str = ""


class PropertyModel(Strict):
    id: str
    name: str
    kind: Choice(enum_names(PropertyKind))
    status: Choice(enum_names(PropertyStatus)) = "in_use"
    area: Number(0, MAX_AREA) = None
    area_unit: Choice(AREA_UNITS) = None
    post: str = None  # the post the property houses: closing or suspending it vacates the property
    source: str = ""


class MissionModel(Strict):
    tour_months: Integer(1, MAX_TOUR_MONTHS) = 36
    visa_rate: Number(0, 1) = 1.0
    staff_cap: Count = None
    travel_limit_km: Number(0, MAX_KM) = None
    banking: bool = True
    local_hiring: bool = True
    ambassador: bool = True
    visa_term_days: Integer(1, MAX_DAYS) = None
    source: str = ""
    posts: list[PostModel]
    properties: list[PropertyModel] = []


class ObservationModel(Strict):
    date: Date
    side: str
    column: Choice(OBSERVED_COLUMNS) = "staff_total"
    post: str = None  # the figure of one post or body,
    posts: PostIds = None  # or of several together
    categories: _categories(enum_names(Category)) = None  # staff of these categories (staff_total only)
    value: Number(0, MAX_MISSION)
    bound: Choice(OBSERVATION_BOUNDS) = "equal"
    confidence: Choice(CONFIDENCE) = "confirmed"
    counts: str = ""
    source: str


class ScenarioModel(Strict):
    scenario: HeadModel
    run: RunModel
    sides: dict[str, SideModel]
    missions: dict[str, MissionModel]
    behaviour: dict[str, BehaviourModel] = {}
    events: list[dict[str, Any]] = []  # each checked by the model of its kind (EVENT_MODELS)
    observations: list[ObservationModel] = []


def _radius(value: float) -> float:
    if not 0 < value <= MAX_KM:
        raise problem(f"{value} is out of range", f"a radius above 0 and up to {MAX_KM:,.0f} km")
    return value


_SIZES: dict[Unit, Any] = {
    Unit.PEOPLE: Integer(1, MAX_COUNT),
    Unit.CEILING: Count,
    Unit.RATE: Number(0, 1),
    Unit.KM: Annotated[float, AfterValidator(_radius)],
    Unit.DAYS: Integer(1, MAX_DAYS),
    Unit.ITEMS: Integer(1, MAX_COUNT),
    Unit.OUTLETS: Integer(1, MAX_COUNT),
}
_NOTICE = (MeasureKind.REQUIRE_NOTICE, MeasureKind.LIFT_NOTICE)  # regimes that cover travel, meetings or both
_ADDS = (MeasureKind.ADD_STAFF, MeasureKind.HIRE_LOCAL_STAFF)  # a category of their own
_COMMON: dict[str, Any] = {
    "date": (Date, ...),
    "actor": (str, ...),
    "kind": (str, ...),
    "source": (Source, ...),
    "description": (str, ""),
    "announced": (Date, None),
}


SENT_NAMES = [enum_name(c) for c in SENT]
STAFF_GOES = ("embassy", "home")
LOCAL_STAFF = ("let_go", "keep")  # what happens to a vacated post's local staff


def _measure_model(kind: MeasureKind) -> type[Strict]:
    spec = CATALOGUE[kind]
    unit = spec.unit
    fields: dict[str, Any] = dict(_COMMON, target=(str, None))
    if unit in _SIZES:
        fields["size"] = (_SIZES[unit], ...)
    if unit is Unit.PEOPLE:
        fields["post"] = (str, None)  # staff measures may name the post they act at
        if kind not in _ADDS:
            # a state may also let its own local staff go
            names = enum_names(Category) if spec.role is Role.SELF and not spec.sent_only else SENT_NAMES
            fields["categories"] = (_categories(names), None)
    if spec.scoped:
        fields["post"] = (str, None)  # a cap may count one post or body,
        fields["posts"] = (PostIds, None)  # or several
        fields["categories"] = (_categories(enum_names(Category)), None)
    if spec.vacates:
        fields["staff"] = (Choice(STAFF_GOES), "embassy")
        fields["local"] = (Choice(LOCAL_STAFF), "let_go")
    if spec.between_posts:
        fields["from_post"] = (str, ...)  # where the staff move from,
        fields["post"] = (str, ...)  # and where to
    if unit is Unit.POST:
        fields["post"] = (str, ...)
    if unit is Unit.PROPERTY:
        fields["property"] = (str, ...)
    if kind in _NOTICE:
        fields["scope"] = (Choice(NOTICE_SCOPES), "both")
    if kind is MeasureKind.REQUIRE_NOTICE:
        fields["approval"] = (bool, False)
    return create_model(f"Event_{kind.label}", __base__=Strict, **fields)


def _shock_model() -> type[Strict]:
    return create_model(
        "Event_shock",
        __base__=Strict,
        **_COMMON,
        name=(str, ...),
        severity=(Number(-10, 0), ...),
        denied=(bool, False),
        party=(str, None),
    )


class EventModels(Mapping):
    """The model of each event kind, by its name, made the first time it is asked for: a scenario
    has events of a few kinds, and making the model of every kind took a replay about 20 ms."""

    def __init__(self, makers: dict[str, Callable[[], type[Strict]]]):
        self._makers = makers
        self._made: dict[str, type[Strict]] = {}

    def __getitem__(self, kind: str) -> type[Strict]:
        if kind not in self._made:
            self._made[kind] = self._makers[kind]()
        return self._made[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


SHOCK = "shock"
EVENT_MODELS = EventModels(
    {kind.label: functools.partial(_measure_model, kind) for kind in MeasureKind} | {SHOCK: _shock_model}
)
EVENT_KEYS = (
    "date",
    "announced",
    "actor",
    "target",
    "kind",
    "size",
    "post",
    "from_post",
    "property",
    "categories",
    "posts",
    "staff",
    "local",
    "scope",
    "approval",
    "name",
    "severity",
    "denied",
    "party",
    "description",
    "source",
)
JOINT_KINDS = tuple(kind.label for kind, spec in CATALOGUE.items() if spec.role is Role.JOINT)
