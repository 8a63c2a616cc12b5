"""The `[[observations]]` of a scenario file: each checked against the run, the sides and their
posts, and read into an `Observation` that names the figure it is compared with: a column of
trajectories.csv, or a figure of some posts or categories (`sim.rules.observed`)."""

from __future__ import annotations

from sim.files.scenario_models import ObservationModel
from sim.files.toml_input import TomlFile
from sim.files.validation import shown
from sim.rules.calendar import month_label
from sim.rules.domain import Category, enum_from_name
from sim.rules.observed import POSTS_OPEN, STAFF_COLUMNS, Counted, counted_figure, counted_name
from sim.rules.scenario import Observation

_SCOPED = (*STAFF_COLUMNS, POSTS_OPEN)  # the columns an observation may take at some posts


class ObservationReader:
    """Reads the observations of one scenario file, in file order."""

    def __init__(self, file: TomlFile, codes: tuple[str, str], start: int, end: int, post_ids: list[tuple[str, int]]):
        self.file = file
        self.codes = codes
        self.start = start
        self.end = end
        self.post_ids = tuple(post_id for post_id, _ in post_ids)  # every post and body, in post order
        self.owner = dict(post_ids)
        self.names: dict[str, Counted] = {}

    def read(self, entries: list[ObservationModel]) -> tuple[Observation, ...]:
        return tuple(self._observation(entry, index) for index, entry in enumerate(entries))

    def _observation(self, entry: ObservationModel, index: int) -> Observation:
        fail, at = self.file.fail, ("observations", index)
        month, day = entry.date
        if not self.start <= month <= self.end:
            run = f"{month_label(self.start)} to {month_label(self.end)}"
            fail((*at, "date"), f"{month_label(month)} is outside the run", run)
        if entry.side not in self.codes:
            fail((*at, "side"), f"unknown value {shown(entry.side)}", ", ".join(self.codes))
        side = self.codes.index(entry.side)
        posts = self._posts(entry, at, side)
        if posts is not None and entry.column not in _SCOPED:
            key = "post" if entry.post is not None else "posts"
            fail(
                (*at, key),
                f"column '{entry.column}' counts a whole mission",
                f"{key} with column {', '.join(_SCOPED[:-1])} or {_SCOPED[-1]}",
            )
        categories = None
        if entry.categories is not None:
            if entry.column != "staff_total":
                fail(
                    (*at, "categories"),
                    f"categories given with column '{entry.column}'",
                    "categories with column = 'staff_total' (the default), or one category as the column",
                )
            categories = tuple(enum_from_name(Category, name) for name in entry.categories)
        counted = counted_figure(entry.column, posts, categories)
        column = entry.column
        if counted is not None:
            column = counted_name(counted, self.post_ids, self.names)
            self.names[column] = counted
        return Observation(
            month=month,
            side=side,
            column=column,
            value=entry.value,
            bound=entry.bound,
            confidence=entry.confidence,
            counts=entry.counts,
            source=entry.source,
            counted=counted,
            day=day,
        )

    def _posts(self, entry: ObservationModel, at: tuple, side: int) -> tuple[int, ...] | None:
        """The posts and bodies the observation counts, in post order; None: the whole mission."""
        if entry.post is not None and entry.posts is not None:
            self.file.fail((*at, "posts"), "both post and posts given", "post (one post or body) or posts (several)")
        named = [((*at, "post"), entry.post)] if entry.post is not None else []
        named += [((*at, "posts", i), post_id) for i, post_id in enumerate(entry.posts or ())]
        if not named:
            return None
        code = self.codes[side]
        allowed = f"the posts and bodies of {code}: " + ", ".join(p for p in self.post_ids if self.owner[p] == side)
        for where, post_id in named:
            if post_id not in self.owner:
                self.file.fail(where, f"unknown post {shown(post_id)}", allowed)
            if self.owner[post_id] != side:
                owner = self.codes[self.owner[post_id]]
                self.file.fail(where, f"post {shown(post_id)} is {owner}'s, not {code}'s", allowed)
        return tuple(sorted(self.post_ids.index(post_id) for _, post_id in named))
