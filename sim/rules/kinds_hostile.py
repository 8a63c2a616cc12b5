"""Catalogue entries of the hostile measures a host takes against the other side's mission."""

from __future__ import annotations

import numpy as np

from sim.rules.domain import SENT, Category, PostKind, PostStatus, PropertyStatus
from sim.rules.entries import (
    NONE,
    MeasureKind,
    MeasureSpec,
    Offer,
    PeopleSeverity,
    RateSeverity,
    Role,
    Target,
    Unit,
    entry,
)
from sim.rules.groups import KindGroup
from sim.rules.staffing import cut_to_ceiling, refusals_of_caps, remove_from, remove_sent_staff, vacate_post

K = MeasureKind


def nothing(runs: int) -> np.ndarray:
    none = np.empty(runs, dtype=np.int64)
    none.fill(NONE)
    return none


def removed_categories(categories) -> list[int]:
    """The sent categories a staff measure takes from: both unless it names one."""
    return list(SENT) if categories is None else sorted(categories)


def sent_present(world, state, target: Target) -> np.ndarray:
    """Sent staff (diplomats and support, or the categories the measure names) at the target post,
    or in the whole mission, per run."""
    rows = target.rows
    categories = removed_categories(target.categories)
    mission = state.staff[np.ix_(rows, world.posts_of(target.side))][:, :, categories].sum(axis=(1, 2))
    at_post = state.staff[rows, np.maximum(target.post, 0)][:, categories].sum(axis=1)
    return np.where(target.post >= 0, at_post, mission)


def target_scope(world, target: Target) -> int | None:
    """The cap scope a cap measure on `target` counts (None: the whole mission's cap)."""
    posts = target.posts
    if posts is None and len(target.post) and target.post[0] >= 0:
        posts = (int(target.post[0]),)
    return world.scope_index(target.side, posts, target.categories)


def measure_scope(world, measure) -> int | None:
    posts = measure.posts if measure.post is None else (measure.post,)
    return world.scope_index(measure.target, posts, measure.categories)


def current_cap(world, state, rows, side: int, scope: int | None) -> np.ndarray:
    return state.staff_cap[rows, side] if scope is None else state.scoped_cap[rows, scope]


class RemovesSentStaff(PeopleSeverity, MeasureSpec):
    """Expulsion-like measures: n sent staff leave a post or the whole mission."""

    unit = Unit.PEOPLE
    offer = Offer.SENT_STAFF
    diplomats_first = False
    reasons = {1: "cannot remove {count} {what}: {where} has {present} at that date (allowed: 1 to {present})"}

    def effect(self, world, state, measure, rows, size):
        categories = removed_categories(measure.categories)
        if categories != list(SENT):
            people = remove_from(world, state, rows, measure.target, measure.post, size.astype(np.int64), categories)
        else:
            people = remove_sent_staff(
                world, state, rows, measure.target, measure.post, size.astype(np.int64), self.diplomats_first
            )
        return people, -people, 0.0

    def check(self, world, state, target):
        present = sent_present(world, state, target)
        return np.where((target.size < 1) | (target.size > present), 1, 0).astype(np.int8)

    def context(self, world, state, measure, run):
        where = f"post '{world.post_ids[measure.post]}'" if measure.post is not None else None
        categories = removed_categories(measure.categories)
        present = (
            state.staff[run, measure.post, categories].sum()
            if measure.post is not None
            else state.staff[run, world.posts_of(measure.target)][:, categories].sum()
        )
        words = {Category.DIPLOMATS: "diplomats", Category.SUPPORT: "support staff", Category.LOCAL: "local staff"}
        what = "sent staff" if categories == list(SENT) else " and ".join(words[Category(c)] for c in categories)
        return super().context(world, state, measure, run) | {
            "where": where or f"{world.sides[measure.target]}'s mission",
            "present": int(present),
            "what": what,
        }


@entry
class Expel(RemovesSentStaff):
    kind, role, severity = K.EXPEL, Role.HOST, -3.0
    group = KindGroup.EXPEL
    summary = "declare sent staff persona non grata"
    ladder = 1
    diplomats_first = True


@entry
class ForceDeparture(RemovesSentStaff):
    kind, role, severity = K.FORCE_DEPARTURE, Role.HOST, -2.0
    group = KindGroup.TRAVEL_AND_POSTING
    summary = "make staff leave at a posting limit, unreplaced"


@entry
class CapStaff(PeopleSeverity, MeasureSpec):
    kind, role, unit, severity = K.CAP_STAFF, Role.HOST, Unit.CEILING, -3.0
    group = KindGroup.CAP
    summary = "cap the mission's total staff"
    ladder = 5
    offer = Offer.CAP
    inverse = K.LIFT_CAP
    none_severity = -1.0  # a cap that cuts nobody is still mildly hostile
    scoped = True
    reasons = {
        1: "a cap of {count} does not lower the current cap of {cap}; use raise_cap or lift_cap (allowed: below {cap})"
    }

    def effect(self, world, state, measure, rows, size):
        scope = measure_scope(world, measure)
        if scope is None:
            state.staff_cap[rows, measure.target] = size.astype(np.int64)
        else:
            state.scoped_cap[rows, scope] = size.astype(np.int64)
        people = cut_to_ceiling(world, state, rows, measure.target, size.astype(np.int64), scope)
        return people, -people, 0.0

    def check(self, world, state, target):
        cap = current_cap(world, state, target.rows, target.side, target_scope(world, target))
        return refusals_of_caps(cap, target.size)

    def context(self, world, state, measure, run):
        cap = current_cap(world, state, run, measure.target, measure_scope(world, measure))
        return super().context(world, state, measure, run) | {"cap": int(cap)}


@entry
class ClosePost(MeasureSpec):
    kind, role, unit, severity = K.CLOSE_POST, Role.HOST, Unit.POST, -5.0
    group = KindGroup.CLOSE_POST
    summary = "close a post (not the embassy or a UN mission)"
    ladder = 3
    offer = Offer.LARGEST_POST
    inverse = K.REOPEN_POST
    reasons = {
        1: "post '{post}' is the embassy; it cannot be closed or suspended"
        " (allowed: consulates, trade missions, media bureaus and cultural bodies)",
        2: "post '{post}' is a UN mission, protected by the UN headquarters agreement"
        " (allowed: expel its staff, restrict travel; not close it)",
        3: "post '{post}' is already {status} at that date (allowed: an open or suspended post)",
    }
    protects_un_missions = True
    vacates = True
    owner_may_take = True  # a state closes its own post
    # A host may close a post its owner has suspended (a consular agreement denounced, say).
    from_statuses = (PostStatus.OPEN, PostStatus.SUSPENDED)
    leaves = PostStatus.CLOSED  # the status the post is left in
    each_target = True

    def effect(self, world, state, measure, rows, size):
        return self.effect_at(world, state, measure, rows, size, measure.post, None)

    def effect_at(self, world, state, measure, rows, size, post, prop):
        return 0, -vacate_post(world, state, rows, post, self.leaves, measure.home, measure.keep_local), 0.0

    def check(self, world, state, target):
        post = np.maximum(target.post, 0)
        kind = world.post_kind[post]
        status = state.post_status[target.rows, post]
        codes = np.where(np.isin(status, self.from_statuses), 0, 3)
        if self.protects_un_missions and target.actor != target.side:
            codes = np.where(kind == PostKind.UN_MISSION, 2, codes)
        return np.where(kind == PostKind.EMBASSY, 1, codes).astype(np.int8)

    def context(self, world, state, measure, run):
        status = PostStatus(int(state.post_status[run, measure.post])).name.lower()
        return super().context(world, state, measure, run) | {"status": status}


@entry
class SeizeProperty(MeasureSpec):
    kind, role, unit, severity = K.SEIZE_PROPERTY, Role.HOST, Unit.PROPERTY, -4.0
    group = KindGroup.SEIZE_PROPERTY
    summary = "seize or block a property"
    ladder = 4
    offer = Offer.FREE_PROPERTY
    inverse = K.RETURN_PROPERTY
    reasons = {1: "property '{property}' is already seized at that date (allowed: a property in use or returned)"}
    each_target = True

    def effect(self, world, state, measure, rows, size):
        return self.effect_at(world, state, measure, rows, size, None, measure.prop)

    def effect_at(self, world, state, measure, rows, size, post, prop):
        state.property_status[rows, prop] = PropertyStatus.SEIZED
        return 0, 0, 0.0

    def check(self, world, state, target):
        status = state.property_status[target.rows, np.maximum(target.prop, 0)]
        return np.where(status == PropertyStatus.SEIZED, 1, 0).astype(np.int8)


@entry
class BanLocalHires(PeopleSeverity, MeasureSpec):
    kind, role, unit, severity = K.BAN_LOCAL_HIRES, Role.HOST, Unit.NONE, -3.0
    group = KindGroup.LOCAL_HIRES
    summary = "ban the mission from employing host nationals"
    ladder = 6
    offer = Offer.LOCAL_STAFF
    inverse = K.ALLOW_LOCAL_HIRES
    none_severity = -2.0
    reasons = {1: "local hiring is already banned at that date (allowed: allow_local_hires)"}

    def effect(self, world, state, measure, rows, size):
        posts = world.posts_of(measure.target)
        people = state.staff[np.ix_(rows, posts)][:, :, 2].sum(axis=1)
        state.staff[np.ix_(rows, posts, [2])] = 0
        state.local_hiring[rows, measure.target] = False
        return people, -people, 0.0

    def check(self, world, state, target):
        return np.where(state.local_hiring[target.rows, target.side], 0, 1).astype(np.int8)


class SetsVisaRate(RateSeverity, MeasureSpec):
    role, unit = Role.HOST, Unit.RATE

    def effect(self, world, state, measure, rows, size):
        rate_change = size - state.visa_rate[rows, measure.target]
        state.visa_rate[rows, measure.target] = size
        return 0, 0, rate_change

    def context(self, world, state, measure, run):
        return super().context(world, state, measure, run) | {"rate": float(state.visa_rate[run, measure.target])}


@entry
class DenyVisas(SetsVisaRate):
    kind, severity = K.DENY_VISAS, -5.0
    group = KindGroup.VISAS
    summary = "lower the visa approval rate for replacements"
    ladder = 2
    offer = Offer.LOWER_RATE
    inverse = K.RESTORE_VISAS
    reasons = {1: "a visa rate of {size} does not lower the current rate of {rate} (allowed: 0 to below {rate})"}

    def check(self, world, state, target):
        return np.where(target.size >= state.visa_rate[target.rows, target.side], 1, 0).astype(np.int8)


class SetsFlag(MeasureSpec):
    """A measure that switches a condition of the mission on or off."""

    unit = Unit.NONE
    offer = Offer.FLAG
    flag: str  # the State field (one of sim.rules.options.FLAGS)
    value: bool  # what the measure sets it to

    def effect(self, world, state, measure, rows, size):
        getattr(state, self.flag)[rows, measure.target] = self.value
        return 0, 0, 0.0

    def check(self, world, state, target):
        already = getattr(state, self.flag)[target.rows, target.side] == self.value
        return np.where(already, 1, 0).astype(np.int8)


@entry
class RestrictTravel(MeasureSpec):
    kind, role, unit, severity = K.RESTRICT_TRAVEL, Role.HOST, Unit.KM, -2.0
    group = KindGroup.TRAVEL_AND_POSTING
    summary = "limit staff travel to a radius"
    ladder = 8
    offer = Offer.SET_LIMIT
    inverse = K.LIFT_TRAVEL_LIMIT

    def effect(self, world, state, measure, rows, size):
        state.travel_limit_km[rows, measure.target] = size
        return 0, 0, 0.0


@entry
class FreezeBanking(SetsFlag):
    kind, role, severity = K.FREEZE_BANKING, Role.HOST, -3.0
    group = KindGroup.BANKING
    summary = "freeze the mission's bank accounts"
    ladder = 7
    inverse = K.RESTORE_BANKING
    flag, value = "banking", False
    reasons = {1: "banking is already frozen at that date (allowed: restore_banking)"}


@entry
class ExpelAmbassador(SetsFlag):
    kind, role, severity = K.EXPEL_AMBASSADOR, Role.HOST, -6.0
    group = KindGroup.AMBASSADOR
    summary = "expel the ambassador or refuse agrement"
    ladder = 9
    inverse = K.ACCEPT_AMBASSADOR
    flag, value = "ambassador", False
    reasons = {1: "there is no ambassador at that date (allowed: after appoint_ambassador or accept_ambassador)"}
