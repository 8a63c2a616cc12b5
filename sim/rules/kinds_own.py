"""Catalogue entries of what a state does to its own mission: they change holdings but are not
aggression (severity 0), and a policy never takes them."""

from __future__ import annotations

import numpy as np

from sim.rules.domain import Category, PostStatus
from sim.rules.entries import MeasureKind, MeasureSpec, Role, Unit, entry
from sim.rules.groups import KindGroup
from sim.rules.kinds_hostile import ClosePost, RemovesSentStaff, SetsFlag
from sim.rules.staffing import room_for, vacate_post

K = MeasureKind


class OwnMeasure:
    role = Role.SELF
    severity = 0.0
    group = KindGroup.OWN_MISSION
    ladder = None  # a policy never takes these

    def severity_of(self, people: np.ndarray, rate_change: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(people), dtype=float)

    def option(self, world, state, target, magnitude, size_hint):
        return None


@entry
class SuspendPost(OwnMeasure, ClosePost):
    kind, unit = K.SUSPEND_POST, Unit.POST
    summary = "suspend one's own post"
    inverse = K.REOPEN_POST
    protects_un_missions = False
    from_statuses = (PostStatus.OPEN,)
    reasons = ClosePost.reasons | {3: "post '{post}' is already {status} at that date (allowed: an open post)"}

    def effect(self, world, state, measure, rows, size):
        return (
            0,
            -vacate_post(world, state, rows, measure.post, PostStatus.SUSPENDED, measure.home, measure.keep_local),
            0.0,
        )


@entry
class CutStaff(OwnMeasure, RemovesSentStaff):
    kind = K.CUT_STAFF
    summary = "withdraw some of one's own sent staff"
    inverse = K.ADD_STAFF


class AddsStaff(OwnMeasure, MeasureSpec):
    unit = Unit.PEOPLE
    category: Category
    reasons = {
        1: "post '{where}' is not open at that date (allowed: an open post)",
        2: "the host bans local hiring at that date (allowed: after allow_local_hires)",
    }

    def _post(self, world, side: int, post: np.ndarray | int | None) -> np.ndarray:
        head = int(world.head_post[side])
        if post is None:
            return np.asarray(head)
        return np.where(np.asarray(post) >= 0, post, head)

    def effect(self, world, state, measure, rows, size):
        side = measure.target
        post = int(self._post(world, side, measure.post))
        added = np.minimum(size.astype(np.int64), room_for(world, state, rows, side, post, self.category))
        state.staff[rows, post, self.category] += added
        return 0, added, 0.0

    def check(self, world, state, target):
        post = self._post(world, target.side, target.post)
        closed = state.post_status[target.rows, post] != PostStatus.OPEN
        return np.where(closed, 1, 0).astype(np.int8)

    def context(self, world, state, measure, run):
        post = int(self._post(world, measure.target, measure.post))
        return super().context(world, state, measure, run) | {"where": world.post_ids[post]}


@entry
class AddStaff(AddsStaff):
    kind = K.ADD_STAFF
    summary = "send new staff (within cap and visas granted)"
    inverse = K.CUT_STAFF
    category = Category.DIPLOMATS


@entry
class HireLocalStaff(AddsStaff):
    kind = K.HIRE_LOCAL_STAFF
    summary = "hire host nationals (if allowed, within cap)"
    category = Category.LOCAL

    def check(self, world, state, target):
        codes = super().check(world, state, target)
        banned = ~state.local_hiring[target.rows, target.side]
        return np.where((codes == 0) & banned, 2, codes).astype(np.int8)


@entry
class RecallAmbassador(OwnMeasure, SetsFlag):
    kind = K.RECALL_AMBASSADOR
    summary = "recall one's ambassador"
    inverse = K.APPOINT_AMBASSADOR
    flag, value = "ambassador", False
    reasons = {1: "there is no ambassador at that date (allowed: after appoint_ambassador or accept_ambassador)"}


@entry
class AppointAmbassador(OwnMeasure, SetsFlag):
    kind = K.APPOINT_AMBASSADOR
    summary = "appoint an ambassador"
    inverse = K.RECALL_AMBASSADOR
    flag, value = "ambassador", True
    reasons = {
        1: "an ambassador is already in post at that date (allowed: after recall_ambassador or expel_ambassador)"
    }
