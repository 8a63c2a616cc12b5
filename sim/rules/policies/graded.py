"""Graded rules this domain needs beyond the classic game: escalation, parity and GRIT."""

from __future__ import annotations

import math

from sim.rules.compiled import kernel
from sim.rules.entries import MeasureKind
from sim.rules.policies.base import (
    ESCALATE,
    GRIT,
    HOSTILITY,
    NAN,
    NO_KIND,
    OTHER_STAFF,
    OVERTURE,
    OWN_STAFF,
    PARITY,
    PROVOCATION,
    RECIPROCATED,
    RESTORABLE,
    TALKS_RESET,
    Parameter,
    Policy,
    register,
)

# plain numbers, as a rule returns them (see sim.rules.policies.classic for what a rule is given)
CAP_STAFF, HOLD_TALKS = int(MeasureKind.CAP_STAFF), int(MeasureKind.HOLD_TALKS)


@kernel(inline=True)
def escalate_rule(r, p, seen, memory):
    return seen[OVERTURE][r] - p[r, 0] * seen[HOSTILITY][r], NO_KIND, NAN


@register
class Escalate(Policy):
    """Answer every perceived hostile act with `k` times its severity (even an answer to one's
    own act), and reciprocate overtures. With k = 1 it answers like mirror but also re-answers
    answers. Escalation ladders after Kahn (On Escalation, 1965); the record's 2021 answer to ten
    expulsions with expulsions plus a local-hire ban (E32, E34) is k > 1."""

    name = "escalate"
    title = "Escalate by a factor k"
    source = "Kahn (1965), On Escalation: Metaphors and Scenarios; record E32/E34"
    code = ESCALATE
    memory_depth = 1
    parameters = (Parameter("k", 1.5, 1.0, 5.0, "factor applied to the perceived severity"),)


@kernel(inline=True)
def parity_rule(r, p, seen, memory):
    severity = seen[OVERTURE][r] - seen[PROVOCATION][r]
    own = seen[OWN_STAFF][r]
    if seen[PROVOCATION][r] > 0 and seen[OTHER_STAFF][r] > own:
        return severity, CAP_STAFF, own
    return severity, NO_KIND, NAN


@register
class Parity(Policy):
    """Answer a provocation by capping the other's mission at the size of one's own, when it is
    larger; otherwise answer like mirror. Reciprocate overtures. The Russian demand of 28 July
    2017 that the US mission match 'in strict correspondence' the Russian staff in the US (E08)."""

    name = "parity"
    title = "Parity (cap the other at one's own headcount)"
    source = "record E08 (Russian MFA, 28 July 2017) and E13 (US 'spirit of parity', 31 August 2017)"
    code = PARITY
    reads = ("own_staff", "other_staff")
    memory_depth = 1


@kernel(inline=True)
def grit_rule(r, p, seen, memory):
    overture, provocation = seen[OVERTURE][r], seen[PROVOCATION][r]
    if seen[RECIPROCATED][r] > 0 or overture > 0:
        memory[r, 0] = 0.0  # unreciprocated steps in a row
    if provocation > 0:
        return -provocation, NO_KIND, NAN
    if seen[RESTORABLE][r] and memory[r, 0] < p[r, 1]:  # a step
        memory[r, 0] += 1.0
        step = p[r, 0]
        return step if step > overture else overture, NO_KIND, NAN
    return overture, NO_KIND, NAN


@register
class Grit(Policy):
    """Graduated reciprocation in tension-reduction: announce and take unilateral conciliatory
    steps of size `step`, one a month, continue while they are reciprocated, take at most
    `persistence` unreciprocated steps in a row and then pause (never reverse) until the other
    reciprocates; answer hostility firmly but in proportion, like mirror. Steps stop when there
    is nothing left to give back; overtures are still reciprocated. Osgood, An Alternative to War
    or Surrender (1962); Lindskold, Psychological Bulletin 85 (1978)."""

    name = "grit"
    title = "GRIT (graduated reciprocation in tension-reduction)"
    source = "Osgood (1962), An Alternative to War or Surrender; Lindskold (1978), Psychological Bulletin 85"
    code = GRIT
    reads = ("restorable",)
    remembers = ("unanswered",)
    memory_depth = math.inf
    parameters = (
        Parameter("step", 3.0, 0.5, 10.0, "severity of each conciliatory step"),
        Parameter("persistence", 2, 1, 12, "unreciprocated steps in a row before pausing", integer=True),
    )


@kernel(inline=True)
def talks_reset_rule(r, p, seen, memory):
    month = memory[r, 0]  # months since the talks opened
    memory[r, 0] = month + 1
    overture, provocation = seen[OVERTURE][r], seen[PROVOCATION][r]
    if provocation > 0:
        return -provocation, NO_KIND, NAN
    if month == 0:
        return 1.0, HOLD_TALKS, NAN
    if month >= 1 and month <= p[r, 0] and seen[RESTORABLE][r]:  # the package's steps
        step = p[r, 1]
        return step if step > overture else overture, NO_KIND, NAN
    return overture, NO_KIND, NAN


@register
class TalksReset(Policy):
    """A reciprocal reset led by talks: open with a round of talks, then take one conciliatory
    step a month for `package` months whatever the reply (an announced package, not conditional
    like GRIT), then play mirror: reciprocate overtures and answer provocations in proportion. A
    provocation during the package is answered in proportion and the package goes on. The 2025
    Riyadh and Istanbul rounds and what they agreed (record E60, E61, E63)."""

    name = "talks_reset"
    title = "Talks-led reciprocal reset"
    source = "record E60/E61/E63 (Riyadh, 18 Feb 2025; Istanbul, 27 Feb and 10 Apr 2025)"
    code = TALKS_RESET
    reads = ("restorable",)
    remembers = ("month",)
    memory_depth = math.inf
    parameters = (
        Parameter("package", 6, 1, 24, "months of unconditional conciliatory steps after the talks", integer=True),
        Parameter("step", 3.0, 0.5, 10.0, "severity of each step"),
    )
