"""Monthly rotation of sent staff, replacement limited by the host's visas and the cap, and re-staffing.

Sent staff (diplomats, support) serve tours of `tour_months`: each month a post loses
staff / tour_months of each sent category and the host grants visas to `visa_rate` of the
replacements. Fractions of a person are carried to the next month, so counts stay whole and the
rule is exact and deterministic: with a visa rate of 1 and no binding cap, rotation changes
nothing; a visa denial shrinks a mission slowly, as in 2020-2023. Local staff do not rotate.
"""

from __future__ import annotations

from math import floor

import numpy as np

from sim.errors import CapacityError
from sim.rules.compiled import kernel, pick
from sim.rules.domain import PostStatus
from sim.rules.staffing import UNCAPPED, admit, mission_room
from sim.rules.state import NO_CAP, STAFF_LIMIT, State, World


def tours(
    world: World, runs: int, drawn: tuple[float | np.ndarray, float | np.ndarray] = (np.nan, np.nan)
) -> np.ndarray:
    """Each run's tour of each side's sent staff, float[R, 2]: `drawn` (one for all runs, or one per
    run) where it is a number, the scenario's `tour_months` where it is nan."""
    out = np.empty((runs, 2))
    for side in (0, 1):
        out[:, side] = np.where(np.isnan(drawn[side]), world.tour_months[side], drawn[side])
    return out


@kernel
def rotate_runs(
    staff,
    drawn_down,
    departure_carry,
    replacement_carry,
    visa_rate,
    staff_cap,
    scoped_cap,
    tour,
    world_arrays,
    change,
    scratch,
):
    """One month of rotation in every run (`rotate`); `change`: int64[R, 2], set to the net change;
    `scratch`: room to work in (`scratch_for`). A side's arrivals depend only on its own posts, so
    each side rotates and then admits in turn. Returns the most staff any side holds, counting
    those it has drawn down."""
    post_owner, body, scope_cells, scope_side, bounds = world_arrays
    wanted, mask, spare = scratch
    most = 0
    for r in range(staff.shape[0]):
        for side in range(2):
            lo, hi = bounds[side, 0], bounds[side, 1]
            months, visas = tour[r, side], visa_rate[r, side]
            left = 0
            held = 0  # the side's staff after departures, with those it has drawn down
            counted = 0  # the staff its cap counts after departures (`mission_room`)
            asked = 0
            i = 0  # the cell of post p and category c in `wanted`
            for p in range(lo, hi):
                kept = staff[r, p, 2]  # the post's staff after departures
                for c in range(2):
                    present = staff[r, p, c]
                    wanted[i] = 0
                    i += 1
                    # Both carries stay below one, so where nobody is present nothing changes, and
                    # where nobody leaves only the departure carry grows.
                    if present == 0:
                        continue
                    carry = departure_carry[r, p, c] + present / months
                    if carry < 1.0:
                        departure_carry[r, p, c] = carry
                        kept += present
                        continue
                    leaving = min(floor(carry), present)
                    departure_carry[r, p, c] = carry - leaving
                    staff[r, p, c] = present - leaving
                    left += leaving
                    kept += present - leaving
                    carry = replacement_carry[r, p, c] + leaving * visas
                    granted = floor(carry)
                    replacement_carry[r, p, c] = carry - granted
                    wanted[i - 1] = granted
                    asked += granted
                held += kept + drawn_down[r, p, 0] + drawn_down[r, p, 1]
                if not body[p]:
                    counted += kept
            cells = wanted[: (hi - lo) * 2]
            arrived = 0  # nobody to admit: the caps do not matter
            if asked:
                cap = staff_cap[r, side]
                room = UNCAPPED if cap == NO_CAP else max(cap - counted, 0)
                arrived = admit(
                    staff, r, cells, asked, room, (mask, spare), lo, 2, side, scoped_cap, body, scope_cells, scope_side
                )
            change[r, side] += arrived - left
            most = max(most, held + arrived)
    return most


def rotate(world: World, state: State, tour: np.ndarray | None = None, runs_kernel=None) -> np.ndarray:
    """Advance rotation one month for every run; `tour`: each run's tours, float[R, 2] (`tours`;
    default the scenario's); `runs_kernel`: `rotate_runs` as `pick` chose it for these runs, when
    the caller keeps it. Returns the net staff change, int[R, 2]."""
    if tour is None:
        tour = tours(world, state.runs)
    change = np.zeros((state.runs, 2), dtype=np.int64)
    most = (runs_kernel or pick(rotate_runs, state.runs))(
        state.staff,
        state.drawn_down,
        state.departure_carry,
        state.replacement_carry,
        state.visa_rate,
        state.staff_cap,
        state.scoped_cap,
        np.ascontiguousarray(tour, dtype=np.float64),
        world.kernel_arrays,
        change,
        scratch_for(state.staff.shape[1] * 3),
    )
    if most > STAFF_LIMIT:
        raise CapacityError(
            f"a mission grew to {most:,} staff, more than the {STAFF_LIMIT:,} a run can count "
            "(staff are counted in 32 bits); shorten the horizon or lower the sizes that add staff"
        )
    return change


@kernel
def restaff_runs(
    staff,
    restaff_carry,
    drawn_down,
    post_status,
    visa_rate,
    local_hiring,
    staff_cap,
    scoped_cap,
    establishment,
    tour,
    rehire,
    side,
    world_arrays,
    arrivals,
    scratch,
):
    """One month of re-staffing of one side in every run (`restaff`); `rehire`: float[R];
    `scratch`: room to work in (`scratch_for`)."""
    post_owner, body, scope_cells, scope_side, bounds = world_arrays
    lo, hi = bounds[side, 0], bounds[side, 1]
    whole, mask, spare = scratch
    wanted = whole[: (hi - lo) * 3]
    for r in range(staff.shape[0]):
        sent, visas = 1.0 / tour[r, side], visa_rate[r, side]
        local, hiring = 1.0 / rehire[r], 1.0 if local_hiring[r, side] else 0.0
        asked = 0
        for p in range(lo, hi):
            is_open = post_status[r, p] == OPEN
            for c in range(3):
                short = establishment[p, c] - staff[r, p, c]
                if c < 2:
                    short -= drawn_down[r, p, c]  # staff drawn down are still the mission's: no new hires for them
                if short <= 0 or not is_open:  # nothing to hire: the carry lapses
                    restaff_carry[r, p, c] = 0.0
                    wanted[(p - lo) * 3 + c] = 0
                    continue
                gap = float(short)
                if c < 2:
                    carry = restaff_carry[r, p, c] + gap * sent * visas
                else:
                    carry = restaff_carry[r, p, c] + gap * local * hiring
                hired = min(floor(carry), short)
                restaff_carry[r, p, c] = carry - hired
                wanted[(p - lo) * 3 + c] = hired
                asked += hired
        if asked:  # else nobody to admit: the caps do not matter
            room = mission_room(staff, r, side, lo, hi, body, staff_cap)
            arrivals[r, side] = admit(
                staff, r, wanted, asked, room, (mask, spare), lo, 3, side, scoped_cap, body, scope_cells, scope_side
            )


def scratch_for(cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Room a rotation or re-staffing kernel works in, for `cells` cells of posts and categories:
    the arrivals wanted, a mask and a spare row (`admit`)."""
    return np.zeros(cells, np.int64), np.zeros(cells, np.bool_), np.zeros(cells, np.int64)


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
    tour = np.ascontiguousarray(tour, dtype=np.float64)
    establishment = np.ascontiguousarray(establishment, dtype=np.int64)
    run = pick(restaff_runs, state.runs)
    scratch = scratch_for(state.staff.shape[1] * 3)
    for side in sides:
        rehire = np.ascontiguousarray(np.broadcast_to(np.asarray(rehire_months[side], dtype=np.float64), (state.runs,)))
        run(
            state.staff,
            state.restaff_carry,
            state.drawn_down,
            state.post_status,
            state.visa_rate,
            state.local_hiring,
            state.staff_cap,
            state.scoped_cap,
            establishment,
            tour,
            rehire,
            side,
            world.kernel_arrays,
            arrivals,
            scratch,
        )
    return arrivals


OPEN = int(PostStatus.OPEN)
