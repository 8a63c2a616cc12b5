"""The measure catalogue: one entry per kind of measure, and the types every layer shares.

An entry (a `MeasureSpec` subclass registered with `@entry`, in `sim.rules.kinds_hostile`,
`sim.rules.kinds_restoring` and `sim.rules.kinds_own`) holds everything about its kind: its key,
who takes it, the unit of its size, its severity function on the -10..+10 scale, its exact effect
on a mission, the kind that undoes it, one vectorised feasibility check (with the words that
explain each refusal), and how a policy sizes and targets it (`option`). The scenario check, the
repertoire, the docs test and the error messages all read the entry; none keeps a copy.
Effects work over numpy arrays with a leading run axis and take the runs they apply to (`rows`,
an index array), so a batch of runs can apply different measures to different runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules import kinds_hostile, kinds_own, kinds_restoring, kinds_rules  # noqa: F401  (the entries register)
from sim.rules.domain import Cause
from sim.rules.entries import (  # noqa: F401  (the catalogue's vocabulary, for every layer)
    ENTRIES,
    NONE,
    SEVERITY_MAX,
    SEVERITY_MIN,
    MeasureKind,
    MeasureSpec,
    Option,
    Role,
    Target,
    Unit,
)
from sim.rules.state import State, World

CATALOGUE: dict[MeasureKind, MeasureSpec] = dict(sorted(ENTRIES.items()))
assert set(CATALOGUE) == set(MeasureKind), "every kind of measure has one catalogue entry"
# What a host can take against the other side's mission: the kinds policies and instruments choose
# from. Record-only kinds are left out: a flat prior would give them a propensity no record showed.
HOSTILE_KINDS = tuple(
    k for k, spec in CATALOGUE.items() if spec.hostile and spec.role is Role.HOST and not spec.record_only
)


def severity_of(kind: MeasureKind, people: np.ndarray, rate_change: np.ndarray) -> np.ndarray:
    """Severity of a measure from what it did, clipped to the scale."""
    # np.clip's own arithmetic, without its wrapper's cost (a measure applied to a few runs pays it)
    return np.minimum(np.maximum(CATALOGUE[kind].severity_of(people, rate_change), SEVERITY_MIN), SEVERITY_MAX)


@dataclass(frozen=True)
class Measure:
    """One measure taken by `actor` on the mission owned by `target` (side indices)."""

    kind: MeasureKind
    actor: int
    target: int
    month: int
    day: int = 0
    size: float | None = None
    post: int | None = None
    prop: int | None = None  # property index
    cause: Cause = Cause.FORCED
    source: str = ""
    description: str = ""
    seq: int = 0  # order within the scenario file, for a stable order inside a day
    # The staff categories a measure counts or removes (a cap on diplomats and support, an
    # expulsion of support staff); None: the kind's own rule.
    categories: tuple[int, ...] | None = None
    posts: tuple[int, ...] | None = None  # the posts and bodies a cap counts, when it names several
    home: bool = False  # a post closed or suspended: its sent staff go home, not to the embassy
    keep_local: bool = False  # a post suspended or closed by its own state: its local staff stay employed
    announced: tuple[int, int] | None = None  # (month, day) it was announced, when the record gives it
    scope: tuple[int, ...] | None = None  # what a notice regime covers (NoticeScope); None: travel and meetings
    approval: bool = False  # a notice regime under which the host must approve, not only be told
    from_post: int | None = None  # the post a transfer moves staff from (to `post`)


@dataclass
class Effect:
    """What a measure did in each run it was applied to."""

    staff_change: np.ndarray  # int[R'] change of the target mission's total staff
    severity: np.ndarray  # float[R']


def apply_measure(
    world: World,
    state: State,
    measure: Measure,
    rows: np.ndarray,
    size: np.ndarray | None = None,
    at: tuple[np.ndarray, np.ndarray] | None = None,
) -> Effect:
    """Apply a feasible measure to the given runs. `size` overrides `measure.size` per run; `at`
    (a kind that has `each_target`), its post and property per run."""
    rows = np.asarray(rows)
    count = len(rows)
    if size is None:
        size = np.full(count, measure.size if measure.size is not None else 0.0)
    spec = CATALOGUE[measure.kind]
    if at is None:
        people, change, rate_change = spec.effect(world, state, measure, rows, size)
    else:
        people, change, rate_change = spec.effect_at(world, state, measure, rows, size, *at)
    people = _per_run(people, np.int64, count)
    change = _per_run(change, np.int64, count)
    rate_change = _per_run(rate_change, np.float64, count)
    severity = severity_of(measure.kind, people, rate_change)
    if measure.actor == measure.target and CATALOGUE[measure.kind].role is Role.HOST:
        severity = np.zeros(count)  # a host's measure taken by the mission's own state is not aggression
    return Effect(staff_change=change, severity=severity)


def _per_run(values, dtype, count: int) -> np.ndarray:
    """`values` (one per run, or one for all) as an array of `count` (a view where it can be; a
    number is written out, which costs less than a view of it)."""
    kind = type(values)
    if kind is np.ndarray and values.dtype == dtype and values.shape == (count,):
        return values
    if kind is int or kind is float:
        filled = np.empty(count, dtype=dtype)
        filled.fill(values)
        return filled
    return np.broadcast_to(np.asarray(values, dtype=dtype), (count,))


def infeasibility(world: World, state: State, measure: Measure, run: int = 0) -> str | None:
    """Why a measure cannot be taken in `run` at this moment, or None if it can."""
    kind, side = measure.kind, measure.target
    spec = CATALOGUE[kind]
    post, prop = measure.post, measure.prop
    named_posts = (post,) if measure.posts is None else measure.posts
    for named in (*named_posts, measure.from_post):
        if named is not None and int(world.post_owner[named]) != side:
            owner = world.sides[int(world.post_owner[named])]
            whose = (
                "the host acts on the other side's posts" if spec.role is Role.HOST else "a state acts on its own posts"
            )
            ids = ", ".join(world.post_ids[p] for p in world.every_post_of(side))
            return (
                f"post '{world.post_ids[named]}' is {owner}'s, but with '{kind.label}' {whose} "
                f"(allowed: the posts and bodies of {world.sides[side]}: {ids})"
            )
    if prop is not None and int(world.property_owner[prop]) != side:
        owner = world.sides[int(world.property_owner[prop])]
        code = world.sides[side]
        ids = ", ".join(world.property_ids[q] for q in world.properties_of(side))
        allowed = f"the properties of {code}: {ids}" if ids else f"a property of {code}'s mission; it lists none"
        return f"property '{world.property_ids[prop]}' is {owner}'s, not {code}'s (allowed: {allowed})"
    target = Target(
        rows=np.array([run]),
        actor=measure.actor,
        side=side,
        size=np.array([np.nan if measure.size is None else measure.size]),
        post=np.array([NONE if post is None else post]),
        prop=np.array([NONE if prop is None else prop]),
        categories=measure.categories,
        posts=measure.posts,
        scope=measure.scope,
        approval=measure.approval,
        from_post=measure.from_post,
    )
    code = int(spec.check(world, state, target)[0])
    return spec.explain(code, world, state, measure, run) if code else None


@dataclass(frozen=True)
class Shock:
    """An exogenous event attributed to `actor`, perceived as hostile by `target`; changes no holdings.

    The blamed side owns it (expects it answered, and takes the answer as its due) unless it
    `denied` it, or a third party (`party`, a country outside the dyad) did it with the blamed
    side's backing: then the blamed side expects no answer and takes one as a fresh provocation."""

    actor: int
    target: int
    month: int
    name: str
    severity: float
    day: int = 0
    cause: Cause = Cause.FORCED
    source: str = ""
    description: str = ""
    seq: int = 0
    denied: bool = False
    party: str = ""
    announced: tuple[int, int] | None = None  # (month, day) it was announced, when the record gives it

    @property
    def owned(self) -> bool:
        """Whether the blamed side counts it as its own act awaiting an answer."""
        return not (self.denied or self.party)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """What happened in one run: an event as committed, with its effect there. Rows of
    events.csv are made from these in `sim.files.columns`."""

    event: Measure | Shock
    severity: float
    staff_change: int
    size: float | None = None  # a policy sizes its measure per run; None: the event's own size
    cause: str | None = None  # a policy act turned by execution error reads "noise"; None: the event's
