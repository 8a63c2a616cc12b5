"""Catalogue entries of what a state does to its own mission: they change holdings but are not
aggression (severity 0), and a policy never takes them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.rules.allocation import allocate
from sim.rules.domain import SENT, Category, PostStatus
from sim.rules.entries import MeasureKind, MeasureSpec, Role, Unit, entry
from sim.rules.groups import KindGroup
from sim.rules.kinds_hostile import ClosePost, RemovesSentStaff, SetsFlag, removed_categories
from sim.rules.staffing import room_for

K = MeasureKind


class OwnMeasure:
    role = Role.SELF
    severity = 0.0
    group = KindGroup.OWN_MISSION
    ladder = None  # a policy never takes these
    offer = None

    def severity_of(self, people: np.ndarray, rate_change: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(people), dtype=float)


@entry
class SuspendPost(OwnMeasure, ClosePost):
    kind, unit = K.SUSPEND_POST, Unit.POST
    summary = "suspend one's own post"
    inverse = K.REOPEN_POST
    protects_un_missions = False
    from_statuses = (PostStatus.OPEN,)
    reasons = ClosePost.reasons | {3: "post '{post}' is already {status} at that date (allowed: an open post)"}
    leaves = PostStatus.SUSPENDED


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


@entry
class DrawDown(OwnMeasure, RemovesSentStaff):
    """An ordered departure: the people leave the country but stay on the mission's rolls
    (`State.drawn_down`) until `return_staff`. While away they are not present: no figure and no
    cap counts them, rotation does not touch them (their tours wait), and re-staffing does not
    replace them."""

    kind = K.DRAW_DOWN
    summary = "order some of one's own sent staff out of the country for a while (an evacuation)"
    inverse = K.RETURN_STAFF
    sent_only = True
    reasons = {1: "cannot draw down {count} {what}: {where} has {present} at that date (allowed: 1 to {present})"}

    def effect(self, world, state, measure, rows, size):
        before = state.staff[rows, :, :2].copy()
        people, change, rate = super().effect(world, state, measure, rows, size)
        state.drawn_down[rows] += before - state.staff[rows, :, :2]
        return people, change, rate


def _sent_words(categories) -> str:
    if categories is None or len(categories) == len(SENT):
        return "sent staff"
    return {Category.DIPLOMATS: "diplomats", Category.SUPPORT: "support staff"}[Category(categories[0])]


def _drawn_posts(world, side: int, post: int | None) -> np.ndarray:
    """The posts staff drawn down return to: the one named, or every post of the mission."""
    return world.posts_of(side) if post is None else np.array([post])


@entry
class ReturnStaff(OwnMeasure, MeasureSpec):
    """Staff drawn down come back to the posts they left, within every cap that counts them. They
    hold their accreditation, so the visa rate (which governs replacements) does not apply."""

    kind, unit = K.RETURN_STAFF, Unit.PEOPLE
    summary = "bring back staff drawn down (within caps)"
    inverse = K.DRAW_DOWN
    sent_only = True
    reasons = {
        1: "cannot return {count} {what}: {where} has {drawn} drawn down at that date"
        " (allowed: {allowed}, after draw_down)",
        2: "post '{post}' is not open at that date (allowed: an open post)",
    }

    def _drawn(self, world, state, rows, side, post, categories) -> np.ndarray:
        cats = removed_categories(categories)
        return state.drawn_down[np.ix_(rows, _drawn_posts(world, side, post), cats)]

    def effect(self, world, state, measure, rows, size):
        side, categories = measure.target, removed_categories(measure.categories)
        posts = _drawn_posts(world, side, measure.post)
        drawn = self._drawn(world, state, rows, side, measure.post, measure.categories)
        wanted = allocate(
            drawn.reshape(len(rows), -1), np.minimum(size.astype(np.int64), drawn.sum(axis=(1, 2))), runs=len(rows)
        )
        wanted = wanted.reshape(drawn.shape)
        back = np.zeros(len(rows), dtype=np.int64)
        for i, post in enumerate(posts):
            for j, category in enumerate(categories):
                came = np.minimum(wanted[:, i, j], room_for(world, state, rows, side, int(post), category))
                state.staff[rows, post, category] += came
                state.drawn_down[rows, post, category] -= came
                back += came
        return 0, back, 0.0

    def check(self, world, state, target):
        post = target.post[0] if len(target.post) and target.post[0] >= 0 else None
        drawn = self._drawn(world, state, target.rows, target.side, post, target.categories).sum(axis=(1, 2))
        codes = np.where((target.size < 1) | (target.size > drawn), 1, 0)
        if post is not None:
            codes = np.where(state.post_status[target.rows, post] != PostStatus.OPEN, 2, codes)
        return codes.astype(np.int8)

    def context(self, world, state, measure, run):
        drawn = int(self._drawn(world, state, np.array([run]), measure.target, measure.post, measure.categories).sum())
        where = f"post '{world.post_ids[measure.post]}'" if measure.post is not None else None
        return super().context(world, state, measure, run) | {
            "where": where or f"{world.sides[measure.target]}'s mission",
            "what": _sent_words(measure.categories),
            "drawn": drawn,
            "allowed": f"1 to {drawn}" if drawn else "none",
        }


@entry
class TransferStaff(OwnMeasure, MeasureSpec):
    """Sent staff move from one open post of the mission to another, within every cap that counts
    the post they move to; those a cap leaves no room for stay where they were."""

    kind, unit = K.TRANSFER_STAFF, Unit.PEOPLE
    summary = "move some of one's own sent staff from one post to another"
    sent_only = True
    between_posts = True
    diplomats_first = False  # as a cut of one's own: diplomats and support in proportion
    reasons = {
        1: "post '{origin}' is not open at that date (allowed: an open post to move staff from)",
        2: "post '{post}' is not open at that date (allowed: an open post to move staff to)",
        3: "staff would move from post '{post}' to itself (allowed: two different posts)",
        4: "cannot move {count} {what}: post '{origin}' has {present} at that date (allowed: 1 to {present})",
        5: "post '{where}' is a media bureau or cultural body (allowed: the mission's diplomatic posts)",
    }

    def effect(self, world, state, measure, rows, size):
        origin, post, side = measure.from_post, measure.post, measure.target
        categories = removed_categories(measure.categories)
        before = state.staff[rows, origin, :2].copy()
        RemovesSentStaff.effect(self, world, state, replace(measure, post=origin), rows, size)
        moved = before - state.staff[rows, origin, :2]
        for category in categories:
            came = np.minimum(moved[:, category], room_for(world, state, rows, side, post, category))
            state.staff[rows, post, category] += came
            state.staff[rows, origin, category] += moved[:, category] - came
        return 0, 0, 0.0

    def check(self, world, state, target):
        rows, origin, post = target.rows, int(target.from_post), int(target.post[0])
        present = state.staff[rows, origin][:, removed_categories(target.categories)].sum(axis=1)
        codes = np.where((target.size < 1) | (target.size > present), 4, 0)
        codes = np.where(origin == post, 3, codes)
        codes = np.where(state.post_status[rows, post] != PostStatus.OPEN, 2, codes)
        codes = np.where(state.post_status[rows, origin] != PostStatus.OPEN, 1, codes)
        body = world.body[origin] or world.body[post]
        return np.where(body, 5, codes).astype(np.int8)

    def context(self, world, state, measure, run):
        origin = measure.from_post
        body = origin if world.body[origin] else measure.post
        return super().context(world, state, measure, run) | {
            "origin": world.post_ids[origin],
            "present": int(state.staff[run, origin, removed_categories(measure.categories)].sum()),
            "what": _sent_words(measure.categories),
            "where": world.post_ids[body],
        }
