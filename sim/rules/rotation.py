"""Monthly rotation of sent staff, replacement limited by the host's visas and the cap, and re-staffing.

Sent staff (diplomats, support) serve tours of `tour_months`: each month a post loses
staff / tour_months of each sent category and the host grants visas to `visa_rate` of the
replacements. Fractions of a person are carried to the next month, so counts stay whole and the
rule is exact and deterministic: with a visa rate of 1 and no binding cap, rotation changes
nothing; a visa denial shrinks a mission slowly, as in 2020-2023. Local staff do not rotate.
"""

from __future__ import annotations

import numpy as np

from sim.rules.allocation import allocate
from sim.rules.domain import SENT, Category, PostStatus
from sim.rules.staffing import room_under_cap, within_scoped_caps
from sim.rules.state import State, World


def _within_cap(world: World, state: State, side: int, wanted: np.ndarray) -> np.ndarray:
    """Arrivals wanted per run and post cell (int[R, ...]) cut to the room under the cap, in
    proportion, where the cap binds; untouched elsewhere."""
    flat = wanted.reshape(len(wanted), -1)
    room = room_under_cap(world, state, None, side)
    body = world.body[world.post_slice(side)]
    if body.any():
        # the mission's cap does not count its bodies
        cells = np.repeat(~body, wanted.shape[2])
        binding = flat[:, cells].sum(axis=1) > room
        if binding.any():
            flat = flat.copy()
            block = flat[binding]
            block[:, cells] = allocate(block[:, cells], room[binding])
            flat[binding] = block
        return flat.reshape(wanted.shape)
    binding = flat.sum(axis=1) > room
    if binding.any():
        flat = flat.copy()
        flat[binding] = allocate(flat[binding], room[binding])
    return flat.reshape(wanted.shape)


def tours(
    world: World, runs: int, drawn: tuple[float | np.ndarray, float | np.ndarray] = (np.nan, np.nan)
) -> np.ndarray:
    """Each run's tour of each side's sent staff, float[R, 2]: `drawn` (one for all runs, or one per
    run) where it is a number, the scenario's `tour_months` where it is nan."""
    out = np.empty((runs, 2))
    for side in (0, 1):
        out[:, side] = np.where(np.isnan(drawn[side]), world.tour_months[side], drawn[side])
    return out


def rotate(world: World, state: State, tour: np.ndarray | None = None) -> np.ndarray:
    """Advance rotation one month for every run; `tour`: each run's tours, float[R, 2] (`tours`;
    default the scenario's). Returns the net staff change, int[R, 2]."""
    if tour is None:
        tour = tours(world, state.runs)
    staff = state.staff[:, :, :2]  # a view: [R, P, 2] of the sent categories
    state.departure_carry += staff / tour[:, world.post_owner][:, :, None]
    departures = np.minimum(np.floor(state.departure_carry).astype(np.int64), staff)
    state.departure_carry -= departures
    staff -= departures

    rate = state.visa_rate[:, world.post_owner]  # [R, P]
    state.replacement_carry += departures * rate[:, :, None]
    granted = np.floor(state.replacement_carry).astype(np.int64)
    state.replacement_carry -= granted

    change = np.zeros((state.runs, 2), dtype=np.int64)
    for side in (0, 1):
        sl = world.post_slice(side)
        allowed = _within_cap(world, state, side, granted[:, sl, :])
        allowed = within_scoped_caps(world, state, side, allowed, list(SENT))
        staff[:, sl, :] += allowed
        change[:, side] = allowed.sum(axis=(1, 2)) - departures[:, sl, :].sum(axis=(1, 2))
    return change


def restaff(
    world: World,
    state: State,
    establishment: np.ndarray,
    sides: tuple[int, ...],
    rehire_months: tuple[float | np.ndarray, float | np.ndarray] = (12.0, 12.0),
    tour: np.ndarray | None = None,
) -> np.ndarray:
    """Rebuild missions toward their `establishment` (int[P, 3], the staff at the start) where the
    host allows: at open posts only, sent staff at gap / tour_months a month times the visa rate,
    local staff at gap / rehire_months a month where local hiring is allowed, all within the cap. Fractions
    are carried. Used when policies act, never in a pure replay. Returns arrivals, int[R, 2]."""
    arrivals = np.zeros((state.runs, 2), dtype=np.int64)
    if tour is None:
        tour = tours(world, state.runs)
    for side in sides:
        sl = world.post_slice(side)
        gap = establishment[None, sl, :] - state.staff[:, sl, :]
        gap[:, :, :2] -= state.drawn_down[:, sl, :]  # staff drawn down are still the mission's: no new hires for them
        gap = np.maximum(gap, 0).astype(float)
        gap *= (state.post_status[:, sl] == PostStatus.OPEN)[:, :, None]
        pace = np.empty((state.runs, 3))  # each run's share of a gap filled a month
        pace[:, list(SENT)] = 1.0 / tour[:, side, None]
        pace[:, Category.LOCAL] = 1.0 / np.asarray(rehire_months[side], dtype=float)
        rate = np.empty((state.runs, 3))
        rate[:, :2] = state.visa_rate[:, side, None]
        rate[:, 2] = state.local_hiring[:, side]
        carry = state.restaff_carry[:, sl, :] + gap * pace[:, None, :] * rate[:, None, :]
        wanted = np.minimum(np.floor(carry).astype(np.int64), gap.astype(np.int64))
        state.restaff_carry[:, sl, :] = np.where(gap > 0, carry - wanted, 0.0)
        allowed = _within_cap(world, state, side, wanted)
        allowed = within_scoped_caps(world, state, side, allowed, [0, 1, 2])
        state.staff[:, sl, :] += allowed
        arrivals[:, side] = allowed.sum(axis=(1, 2))
    return arrivals
