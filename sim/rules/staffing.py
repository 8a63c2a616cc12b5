"""Moving people: the mechanics shared by the measures that remove, cap or relocate staff."""

from __future__ import annotations

import numpy as np

from sim.rules.allocation import allocate
from sim.rules.domain import Category, PostStatus, PropertyStatus
from sim.rules.state import NO_CAP, State, World


def _take_sent(staff: np.ndarray, n: np.ndarray, diplomats_first: bool) -> tuple[np.ndarray, np.ndarray]:
    """From staff[..., 3] take n sent staff: diplomats first (expulsions target diplomats), or in
    proportion to diplomats and support (a posting limit or a cut of one's own falls on both).
    Returns (diplomats, support) taken."""
    if diplomats_first:
        diplomats = np.minimum(n, staff[..., Category.DIPLOMATS])
    else:
        shape = staff.shape[:-1]
        flat = staff[..., :2].reshape(-1, 2)
        diplomats = allocate(flat, np.broadcast_to(n, shape).reshape(-1))[:, 0].reshape(shape)
    support = np.minimum(n - diplomats, staff[..., Category.SUPPORT])
    return diplomats, support


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
    sent staff. Returns the number removed per run."""
    n = np.asarray(n, dtype=np.int64)
    if post is not None:
        block = state.staff[rows, post, :]
        diplomats, support = _take_sent(block, n, diplomats_first)
        state.staff[rows, post, Category.DIPLOMATS] -= diplomats
        state.staff[rows, post, Category.SUPPORT] -= support
        return diplomats + support
    posts = world.posts_of(side)
    block = state.staff[np.ix_(rows, posts)]  # [R', Pm, 3]
    share = allocate(block[:, :, :2].sum(axis=2), n)
    diplomats, support = _take_sent(block, share, diplomats_first)
    block[:, :, Category.DIPLOMATS] -= diplomats
    block[:, :, Category.SUPPORT] -= support
    state.staff[np.ix_(rows, posts)] = block
    return (diplomats + support).sum(axis=1)


UNCAPPED = np.iinfo(np.int64).max // 4  # the room left where there is no cap


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
    share = allocate(block.reshape(len(rows), -1), np.asarray(n, dtype=np.int64)).reshape(block.shape)
    state.staff[cells] = block - share
    return share.sum(axis=(1, 2))


CUT_ORDER = (Category.LOCAL, Category.SUPPORT, Category.DIPLOMATS)


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
    block = state.staff[np.ix_(rows, posts)]
    present = block.sum(axis=(1, 2)) if scope is None else block[:, :, list(categories)].sum(axis=(1, 2))
    excess = np.maximum(present - np.asarray(ceiling, dtype=np.int64), 0)
    cut_total = np.zeros(len(rows), dtype=np.int64)
    for category in categories:
        counts = block[:, :, category]
        share = allocate(counts, np.minimum(excess, counts.sum(axis=1)))
        block[:, :, category] -= share
        taken = share.sum(axis=1)
        excess -= taken
        cut_total += taken
    state.staff[np.ix_(rows, posts)] = block
    return cut_total


def vacate_post(
    world: World,
    state: State,
    rows: np.ndarray,
    post: int,
    status: PostStatus,
    home: bool = False,
    keep_local: bool = False,
) -> np.ndarray:
    """A post stops being open: its sent staff move to the embassy (or, with `home`, go home; a
    body's always do), its local staff are let go (or, with `keep_local`, stay employed at the
    post), the properties it houses are vacated. Returns the number of people the side lost."""
    home = home or bool(world.body[post])
    side = int(world.post_owner[post])
    head = int(world.head_post[side])
    let_go = np.zeros(len(rows), dtype=np.int64) if keep_local else state.staff[rows, post, Category.LOCAL].copy()
    if home:
        let_go += state.staff[rows, post, :2].sum(axis=1)
    else:
        state.staff[rows, head, :2] += state.staff[rows, post, :2]
        # those drawn down from the post will come back, if at all, to the embassy
        state.drawn_down[rows, head] += state.drawn_down[rows, post]
    state.drawn_down[rows, post] = 0
    state.staff[rows, post, : 2 if keep_local else 3] = 0
    state.departure_carry[rows, post, :] = 0.0
    state.replacement_carry[rows, post, :] = 0.0
    state.post_status[rows, post] = status
    housed = np.flatnonzero(world.property_post == post)
    if len(housed):
        block = state.property_status[np.ix_(rows, housed)]
        state.property_status[np.ix_(rows, housed)] = np.where(
            block == PropertyStatus.SEIZED, block, PropertyStatus.VACATED
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


def room_under_cap(world: World, state: State, rows: np.ndarray | None, side: int) -> np.ndarray:
    """Places left under the cap per run (all runs when `rows` is None); very large when no cap."""
    if rows is None:
        cap = state.staff_cap[:, side]
        total = state.staff[:, world.mission(side), :].sum(axis=(1, 2))
    else:
        cap = state.staff_cap[rows, side]
        total = state.staff[np.ix_(rows, world.posts_of(side))].sum(axis=(1, 2))
    return np.where(cap == NO_CAP, UNCAPPED, np.maximum(cap - total, 0))


def scope_room(world: World, state: State, rows: np.ndarray | None, scope: int) -> np.ndarray:
    """Places left under one cap scope per run (all runs when `rows` is None)."""
    staff = state.staff if rows is None else state.staff[rows]
    cap = state.scoped_cap[:, scope] if rows is None else state.scoped_cap[rows, scope]
    count = (staff * world.scope_cells[scope][None]).sum(axis=(1, 2))
    return np.where(cap == NO_CAP, UNCAPPED, np.maximum(cap - count, 0))


def within_scoped_caps(world: World, state: State, side: int, wanted: np.ndarray, categories: list[int]) -> np.ndarray:
    """Arrivals wanted at a side's posts (int[R, posts of side, len(categories)]) cut, in
    proportion, to the room under each narrower cap that counts them; unchanged where none binds."""
    for scope in world.scopes_of(side):
        cells = world.scope_cells[scope][world.post_slice(side)][:, categories].reshape(-1)
        if not cells.any():
            continue
        flat = wanted.reshape(len(wanted), -1)
        room = scope_room(world, state, None, scope)
        binding = flat[:, cells].sum(axis=1) > room
        if binding.any():
            flat = flat.copy()
            inside = flat[binding][:, cells]
            block = flat[binding]
            block[:, cells] = allocate(inside, room[binding])
            flat[binding] = block
            wanted = flat.reshape(wanted.shape)
    return wanted


def room_for(world: World, state: State, rows: np.ndarray, side: int, post: int, category: int) -> np.ndarray:
    """Places left for one more person of `category` at `post` per run: under the mission's cap
    and every narrower cap that counts that post and category (a body is under the first only when
    a narrower cap names it)."""
    room = np.full(len(rows), UNCAPPED) if world.body[post] else room_under_cap(world, state, rows, side)
    for scope in world.scopes_of(side):
        if world.scope_cells[scope][post, category]:
            room = np.minimum(room, scope_room(world, state, rows, scope))
    return room
