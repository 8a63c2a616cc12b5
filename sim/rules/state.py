"""The world's fixed layout and its changing state, as numpy arrays with a leading run axis.

Side `i` owns mission `i`, which sits in the other side's country: the other side is its host.
Posts and properties of both missions are numbered together; `post_owner` and `property_owner`
say whose each one is. One layout serves any number of runs: the Mesa model holds one run, the
batched engine many.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.rules.compiled import kernel, pick
from sim.rules.domain import BODIES, Category, NoticeScope, PostKind, PostStatus, PropertyStatus

NO_CAP = -1  # staff_cap value meaning "no cap"
NONE = -1  # no post, property or kind
# Staff are counted in 32 bits. Rotation checks every month that no side holds, with the staff it
# has drawn down, more than STAFF_LIMIT (`rotate`): a side can gain at most a few times
# sim.files.validation.MAX_MISSION people in a month, far less than the 2**31 - STAFF_LIMIT left,
# so no count can wrap before the check sees it.
STAFF = np.int32
STAFF_LIMIT = 2**30
ALL_CATEGORIES = (Category.DIPLOMATS, Category.SUPPORT, Category.LOCAL)


@dataclass(frozen=True)
class CapScope:
    """What a cap narrower than the whole mission counts: one side's staff at some posts or bodies
    (or at all its posts, `posts` None) in some categories."""

    side: int
    posts: tuple[int, ...] | None
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class World:
    """What does not change during a run: who owns which post and property, tour lengths."""

    sides: tuple[str, str]
    post_ids: tuple[str, ...]
    post_owner: np.ndarray  # int[P]
    post_kind: np.ndarray  # int[P] PostKind
    head_post: np.ndarray  # int[2]: the embassy of each mission
    property_ids: tuple[str, ...]
    property_owner: np.ndarray  # int[Q]
    tour_months: np.ndarray  # float[2]
    # Caps on one post or on some categories, each counted apart from the mission's `staff_cap`;
    # a scenario names them in its events (`Scenario.world`).
    cap_scopes: tuple[CapScope, ...] = ()
    # The post each property houses (-1: none named); closing or suspending it vacates the property.
    property_post: np.ndarray | None = None  # int[Q]

    def __post_init__(self) -> None:
        if self.property_post is None:
            object.__setattr__(self, "property_post", np.full(len(self.property_ids), -1, dtype=np.int64))
        # Posts and properties are numbered mission by mission, so each side's are one slice.
        for owner in (self.post_owner, self.property_owner):
            if len(owner) and np.any(np.diff(owner) < 0):
                raise ValueError("posts and properties must be numbered side by side")
        slices = []
        for side in (0, 1):
            where = np.flatnonzero(self.post_owner == side)
            slices.append(slice(int(where[0]), int(where[-1]) + 1))
        object.__setattr__(self, "_post_slices", tuple(slices))
        body = np.isin(self.post_kind, [int(k) for k in BODIES])
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "_every_post", tuple(np.arange(sl.start, sl.stop) for sl in slices))
        object.__setattr__(self, "_posts", tuple(np.flatnonzero((self.post_owner == s) & ~body) for s in (0, 1)))
        # The mission's posts as an index: its slice when it has no bodies (the common case, cheaper).
        object.__setattr__(
            self, "_mission", tuple(sl if not body[sl].any() else self._posts[s] for s, sl in enumerate(slices))
        )
        object.__setattr__(self, "_properties", tuple(np.flatnonzero(self.property_owner == s) for s in (0, 1)))
        # which side's mission each post counts in (bodies in neither), and whose each property is: int[P|Q, 2]
        mission = np.zeros((len(self.post_ids), 2), dtype=np.int64)
        owns = np.zeros((len(self.property_ids), 2), dtype=np.int64)
        for side in (0, 1):
            mission[self._posts[side], side] = 1
            owns[self._properties[side], side] = 1
        object.__setattr__(self, "mission_posts", mission)
        object.__setattr__(self, "side_properties", owns)
        cells = np.zeros((len(self.cap_scopes), len(self.post_ids), len(ALL_CATEGORIES)), dtype=bool)
        for index, scope in enumerate(self.cap_scopes):
            posts = self.posts_of(scope.side) if scope.posts is None else list(scope.posts)
            cells[np.ix_([index], posts, list(scope.categories))] = True
        object.__setattr__(self, "scope_cells", cells)
        # the layout as the kernels read it (sim.rules.compiled): numbers and arrays only
        object.__setattr__(
            self,
            "kernel_arrays",
            (
                np.ascontiguousarray(self.post_owner, dtype=np.int64),
                np.ascontiguousarray(body),
                np.ascontiguousarray(cells),
                np.array([scope.side for scope in self.cap_scopes], dtype=np.int64),
                np.array([[sl.start, sl.stop] for sl in slices], dtype=np.int64),
            ),
        )

    def scope_index(
        self, side: int, posts: tuple[int, ...] | None, categories: tuple[Category, ...] | None
    ) -> int | None:
        """The index of the cap scope of a measure, or None for the whole mission's cap."""
        scope = cap_scope(side, posts, categories)
        return None if scope is None else self.cap_scopes.index(scope)

    def scopes_of(self, side: int) -> list[int]:
        return [i for i, scope in enumerate(self.cap_scopes) if scope.side == side]

    def side_index(self, code: str) -> int:
        return self.sides.index(code)

    def post_slice(self, side: int) -> slice:
        return self._post_slices[side]

    def posts_of(self, side: int) -> np.ndarray:
        """The posts of a side's mission, without its bodies."""
        return self._posts[side]

    def every_post_of(self, side: int) -> np.ndarray:
        """The posts and bodies of a side."""
        return self._every_post[side]

    def mission(self, side: int) -> slice | np.ndarray:
        """The posts of a side's mission as an index of the post axis."""
        return self._mission[side]

    def properties_of(self, side: int) -> np.ndarray:
        return self._properties[side]

    def is_un_mission(self, post: int) -> bool:
        return int(self.post_kind[post]) == PostKind.UN_MISSION


def cap_scope(side: int, posts: tuple[int, ...] | None, categories: tuple[Category, ...] | None) -> CapScope | None:
    """The scope a cap on these posts and categories counts; None when it counts the whole mission."""
    categories = ALL_CATEGORIES if categories is None else tuple(sorted(categories))
    if posts is None and categories == ALL_CATEGORIES:
        return None
    return CapScope(side, None if posts is None else tuple(sorted(posts)), categories)


@kernel
def mission_sums(staff, rows, lo, hi, body, out):
    """The staff by category of run rows[i] at posts lo..hi-1 that are not bodies, into out[i]
    (int64[len(rows), 3])."""
    for i in range(rows.shape[0]):
        r = rows[i]
        for c in range(3):
            out[i, c] = 0
        for p in range(lo, hi):
            if not body[p]:
                for c in range(3):
                    out[i, c] += staff[r, p, c]


def mission_staff_of(world: World, staff: np.ndarray, rows: np.ndarray, side: int) -> np.ndarray:
    """`State.mission_staff` of the runs `rows` of `staff`: int[len(rows), 3]."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    out = np.empty((len(rows), 3), dtype=np.int64)
    bounds = world.kernel_arrays[4]
    pick(mission_sums, len(rows))(staff, rows, bounds[side, 0], bounds[side, 1], world.body, out)
    return out


@dataclass
class State:
    """Holdings and conditions of both missions in every run (leading axis: run)."""

    staff: np.ndarray  # int32[R, P, 3] by Category (STAFF)
    post_status: np.ndarray  # int8[R, P] PostStatus
    property_status: np.ndarray  # int8[R, Q] PropertyStatus
    staff_cap: np.ndarray  # int64[R, 2], NO_CAP for none
    visa_rate: np.ndarray  # float64[R, 2]
    travel_limit_km: np.ndarray  # float64[R, 2], nan for none
    banking: np.ndarray  # bool[R, 2]
    local_hiring: np.ndarray  # bool[R, 2]
    ambassador: np.ndarray  # bool[R, 2]
    # Fractions of a person carried from month to month by rotation, per post and sent category.
    departure_carry: np.ndarray = field(default=None)  # float64[R, P, 2]
    replacement_carry: np.ndarray = field(default=None)  # float64[R, P, 2]
    restaff_carry: np.ndarray = field(default=None)  # float64[R, P, 3]
    scoped_cap: np.ndarray = field(default=None)  # int64[R, S]: the cap of each of World.cap_scopes, NO_CAP for none
    # Rules with a size the host sets on a mission (sim.rules.kinds_rules), by side:
    notice_days: np.ndarray = field(default=None)  # float64[R, 2, scope] days of notice (NoticeScope), nan: none
    notice_approval: np.ndarray = field(default=None)  # bool[R, 2, scope]: the host must approve, not only be told
    visa_term_days: np.ndarray = field(default=None)  # float64[R, 2] visa term set by the host, nan: none set
    disclosed: np.ndarray = field(default=None)  # int64[R, 2] people or items the host has ordered disclosed
    designated_outlets: np.ndarray = field(default=None)  # int64[R, 2] outlets designated foreign missions
    # Sent staff out of the country on an ordered departure (`draw_down`), by post and sent category,
    # until `return_staff` brings them back: not present, so no figure or cap counts them.
    drawn_down: np.ndarray = field(default=None)  # int32[R, P, 2] (STAFF)

    def __post_init__(self) -> None:
        runs = self.staff.shape[0]
        if self.notice_days is None:
            self.notice_days = np.full((runs, 2, len(NoticeScope)), np.nan)
        if self.notice_approval is None:
            self.notice_approval = np.zeros((runs, 2, len(NoticeScope)), dtype=bool)
        if self.visa_term_days is None:
            self.visa_term_days = np.full((runs, 2), np.nan)
        if self.disclosed is None:
            self.disclosed = np.zeros((runs, 2), dtype=np.int64)
        if self.designated_outlets is None:
            self.designated_outlets = np.zeros((runs, 2), dtype=np.int64)
        if self.scoped_cap is None:
            self.scoped_cap = np.zeros((self.staff.shape[0], 0), dtype=np.int64)
        shape = self.staff.shape[:2] + (2,)
        if self.departure_carry is None:
            self.departure_carry = np.zeros(shape)
        if self.replacement_carry is None:
            self.replacement_carry = np.zeros(shape)
        if self.restaff_carry is None:
            self.restaff_carry = np.zeros(self.staff.shape, dtype=float)
        if self.drawn_down is None:
            self.drawn_down = np.zeros(shape, dtype=STAFF)
        self.staff = np.asarray(self.staff, dtype=STAFF)
        self.drawn_down = np.asarray(self.drawn_down, dtype=STAFF)

    @property
    def runs(self) -> int:
        return self.staff.shape[0]

    def take(self, rows: np.ndarray) -> State:
        """A copy of some runs."""
        return State(**{name: value.take(rows, axis=0) for name, value in vars(self).items()})

    def look(self, rows: np.ndarray) -> Look:
        """Some runs, for a look that ends before this state changes again (a choice among
        measures, a measure tried on a copy): each field is copied when first read."""
        return Look(self, rows)

    def repeat(self, runs: int) -> State:
        """This (single-run) state repeated along the run axis."""
        return State(**{name: np.repeat(value[:1], runs, axis=0) for name, value in vars(self).items()})

    def mission_staff(self, world: World, side: int) -> np.ndarray:
        """Staff of a side's mission by category, summed over its posts (not its bodies): int[R, 3]."""
        return mission_staff_of(world, self.staff, np.arange(self.runs), side)

    def staff_total(self, world: World, side: int) -> np.ndarray:
        """A side's mission staff, int[R] (numpy's sum along a short last axis is slow: added by hand)."""
        by_category = self.mission_staff(world, side)
        return by_category[:, 0] + by_category[:, 1] + by_category[:, 2]

    def source(self, *names: str) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Some fields and, per run, its row in them: what a kernel reads these runs' numbers from."""
        return tuple(getattr(self, name) for name in names), np.arange(self.runs)


class Look:
    """Some runs of a `State` (`State.look`), each field copied from it when first read, so a look
    that reads a few fields of many runs copies only those."""

    def __init__(self, state: State, rows: np.ndarray):
        self._state, self._rows = state, rows

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_") or name not in State.__dataclass_fields__:
            raise AttributeError(name)
        # take, not fancy indexing: several times faster along the first axis of a 2-D or 3-D array
        value = getattr(self._state, name).take(self._rows, axis=0)
        setattr(self, name, value)
        return value

    @property
    def runs(self) -> int:
        return len(self._rows)

    def mission_staff(self, world: World, side: int) -> np.ndarray:
        """`State.mission_staff` of these runs, summed where they are (staff is not copied for it),
        once for each side while the staff are not copied (a choice among measures asks for it for
        several kinds); read-only."""
        if "staff" in self.__dict__:  # copied: perhaps changed by a measure tried on it
            return mission_staff_of(world, self.staff, np.arange(self.runs), side)
        sums = self.__dict__.setdefault("_sums", {})
        if side not in sums:
            sums[side] = mission_staff_of(world, self._state.staff, self._rows, side)
            sums[side].flags.writeable = False
        return sums[side]

    staff_total = State.staff_total

    def source(self, *names: str) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """`State.source`: the state's own fields with these runs' rows, unless one was copied
        (then copies of them all)."""
        if any(name in self.__dict__ for name in names):
            return tuple(getattr(self, name) for name in names), np.arange(self.runs)
        return tuple(getattr(self._state, name) for name in names), self._rows


FIGURES = (
    "diplomats",
    "support",
    "local",
    "staff_total",
    "staff_cap",
    "posts_open",
    "posts_suspended",
    "posts_closed",
    "properties_held",
    "properties_lost",
    "visa_rate",
    "travel_limit_km",
    "banking",
    "local_hiring",
    "ambassador",
)
TRAJECTORY_COLUMNS = ("date", "side", "host", *FIGURES)  # one row per month and side


def mission_figures(world: World, state: State, columns: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The per-month, per-side figures of trajectories.csv: each an array [R, 2] (run, side), of
    each mission's posts (its bodies are not counted). With `columns`, only those (the cheap path
    for summaries)."""
    if columns is not None and tuple(columns) == ("staff_total",):
        return {"staff_total": np.stack([state.staff_total(world, s) for s in (0, 1)], axis=1)}
    # staff by category and posts by status, summed over each side's mission: [R, category | status, side]
    by_side = state.staff.transpose(0, 2, 1) @ world.mission_posts
    status = (state.post_status[:, :, None] == STATUSES).transpose(0, 2, 1).astype(np.int64) @ world.mission_posts
    lost = (state.property_status == SEIZED).astype(np.int64) @ world.side_properties
    owned = world.side_properties.sum(axis=0)
    figures = {
        "diplomats": by_side[:, DIPLOMATS],
        "support": by_side[:, SUPPORT],
        "local": by_side[:, LOCAL],
        "staff_total": by_side[:, DIPLOMATS] + by_side[:, SUPPORT] + by_side[:, LOCAL],
        "staff_cap": state.staff_cap.copy(),
        "posts_open": status[:, OPEN],
        "posts_suspended": status[:, SUSPENDED],
        "posts_closed": status[:, CLOSED],
        "properties_held": owned[None, :] - lost,
        "properties_lost": lost,
        "visa_rate": state.visa_rate.copy(),
        "travel_limit_km": state.travel_limit_km.copy(),
        "banking": state.banking.copy(),
        "local_hiring": state.local_hiring.copy(),
        "ambassador": state.ambassador.copy(),
    }
    return figures if columns is None else {name: figures[name] for name in columns}


def figure_dtype(world: World, name: str) -> np.dtype | None:
    """The narrowest type that holds every value of a figure of trajectories.csv (None: the
    figure's own): staff within STAFF (see STAFF_LIMIT), counts of posts or properties within 8
    bits when a scenario has fewer than 2**7 of them, 16 bits when fewer than 2**15. Add such
    counts in a wider type."""
    if name in STAFF_FIGURES:
        return np.dtype(STAFF)
    if name in POST_FIGURES or name in PROPERTY_FIGURES:
        count = len(world.post_ids) if name in POST_FIGURES else len(world.property_ids)
        return np.dtype(np.int8 if count < 2**7 else np.int16 if count < 2**15 else np.int32)
    return None


STAFF_FIGURES = frozenset(("diplomats", "support", "local", "staff_total", "staff_cap"))
POST_FIGURES = frozenset(("posts_open", "posts_suspended", "posts_closed"))
PROPERTY_FIGURES = frozenset(("properties_held", "properties_lost"))
OPEN, SUSPENDED, CLOSED = int(PostStatus.OPEN), int(PostStatus.SUSPENDED), int(PostStatus.CLOSED)
STATUSES = np.array([OPEN, SUSPENDED, CLOSED], dtype=np.int8)
SEIZED = int(PropertyStatus.SEIZED)
DIPLOMATS, SUPPORT, LOCAL = int(Category.DIPLOMATS), int(Category.SUPPORT), int(Category.LOCAL)
