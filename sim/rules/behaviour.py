"""How a side behaves when policies act: its policy, misperception, execution error, response
delay, crises it is blamed for, and whether it re-staffs its mission. Declared per side in the
scenario's `[behaviour.XX]` table; every value can be overridden on the command line. The values
are checked where they are read (`sim.files.behaviour_values`), against the bounds declared here.

Below them, the rules of a side's behaviour over a month, as kernels over runs (sim.rules.compiled):
what a side perceives and how it nets that against its accounts (`perceive_runs`), how its answers
wait for their month (`queue_one`, `take_answers`), what its acts show the other side (`show`,
`tally`) and how its accounts open and expire (`owe`, `owe_beyond`, `age_accounts`). The month's
order is `sim.engines.dynamics`'s."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from sim.errors import SimError
from sim.rules.compiled import kernel
from sim.rules.policies import parse_policy


class BehaviourError(SimError):
    """A behaviour parameter that is unknown or out of bounds."""


STOCHASTIC_KEYS = ("perception_error", "misread_sigma", "execution_error", "crisis_rate", "same_month")


@dataclass(frozen=True)
class Behaviour:
    policy: str = "mirror"
    perception_error: float = 0.0  # probability that a quiet month is read as hostile
    phantom_severity: float = 3.0  # how hostile such a misread month seems (magnitude)
    misread_sigma: float = 0.0  # perceived severity = true severity x exp(sigma x N(0, 1))
    execution_error: float = 0.0  # probability that an intended act comes out wrong
    error_severity: float = 3.0  # magnitude of an unintended hostile act
    delay_weights: tuple[float, ...] = (1.0,)  # P(the answer waits 0, 1, 2, ... further months)
    crisis_rate: float = 0.0  # crises a year attributed to this side (a month sees at most one)
    crisis_severity: tuple[float, float] = (-8.0, -3.0)  # uniform between these
    restaff: bool = True  # re-staff the mission toward its starting size where the host allows
    initiative: str = (
        "none"  # conciliatory measures announced for a month: "return_property@2025-06+reopen_post@2025-09"
    )
    instruments: str = "ladder"  # which kinds it answers with: ladder, record, or propensities (sim.rules.instruments)
    memory_months: float = 12.0  # an act unanswered (or a step unreciprocated) this long expects no answer
    notice: float = 2.0  # hostility left below this severity after netting goes unanswered
    rehire_months: float = 12.0  # where re-staffing, an empty local post is filled within about this long
    tour_months: float | None = None  # its sent staff's tour; None: the scenario's missions.SIDE.tour_months
    same_month: float = 0.0  # probability that it looks at a month's forced events within that month

    @property
    def initiatives(self) -> tuple[tuple[object, int], ...]:
        """The initiative as (measure kind, month index) pairs."""
        return parse_initiative(self.initiative)

    @property
    def random(self) -> bool:
        """Whether anything in this behaviour draws random numbers."""
        policy = parse_policy(self.policy)
        random_policy = policy.stochastic and 0.0 < policy.params.get("forgiveness", 0.5) < 1.0
        delays_vary = sum(w > 0 for w in self.delay_weights) > 1
        return random_policy or delays_vary or any(getattr(self, k) > 0 for k in STOCHASTIC_KEYS)

    @property
    def delays(self) -> tuple[float, ...]:
        total = sum(self.delay_weights)
        return tuple(w / total for w in self.delay_weights)


BOUNDS: dict[str, tuple[float, float]] = {
    "perception_error": (0.0, 1.0),
    "phantom_severity": (0.0, 10.0),
    "misread_sigma": (0.0, 3.0),
    "execution_error": (0.0, 1.0),
    "error_severity": (0.0, 10.0),
    "crisis_rate": (0.0, 12.0),
    "memory_months": (1.0, 120.0),
    "notice": (0.0, 10.0),
    "rehire_months": (1.0, 120.0),
    "tour_months": (1.0, 120.0),
    "same_month": (0.0, 1.0),
}
KEYS = tuple(f.name for f in fields(Behaviour))
MAX_DELAY_MONTHS = 24  # delay_weights holds at most this many + 1 weights (0, 1, ... months)
MAX_WEIGHT = 1e6  # each delay weight; bounded so that their sum stays finite
CRISIS_SEVERITY = (-10.0, 0.0)  # bounds of crisis_severity's lowest and highest values


def delay_weights(delay: float) -> list[float]:
    """A mean delay in months as weights on the two whole months around it."""
    whole = int(math.floor(delay))
    frac = delay - whole
    return [0.0] * whole + [1.0 - frac] + ([frac] if frac > 0 else [])


def parse_initiative(text: str) -> tuple[tuple[object, int], ...]:
    """'none', or 'KIND@YYYY-MM' joined by '+', where KIND is a conciliatory measure a host takes."""
    from sim.rules.calendar import parse_date
    from sim.rules.measures import CATALOGUE, MeasureKind, Role

    if text.strip() in ("", "none"):
        return ()
    allowed = [k.label for k, spec in CATALOGUE.items() if spec.role is Role.HOST and spec.severity > 0]
    allowed = [label for label in allowed if not CATALOGUE[MeasureKind[label.upper()]].record_only]
    steps = []
    for item in text.split("+"):
        name, at, date = item.strip().partition("@")
        if not at or name not in allowed:
            raise BehaviourError(f"initiative '{item}' must be KIND@YYYY-MM with KIND one of: {', '.join(allowed)}")
        try:
            month = parse_date(date)[0]
        except ValueError as exc:
            raise BehaviourError(f"initiative '{item}': {exc}") from None
        steps.append((MeasureKind[name.upper()], month))
    return tuple(steps)


@kernel(inline=True)
def queue_one(
    r, side, delay, depth, answer, queue_severity, queue_kind, queue_size, queue_error, queue_answering, queue_like
):
    """Queue run r's answer (severity, kind, size, error, answering, like; a severity not 0) for
    `side`, `delay` months ahead or later if an earlier answer already falls due that month: one
    answer a month, never merged (severities do not add). The run's queue holds `depth` months;
    when every later month is taken too, the more severe of the two answers is kept. The queues
    are [run, side, month] arrays of each part of an answer."""
    severity, kind, size, error, answering, like = answer
    if severity == 0:
        return
    slot = delay
    while slot < depth - 1 and queue_severity[r, side, slot] != 0:
        slot += 1
    if queue_severity[r, side, slot] != 0 and not abs(severity) > abs(queue_severity[r, side, slot]):
        return
    queue_severity[r, side, slot] = severity
    queue_kind[r, side, slot] = kind
    queue_size[r, side, slot] = size
    queue_error[r, side, slot] = error
    queue_answering[r, side, slot] = answering
    queue_like[r, side, slot] = like


@kernel
def take_due(held, side, empty, out):
    """out[r]: what run r holds for `side` this month (held[r, side, 0]); the later months move
    one month closer and the last is `empty`."""
    last = held.shape[2] - 1
    for r in range(held.shape[0]):
        out[r] = held[r, side, 0]
        for month in range(last):
            held[r, side, month] = held[r, side, month + 1]
        held[r, side, last] = empty


@kernel
def take_answers(side, queue, answer):
    """Take each run's answer due this month for `side` out of the six queues of `queue_one`
    into `answer` (six arrays over the runs); the later answers come one month closer."""
    queue_severity, queue_kind, queue_size, queue_error, queue_answering, queue_like = queue
    severity, kind, size, error, answering, like = answer
    take_due(queue_severity, side, 0.0, severity)
    take_due(queue_kind, side, -1, kind)
    take_due(queue_size, side, np.nan, size)
    take_due(queue_error, side, False, error)
    take_due(queue_answering, side, 0.0, answering)
    take_due(queue_like, side, -1, like)


@kernel
def show(actor, kind, unplanned, rows, severity, shown, dealt, strongest):
    """What `actor`'s acts show in a month: in each run of `rows`, an act of `severity` (of
    `kind`; -1: a shock or crisis). A month is seen by its most severe act (severities are
    logarithmic: they do not add): `shown` holds its hostility and conciliation (magnitudes);
    `dealt` the same of the acts the actor's policy did not decide (`unplanned`: forced acts,
    shocks, crises), which the actor still expects answered; `strongest` the most hostile act's
    magnitude and kind and the most conciliatory act's."""
    shown_hostility, shown_conciliation = shown
    dealt_hostility, dealt_conciliation = dealt
    worst, worst_kind, kindest, kindest_kind = strongest
    for i in range(rows.shape[0]):
        r = rows[i]
        hostile = -severity[i] if severity[i] < 0 else 0.0
        friendly = severity[i] if severity[i] > 0 else 0.0
        if hostile > shown_hostility[r, actor]:
            shown_hostility[r, actor] = hostile
        if friendly > shown_conciliation[r, actor]:
            shown_conciliation[r, actor] = friendly
        if unplanned:
            if hostile > dealt_hostility[r, actor]:
                dealt_hostility[r, actor] = hostile
            if friendly > dealt_conciliation[r, actor]:
                dealt_conciliation[r, actor] = friendly
        if kind >= 0:
            if hostile > worst[r, actor]:
                worst[r, actor] = hostile
                worst_kind[r, actor] = kind
            if friendly > kindest[r, actor]:
                kindest[r, actor] = friendly
                kindest_kind[r, actor] = kind


@kernel
def open_account(r, side, hostile, friendly, debt, credit, age):
    """In run r, `side` expects `hostile` answered (its debt) and `friendly` reciprocated (its
    credit); an account that grows is young again (`age`: months since each side's debt [..., 0]
    and credit [..., 1] last grew)."""
    debt[r, side] += hostile
    credit[r, side] += friendly
    if hostile > 0:
        age[r, side, 0] = 0
    if friendly > 0:
        age[r, side, 1] = 0


@kernel
def owe(side, hostile, friendly, debt, credit, age):
    """`side` opens accounts in every run (`open_account`)."""
    for r in range(hostile.shape[0]):
        open_account(r, side, hostile[r], friendly[r], debt, credit, age)


@kernel
def at_least_zero(x):
    """np.maximum(x, 0.0), nan kept."""
    return x if x >= 0.0 or x != x else 0.0


@kernel
def at_most(x, y):
    """np.minimum(x, y) of two numbers, nan kept."""
    return x if x <= y or x != x else y


@kernel
def owe_beyond(side, executed, answering, debt, credit, age):
    """What goes beyond the provocation a side answered (or the overture it reciprocated) opens
    an account: the part of a hostile act (`executed` < 0) past `answering`, or of a conciliatory one."""
    for r in range(executed.shape[0]):
        hostile = at_least_zero(-executed[r] - answering[r]) * (1.0 if executed[r] < 0 else 0.0)
        friendly = at_least_zero(executed[r] - answering[r]) * (1.0 if executed[r] > 0 else 0.0)
        open_account(r, side, hostile, friendly, debt, credit, age)


@kernel
def age_accounts(memory_months, debt, credit, age):
    """A month passes: what has gone unanswered for a side's memory_months no longer expects an answer."""
    for r in range(age.shape[0]):
        for side in range(2):
            age[r, side, 0] += 1
            age[r, side, 1] += 1
            if age[r, side, 0] > memory_months[r, side]:
                debt[r, side] = 0.0
            if age[r, side, 1] > memory_months[r, side]:
                credit[r, side] = 0.0


@kernel
def tally(side, kind, hostile, rows, severity, executed, acts, kinds):
    """`side`'s policy took a measure of `kind` (`hostile` or not) in the runs `rows`, of
    `severity` there: the severity a run executed this month is its most severe measure's; `acts`
    counts its hostile [..., 0] and conciliatory [..., 1] measures, `kinds` its measures by kind."""
    for i in range(rows.shape[0]):
        r = rows[i]
        if abs(severity[i]) > abs(executed[r]):
            executed[r] = severity[i]
        acts[r, side, 0 if hostile else 1] += 1
        kinds[r, side, kind] += 1


NOTICE_CONCILIATION = 0.5  # any real conciliatory act is noticed (talks are +1)


@kernel
def perceive_runs(side, shown, phantom, phantom_severity, misread, factor, looking, notice, accounts, seen):
    """What `side` makes of the other side's acts in each run, `shown` (hostility, conciliation):
    a quiet month it misreads as hostile (`phantom`) seems phantom_severity hostile; a misread
    severity (where `misread`) is scaled by `factor`. In the runs `looking`, what answers its own
    earlier hostile acts settles its debt, what reciprocates its own steps its credit
    (`accounts`: debt, credit); what is left is a provocation from `notice` up, an overture from
    NOTICE_CONCILIATION up. Writes `seen`: hostility, conciliation, provocation, overture,
    reciprocated."""
    shown_hostility, shown_conciliation = shown
    debt, credit = accounts
    hostility, conciliation, provocation, overture, reciprocated = seen
    for r in range(shown_hostility.shape[0]):
        hostile = shown_hostility[r]
        if hostile == 0 and phantom[r]:
            hostile = phantom_severity[r]
        friendly = shown_conciliation[r]
        if misread:
            hostile = hostile * factor[r]
            friendly = friendly * factor[r]
        answered = at_most(hostile, debt[r, side]) if looking[r] else 0.0
        returned = at_most(friendly, credit[r, side]) if looking[r] else 0.0
        debt[r, side] -= answered
        credit[r, side] -= returned
        left = hostile - answered
        unreturned = friendly - returned
        hostility[r] = hostile
        conciliation[r] = friendly
        provocation[r] = left if left >= notice[r] else 0.0
        overture[r] = unreturned if unreturned >= NOTICE_CONCILIATION else 0.0
        reciprocated[r] = returned
