"""The parts of a measure kind's catalogue entry: the kinds, who takes them, their units, the
entry base class with its severity scales, and the registry the entries join with `@entry`.
The entries themselves are in `kinds_hostile`, `kinds_restoring` and `kinds_own`;
`sim.rules.measures` gathers them into the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import TYPE_CHECKING

import numpy as np

from sim.rules.groups import KindGroup
from sim.rules.libm import log10_of
from sim.rules.state import NONE, State, World  # noqa: F401  (NONE: the catalogue's word for none)

if TYPE_CHECKING:
    from sim.rules.measures import Measure


class MeasureKind(IntEnum):
    EXPEL = 0
    FORCE_DEPARTURE = 1
    CAP_STAFF = 2
    CLOSE_POST = 3
    SEIZE_PROPERTY = 4
    BAN_LOCAL_HIRES = 5
    DENY_VISAS = 6
    RESTRICT_TRAVEL = 7
    FREEZE_BANKING = 8
    EXPEL_AMBASSADOR = 9
    RETURN_PROPERTY = 10
    REOPEN_POST = 11
    RAISE_CAP = 12
    LIFT_CAP = 13
    RESTORE_VISAS = 14
    LIFT_TRAVEL_LIMIT = 15
    RESTORE_BANKING = 16
    ALLOW_LOCAL_HIRES = 17
    ACCEPT_AMBASSADOR = 18
    HOLD_TALKS = 19
    SUSPEND_POST = 20
    CUT_STAFF = 21
    ADD_STAFF = 22
    HIRE_LOCAL_STAFF = 23
    RECALL_AMBASSADOR = 24
    APPOINT_AMBASSADOR = 25
    REQUIRE_NOTICE = 26
    LIFT_NOTICE = 27
    ORDER_DISCLOSURE = 28
    SHORTEN_VISA_TERM = 29
    RESTORE_VISA_TERM = 30
    DESIGNATE_OUTLETS = 31
    REVOKE_DESIGNATION = 32
    DRAW_DOWN = 33
    RETURN_STAFF = 34
    TRANSFER_STAFF = 35

    @property
    def label(self) -> str:
        return self.name.lower()


class Offer(IntEnum):
    """How a policy sizes and targets a kind of measure (an entry's `offer`); the rule of each is
    `sim.rules.options.offer_one`."""

    SENT_STAFF = 0  # as many sent staff as the answer's severity asks, not more than the mission has
    CAP = 1  # a cap on the whole mission below its staff (or the size a policy names), lowering any cap there is
    LARGEST_POST = 2  # the open post with the most staff, not the embassy or a UN mission
    FREE_PROPERTY = 3  # the first property not seized
    SEIZED_PROPERTY = 4  # the first seized property
    CLOSED_POST = 5  # the first closed post
    LOCAL_STAFF = 6  # where local hiring is allowed; as severe as the local staff it removes
    LOWER_RATE = 7  # the visa rate lowered by the answer's severity
    RAISE_RATE = 8  # the visa rate raised by the answer's severity (at least a point)
    FLAG = 9  # where the entry's `flag` is not yet its `value`
    SET_LIMIT = 10  # a travel limit where there is none
    LIFT_LIMIT = 11  # where there is a travel limit
    CAPPED = 12  # where there is a cap on the whole mission
    ALWAYS = 13  # in every run


class Role(Enum):
    """Who may take a measure: the host of the mission, the mission's own state, or both."""

    HOST = "host"
    SELF = "self"
    JOINT = "joint"


class Unit(Enum):
    """What a measure's `size` (or target key) is."""

    PEOPLE = "people"
    CEILING = "people (ceiling)"
    RATE = "visa approval rate, 0-1"
    KM = "km"
    POST = "post"
    PROPERTY = "property"
    DAYS = "days"
    ITEMS = "people or items"
    OUTLETS = "outlets"
    NONE = "none"


SEVERITY_MIN, SEVERITY_MAX = -10.0, 10.0


@dataclass
class Target:
    """What a measure would act on, per run: the runs (`rows`), who acts on whose mission, and the
    size, post and property (`NONE` where the kind takes none) for each of those runs."""

    rows: np.ndarray
    actor: int
    side: int
    size: np.ndarray
    post: np.ndarray
    prop: np.ndarray
    categories: tuple[int, ...] | None = None  # as `Measure.categories`
    posts: tuple[int, ...] | None = None  # as `Measure.posts`
    scope: tuple[int, ...] | None = None  # as `Measure.scope`
    approval: bool = False  # as `Measure.approval`
    from_post: int | None = None  # as `Measure.from_post`


@dataclass
class Option:
    """What a policy would take of one kind against a mission, per run: whether it can, and the
    size, post and property it would take."""

    feasible: np.ndarray
    size: np.ndarray
    post: np.ndarray
    prop: np.ndarray
    reach: np.ndarray  # the severity magnitude taking it would have


class MeasureSpec:
    """One kind of measure. Subclasses set the class attributes and override what differs."""

    kind: MeasureKind
    role: Role
    unit: Unit
    severity: float  # the base value on the -10..+10 scale; its sign says hostile or conciliatory
    summary: str
    group: KindGroup  # how validation compares kinds (sim.rules.groups)
    inverse: MeasureKind | None = None  # the kind that undoes this one
    # Place on the repertoire's ladder (hostile kinds) or restoration order (conciliatory kinds):
    # the order in which a policy's answer tries the kinds after like-for-like; None: never tried.
    ladder: int | None = None
    offer: Offer | None = None  # how a policy sizes and targets the kind; None: a policy never takes it
    reasons: dict[int, str] = {}  # refusal codes of `check` and what each means
    scoped = False  # a cap that may count some posts or categories (`Measure.post`, `.posts`, `.categories`)
    vacates = False  # a post stops being open: its sent staff may go home (`Measure.home`)
    owner_may_take = False  # a host measure the mission's own state may also take (reopening what it suspended)
    # Taken only by scenario events (replay, and the history of a projection): no policy, instrument
    # or initiative takes it, since no fit has estimated a side's propensity to use it.
    record_only = False
    sent_only = False  # a state's own measure on sent staff only: local staff are host nationals who stay
    # `effect_at` applies the kind to a post or a property of each run's own at once (a policy's
    # measures of one kind in a month, each run on its own largest post or first property)
    each_target = False
    between_posts = False  # moves staff from one post (`Measure.from_post`) to another (`Measure.post`)

    @property
    def hostile(self) -> bool:
        return self.severity < 0

    def severity_of(self, people: np.ndarray, rate_change: np.ndarray) -> np.ndarray:
        """The severity of what the measure did: people removed, or the change of a rate."""
        return np.full(np.shape(people), self.severity, dtype=float)

    def effect(
        self, world: World, state: State, measure: Measure, rows: np.ndarray, size: np.ndarray
    ) -> tuple[np.ndarray | int, np.ndarray | int, np.ndarray | int]:
        """Apply to `rows`; returns (people removed, change of the mission's staff, rate change)."""
        raise NotImplementedError

    def effect_at(
        self,
        world: World,
        state: State,
        measure: Measure,
        rows: np.ndarray,
        size: np.ndarray,
        post: np.ndarray | int | None,
        prop: np.ndarray | int | None,
    ) -> tuple[np.ndarray | int, np.ndarray | int, np.ndarray | int]:
        """`effect` where run rows[i] takes the measure on post[i] and property prop[i] (not the
        measure's own); only a kind that sets `each_target` has it."""
        raise NotImplementedError

    def check(self, world: World, state: State, target: Target) -> np.ndarray:
        """Per run of `target.rows`, 0 if the measure can be taken, else a code of `reasons`."""
        return np.zeros(len(target.rows), dtype=np.int8)

    def explain(self, code: int, world: World, state: State, measure: Measure, run: int) -> str:
        """Why the measure cannot be taken (a refusal code of `check`), with what is allowed."""
        return self.reasons[code].format(**self.context(world, state, measure, run))

    def context(self, world: World, state: State, measure: Measure, run: int) -> dict[str, object]:
        side, post, prop = measure.target, measure.post, measure.prop
        return {
            "size": measure.size,
            "count": "" if measure.size is None else int(measure.size),
            "post": world.post_ids[post] if post is not None else "",
            "property": world.property_ids[prop] if prop is not None else "",
            "side": world.sides[side],
        }

    def option(
        self, world: World, state: State, target: int, magnitude: np.ndarray, size_hint: np.ndarray
    ) -> Option | None:
        """What a policy answering with `magnitude` would take of this kind against `target`'s
        mission in each run of `state` (its `offer`; `size_hint`: a size the policy names, nan
        where it names none); None if a policy never takes this kind."""
        if self.offer is None:
            return None
        from sim.rules.options import offers  # the offers' kernels read the whole catalogue

        return offers(world, state, self.kind, target, magnitude, size_hint)


class PeopleSeverity:
    """Severity of a measure that removes people: base x (1 + log10 n), `none_severity` when it
    removes nobody (how many people a given magnitude takes: `sim.rules.options.people_for`)."""

    none_severity = 0.0

    def severity_of(self, people: np.ndarray, rate_change: np.ndarray) -> np.ndarray:
        people = np.asarray(people, dtype=float)
        scaled = self.severity * (1.0 + log10_of(np.maximum(people, 1.0)))
        return np.where(people > 0, scaled, self.none_severity)


class RateSeverity:
    """Severity of a change of the visa approval rate: RATE_SCALE x the change."""

    RATE_SCALE = 5.0

    def severity_of(self, people: np.ndarray, rate_change: np.ndarray) -> np.ndarray:
        return self.RATE_SCALE * np.asarray(rate_change, dtype=float)


ENTRIES: dict[MeasureKind, MeasureSpec] = {}


def entry(cls: type[MeasureSpec]) -> type[MeasureSpec]:
    """Register a kind's entry (once per kind)."""
    if cls.kind in ENTRIES:
        raise ValueError(f"{cls.kind.label} is registered twice")
    ENTRIES[cls.kind] = cls()
    return cls
