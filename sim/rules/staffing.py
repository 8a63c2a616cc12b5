"""Moving people: the mechanics shared by the measures that remove, cap or relocate staff."""

from __future__ import annotations

import numpy as np

from sim.rules.allocation import allocate, allocate_cells
from sim.rules.compiled import kernel, pick
from sim.rules.domain import Category, PostStatus, PropertyStatus
from sim.rules.state import NO_CAP, State, World


@kernel(allocates=True)
def remove_sent_runs(staff, rows, posts, n, spread, diplomats_first, removed):
    """`remove_sent_staff` in each run of `rows`: n[i] sent staff leave run rows[i]'s `posts`, shared
    among the posts in proportion to their sent staff when `spread` (else `posts` is one post);
    at a post, diplomats first or in proportion to diplomats and support. Sets `removed`."""
    count = posts.shape[0]
    shares = np.empty(count, np.int64)
    every = np.ones(count, np.bool_)
    pair = np.empty(2, np.int64)
    both = np.ones(2, np.bool_)
    spare = np.empty(max(count, 2), np.int64)
    for i in range(rows.shape[0]):
        r = rows[i]
        for j in range(count):
            shares[j] = staff[r, posts[j], 0] + staff[r, posts[j], 1] if spread else n[i]
        if spread:
            allocate_cells(shares, every, n[i], spare)
        removed[i] = 0
        for j in range(count):
            p = posts[j]
            if diplomats_first:
                diplomats = min(shares[j], staff[r, p, 0])
            else:
                pair[0], pair[1] = staff[r, p, 0], staff[r, p, 1]
                allocate_cells(pair, both, shares[j], spare)
                diplomats = pair[0]
            support = min(shares[j] - diplomats, staff[r, p, 1])
            staff[r, p, 0] -= diplomats
            staff[r, p, 1] -= support
            removed[i] += diplomats + support


def remove_sent_staff(
    world: World,
    state: State,
    rows: np.ndarray,
    side: int,
    post: int | None,
    n: np.ndarray,
    diplomats_first: bool = True,
) -> np.ndarray:
    """Remove n sent staff from a post, or from all the mission's posts in proportion to their
    sent staff (expulsions take diplomats first; a posting limit or a cut of one's own falls on
    diplomats and support in proportion). Returns the number removed per run."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    n = np.ascontiguousarray(np.broadcast_to(np.asarray(n, dtype=np.int64), rows.shape))
    posts = np.ascontiguousarray(world.posts_of(side) if post is None else [post], dtype=np.int64)
    removed = np.empty(len(rows), dtype=np.int64)
    fn = pick(remove_sent_runs, len(rows))
    fn(state.staff, rows, posts, n, post is None, diplomats_first, removed)
    return removed


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


UNCAPPED = np.iinfo(np.int64).max // 4  # the room left where there is no cap
SEIZED, VACATED = int(PropertyStatus.SEIZED), int(PropertyStatus.VACATED)


def remove_from(
    world: World,
    state: State,
    rows: np.ndarray,
    side: int,
    post: int | None,
    n: np.ndarray,
    categories: list[int],
) -> np.ndarray:
    """Remove n staff of the given categories from a post, or from all the mission's posts, in
    proportion to each post's staff of each category. Returns the number removed per run."""
    posts = world.posts_of(side) if post is None else np.array([post])
    cells = np.ix_(rows, posts, categories)
    block = state.staff[cells]
    share = allocate(block.reshape(len(rows), -1), np.asarray(n, dtype=np.int64), runs=len(rows))
    share = share.reshape(block.shape)
    state.staff[cells] = block - share
    return share.sum(axis=(1, 2))


CUT_ORDER = (Category.LOCAL, Category.SUPPORT, Category.DIPLOMATS)


@kernel(allocates=True)
def cut_runs(staff, rows, posts, categories, ceiling, cut):
    """`cut_to_ceiling` in each run of `rows`: the staff of `categories` at `posts` brought down to
    ceiling[i], category by category in that order, each in proportion across the posts. Sets `cut`."""
    count = posts.shape[0]
    shares = np.empty(count, np.int64)
    every = np.ones(count, np.bool_)
    spare = np.empty(count, np.int64)
    for i in range(rows.shape[0]):
        r = rows[i]
        present = 0
        for j in range(count):
            for k in range(categories.shape[0]):
                present += staff[r, posts[j], categories[k]]
        excess = max(present - ceiling[i], 0)
        cut[i] = 0
        for k in range(categories.shape[0]):
            c = categories[k]
            for j in range(count):
                shares[j] = staff[r, posts[j], c]
            allocate_cells(shares, every, excess, spare)
            for j in range(count):
                staff[r, posts[j], c] -= shares[j]
                excess -= shares[j]
                cut[i] += shares[j]


def cut_to_ceiling(
    world: World, state: State, rows: np.ndarray, side: int, ceiling: np.ndarray, scope: int | None = None
) -> np.ndarray:
    """Bring a mission (or the posts and categories a cap scope counts) down to `ceiling`: local
    staff first, then support, then diplomats, each category cut in proportion across posts (the
    sending state chooses whom to cut; in 2017 the US cut mostly local employees). Returns the
    number cut per run."""
    posts = world.posts_of(side)
    categories = CUT_ORDER
    if scope is not None:
        counted = world.cap_scopes[scope]
        posts = posts if counted.posts is None else np.array(counted.posts)
        categories = tuple(c for c in CUT_ORDER if c in counted.categories)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    ceiling = np.ascontiguousarray(np.broadcast_to(np.asarray(ceiling, dtype=np.int64), rows.shape))
    cut = np.empty(len(rows), dtype=np.int64)
    order = np.array([int(c) for c in categories], dtype=np.int64)
    posts = np.ascontiguousarray(posts, dtype=np.int64)
    pick(cut_runs, len(rows))(state.staff, rows, posts, order, ceiling, cut)
    return cut


@kernel
def vacate_runs(staff, drawn_down, carries, post_status, property_status, rows, posts, moves, status, layout, let_go):
    """`vacate_post` in each run of `rows`, of its post posts[i]; `moves`: (whether sent staff go
    home, whether local staff stay); `layout`: which posts are bodies, whose each post is, each
    side's embassy, the post each property houses. Sets `let_go`."""
    home, keep_local = moves
    body, post_owner, head_post, property_post = layout
    departure_carry, replacement_carry = carries
    for i in range(rows.shape[0]):
        r = rows[i]
        post = posts[i]
        # a body's sent staff always go home
        head = -1 if home or body[post] else head_post[post_owner[post]]
        gone = 0 if keep_local else staff[r, post, 2]
        for c in range(2):
            if head < 0:
                gone += staff[r, post, c]
            else:
                staff[r, head, c] += staff[r, post, c]
                # those drawn down from the post will come back, if at all, to the embassy
                drawn_down[r, head, c] += drawn_down[r, post, c]
            drawn_down[r, post, c] = 0
            staff[r, post, c] = 0
            departure_carry[r, post, c] = 0.0
            replacement_carry[r, post, c] = 0.0
        if not keep_local:
            staff[r, post, 2] = 0
        post_status[r, post] = status
        for q in range(property_post.shape[0]):
            if property_post[q] == post and property_status[r, q] != SEIZED:
                property_status[r, q] = VACATED
        let_go[i] = gone


def vacate_post(
    world: World,
    state: State,
    rows: np.ndarray,
    post: int | np.ndarray,
    status: PostStatus,
    home: bool = False,
    keep_local: bool = False,
) -> np.ndarray:
    """A post (one for all runs, or one per run) stops being open: its sent staff move to the
    embassy (or, with `home`, go home; a body's always do), its local staff are let go (or, with
    `keep_local`, stay employed at the post), the properties it houses are vacated. Returns the
    number of people the side lost."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    posts = np.ascontiguousarray(np.broadcast_to(np.asarray(post, dtype=np.int64), rows.shape))
    let_go = np.empty(len(rows), dtype=np.int64)
    pick(vacate_runs, len(rows))(
        state.staff,
        state.drawn_down,
        (state.departure_carry, state.replacement_carry),
        state.post_status,
        state.property_status,
        rows,
        posts,
        (bool(home), bool(keep_local)),
        int(status),
        (world.body, world.post_owner, world.head_post, world.property_post),
        let_go,
    )
    return let_go


def occupy_post(world: World, state: State, rows: np.ndarray, post: int) -> None:
    """A post reopens: the properties it houses that stood vacated are in use again."""
    housed = np.flatnonzero(world.property_post == post)
    if len(housed):
        block = state.property_status[np.ix_(rows, housed)]
        state.property_status[np.ix_(rows, housed)] = np.where(
            block == PropertyStatus.VACATED, PropertyStatus.IN_USE, block
        )


@kernel(inline=True)
def mission_room(staff, r, side, lo, hi, body, staff_cap):
    """Places left under a side's cap in run `r` (posts lo..hi-1 are the side's; its bodies do not
    count); UNCAPPED when there is no cap."""
    cap = staff_cap[r, side]
    if cap == NO_CAP:
        return UNCAPPED
    total = 0
    for p in range(lo, hi):
        if not body[p]:
            total += staff[r, p, 0] + staff[r, p, 1] + staff[r, p, 2]
    return max(cap - total, 0)


@kernel(inline=True)
def scope_room_of(staff, r, scope, scope_cells, scoped_cap):
    """Places left under one cap scope in run `r`; UNCAPPED when it has no cap."""
    cap = scoped_cap[r, scope]
    if cap == NO_CAP:
        return UNCAPPED
    count = 0
    for p in range(staff.shape[1]):
        for c in range(3):
            if scope_cells[scope, p, c]:
                count += staff[r, p, c]
    return max(cap - count, 0)


@kernel
def rooms(staff, rows, side, lo, hi, body, staff_cap, scope, scope_cells, scoped_cap, out):
    """`mission_room` (scope < 0) or `scope_room_of` of each run in `rows`, into `out`."""
    for i in range(rows.shape[0]):
        if scope < 0:
            out[i] = mission_room(staff, rows[i], side, lo, hi, body, staff_cap)
        else:
            out[i] = scope_room_of(staff, rows[i], scope, scope_cells, scoped_cap)


def _rooms(world: World, state: State, rows: np.ndarray | None, side: int, scope: int) -> np.ndarray:
    rows = np.arange(state.runs) if rows is None else np.asarray(rows, dtype=np.int64)
    sl = world.post_slice(side)
    out = np.empty(len(rows), dtype=np.int64)
    fn = pick(rooms, len(rows))
    fn(
        state.staff,
        rows,
        side,
        sl.start,
        sl.stop,
        world.body,
        state.staff_cap,
        scope,
        world.scope_cells,
        state.scoped_cap,
        out,
    )
    return out


def room_under_cap(world: World, state: State, rows: np.ndarray | None, side: int) -> np.ndarray:
    """Places left under the cap per run (all runs when `rows` is None); very large when no cap."""
    return _rooms(world, state, rows, side, -1)


def scope_room(world: World, state: State, rows: np.ndarray | None, scope: int) -> np.ndarray:
    """Places left under one cap scope per run (all runs when `rows` is None)."""
    return _rooms(world, state, rows, world.cap_scopes[scope].side, scope)


def room_for(world: World, state: State, rows: np.ndarray, side: int, post: int, category: int) -> np.ndarray:
    """Places left for one more person of `category` at `post` per run: under the mission's cap
    and every narrower cap that counts that post and category (a body is under the first only when
    a narrower cap names it)."""
    room = np.full(len(rows), UNCAPPED) if world.body[post] else room_under_cap(world, state, rows, side)
    for scope in world.scopes_of(side):
        if world.scope_cells[scope][post, category]:
            room = np.minimum(room, scope_room(world, state, rows, scope))
    return room


@kernel(inline=True)
def admit(staff, r, wanted, asked, room, scratch, lo, ncat, side, scoped_cap, body, scope_cells, scope_side):
    """Arrivals at a side's posts in run `r`: `wanted` (int64[posts x ncat], post by post, the
    side's posts from `lo`, the first `ncat` categories; `asked` its sum) is cut in place, in
    proportion, to `room` (the room under the mission's cap, `mission_room`, which does not count
    its bodies) and then under each narrower cap of the side that counts some of its cells, and
    added to the staff. Returns the arrivals. `scratch`: (bool, int64) arrays of at least as many
    cells, room to work in."""
    mask, spare = scratch
    cells = wanted.shape[0]
    posts = cells // ncat  # cell i is post lo + i // ncat, category i % ncat: walked post by post
    if room != UNCAPPED and asked > room:  # else what the cap counts, at most `asked`, fits
        want = 0
        for q in range(posts):
            counts = not body[lo + q]
            for c in range(ncat):
                mask[q * ncat + c] = counts
                if counts:
                    want += wanted[q * ncat + c]
        if want > room:
            allocate_cells(wanted, mask, room, spare[:cells])
    for scope in range(scope_side.shape[0]):
        if scope_side[scope] != side or scoped_cap[r, scope] == NO_CAP:  # no cap: no cut
            continue
        counted = False
        want = 0
        for q in range(posts):
            for c in range(ncat):
                mask[q * ncat + c] = scope_cells[scope, lo + q, c]
                if mask[q * ncat + c]:
                    counted = True
                    want += wanted[q * ncat + c]
        if counted:
            room = scope_room_of(staff, r, scope, scope_cells, scoped_cap)
            if want > room:
                allocate_cells(wanted, mask, room, spare[:cells])
    arrived = 0
    for q in range(posts):
        for c in range(ncat):
            if wanted[q * ncat + c]:
                staff[r, lo + q, c] += wanted[q * ncat + c]
                arrived += wanted[q * ncat + c]
    return arrived
