"""What an observation counts beyond a column of trajectories.csv: one side's staff at some posts
or bodies and in some categories (an embassy's diplomats, a mission's sent staff, a presence with
its bodies), or how many of some posts are open.

Such a figure has a name of its own, which is the observation's `column` in observations.csv and
the key of its values among a run's per-month figures, so that everything that reads an
observation's figure by its column (scores, calibration, inference) reads this one alike:
the categories counted (`staff_total` for all three, else the categories joined by `+`, or
`posts_open`), then `@` and the posts and bodies joined by `+` when it counts some posts only:
`diplomats+support` (a mission's sent staff), `diplomats@ru_embassy_prague`,
`posts_open@de_goethe_moscow+de_goethe_novosibirsk`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from sim.rules.domain import Category, PostStatus, enum_name
from sim.rules.state import ALL_CATEGORIES, State, World

# The longest name a result table's cell may hold (sim.files.tables.MAX_NAME): a longer name is
# cut and given a digest, so that a folder stays readable whatever the post ids.
NAME_LIMIT = 100
STAFF_COLUMNS = {
    "staff_total": ALL_CATEGORIES,
    "diplomats": (Category.DIPLOMATS,),
    "support": (Category.SUPPORT,),
    "local": (Category.LOCAL,),
}
POSTS_OPEN = "posts_open"


@dataclass(frozen=True)
class Counted:
    """A figure trajectories.csv does not hold. `posts`: one side's posts and bodies, in post
    order (None: each side's mission, its bodies left out, as in trajectories.csv);
    `categories`: the staff counted (None: how many of the posts are open)."""

    posts: tuple[int, ...] | None
    categories: tuple[Category, ...] | None

    def values(self, world: World, state: State) -> np.ndarray:
        """[R, 2]: each side's figure; a side none of whose posts are named counts 0."""
        out = np.zeros((state.staff.shape[0], 2), dtype=np.int64)
        for side in (0, 1):
            if self.posts is None:
                posts = world.mission(side)
            else:
                posts = np.array([p for p in self.posts if int(world.post_owner[p]) == side], dtype=np.int64)
            if self.categories is None:
                out[:, side] = (state.post_status[:, posts] == PostStatus.OPEN).sum(axis=1)
            else:
                out[:, side] = state.staff[:, posts][:, :, list(self.categories)].sum(axis=(1, 2))
        return out


def counted_figure(
    column: str, posts: tuple[int, ...] | None, categories: tuple[Category, ...] | None
) -> Counted | None:
    """What an observation of `column` at `posts` (None: the whole mission) in `categories`
    (None: the column's own) counts, or None when trajectories.csv holds it as a column."""
    if column == POSTS_OPEN:
        return None if posts is None else Counted(posts, None)
    if column not in STAFF_COLUMNS:
        return None
    categories = STAFF_COLUMNS[column] if categories is None else tuple(sorted(Category(c) for c in categories))
    if posts is None and any(categories == counted for counted in STAFF_COLUMNS.values()):
        return None
    return Counted(posts, categories)


def counted_name(counted: Counted, post_ids: tuple[str, ...], taken: dict[str, Counted]) -> str:
    """The figure's name (see the module's docstring), unique among `taken` (names already given
    to other figures) and at most NAME_LIMIT characters."""
    if counted.categories is None:
        what = POSTS_OPEN
    elif counted.categories == ALL_CATEGORIES:
        what = "staff_total"
    else:
        what = "+".join(enum_name(c) for c in counted.categories)
    name = what if counted.posts is None else f"{what}@{'+'.join(post_ids[p] for p in counted.posts)}"
    if len(name) <= NAME_LIMIT and taken.get(name, counted) == counted:
        return name
    digest = hashlib.sha256(repr((counted.posts, counted.categories)).encode()).hexdigest()[:8]
    return f"{name[: NAME_LIMIT - 9]}~{digest}"
