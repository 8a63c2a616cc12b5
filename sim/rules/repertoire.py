"""The repertoire: turning a desired response severity into concrete, feasible measures.

A policy chooses how hard to answer; the repertoire chooses with what, for every run at once.
Hostile answers go like-for-like first (the kind the other side last used against one's own
mission: expulsion for expulsion, post for post, property for property), then down a fixed
ladder, taking the first kind that is feasible in that run:

    expel, deny_visas, close_post, seize_property, cap_staff, ban_local_hires,
    freeze_banking, restrict_travel, expel_ambassador

The first candidate whose severity reaches the answer's (within half a point) is taken; when
none does, the most severe feasible one. People-measures are sized so their severity matches the
answer (expelling n people is -3*(1+log10 n), so n = 10**(m/3 - 1)), never more people than are
there. Conciliatory answers restore what was taken, first feasible in this order:

    return_property, reopen_post, lift_cap, restore_visas, allow_local_hires,
    restore_banking, lift_travel_limit, accept_ambassador, hold_talks

(like-for-like first here too: a returned property answers a returned property). When nothing
is feasible the answer is dropped: the repertoire has run out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.domain import PostKind, PostStatus, PropertyStatus
from sim.rules.measures import CATALOGUE, SEVERITY_MAX, MeasureKind, Role
from sim.rules.state import NO_CAP, State, World

K = MeasureKind
HOSTILE_LADDER = (
    K.EXPEL,
    K.DENY_VISAS,
    K.CLOSE_POST,
    K.SEIZE_PROPERTY,
    K.CAP_STAFF,
    K.BAN_LOCAL_HIRES,
    K.FREEZE_BANKING,
    K.RESTRICT_TRAVEL,
    K.EXPEL_AMBASSADOR,
)
CONCILIATORY_ORDER = (
    K.RETURN_PROPERTY,
    K.REOPEN_POST,
    K.LIFT_CAP,
    K.RESTORE_VISAS,
    K.ALLOW_LOCAL_HIRES,
    K.RESTORE_BANKING,
    K.LIFT_TRAVEL_LIMIT,
    K.ACCEPT_AMBASSADOR,
    K.HOLD_TALKS,
)
TRAVEL_LIMIT_KM = 40.0
NONE = -1


@dataclass
class Choice:
    """The measure chosen for each run: kind (-1: none), size, post and property (-1: none)."""

    kind: np.ndarray
    size: np.ndarray
    post: np.ndarray
    prop: np.ndarray


def people_for(magnitude: np.ndarray, base: float) -> np.ndarray:
    """How many people a people-measure of this severity magnitude removes (at least one)."""
    return np.maximum(np.rint(10.0 ** (np.asarray(magnitude) / abs(base) - 1.0)), 1.0)


def _largest_open_post(world: World, state: State, side: int, closable: bool) -> np.ndarray:
    """Per run, the open post of `side` with the most staff that may be closed (not the embassy
    or a UN mission), or -1."""
    posts = world.posts_of(side)
    allowed = np.array([world.post_kind[p] not in (PostKind.EMBASSY, PostKind.UN_MISSION) for p in posts])
    if not closable:
        allowed[:] = True
    open_ = (state.post_status[:, posts] == PostStatus.OPEN) & allowed[None, :]
    size = np.where(open_, state.staff[:, posts, :].sum(axis=2), -1)
    best = np.argmax(size, axis=1)
    return np.where(open_.any(axis=1), posts[best], NONE)


def _first_post_with_status(world: World, state: State, side: int, statuses: tuple[int, ...]) -> np.ndarray:
    posts = world.posts_of(side)
    match = np.isin(state.post_status[:, posts], statuses)
    return np.where(match.any(axis=1), posts[np.argmax(match, axis=1)], NONE)


def _first_property(world: World, state: State, side: int, seized: bool) -> np.ndarray:
    props = world.properties_of(side)
    if len(props) == 0:
        return np.full(state.runs, NONE)
    status = state.property_status[:, props]
    match = (status == PropertyStatus.SEIZED) if seized else (status != PropertyStatus.SEIZED)
    return np.where(match.any(axis=1), props[np.argmax(match, axis=1)], NONE)


def _option(
    world: World, state: State, kind: MeasureKind, target: int, magnitude: np.ndarray, size_hint: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(feasible, size, post, property) of one kind against `target`'s mission, per run."""
    runs = state.runs
    none = np.full(runs, NONE)
    nan = np.full(runs, np.nan)
    posts = world.posts_of(target)
    sent = state.staff[:, posts, :2].sum(axis=(1, 2))
    total = state.staff[:, posts, :].sum(axis=(1, 2))
    cap = state.staff_cap[:, target]
    rate = state.visa_rate[:, target]
    if kind in (K.EXPEL, K.FORCE_DEPARTURE):
        n = np.minimum(people_for(magnitude, CATALOGUE[kind].severity), sent)
        return sent >= 1, n, none, none
    if kind is K.CAP_STAFF:
        ceiling = np.where(np.isnan(size_hint), total - people_for(magnitude, 3.0), size_hint)
        ceiling = np.maximum(ceiling, 0)
        feasible = (ceiling < total) & ((cap == NO_CAP) | (ceiling < cap))
        return feasible, ceiling, none, none
    if kind is K.CLOSE_POST:
        post = _largest_open_post(world, state, target, closable=True)
        return post != NONE, nan, post, none
    if kind is K.SEIZE_PROPERTY:
        prop = _first_property(world, state, target, seized=False)
        return prop != NONE, nan, none, prop
    if kind is K.BAN_LOCAL_HIRES:
        return state.local_hiring[:, target].copy(), nan, none, none
    if kind is K.DENY_VISAS:
        new = np.maximum(np.round(rate - magnitude / 5.0, 4), 0.0)
        return new < rate, new, none, none
    if kind is K.RESTRICT_TRAVEL:
        return np.isnan(state.travel_limit_km[:, target]), np.full(runs, TRAVEL_LIMIT_KM), none, none
    if kind is K.FREEZE_BANKING:
        return state.banking[:, target].copy(), nan, none, none
    if kind is K.EXPEL_AMBASSADOR:
        return state.ambassador[:, target].copy(), nan, none, none
    if kind is K.RETURN_PROPERTY:
        prop = _first_property(world, state, target, seized=True)
        return prop != NONE, nan, none, prop
    if kind is K.REOPEN_POST:
        # the host reopens what it closed; a post its owner suspended is the owner's to reopen
        post = _first_post_with_status(world, state, target, (PostStatus.CLOSED,))
        return post != NONE, nan, post, none
    if kind is K.LIFT_CAP:
        return cap != NO_CAP, nan, none, none
    if kind is K.RESTORE_VISAS:
        new = np.minimum(np.round(rate + np.maximum(magnitude, 1.0) / 5.0, 4), 1.0)
        return new > rate, new, none, none
    if kind is K.ALLOW_LOCAL_HIRES:
        return ~state.local_hiring[:, target], nan, none, none
    if kind is K.RESTORE_BANKING:
        return ~state.banking[:, target], nan, none, none
    if kind is K.LIFT_TRAVEL_LIMIT:
        return ~np.isnan(state.travel_limit_km[:, target]), nan, none, none
    if kind is K.ACCEPT_AMBASSADOR:
        return ~state.ambassador[:, target], nan, none, none
    if kind is K.HOLD_TALKS:
        return np.ones(runs, dtype=bool), nan, none, none
    return np.zeros(runs, dtype=bool), nan, none, none


def achievable(
    kind: MeasureKind, world: World, state: State, target: int, size: np.ndarray, post: np.ndarray
) -> np.ndarray:
    """The severity magnitude a chosen measure will have, per run (from its size and the state)."""
    base = abs(CATALOGUE[kind].severity)
    if kind in (K.EXPEL, K.FORCE_DEPARTURE):
        return base * (1.0 + np.log10(np.maximum(size, 1.0)))
    if kind is K.CAP_STAFF:
        total = state.staff[:, world.posts_of(target), :].sum(axis=(1, 2))
        cut = np.maximum(total - np.nan_to_num(size, nan=0.0), 0)
        return np.where(cut > 0, base * (1.0 + np.log10(np.maximum(cut, 1.0))), 1.0)
    if kind is K.BAN_LOCAL_HIRES:
        local = state.staff[:, world.posts_of(target), 2].sum(axis=1)
        return np.where(local > 0, base * (1.0 + np.log10(np.maximum(local, 1))), 2.0)
    if kind is K.DENY_VISAS:
        return 5.0 * (state.visa_rate[:, target] - np.nan_to_num(size, nan=1.0))
    return np.full(state.runs, base)


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
    candidates = [("preferred", None), ("like", None)]
    candidates += [("ladder", k) for k in HOSTILE_LADDER] + [("ladder", k) for k in CONCILIATORY_ORDER]
    for how, fixed in candidates:
        if settled.all():
            break
        kinds = {"preferred": preferred_kind, "like": like_kind}.get(how)
        options = [fixed] if fixed is not None else sorted({int(k) for k in kinds[~settled] if k >= 0})
        for value in options:
            kind = MeasureKind(value)
            if CATALOGUE[kind].role is Role.SELF:
                continue
            wants_hostile = CATALOGUE[kind].severity < 0
            applies = ~settled & (hostile == wants_hostile)
            if fixed is None:
                applies &= kinds == value
            if not applies.any():
                continue
            hint = preferred_size if how == "preferred" else np.full(runs, np.nan)
            feasible, size, post, prop = _option(world, state, kind, target, magnitude, hint)
            usable = applies & feasible
            if wants_hostile:
                reach = achievable(kind, world, state, target, size, post)
                enough = usable & (reach >= magnitude - 0.5)
                better = usable & ~enough & (reach > best)
                best = np.where(better, reach, best)
                take = enough | better
                settled |= enough
            else:
                take = usable
                settled |= usable
            choice.kind[take] = value
            choice.size[take] = size[take]
            choice.post[take] = post[take]
            choice.prop[take] = prop[take]
    return choice


def restorable(world: World, state: State, side: int) -> np.ndarray:
    """Per run, whether the host still holds something of `side`'s mission to give back: a seized
    property, a closed post, a cap, a visa rate below 1, a travel limit, frozen banking, a ban on
    local hiring or a missing ambassador (talks alone restore nothing)."""
    props = world.properties_of(side)
    sl = world.post_slice(side)
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
