"""Graded rules this domain needs beyond the classic game: escalation, parity and GRIT."""

from __future__ import annotations

import math

import numpy as np

from sim.rules.entries import MeasureKind
from sim.rules.policies.base import Parameter, Policy, Response, Seen, register


@register
class Escalate(Policy):
    """Answer every perceived hostile act with `k` times its severity (even an answer to one's
    own act), and reciprocate overtures. With k = 1 it answers like mirror but also re-answers
    answers. Escalation ladders after Kahn (On Escalation, 1965); the record's 2021 answer to ten
    expulsions with expulsions plus a local-hire ban (E32, E34) is k > 1."""

    name = "escalate"
    title = "Escalate by a factor k"
    source = "Kahn (1965), On Escalation: Metaphors and Scenarios; record E32/E34"
    memory_depth = 1
    parameters = (Parameter("k", 1.5, 1.0, 5.0, "factor applied to the perceived severity"),)

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        return Response(seen.overture - self.params["k"] * seen.hostility)


@register
class Parity(Policy):
    """Answer a provocation by capping the other's mission at the size of one's own, when it is
    larger; otherwise answer like mirror. Reciprocate overtures. The Russian demand of 28 July
    2017 that the US mission match 'in strict correspondence' the Russian staff in the US (E08)."""

    name = "parity"
    title = "Parity (cap the other at one's own headcount)"
    source = "record E08 (Russian MFA, 28 July 2017) and E13 (US 'spirit of parity', 31 August 2017)"
    memory_depth = 1

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        provoked = seen.provocation > 0
        cap = provoked & (seen.other_staff > seen.own_staff)
        kind = np.where(cap, int(MeasureKind.CAP_STAFF), -1)
        size = np.where(cap, seen.own_staff, np.nan)
        return Response(seen.overture - seen.provocation, kind=kind, size=size)


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
    memory_depth = math.inf
    parameters = (
        Parameter("step", 3.0, 0.5, 10.0, "severity of each conciliatory step"),
        Parameter("persistence", 2, 1, 12, "unreciprocated steps in a row before pausing", integer=True),
    )

    def start(self, runs: int) -> dict[str, np.ndarray]:
        return {"unanswered": np.zeros(runs)}

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        answered = (seen.reciprocated > 0) | (seen.overture > 0)
        memory["unanswered"] = np.where(answered, 0.0, memory["unanswered"])
        provoked = seen.provocation > 0
        stepping = ~provoked & seen.restorable & (memory["unanswered"] < self.params["persistence"])
        memory["unanswered"] = np.where(stepping, memory["unanswered"] + 1, memory["unanswered"])
        calm = np.where(stepping, np.maximum(self.params["step"], seen.overture), seen.overture)
        severity = np.where(provoked, -seen.provocation, calm)
        return Response(severity)


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
    memory_depth = math.inf
    parameters = (
        Parameter("package", 6, 1, 24, "months of unconditional conciliatory steps after the talks", integer=True),
        Parameter("step", 3.0, 0.5, 10.0, "severity of each step"),
    )

    def start(self, runs: int) -> dict[str, np.ndarray]:
        return {"month": np.zeros(runs)}

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        month = memory["month"]
        memory["month"] = month + 1
        provoked = seen.provocation > 0
        opening = month == 0
        package = (month >= 1) & (month <= self.params["package"]) & seen.restorable
        severity = np.where(
            provoked,
            -seen.provocation,
            np.where(opening, 1.0, np.where(package, np.maximum(self.params["step"], seen.overture), seen.overture)),
        )
        kind = np.where(opening & ~provoked, int(MeasureKind.HOLD_TALKS), -1)
        return Response(severity, kind=kind)
