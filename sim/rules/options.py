"""Which post or property a policy's measure would take, per run, as kernels (sim.rules.compiled).

The catalogue entries' `option`s call these: a choice among measures looks at a few thousand runs
many times a month, and a loop over the posts of one run at a time costs less than the numpy
calls that would work it out for all runs at once.
"""

from __future__ import annotations

import numpy as np

from sim.rules.compiled import kernel, pick
from sim.rules.domain import PostKind, PostStatus, PropertyStatus
from sim.rules.state import NONE, State, World

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
    staff, rows = state.source("staff")
    post_status, status_rows = state.source("post_status")
    if status_rows is not rows:  # one of them was copied for these runs: read both from copies
        staff, post_status, rows = state.staff, state.post_status, np.arange(state.runs)
    out = np.empty(len(rows), dtype=np.int64)
    posts = world.posts_of(side)
    pick(largest_open_runs, len(rows))(staff, post_status, rows, posts, world.post_kind, out)
    return out


def first_with(state: State, field: str, items: np.ndarray, value: int, equal: bool = True) -> np.ndarray:
    """Per run, the first of `items` (posts or properties) whose status in `field` is `value` (or,
    with `equal` false, is not), or NONE."""
    status, rows = state.source(field)
    out = np.empty(len(rows), dtype=np.int64)
    pick(first_with_runs, len(rows))(status, rows, items, value, equal, out)
    return out


def first_property(world: World, state: State, side: int, seized: bool) -> np.ndarray:
    """Per run, the first property of `side` that is seized (or, with seized=False, not), or NONE."""
    return first_with(state, "property_status", world.properties_of(side), SEIZED, equal=seized)
