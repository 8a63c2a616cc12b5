"""What a policy would take of each kind of measure in a run, as kernels (sim.rules.compiled).

A catalogue entry names its `offer` (`sim.rules.entries.Offer`); `offer_one` holds the rule of
each: whether a policy can take the kind in a run, and the size, post and property it would take
to answer with a given severity, with the severity magnitude that would have. The repertoire's
choice (`sim.rules.repertoire`) calls it run by run, and an entry's `option` calls it for many
runs at once (`offers`), so both read the one rule. The per-kind numbers it needs (base severity,
the flag a kind switches) come from the entries themselves (`offer_table`).
"""

from __future__ import annotations

import numpy as np

from sim.rules.compiled import kernel, pick
from sim.rules.domain import PostKind, PostStatus, PropertyStatus
from sim.rules.entries import ENTRIES, MeasureKind, Offer, Option, RateSeverity
from sim.rules.libm import NAN, log10_one, pow10_one
from sim.rules.staffing import cap_refusal
from sim.rules.state import NO_CAP, NONE, State, World

# plain numbers, as a kernel compares them
OPEN, CLOSED = int(PostStatus.OPEN), int(PostStatus.CLOSED)
EMBASSY, UN_MISSION = int(PostKind.EMBASSY), int(PostKind.UN_MISSION)
SEIZED = int(PropertyStatus.SEIZED)
RATE_SCALE = RateSeverity.RATE_SCALE
TRAVEL_LIMIT_KM = 40.0  # the radius a policy's travel limit sets (the 2017-2023 limits were about 25 miles)
NO_OFFER = -1
SENT_STAFF, CAP, LARGEST_POST = int(Offer.SENT_STAFF), int(Offer.CAP), int(Offer.LARGEST_POST)
FREE_PROPERTY, SEIZED_PROPERTY = int(Offer.FREE_PROPERTY), int(Offer.SEIZED_PROPERTY)
CLOSED_POST = int(Offer.CLOSED_POST)
LOCAL_STAFF, LOWER_RATE, RAISE_RATE = int(Offer.LOCAL_STAFF), int(Offer.LOWER_RATE), int(Offer.RAISE_RATE)
FLAG, SET_LIMIT, LIFT_LIMIT = int(Offer.FLAG), int(Offer.SET_LIMIT), int(Offer.LIFT_LIMIT)
CAPPED, ALWAYS = int(Offer.CAPPED), int(Offer.ALWAYS)
# the State fields an offer reads, in the order `offer_one` unpacks them
OFFER_FIELDS = (
    "staff",
    "post_status",
    "property_status",
    "staff_cap",
    "visa_rate",
    "travel_limit_km",
    "banking",
    "local_hiring",
    "ambassador",
)
FLAGS = ("banking", "local_hiring", "ambassador")  # a FLAG entry's `flag`, by its place here


@kernel
def lesser(a, b):
    """The lesser of two numbers, nan if either is, `b` if they are equal (numpy's `minimum`:
    0.0 and -0.0 are equal)."""
    return a if a < b or a != a else b


@kernel
def greater(a, b):
    """The greater of two numbers, nan if either is, `b` if they are equal (numpy's `maximum`)."""
    return a if a > b or a != a else b


@kernel
def people_for(magnitude, strength, base):
    """How many people a measure of base severity `strength` (a magnitude) removes to reach
    `magnitude`: 10 ** (magnitude / strength - 1) rounded, at least one (`base`: 10, given, as
    `sim.rules.libm.pow10_each` takes it)."""
    return greater(np.rint(pow10_one(magnitude / strength - 1.0, base)), 1.0)


@kernel
def people_reach(severity, none_severity, people):
    """The severity magnitude of a measure of base `severity` that removes `people`:
    -severity x (1 + log10 people), or -none_severity when it removes nobody."""
    if people > 0.0:
        return -(severity * (1.0 + log10_one(greater(people, 1.0))))
    return -none_severity


@kernel
def rounded(x):
    """`x` rounded to 4 decimals (numpy's `round(x, 4)`)."""
    return np.rint(x * 10000.0) / 10000.0


@kernel(inline=True)
def largest_open(staff, post_status, r, posts, post_kind):
    """The open post among `posts` with the most staff in run r (the first of those with most)
    that is neither an embassy nor a UN mission, or NONE."""
    found = NONE
    most = -1
    for j in range(posts.shape[0]):
        p = posts[j]
        kind = post_kind[p]
        if post_status[r, p] == OPEN and kind != EMBASSY and kind != UN_MISSION:
            size = staff[r, p, 0] + staff[r, p, 1] + staff[r, p, 2]
            if size > most:
                most = size
                found = p
    return found


@kernel(inline=True)
def first_of(status, r, items, value, equal):
    """The first of `items` (posts or properties) whose status in run r equals `value` (or, with
    `equal` false, does not), or NONE."""
    for j in range(items.shape[0]):
        if (status[r, items[j]] == value) == equal:
            return items[j]
    return NONE


@kernel(inline=True)
def mission_of(staff, r, posts):
    """The staff of the mission at `posts` in run r: (diplomats, support, local)."""
    diplomats = 0
    support = 0
    local = 0
    for j in range(posts.shape[0]):
        p = posts[j]
        diplomats += staff[r, p, 0]
        support += staff[r, p, 1]
        local += staff[r, p, 2]
    return diplomats, support, local


@kernel
def counts(how):
    """Whether an offer reads the mission's staff (`mission_of`)."""
    return how == SENT_STAFF or how == CAP or how == LOCAL_STAFF


@kernel(inline=True)
def offer_one(kind, r, side, magnitude, size_hint, mission, table, fields, where, base):
    """What a policy answering with `magnitude` would take of `kind` against `side`'s mission in
    run r, by the kind's offer (`sim.rules.entries.Offer`): (whether it can, size, post, property,
    the severity magnitude it would have). `size_hint`: the size the policy names, nan for none;
    `mission`: the mission's staff (`mission_of`) where the offer `counts` them; `table`: the
    catalogue's numbers (`offer_table`); `fields`: the state's `OFFER_FIELDS`; `where`: the side's
    posts (not bodies), every post's kind and the side's properties."""
    offer, severity_of, none_of, flag_of, value_of = table
    staff, post_status, property_status, staff_cap, visa_rate, travel_limit_km = fields[:6]
    banking, local_hiring, ambassador = fields[6:]
    posts, post_kind, props = where
    how = offer[kind]
    severity = severity_of[kind]
    strength = abs(severity)
    feasible = False
    size = NAN
    post = NONE
    prop = NONE
    reach = strength
    if counts(how):
        diplomats, support, local = mission
        if how == SENT_STAFF:
            size = lesser(people_for(magnitude, strength, base), float(diplomats + support))
            feasible = size >= 1.0
            reach = strength * (1.0 + log10_one(greater(size, 1.0)))
        elif how == CAP:
            total = diplomats + support + local
            size = size_hint
            if size != size:
                size = total - people_for(magnitude, strength, base)
            if size < 0.0:
                size = 0.0
            feasible = size < total and cap_refusal(staff_cap[r, side], size) == 0
            reach = people_reach(severity, none_of[kind], total - size if total - size > 0.0 else 0.0)
        else:
            feasible = local_hiring[r, side]
            reach = people_reach(severity, none_of[kind], float(local))
    elif how == LARGEST_POST:
        post = largest_open(staff, post_status, r, posts, post_kind)
        feasible = post != NONE
    elif how == FREE_PROPERTY or how == SEIZED_PROPERTY:
        prop = first_of(property_status, r, props, SEIZED, how == SEIZED_PROPERTY)
        feasible = prop != NONE
    elif how == CLOSED_POST:
        post = first_of(post_status, r, posts, CLOSED, how == CLOSED_POST)
        feasible = post != NONE
    elif how == LOWER_RATE:
        rate = visa_rate[r, side]
        size = greater(rounded(rate - magnitude / RATE_SCALE), 0.0)
        feasible = size < rate
        reach = -(RATE_SCALE * (size - rate))
    elif how == RAISE_RATE:
        rate = visa_rate[r, side]
        size = lesser(rounded(rate + greater(magnitude, 1.0) / RATE_SCALE), 1.0)
        feasible = size > rate
    elif how == FLAG:
        flag = flag_of[kind]
        now = banking[r, side] if flag == 0 else (local_hiring[r, side] if flag == 1 else ambassador[r, side])
        feasible = now != value_of[kind]
    elif how == SET_LIMIT or how == LIFT_LIMIT:
        limit = travel_limit_km[r, side]
        feasible = (limit != limit) == (how == SET_LIMIT)
        if how == SET_LIMIT:
            size = TRAVEL_LIMIT_KM
    elif how == CAPPED:
        feasible = staff_cap[r, side] != NO_CAP
    elif how == ALWAYS:
        feasible = True
    return feasible, size, post, prop, reach


@kernel
def offer_runs(kind, rows, side, magnitude, size_hint, table, fields, where, base, out):
    """`offer_one` of `kind` in run rows[i], answering with magnitude[i] (and size_hint[i]), into
    out[..][i]: whether it can, size, post, property, reach."""
    feasible, size, post, prop, reach = out
    staff = fields[0]
    posts = where[0]
    reads = counts(table[0][kind])
    for i in range(rows.shape[0]):
        r = rows[i]
        mission = mission_of(staff, r, posts) if reads else (0, 0, 0)
        taken = offer_one(kind, r, side, magnitude[i], size_hint[i], mission, table, fields, where, base)
        feasible[i] = taken[0]
        size[i] = taken[1]
        post[i] = taken[2]
        prop[i] = taken[3]
        reach[i] = taken[4]


_TABLE: list[tuple[np.ndarray, ...]] = []


def offer_table() -> tuple[np.ndarray, ...]:
    """Per kind of measure: its offer (NO_OFFER for none), base severity, severity when it removes
    nobody, the flag it switches (its place in FLAGS, -1) and the value it sets the flag to."""
    if not _TABLE:
        kinds = len(MeasureKind)
        offer = np.full(kinds, NO_OFFER, dtype=np.int64)
        severity, none = np.zeros(kinds), np.zeros(kinds)
        flag, value = np.full(kinds, -1, dtype=np.int64), np.zeros(kinds, dtype=bool)
        for kind, spec in ENTRIES.items():
            offer[kind] = NO_OFFER if spec.offer is None else int(spec.offer)
            severity[kind] = spec.severity
            none[kind] = getattr(spec, "none_severity", 0.0)
            if spec.offer is Offer.FLAG:
                flag[kind], value[kind] = FLAGS.index(spec.flag), spec.value
        _TABLE.append((offer, severity, none, flag, value))
    return _TABLE[0]


def offer_where(world: World, side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The layout an offer on `side`'s mission reads: its posts (not bodies), the kind of every
    post, its properties."""
    return (
        np.ascontiguousarray(world.posts_of(side), dtype=np.int64),
        np.ascontiguousarray(world.post_kind, dtype=np.int64),
        np.ascontiguousarray(world.properties_of(side), dtype=np.int64),
    )


def as_runs(values, dtype, runs: int) -> np.ndarray:
    """`values` (one per run, or one for all) as a contiguous array of `runs` of `dtype` (a copy
    only where it is not one)."""
    if type(values) is np.ndarray and values.dtype == dtype and values.shape == (runs,) and values.flags.c_contiguous:
        return values
    return np.ascontiguousarray(np.broadcast_to(np.asarray(values, dtype=dtype), (runs,)))


def offers(
    world: World, state: State, kind: MeasureKind, side: int, magnitude: np.ndarray, size_hint: np.ndarray
) -> Option:
    """`offer_one` of `kind` against `side`'s mission in every run of `state` (a State or a look)."""
    fields, rows = state.source(*OFFER_FIELDS)
    runs = len(rows)
    out = (np.empty(runs, bool), np.empty(runs), np.empty(runs, np.int64), np.empty(runs, np.int64), np.empty(runs))
    pick(offer_runs, runs)(
        int(kind),
        np.ascontiguousarray(rows, dtype=np.int64),
        side,
        as_runs(magnitude, np.float64, runs),
        as_runs(size_hint, np.float64, runs),
        offer_table(),
        fields,
        offer_where(world, side),
        10.0,
        out,
    )
    return Option(*out)
