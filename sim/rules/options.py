"""Which post or property a policy's measure would take, per run, as kernels (sim.rules.compiled).

The catalogue entries' `option`s call these: a choice among measures looks at a few thousand runs
many times a month, and a loop over the posts of one run at a time costs less than the numpy
calls that would work it out for all runs at once.
"""

from __future__ import annotations

import numpy as np

from sim.rules.compiled import kernel, pick
from sim.rules.domain import PostKind, PostStatus, PropertyStatus
from sim.rules.state import NO_CAP, NONE, State, World

# plain numbers, as a kernel compares them
OPEN = int(PostStatus.OPEN)
EMBASSY, UN_MISSION = int(PostKind.EMBASSY), int(PostKind.UN_MISSION)
SEIZED = int(PropertyStatus.SEIZED)


@kernel
def largest_open_runs(staff, post_status, rows, posts, post_kind, out):
    """For run rows[i], into out[i]: the open post among `posts` with the most staff (the first of
    those with most) that is neither an embassy nor a UN mission, or NONE."""
    for i in range(rows.shape[0]):
        r = rows[i]
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
        out[i] = found


@kernel
def first_with_runs(status, rows, items, value, equal, out):
    """For run rows[i], into out[i]: the first of `items` whose status equals `value` (or, with
    `equal` false, does not), or NONE."""
    for i in range(rows.shape[0]):
        r = rows[i]
        out[i] = NONE
        for j in range(items.shape[0]):
            if (status[r, items[j]] == value) == equal:
                out[i] = items[j]
                break


def largest_open_post(world: World, state: State, side: int) -> np.ndarray:
    """Per run, the open post of `side` with the most staff that may be closed (not the embassy
    or a UN mission), or NONE."""
    (staff, post_status), rows = state.source("staff", "post_status")
    out = np.empty(len(rows), dtype=np.int64)
    posts = world.posts_of(side)
    pick(largest_open_runs, len(rows))(staff, post_status, rows, posts, world.post_kind, out)
    return out


def first_with(state: State, field: str, items: np.ndarray, value: int, equal: bool = True) -> np.ndarray:
    """Per run, the first of `items` (posts or properties) whose status in `field` is `value` (or,
    with `equal` false, is not), or NONE."""
    (status,), rows = state.source(field)
    out = np.empty(len(rows), dtype=np.int64)
    pick(first_with_runs, len(rows))(status, rows, items, value, equal, out)
    return out


def first_property(world: World, state: State, side: int, seized: bool) -> np.ndarray:
    """Per run, the first property of `side` that is seized (or, with seized=False, not), or NONE."""
    return first_with(state, "property_status", world.properties_of(side), SEIZED, equal=seized)


@kernel(inline=True)
def cap_refusal(cap, size):
    """The refusal code of a cap of `size` where the cap is `cap` (NO_CAP: none): 1 when it would
    not lower the cap, else 0."""
    return 1 if cap != NO_CAP and size >= cap else 0


@kernel
def cap_refusals(caps, sizes, out):
    """`cap_refusal` of each cap and size, into `out`."""
    for i in range(caps.shape[0]):
        out[i] = cap_refusal(caps[i], sizes[i])


def refusals_of_caps(caps: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """`cap_refusal` of new caps of `sizes` on the current `caps`, int8 codes."""
    out = np.empty(len(caps), dtype=np.int8)
    caps = np.ascontiguousarray(caps, dtype=np.int64)
    pick(cap_refusals, len(caps))(caps, np.ascontiguousarray(sizes, dtype=np.float64), out)
    return out


@kernel
def cap_options(totals, staff_cap, rows, side, people, size_hint, ceiling, feasible, cut):
    """For run rows[i], whose side has totals[i] staff: a cap on `side`'s mission at size_hint[i],
    or, where that is nan, people[i] below its staff (not below 0), into ceiling[i]; whether it
    cuts someone and lowers the current cap, into feasible[i]; how many it cuts, into cut[i]."""
    for i in range(rows.shape[0]):
        total = totals[i]
        cap = size_hint[i]
        if cap != cap:
            cap = total - people[i]
        if cap < 0.0:
            cap = 0.0
        ceiling[i] = cap
        feasible[i] = cap < total and cap_refusal(staff_cap[rows[i], side], cap) == 0
        cut[i] = total - cap if total - cap > 0.0 else 0.0


def cap_option(
    world: World, state: State, side: int, people: np.ndarray, size_hint: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per run, the cap on `side`'s whole mission a policy would set (`cap_options`), whether it
    can, and how many people it cuts."""
    totals = state.staff_total(world, side)
    (staff_cap,), rows = state.source("staff_cap")
    runs = len(rows)
    ceiling, feasible, cut = np.empty(runs), np.empty(runs, dtype=bool), np.empty(runs)
    pick(cap_options, runs)(
        totals,
        staff_cap,
        rows,
        side,
        np.ascontiguousarray(np.broadcast_to(np.asarray(people, dtype=np.float64), (runs,))),
        np.ascontiguousarray(size_hint, dtype=np.float64),
        ceiling,
        feasible,
        cut,
    )
    return ceiling, feasible, cut
