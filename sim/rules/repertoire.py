"""The repertoire: turning a desired response severity into concrete, feasible measures.

A policy chooses how hard to answer; the repertoire chooses with what, for every run at once.
Hostile answers go like-for-like first (the kind the other side last used against one's own
mission: expulsion for expulsion, post for post, property for property), then down a fixed
ladder (each catalogue entry's `ladder` place), taking the first kind that is feasible in that run:

    expel, deny_visas, close_post, seize_property, cap_staff, ban_local_hires,
    freeze_banking, restrict_travel, expel_ambassador

The first candidate whose severity reaches the answer's (within half a point) is taken; when
none does, the most severe feasible one. How each kind is sized, targeted and judged feasible is
its catalogue entry's (`option`, `reach`): people-measures are sized so their severity matches
the answer (expelling n people is -3*(1+log10 n), so n = 10**(m/3 - 1)), never more people than
are there. Conciliatory answers restore what was taken, first feasible in this order:

    return_property, reopen_post, lift_cap, restore_visas, allow_local_hires,
    restore_banking, lift_travel_limit, accept_ambassador, hold_talks

(like-for-like first here too: a returned property answers a returned property). When nothing
is feasible the answer is dropped: the repertoire has run out.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import copysign
from typing import TYPE_CHECKING

import numpy as np

from sim.rules.compiled import kernel, pick
from sim.rules.domain import PostStatus, PropertyStatus
from sim.rules.libm import INF, NAN, exp_one, row_sum
from sim.rules.measures import CATALOGUE, HOSTILE_KINDS, NONE, SEVERITY_MAX, Target
from sim.rules.options import (
    NO_OFFER,
    OFFER_FIELDS,
    as_runs,
    lesser,
    mission_of,
    offer_one,
    offer_table,
    offer_where,
)
from sim.rules.state import NO_CAP, State, World

if TYPE_CHECKING:
    from sim.rules.instruments import Instruments

HOSTILE_LADDER = tuple(
    sorted((k for k, spec in CATALOGUE.items() if spec.ladder and spec.hostile), key=lambda k: CATALOGUE[k].ladder)
)
CONCILIATORY_ORDER = tuple(
    sorted((k for k, spec in CATALOGUE.items() if spec.ladder and not spec.hostile), key=lambda k: CATALOGUE[k].ladder)
)
LADDERS = np.array(HOSTILE_LADDER + CONCILIATORY_ORDER, dtype=np.int64)  # a choice's candidates after the run's own
DRAWN_KINDS = np.array(HOSTILE_KINDS, dtype=np.int64)  # what a propensity draws from


@dataclass
class Choice:
    """The measure chosen for each run: kind (-1: none), size, post and property (-1: none)."""

    kind: np.ndarray
    size: np.ndarray
    post: np.ndarray
    prop: np.ndarray


def choose(
    world: World,
    state: State,
    actor: int,
    severity: np.ndarray,
    like_kind: np.ndarray,
    preferred_kind: np.ndarray,
    preferred_size: np.ndarray,
) -> Choice:
    """For each run, the measure `actor` takes against the other side's mission to answer with
    `severity` (negative hostile, positive conciliatory, 0 none): `choose_one`."""
    return _per_run(
        choose_runs,
        world,
        state,
        1 - actor,
        ((severity, np.float64), (like_kind, np.int64), (preferred_kind, np.int64), (preferred_size, np.float64)),
        (LADDERS,),
    )


def _per_run(fn, world: World, state: State, target: int, per_run: tuple, fixed: tuple) -> Choice:
    """A choice kernel (`choose_runs`, `draw_runs`) over the runs of `state` against `target`'s
    mission: it is given the runs' rows, `target`, the `per_run` values (each a value and its
    dtype, one for all runs or one per run), the `fixed` arguments, then what every offer reads
    and the Choice it fills."""
    fields, rows = state.source(*OFFER_FIELDS)
    runs = len(rows)
    choice = Choice(np.empty(runs, np.int64), np.empty(runs), np.empty(runs, np.int64), np.empty(runs, np.int64))
    pick(fn, runs)(
        np.ascontiguousarray(rows, dtype=np.int64),
        target,
        *(as_runs(value, dtype, runs) for value, dtype in per_run),
        *fixed,
        offer_table(),
        fields,
        offer_where(world, target),
        10.0,
        (choice.kind, choice.size, choice.post, choice.prop),
    )
    return choice


@kernel(inline=True)
def choose_one(r, side, severity, like, preferred, preferred_size, order, table, fields, where, base):
    """The measure a side takes against `side`'s mission in run r to answer with `severity`
    (kind, size, post, property; kind NONE for none).

    The candidates are the `preferred` kind (sized by `preferred_size` where that is a number),
    the `like` kind, then `order` (the hostile ladder, then the restoration order); each is tried
    where it has the answer's sign and an offer (`sim.rules.options.offer_one`). Conciliatory:
    the first the run can take. Hostile: the first whose reach comes within half a point of the
    answer's magnitude; if none does, the one that reaches furthest (the first of those)."""
    offer, severity_of = table[0], table[1]
    kind, size, post, prop = NONE, NAN, NONE, NONE
    if severity == 0.0:
        return kind, size, post, prop
    hostile = severity < 0.0
    magnitude = lesser(abs(severity), SEVERITY_MAX)  # the scale ends at 10: size no measure past it
    # only hostile offers count the mission's staff: counted once for all of them
    mission = mission_of(fields[0], r, where[0]) if hostile else (0, 0, 0)
    best = -INF  # the reach of the most severe candidate taken so far (hostile)
    for c in range(order.shape[0] + 2):
        hint = NAN
        if c == 0:
            candidate = preferred
            hint = preferred_size
        elif c == 1:
            candidate = like
        else:
            candidate = order[c - 2]
        if candidate == NONE or offer[candidate] == NO_OFFER or (severity_of[candidate] < 0.0) != hostile:
            continue
        can, its_size, its_post, its_prop, reach = offer_one(
            candidate, r, side, magnitude, hint, mission, table, fields, where, base
        )
        if not can:
            continue
        settled = not hostile or reach >= magnitude - 0.5
        if settled or reach > best:
            kind, size, post, prop = candidate, its_size, its_post, its_prop
            if settled:
                break
            best = reach
    return kind, size, post, prop


@kernel
def choose_runs(rows, side, severity, like, preferred, preferred_size, order, table, fields, where, base, chosen):
    """`choose_one` for run rows[i], answering with severity[i], into chosen[..][i]: kind, size,
    post, property."""
    kind, size, post, prop = chosen
    for i in range(rows.shape[0]):
        taken = choose_one(
            rows[i], side, severity[i], like[i], preferred[i], preferred_size[i], order, table, fields, where, base
        )
        kind[i] = taken[0]
        size[i] = taken[1]
        post[i] = taken[2]
        prop[i] = taken[3]


def restorable(world: World, state: State, side: int) -> np.ndarray:
    """Per run, whether the host still holds something of `side`'s mission to give back: a seized
    property, a closed post, a cap, a visa rate below 1, a travel limit, frozen banking, a ban on
    local hiring or a missing ambassador (talks alone restore nothing)."""
    props = world.properties_of(side)
    sl = world.mission(side)
    return (
        (state.property_status[:, props] == PropertyStatus.SEIZED).any(axis=1)
        | (state.post_status[:, sl] == PostStatus.CLOSED).any(axis=1)
        | (state.staff_cap[:, side] != NO_CAP)
        | (state.visa_rate[:, side] < 1.0)
        | ~np.isnan(state.travel_limit_km[:, side])
        | ~state.banking[:, side]
        | ~state.local_hiring[:, side]
        | ~state.ambassador[:, side]
    )


def _draw_kind(
    world: World,
    state: State,
    target: int,
    magnitude: np.ndarray,
    instruments: Instruments,
    u: np.ndarray,
    excluded: np.ndarray,
) -> Choice:
    """Per run, a hostile kind drawn from the side's propensities (`draw_one`), kinds in
    `excluded` left out; NONE where nothing is feasible."""
    return _per_run(
        draw_runs,
        world,
        state,
        target,
        ((magnitude, np.float64), (u, np.float64), (excluded, np.int64)),
        (
            (DRAWN_KINDS, np.array([instruments.weights[k] for k in HOSTILE_KINDS]), 2.0 * instruments.spread**2),
            np.empty(len(HOSTILE_KINDS)),
        ),
    )


@kernel(inline=True)
def quotient(a, b):
    """a / b as numpy divides: inf, -inf or nan where b is 0."""
    if b != 0.0:
        return a / b
    if a != a or a == 0.0:
        return NAN
    return INF if (a > 0.0) == (copysign(1.0, b) > 0.0) else -INF


@kernel(inline=True)
def draw_one(r, side, magnitude, u, excluded, propensities, table, fields, where, base, weight):
    """A hostile kind the side takes against `side`'s mission in run r, drawn by its
    `propensities` (the kinds, their weights, 2 x spread^2): each kind that the run can take (not
    `excluded`) weighs its weight x exp(-(reach - magnitude)^2 / (2 x spread^2)), with its reach
    at most 10; `u` (uniform) picks among them in proportion, as numpy's cumulative sum and sum
    of a row would (`weight`: room for the weights). Returns (kind, size, post, property), kind
    NONE where no kind weighs anything."""
    kinds, weights, divisor = propensities
    count = kinds.shape[0]
    mission = mission_of(fields[0], r, where[0])
    for j in range(count):
        weight[j] = 0.0
        if table[0][kinds[j]] == NO_OFFER or weights[j] <= 0.0:
            continue
        can, size, post, prop, reach = offer_one(kinds[j], r, side, magnitude, NAN, mission, table, fields, where, base)
        if can and excluded != kinds[j]:
            gap = lesser(reach, SEVERITY_MAX) - magnitude
            weight[j] = weights[j] * exp_one(quotient(-(gap * gap), divisor))
    total = row_sum(weight, count)
    if not total > 0.0:
        return NONE, NAN, NONE, NONE
    threshold = u * total
    picked = 0
    cumulative = 0.0
    for j in range(count):
        cumulative = weight[j] if j == 0 else cumulative + weight[j]
        if cumulative < threshold:
            picked += 1
    if picked > count - 1:
        picked = count - 1
    kind = kinds[picked]
    can, size, post, prop, reach = offer_one(kind, r, side, magnitude, NAN, mission, table, fields, where, base)
    return kind, size, post, prop


@kernel
def draw_runs(rows, side, magnitude, u, excluded, propensities, weight, table, fields, where, base, chosen):
    """`draw_one` for run rows[i] with magnitude[i], u[i] and excluded[i], into chosen[..][i]:
    kind, size, post, property."""
    kind, size, post, prop = chosen
    for i in range(rows.shape[0]):
        taken = draw_one(
            rows[i], side, magnitude[i], u[i], excluded[i], propensities, table, fields, where, base, weight
        )
        kind[i] = taken[0]
        size[i] = taken[1]
        post[i] = taken[2]
        prop[i] = taken[3]


def choose_instruments(
    world: World,
    state: State,
    actor: int,
    severity: np.ndarray,
    like_kind: np.ndarray,
    instruments: Instruments,
    draws: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[Choice, Choice]:
    """Hostile answers (severity < 0) with propensity instruments (`sim.rules.instruments`): the
    measure of each run, and the second measure of a package (kind NONE where there is none).
    `draws` are four uniform numbers per run: in kind or not, the kind, package or not, its kind."""
    u_like, u_kind, u_package, u_second = draws
    target = 1 - actor
    magnitude = np.minimum(np.abs(severity), SEVERITY_MAX)
    # in kind, where the kind used against this side is one it can take now
    in_kind = choose(world, state, actor, severity, np.full(state.runs, NONE), like_kind, np.full(state.runs, np.nan))
    in_kind.kind[(u_like >= instruments.like) | (severity >= 0) | (in_kind.kind != like_kind)] = NONE
    drawn = _draw_kind(world, state, target, magnitude, instruments, u_kind, np.full(state.runs, NONE))
    first = Choice(*(np.where(in_kind.kind != NONE, a, b) for a, b in zip_choice(in_kind, drawn)))
    first.kind[severity >= 0] = NONE
    second = _draw_kind(world, state, target, magnitude, instruments, u_second, first.kind)
    second.kind[(u_package >= instruments.package) | (first.kind == NONE)] = NONE
    return first, second


def zip_choice(a: Choice, b: Choice):
    return ((a.kind, b.kind), (a.size, b.size), (a.post, b.post), (a.prop, b.prop))


def still_feasible(world: World, state: State, measure, rows: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per run of `rows`, whether `measure` (sized per run) can still be taken."""
    count = len(rows)
    target = Target(
        rows,
        measure.actor,
        measure.target,
        sizes,
        np.full(count, NONE if measure.post is None else measure.post),
        np.full(count, NONE if measure.prop is None else measure.prop),
    )
    return CATALOGUE[measure.kind].check(world, state, target) == 0
