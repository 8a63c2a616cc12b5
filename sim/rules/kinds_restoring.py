"""Catalogue entries of the conciliatory measures: what a host gives back, and talks."""

from __future__ import annotations

import numpy as np

from sim.rules.domain import PostStatus, PropertyStatus
from sim.rules.entries import MeasureKind, MeasureSpec, Offer, Role, Unit, entry
from sim.rules.groups import KindGroup
from sim.rules.kinds_hostile import (
    SetsFlag,
    SetsVisaRate,
    current_cap,
    measure_scope,
    target_scope,
)
from sim.rules.staffing import occupy_post
from sim.rules.state import NO_CAP

K = MeasureKind


@entry
class ReturnProperty(MeasureSpec):
    kind, role, unit, severity = K.RETURN_PROPERTY, Role.HOST, Unit.PROPERTY, 4.0
    group = KindGroup.CONCILIATORY
    summary = "return a seized property"
    ladder = 1
    offer = Offer.SEIZED_PROPERTY
    inverse = K.SEIZE_PROPERTY
    reasons = {1: "property '{property}' is not seized at that date (allowed: a seized property)"}

    def effect(self, world, state, measure, rows, size):
        state.property_status[rows, measure.prop] = PropertyStatus.RETURNED
        return 0, 0, 0.0

    def check(self, world, state, target):
        status = state.property_status[target.rows, np.maximum(target.prop, 0)]
        return np.where(status != PropertyStatus.SEIZED, 1, 0).astype(np.int8)


@entry
class ReopenPost(MeasureSpec):
    kind, role, unit, severity = K.REOPEN_POST, Role.HOST, Unit.POST, 5.0
    group = KindGroup.CONCILIATORY
    summary = "reopen a closed or suspended post"
    ladder = 2
    offer = Offer.CLOSED_POST  # the host reopens what it closed; a post its owner suspended is the owner's to reopen
    inverse = K.CLOSE_POST
    owner_may_take = True
    reasons = {
        1: "post '{post}' is already open at that date (allowed: a closed or suspended post)",
        2: "post '{post}' is closed; only the host can reopen a closed post (allowed: a post its owner suspended)",
    }

    def effect(self, world, state, measure, rows, size):
        state.post_status[rows, measure.post] = PostStatus.OPEN
        occupy_post(world, state, rows, measure.post)
        return 0, 0, 0.0

    def check(self, world, state, target):
        status = state.post_status[target.rows, np.maximum(target.post, 0)]
        own = target.actor == target.side
        codes = np.where(own & (status == PostStatus.CLOSED), 2, 0)
        return np.where(status == PostStatus.OPEN, 1, codes).astype(np.int8)


def set_cap(world, state, measure, rows, value) -> None:
    scope = measure_scope(world, measure)
    if scope is None:
        state.staff_cap[rows, measure.target] = value
    else:
        state.scoped_cap[rows, scope] = value


@entry
class RaiseCap(MeasureSpec):
    kind, role, unit, severity = K.RAISE_CAP, Role.HOST, Unit.CEILING, 2.0
    group = KindGroup.CONCILIATORY
    summary = "raise the staff cap"
    inverse = K.CAP_STAFF
    scoped = True
    reasons = {
        1: "there is no cap to raise at that date (allowed: raise_cap after cap_staff)",
        2: "a cap of {count} does not raise the current cap of {cap} (allowed: above {cap})",
    }

    def effect(self, world, state, measure, rows, size):
        set_cap(world, state, measure, rows, size.astype(np.int64))
        return 0, 0, 0.0

    def check(self, world, state, target):
        cap = current_cap(world, state, target.rows, target.side, target_scope(world, target))
        return np.where(cap == NO_CAP, 1, np.where(target.size <= cap, 2, 0)).astype(np.int8)

    def context(self, world, state, measure, run):
        cap = current_cap(world, state, run, measure.target, measure_scope(world, measure))
        return super().context(world, state, measure, run) | {"cap": int(cap)}


@entry
class LiftCap(MeasureSpec):
    kind, role, unit, severity = K.LIFT_CAP, Role.HOST, Unit.NONE, 3.0
    group = KindGroup.CONCILIATORY
    summary = "lift the staff cap"
    ladder = 3
    offer = Offer.CAPPED
    inverse = K.CAP_STAFF
    scoped = True
    reasons = {1: "there is no cap to lift at that date (allowed: lift_cap after cap_staff)"}

    def effect(self, world, state, measure, rows, size):
        set_cap(world, state, measure, rows, NO_CAP)
        return 0, 0, 0.0

    def check(self, world, state, target):
        cap = current_cap(world, state, target.rows, target.side, target_scope(world, target))
        return np.where(cap == NO_CAP, 1, 0).astype(np.int8)


@entry
class RestoreVisas(SetsVisaRate):
    kind, severity = K.RESTORE_VISAS, 5.0
    group = KindGroup.CONCILIATORY
    summary = "raise the visa approval rate"
    ladder = 4
    offer = Offer.RAISE_RATE
    inverse = K.DENY_VISAS
    reasons = {1: "a visa rate of {size} does not raise the current rate of {rate} (allowed: above {rate}, up to 1)"}

    def check(self, world, state, target):
        return np.where(target.size <= state.visa_rate[target.rows, target.side], 1, 0).astype(np.int8)


@entry
class LiftTravelLimit(MeasureSpec):
    kind, role, unit, severity = K.LIFT_TRAVEL_LIMIT, Role.HOST, Unit.NONE, 2.0
    group = KindGroup.CONCILIATORY
    summary = "lift the travel limit"
    ladder = 7
    offer = Offer.LIFT_LIMIT
    inverse = K.RESTRICT_TRAVEL
    reasons = {1: "there is no travel limit to lift at that date (allowed: after restrict_travel)"}

    def effect(self, world, state, measure, rows, size):
        state.travel_limit_km[rows, measure.target] = np.nan
        return 0, 0, 0.0

    def check(self, world, state, target):
        return np.where(np.isnan(state.travel_limit_km[target.rows, target.side]), 1, 0).astype(np.int8)


@entry
class RestoreBanking(SetsFlag):
    kind, role, severity = K.RESTORE_BANKING, Role.HOST, 3.0
    group = KindGroup.CONCILIATORY
    summary = "restore banking access"
    ladder = 6
    inverse = K.FREEZE_BANKING
    flag, value = "banking", True
    reasons = {1: "banking access is not frozen at that date (allowed: after freeze_banking)"}


@entry
class AllowLocalHires(SetsFlag):
    kind, role, severity = K.ALLOW_LOCAL_HIRES, Role.HOST, 3.0
    group = KindGroup.CONCILIATORY
    summary = "allow local hiring again"
    ladder = 5
    inverse = K.BAN_LOCAL_HIRES
    flag, value = "local_hiring", True
    reasons = {1: "local hiring is already allowed at that date (allowed: after ban_local_hires)"}


@entry
class AcceptAmbassador(SetsFlag):
    kind, role, severity = K.ACCEPT_AMBASSADOR, Role.HOST, 2.0
    group = KindGroup.CONCILIATORY
    summary = "accept an ambassador (grant agrement)"
    ladder = 8
    inverse = K.EXPEL_AMBASSADOR
    flag, value = "ambassador", True
    reasons = {
        1: "an ambassador is already in post at that date (allowed: after recall_ambassador or expel_ambassador)"
    }


@entry
class HoldTalks(MeasureSpec):
    kind, role, unit, severity = K.HOLD_TALKS, Role.JOINT, Unit.NONE, 1.0
    group = KindGroup.CONCILIATORY
    summary = "hold talks"
    ladder = 9
    offer = Offer.ALWAYS

    def effect(self, world, state, measure, rows, size):
        return 0, 0, 0.0
