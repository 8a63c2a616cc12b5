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
from typing import TYPE_CHECKING

import numpy as np

from sim.rules.compiled import kernel, pick
from sim.rules.domain import PostStatus, PropertyStatus
from sim.rules.libm import exp_of
from sim.rules.measures import CATALOGUE, HOSTILE_KINDS, NONE, SEVERITY_MAX, Target
from sim.rules.state import NO_CAP, State, World

if TYPE_CHECKING:
    from sim.rules.instruments import Instruments

HOSTILE_LADDER = tuple(
    sorted((k for k, spec in CATALOGUE.items() if spec.ladder and spec.hostile), key=lambda k: CATALOGUE[k].ladder)
)
CONCILIATORY_ORDER = tuple(
    sorted((k for k, spec in CATALOGUE.items() if spec.ladder and not spec.hostile), key=lambda k: CATALOGUE[k].ladder)
)


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
    `severity` (negative hostile, positive conciliatory, 0 none).

    Hostile: the first candidate (preferred kind, the like-for-like kind, then the ladder) whose
    severity reaches the answer's (within half a point); if none does, the most severe feasible
    one. Conciliatory: the first feasible candidate (like-for-like, then the restoration order).
    """
    target = 1 - actor
    runs = state.runs
    magnitude = np.minimum(np.abs(severity), SEVERITY_MAX)  # the scale ends at 10: size no measure past it
    choice = Choice(np.full(runs, NONE), np.full(runs, np.nan), np.full(runs, NONE), np.full(runs, NONE))
    best = np.full(runs, -np.inf)  # achievable severity of the fallback chosen so far (hostile)
    settled = severity == 0
    hostile = severity < 0
    hostile_left = int(np.count_nonzero(hostile))
    left = [runs - int(np.count_nonzero(settled)) - hostile_left, hostile_left]  # runs to settle: conciliatory, hostile
    candidates = [("preferred", None), ("like", None)]
    candidates += [("ladder", k) for k in HOSTILE_LADDER] + [("ladder", k) for k in CONCILIATORY_ORDER]
    unsized = np.full(runs, np.nan)
    take_fn = pick(take_option, runs)
    # a kind tried again (like for like, then on the ladder) offers what it offered the first time
    offered: dict[int, tuple] = {}
    for how, fixed in candidates:
        if not (left[0] or left[1]):
            break
        kinds = {"preferred": preferred_kind, "like": like_kind}.get(how)
        options = [fixed] if fixed is not None else _kinds_among(kinds)
        for value in options:
            spec = CATALOGUE[value]
            wants_hostile = spec.hostile
            if not left[wants_hostile]:
                continue
            if how == "preferred":
                option = spec.option(world, state, target, magnitude, preferred_size)
                reach = None
            elif value in offered:
                option, reach = offered[value]
            else:
                option = spec.option(world, state, target, magnitude, unsized)
                reach = None
            if option is None:  # a kind a policy never takes (a state's measures on its own mission)
                continue
            if wants_hostile and reach is None:
                reach = spec.reach(world, state, target, option)
            if how != "preferred":
                offered[value] = (option, reach)
            left[0], left[1] = take_fn(
                (int(value), wants_hostile),
                like_kind if kinds is None else kinds,
                fixed is None,
                hostile,
                option.feasible,
                (
                    _as_runs(option.size, np.float64, runs),
                    _as_runs(option.post, np.int64, runs),
                    _as_runs(option.prop, np.int64, runs),
                ),
                magnitude if reach is None else _as_runs(reach, np.float64, runs),
                magnitude,
                best,
                settled,
                (choice.kind, choice.size, choice.post, choice.prop),
            )
    return choice


@kernel
def take_option(offer, kinds, among, hostile, feasible, option, reach, magnitude, best, settled, chosen):
    """A run not yet settled, of the `hostile` sign of the `offer`ed kind (and, where it is one
    `among` several, whose kind in `kinds` it is), takes the kind where it is `feasible`: a
    conciliatory kind at once; a hostile one when its `reach` comes within half a point of
    `magnitude` (the run is settled), or when it reaches further than the `best` so far. Writes
    the kind and the `option`'s size, post and property taken into `chosen`. Returns how many runs
    are left to settle: conciliatory, hostile."""
    value, hostile_kind = offer
    size, post, prop = option
    kind, sizes, posts, props = chosen
    left_conciliatory = 0
    left_hostile = 0
    for r in range(settled.shape[0]):
        if settled[r]:
            continue
        if hostile[r] == hostile_kind and feasible[r] and (not among or kinds[r] == value):
            take = True
            if not hostile_kind or reach[r] >= magnitude[r] - 0.5:
                settled[r] = True
            elif reach[r] > best[r]:
                best[r] = reach[r]
            else:
                take = False
            if take:
                kind[r] = value
                sizes[r] = size[r]
                posts[r] = post[r]
                props[r] = prop[r]
        if not settled[r]:
            if hostile[r]:
                left_hostile += 1
            else:
                left_conciliatory += 1
    return left_conciliatory, left_hostile


def _as_runs(values: np.ndarray, dtype, runs: int) -> np.ndarray:
    """`values` as a contiguous array of `runs` of `dtype` (a copy only where it is not one)."""
    if type(values) is np.ndarray and values.dtype == dtype and values.shape == (runs,) and values.flags.c_contiguous:
        return values
    return np.ascontiguousarray(np.broadcast_to(np.asarray(values, dtype=dtype), (runs,)))


def _kinds_among(kinds: np.ndarray) -> list[int]:
    """The kinds (not NONE) among `kinds`, in increasing order. Those of runs already settled may
    be among them: no run takes them, since a kind applies only to the runs not settled."""
    if not len(kinds) or kinds.max() < 0:
        return []
    if kinds.min() == kinds.max():
        return [int(kinds[0])]
    return np.flatnonzero(np.bincount(kinds[kinds >= 0])).tolist()


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
) -> tuple[Choice, np.ndarray]:
    """Per run, a hostile kind drawn from the side's propensities over what is feasible (kinds in
    `excluded` left out), weighted by how well each carries `magnitude`; sized by its entry."""
    runs = state.runs
    kinds = HOSTILE_KINDS
    weight = np.zeros((runs, len(kinds)))
    options = []
    for j, kind in enumerate(kinds):
        spec = CATALOGUE[kind]
        option = spec.option(world, state, target, magnitude, np.full(runs, np.nan))
        options.append(option)
        if option is None or instruments.weights[kind] <= 0:
            continue
        reach = np.minimum(spec.reach(world, state, target, option), SEVERITY_MAX)
        fit = exp_of(-((reach - magnitude) ** 2) / (2.0 * instruments.spread**2))
        weight[:, j] = np.where(option.feasible & (excluded != kind), instruments.weights[kind] * fit, 0.0)
    total = weight.sum(axis=1)
    cumulative = np.cumsum(weight, axis=1)
    pick = np.minimum((cumulative < (u * total)[:, None]).sum(axis=1), len(kinds) - 1)
    choice = Choice(np.full(runs, NONE), np.full(runs, np.nan), np.full(runs, NONE), np.full(runs, NONE))
    for j, kind in enumerate(kinds):
        take = (pick == j) & (total > 0)
        if not take.any():
            continue
        option = options[j]
        choice.kind[take] = int(kind)
        choice.size[take] = option.size[take]
        choice.post[take] = option.post[take]
        choice.prop[take] = option.prop[take]
    return choice, total > 0


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
    drawn, _ = _draw_kind(world, state, target, magnitude, instruments, u_kind, np.full(state.runs, NONE))
    first = Choice(*(np.where(in_kind.kind != NONE, a, b) for a, b in zip_choice(in_kind, drawn)))
    first.kind[severity >= 0] = NONE
    second, _ = _draw_kind(world, state, target, magnitude, instruments, u_second, first.kind)
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
