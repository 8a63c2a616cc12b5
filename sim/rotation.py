"""Monthly rotation of sent staff, with replacement limited by the host's visas and the cap.

Sent staff (diplomats, support) serve tours of `tour_months`: each month a post loses
staff / tour_months of each sent category and the host grants visas to `visa_rate` of the
replacements. Fractions of a person are carried to the next month, so counts stay whole and the
rule is exact and deterministic: with a visa rate of 1 and no binding cap, rotation changes
nothing; a visa denial shrinks a mission slowly, as in 2020-2023. Local staff do not rotate.
"""

from __future__ import annotations

import numpy as np

from sim.allocation import allocate
from sim.domain import SENT
from sim.measures import room_under_cap
from sim.state import State, World


def rotate(world: World, state: State) -> np.ndarray:
    """Advance rotation one month for every run. Returns the net staff change, int[R, 2]."""
    runs = np.arange(state.runs)
    sent = list(SENT)
    tour = world.tour_months[world.post_owner]  # [P]
    staff = state.staff[:, :, sent]  # [R, P, 2]
    state.departure_carry += staff / tour[None, :, None]
    departures = np.floor(state.departure_carry).astype(np.int64)
    departures = np.minimum(departures, staff)
    state.departure_carry -= departures
    staff = staff - departures

    rate = state.visa_rate[:, world.post_owner]  # [R, P]
    state.replacement_carry += departures * rate[:, :, None]
    granted = np.floor(state.replacement_carry).astype(np.int64)
    state.replacement_carry -= granted
    state.staff[:, :, sent] = staff

    change = np.zeros((state.runs, 2), dtype=np.int64)
    for side in (0, 1):
        posts = world.posts_of(side)
        wanted = granted[:, posts, :]  # [R, Pm, 2]
        room = room_under_cap(world, state, runs, side)
        flat = wanted.reshape(len(runs), -1)
        allowed = allocate(flat, np.minimum(flat.sum(axis=1), room)).reshape(wanted.shape)
        state.staff[:, posts[:, None], np.array(sent)[None, :]] += allowed
        change[:, side] = allowed.sum(axis=(1, 2)) - departures[:, posts, :].sum(axis=(1, 2))
    return change
