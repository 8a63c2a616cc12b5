"""The measure catalogue: what each measure is, its severity, and its exact effect on a mission.

Effects are written once, over numpy arrays with a leading run axis, and used by every driver.
Each effect function takes the runs it applies to (`rows`, an index array) so that a batch of runs
can apply different measures to different runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum, IntEnum

import numpy as np

from sim.rules.allocation import allocate
from sim.rules.domain import Category, Cause, PostKind, PostStatus, PropertyStatus
from sim.rules.state import NO_CAP, State, World


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

    @property
    def label(self) -> str:
        return self.name.lower()


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
    NONE = "none"


@dataclass(frozen=True)
class MeasureSpec:
    kind: MeasureKind
    role: Role
    unit: Unit
    severity: float  # base value on the -10..+10 scale; see `severity_of`
    summary: str


_K = MeasureKind
_SPECS = [
    MeasureSpec(_K.EXPEL, Role.HOST, Unit.PEOPLE, -3.0, "declare sent staff persona non grata"),
    MeasureSpec(_K.FORCE_DEPARTURE, Role.HOST, Unit.PEOPLE, -2.0, "make staff leave at a posting limit, unreplaced"),
    MeasureSpec(_K.CAP_STAFF, Role.HOST, Unit.CEILING, -3.0, "cap the mission's total staff"),
    MeasureSpec(_K.CLOSE_POST, Role.HOST, Unit.POST, -5.0, "close a post (not the embassy or a UN mission)"),
    MeasureSpec(_K.SEIZE_PROPERTY, Role.HOST, Unit.PROPERTY, -4.0, "seize or block a property"),
    MeasureSpec(_K.BAN_LOCAL_HIRES, Role.HOST, Unit.NONE, -3.0, "ban the mission from employing host nationals"),
    MeasureSpec(_K.DENY_VISAS, Role.HOST, Unit.RATE, -5.0, "lower the visa approval rate for replacements"),
    MeasureSpec(_K.RESTRICT_TRAVEL, Role.HOST, Unit.KM, -2.0, "limit staff travel to a radius"),
    MeasureSpec(_K.FREEZE_BANKING, Role.HOST, Unit.NONE, -3.0, "freeze the mission's bank accounts"),
    MeasureSpec(_K.EXPEL_AMBASSADOR, Role.HOST, Unit.NONE, -6.0, "expel the ambassador or refuse agrement"),
    MeasureSpec(_K.RETURN_PROPERTY, Role.HOST, Unit.PROPERTY, 4.0, "return a seized property"),
    MeasureSpec(_K.REOPEN_POST, Role.HOST, Unit.POST, 5.0, "reopen a closed or suspended post"),
    MeasureSpec(_K.RAISE_CAP, Role.HOST, Unit.CEILING, 2.0, "raise the staff cap"),
    MeasureSpec(_K.LIFT_CAP, Role.HOST, Unit.NONE, 3.0, "lift the staff cap"),
    MeasureSpec(_K.RESTORE_VISAS, Role.HOST, Unit.RATE, 5.0, "raise the visa approval rate"),
    MeasureSpec(_K.LIFT_TRAVEL_LIMIT, Role.HOST, Unit.NONE, 2.0, "lift the travel limit"),
    MeasureSpec(_K.RESTORE_BANKING, Role.HOST, Unit.NONE, 3.0, "restore banking access"),
    MeasureSpec(_K.ALLOW_LOCAL_HIRES, Role.HOST, Unit.NONE, 3.0, "allow local hiring again"),
    MeasureSpec(_K.ACCEPT_AMBASSADOR, Role.HOST, Unit.NONE, 2.0, "accept an ambassador (grant agrement)"),
    MeasureSpec(_K.HOLD_TALKS, Role.JOINT, Unit.NONE, 1.0, "hold talks"),
    MeasureSpec(_K.SUSPEND_POST, Role.SELF, Unit.POST, 0.0, "suspend one's own post"),
    MeasureSpec(_K.CUT_STAFF, Role.SELF, Unit.PEOPLE, 0.0, "withdraw some of one's own sent staff"),
    MeasureSpec(_K.ADD_STAFF, Role.SELF, Unit.PEOPLE, 0.0, "send new staff (within cap and visas granted)"),
    MeasureSpec(_K.HIRE_LOCAL_STAFF, Role.SELF, Unit.PEOPLE, 0.0, "hire host nationals (if allowed, within cap)"),
    MeasureSpec(_K.RECALL_AMBASSADOR, Role.SELF, Unit.NONE, 0.0, "recall one's ambassador"),
    MeasureSpec(_K.APPOINT_AMBASSADOR, Role.SELF, Unit.NONE, 0.0, "appoint an ambassador"),
]
CATALOGUE: dict[MeasureKind, MeasureSpec] = {spec.kind: spec for spec in _SPECS}


SEVERITY_MIN, SEVERITY_MAX = -10.0, 10.0


@dataclass(frozen=True)
class Measure:
    """One measure taken by `actor` on the mission owned by `target` (side indices)."""

    kind: MeasureKind
    actor: int
    target: int
    month: int
    day: int = 0
    size: float | None = None
    post: int | None = None
    prop: int | None = None  # property index
    cause: Cause = Cause.FORCED
    source: str = ""
    description: str = ""
    seq: int = 0  # order within the scenario file, for a stable order inside a day

    @property
    def spec(self) -> MeasureSpec:
        return CATALOGUE[self.kind]


def _people_severity(base: float, people: np.ndarray, none_value: float) -> np.ndarray:
    people = np.asarray(people, dtype=float)
    scaled = base * (1.0 + np.log10(np.maximum(people, 1.0)))
    return np.where(people > 0, scaled, none_value)


def severity_of(kind: MeasureKind, people: np.ndarray, rate_change: np.ndarray) -> np.ndarray:
    """Severity of a measure from what it did: people removed, or the change of the visa rate."""
    spec = CATALOGUE[kind]
    if spec.role is Role.SELF:
        value = np.zeros_like(np.asarray(people, dtype=float))
    elif kind in (_K.EXPEL, _K.FORCE_DEPARTURE):
        value = _people_severity(spec.severity, people, 0.0)
    elif kind is _K.CAP_STAFF:
        value = _people_severity(spec.severity, people, -1.0)
    elif kind is _K.BAN_LOCAL_HIRES:
        value = _people_severity(spec.severity, people, -2.0)
    elif kind in (_K.DENY_VISAS, _K.RESTORE_VISAS):
        value = 5.0 * np.asarray(rate_change, dtype=float)
    else:
        value = np.full(np.shape(people), spec.severity, dtype=float)
    return np.clip(value, SEVERITY_MIN, SEVERITY_MAX)


# --- effects --------------------------------------------------------------------------------


def _take_sent(staff: np.ndarray, n: np.ndarray, diplomats_first: bool) -> tuple[np.ndarray, np.ndarray]:
    """From staff[..., 3] take n sent staff: diplomats first (expulsions target diplomats), or in
    proportion to diplomats and support (a posting limit or a cut of one's own falls on both).
    Returns (diplomats, support) taken."""
    if diplomats_first:
        diplomats = np.minimum(n, staff[..., Category.DIPLOMATS])
    else:
        shape = staff.shape[:-1]
        flat = staff[..., :2].reshape(-1, 2)
        diplomats = allocate(flat, np.broadcast_to(n, shape).reshape(-1))[:, 0].reshape(shape)
    support = np.minimum(n - diplomats, staff[..., Category.SUPPORT])
    return diplomats, support


def remove_sent_staff(
    world: World,
    state: State,
    rows: np.ndarray,
    side: int,
    post: int | None,
    n: np.ndarray,
    diplomats_first: bool = True,
) -> np.ndarray:
    """Remove n sent staff from a post, or from all the mission's posts in proportion to their
    sent staff. Returns the number removed per run."""
    n = np.asarray(n, dtype=np.int64)
    if post is not None:
        block = state.staff[rows, post, :]
        diplomats, support = _take_sent(block, n, diplomats_first)
        state.staff[rows, post, Category.DIPLOMATS] -= diplomats
        state.staff[rows, post, Category.SUPPORT] -= support
        return diplomats + support
    posts = world.posts_of(side)
    block = state.staff[np.ix_(rows, posts)]  # [R', Pm, 3]
    share = allocate(block[:, :, :2].sum(axis=2), n)
    diplomats, support = _take_sent(block, share, diplomats_first)
    block[:, :, Category.DIPLOMATS] -= diplomats
    block[:, :, Category.SUPPORT] -= support
    state.staff[np.ix_(rows, posts)] = block
    return (diplomats + support).sum(axis=1)


CUT_ORDER = (Category.LOCAL, Category.SUPPORT, Category.DIPLOMATS)


def cut_to_ceiling(world: World, state: State, rows: np.ndarray, side: int, ceiling: np.ndarray) -> np.ndarray:
    """Bring a mission down to `ceiling`: local staff first, then support, then diplomats, each
    category cut in proportion across posts (the sending state chooses whom to cut; in 2017 the
    US cut mostly local employees). Returns the number cut per run."""
    posts = world.posts_of(side)
    block = state.staff[np.ix_(rows, posts)]
    excess = np.maximum(block.sum(axis=(1, 2)) - np.asarray(ceiling, dtype=np.int64), 0)
    cut_total = np.zeros(len(rows), dtype=np.int64)
    for category in CUT_ORDER:
        counts = block[:, :, category]
        share = allocate(counts, np.minimum(excess, counts.sum(axis=1)))
        block[:, :, category] -= share
        taken = share.sum(axis=1)
        excess -= taken
        cut_total += taken
    state.staff[np.ix_(rows, posts)] = block
    return cut_total


def vacate_post(world: World, state: State, rows: np.ndarray, post: int, status: PostStatus) -> np.ndarray:
    """A post stops being open: its sent staff move to the embassy, its local staff are let go.
    Returns the number of people the mission lost (the local staff)."""
    side = int(world.post_owner[post])
    head = int(world.head_post[side])
    let_go = state.staff[rows, post, Category.LOCAL].copy()
    state.staff[rows, head, :2] += state.staff[rows, post, :2]
    state.staff[rows, post, :] = 0
    state.departure_carry[rows, post, :] = 0.0
    state.replacement_carry[rows, post, :] = 0.0
    state.post_status[rows, post] = status
    return let_go


def room_under_cap(world: World, state: State, rows: np.ndarray | None, side: int) -> np.ndarray:
    """Places left under the cap per run (all runs when `rows` is None); very large when no cap."""
    if rows is None:
        cap = state.staff_cap[:, side]
        total = state.staff[:, world.post_slice(side), :].sum(axis=(1, 2))
    else:
        cap = state.staff_cap[rows, side]
        total = state.staff[np.ix_(rows, world.posts_of(side))].sum(axis=(1, 2))
    return np.where(cap == NO_CAP, np.iinfo(np.int64).max // 4, np.maximum(cap - total, 0))


@dataclass
class Effect:
    """What a measure did in each run it was applied to."""

    staff_change: np.ndarray  # int[R'] change of the target mission's total staff
    severity: np.ndarray  # float[R']


def apply_measure(
    world: World, state: State, measure: Measure, rows: np.ndarray, size: np.ndarray | None = None
) -> Effect:
    """Apply a feasible measure to the given runs. `size` overrides `measure.size` per run."""
    kind, side = measure.kind, measure.target
    rows = np.asarray(rows)
    count = len(rows)
    if size is None:
        size = np.full(count, measure.size if measure.size is not None else 0.0)
    people = np.zeros(count, dtype=np.int64)
    change = np.zeros(count, dtype=np.int64)
    rate_change = np.zeros(count)

    if kind in (_K.EXPEL, _K.FORCE_DEPARTURE, _K.CUT_STAFF):
        people = remove_sent_staff(
            world, state, rows, side, measure.post, size.astype(np.int64), diplomats_first=kind is _K.EXPEL
        )
        change = -people
    elif kind is _K.CAP_STAFF:
        state.staff_cap[rows, side] = size.astype(np.int64)
        people = cut_to_ceiling(world, state, rows, side, size.astype(np.int64))
        change = -people
    elif kind is _K.RAISE_CAP:
        state.staff_cap[rows, side] = size.astype(np.int64)
    elif kind is _K.LIFT_CAP:
        state.staff_cap[rows, side] = NO_CAP
    elif kind is _K.CLOSE_POST:
        change = -vacate_post(world, state, rows, measure.post, PostStatus.CLOSED)
    elif kind is _K.SUSPEND_POST:
        change = -vacate_post(world, state, rows, measure.post, PostStatus.SUSPENDED)
    elif kind is _K.REOPEN_POST:
        state.post_status[rows, measure.post] = PostStatus.OPEN
    elif kind is _K.SEIZE_PROPERTY:
        state.property_status[rows, measure.prop] = PropertyStatus.SEIZED
    elif kind is _K.RETURN_PROPERTY:
        state.property_status[rows, measure.prop] = PropertyStatus.RETURNED
    elif kind is _K.BAN_LOCAL_HIRES:
        posts = world.posts_of(side)
        people = state.staff[np.ix_(rows, posts)][:, :, Category.LOCAL].sum(axis=1)
        state.staff[np.ix_(rows, posts, [Category.LOCAL])] = 0
        state.local_hiring[rows, side] = False
        change = -people
    elif kind is _K.ALLOW_LOCAL_HIRES:
        state.local_hiring[rows, side] = True
    elif kind in (_K.DENY_VISAS, _K.RESTORE_VISAS):
        rate_change = size - state.visa_rate[rows, side]
        state.visa_rate[rows, side] = size
    elif kind is _K.RESTRICT_TRAVEL:
        state.travel_limit_km[rows, side] = size
    elif kind is _K.LIFT_TRAVEL_LIMIT:
        state.travel_limit_km[rows, side] = np.nan
    elif kind is _K.FREEZE_BANKING:
        state.banking[rows, side] = False
    elif kind is _K.RESTORE_BANKING:
        state.banking[rows, side] = True
    elif kind in (_K.EXPEL_AMBASSADOR, _K.RECALL_AMBASSADOR):
        state.ambassador[rows, side] = False
    elif kind in (_K.ACCEPT_AMBASSADOR, _K.APPOINT_AMBASSADOR):
        state.ambassador[rows, side] = True
    elif kind in (_K.ADD_STAFF, _K.HIRE_LOCAL_STAFF):
        post = measure.post if measure.post is not None else int(world.head_post[side])
        added = np.minimum(size.astype(np.int64), room_under_cap(world, state, rows, side))
        category = Category.DIPLOMATS if kind is _K.ADD_STAFF else Category.LOCAL
        state.staff[rows, post, category] += added
        change = added
    elif kind is _K.HOLD_TALKS:
        pass
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(f"no effect written for {kind}")
    return Effect(staff_change=change, severity=severity_of(kind, people, rate_change))


def infeasibility(world: World, state: State, measure: Measure, run: int = 0) -> str | None:
    """Why a measure cannot be taken in `run` at this moment, or None if it can."""
    kind, side = measure.kind, measure.target
    post, prop = measure.post, measure.prop
    size = measure.size
    if post is not None and int(world.post_owner[post]) != side:
        owner = world.sides[int(world.post_owner[post])]
        whose = (
            "the host acts on the other side's posts"
            if measure.spec.role is Role.HOST
            else "a state acts on its own posts"
        )
        ids = ", ".join(world.post_ids[p] for p in world.posts_of(side))
        return f"post '{world.post_ids[post]}' is {owner}'s, but with '{kind.label}' {whose} (allowed: {ids})"
    if prop is not None and int(world.property_owner[prop]) != side:
        owner = world.sides[int(world.property_owner[prop])]
        ids = ", ".join(world.property_ids[q] for q in world.properties_of(side)) or "none"
        return f"property '{world.property_ids[prop]}' is {owner}'s, not {world.sides[side]}'s (allowed: {ids})"
    status = int(state.post_status[run, post]) if post is not None else None
    if kind in (_K.EXPEL, _K.FORCE_DEPARTURE, _K.CUT_STAFF):
        if post is not None:
            present = int(state.staff[run, post, :2].sum())
            where = f"post '{world.post_ids[post]}'"
        else:
            present = int(state.staff[run, world.posts_of(side), :2].sum())
            where = f"{world.sides[side]}'s mission"
        if size > present:
            return f"cannot remove {int(size)} sent staff: {where} has {present} at that date (allowed: 1 to {present})"
    elif kind in (_K.CLOSE_POST, _K.SUSPEND_POST):
        if int(world.post_kind[post]) == PostKind.EMBASSY:
            return (
                f"post '{world.post_ids[post]}' is the embassy; it cannot be closed or suspended"
                f" (allowed: consulates and trade missions)"
            )
        if kind is _K.CLOSE_POST and world.is_un_mission(post):
            return (
                f"post '{world.post_ids[post]}' is a UN mission, protected by the UN headquarters "
                "agreement (allowed: expel its staff, restrict travel; not close it)"
            )
        if status != PostStatus.OPEN:
            return (
                f"post '{world.post_ids[post]}' is already {PostStatus(status).name.lower()} at that date"
                f" (allowed: an open post)"
            )
    elif kind is _K.REOPEN_POST:
        if status == PostStatus.OPEN:
            return f"post '{world.post_ids[post]}' is already open at that date (allowed: a closed or suspended post)"
        if measure.actor == side and status == PostStatus.CLOSED:
            return (
                f"post '{world.post_ids[post]}' was closed by the host; only the host can reopen it"
                f" (allowed: a post its owner suspended)"
            )
    elif kind is _K.SEIZE_PROPERTY:
        if int(state.property_status[run, prop]) == PropertyStatus.SEIZED:
            return (
                f"property '{world.property_ids[prop]}' is already seized at that date"
                f" (allowed: a property in use or returned)"
            )
    elif kind is _K.RETURN_PROPERTY:
        if int(state.property_status[run, prop]) != PropertyStatus.SEIZED:
            return f"property '{world.property_ids[prop]}' is not seized at that date (allowed: a seized property)"
    elif kind is _K.CAP_STAFF:
        cap = int(state.staff_cap[run, side])
        if cap != NO_CAP and size >= cap:
            return (
                f"a cap of {int(size)} does not lower the current cap of {cap}; use raise_cap or lift_cap"
                f" (allowed: below {cap})"
            )
    elif kind is _K.RAISE_CAP:
        cap = int(state.staff_cap[run, side])
        if cap == NO_CAP:
            return "there is no cap to raise at that date (allowed: raise_cap after cap_staff)"
        if size <= cap:
            return f"a cap of {int(size)} does not raise the current cap of {cap} (allowed: above {cap})"
    elif kind is _K.LIFT_CAP:
        if int(state.staff_cap[run, side]) == NO_CAP:
            return "there is no cap to lift at that date (allowed: lift_cap after cap_staff)"
    elif kind is _K.DENY_VISAS:
        rate = float(state.visa_rate[run, side])
        if size >= rate:
            return f"a visa rate of {size} does not lower the current rate of {rate} (allowed: 0 to below {rate})"
    elif kind is _K.RESTORE_VISAS:
        rate = float(state.visa_rate[run, side])
        if size <= rate:
            return f"a visa rate of {size} does not raise the current rate of {rate} (allowed: above {rate}, up to 1)"
    elif kind is _K.LIFT_TRAVEL_LIMIT:
        if math.isnan(float(state.travel_limit_km[run, side])):
            return "there is no travel limit to lift at that date (allowed: after restrict_travel)"
    elif kind is _K.BAN_LOCAL_HIRES:
        if not state.local_hiring[run, side]:
            return "local hiring is already banned at that date (allowed: allow_local_hires)"
    elif kind is _K.ALLOW_LOCAL_HIRES:
        if state.local_hiring[run, side]:
            return "local hiring is already allowed at that date (allowed: after ban_local_hires)"
    elif kind is _K.FREEZE_BANKING:
        if not state.banking[run, side]:
            return "banking is already frozen at that date (allowed: restore_banking)"
    elif kind is _K.RESTORE_BANKING:
        if state.banking[run, side]:
            return "banking access is not frozen at that date (allowed: after freeze_banking)"
    elif kind in (_K.EXPEL_AMBASSADOR, _K.RECALL_AMBASSADOR):
        if not state.ambassador[run, side]:
            return "there is no ambassador at that date (allowed: after appoint_ambassador or accept_ambassador)"
    elif kind in (_K.ACCEPT_AMBASSADOR, _K.APPOINT_AMBASSADOR):
        if state.ambassador[run, side]:
            return (
                "an ambassador is already in post at that date (allowed: after recall_ambassador or expel_ambassador)"
            )
    elif kind in (_K.ADD_STAFF, _K.HIRE_LOCAL_STAFF):
        target_post = post if post is not None else int(world.head_post[side])
        if int(state.post_status[run, target_post]) != PostStatus.OPEN:
            return f"post '{world.post_ids[target_post]}' is not open at that date (allowed: an open post)"
        if kind is _K.HIRE_LOCAL_STAFF and not state.local_hiring[run, side]:
            return "the host bans local hiring at that date (allowed: after allow_local_hires)"
    return None


@dataclass(frozen=True)
class Shock:
    """An exogenous event attributed to `actor`, perceived as hostile by `target`; changes no holdings."""

    actor: int
    target: int
    month: int
    name: str
    severity: float
    day: int = 0
    cause: Cause = Cause.FORCED
    source: str = ""
    description: str = ""
    seq: int = 0


@dataclass(frozen=True, slots=True)
class EventRecord:
    """What happened in one run: an event as committed, with its effect there. Rows of
    events.csv are made from these in `sim.files.columns`."""

    event: Measure | Shock
    severity: float
    staff_change: int
    size: float | None = None  # a policy sizes its measure per run; None: the event's own size
    cause: str | None = None  # a policy act turned by execution error reads "noise"; None: the event's
