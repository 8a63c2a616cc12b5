"""The classic rules of the iterated prisoner's dilemma, read for graded diplomatic measures.

In the graded game a rule's "defection" is a hostile answer whose size follows what it answers
(the repertoire turns a severity into measures, like-for-like first); its "cooperation" is no
answer, or reciprocating an overture. Each rule also plays the plain two-move game (see
`sim.rules.policies.match.classic_match`), where every hostile act counts as a provocation.
"""

from __future__ import annotations

import math

import numpy as np

from sim.rules.policies.base import Parameter, Policy, Response, Seen, register


def _reciprocate(seen: Seen) -> np.ndarray:
    """Conciliation answered in kind: the overture's own size."""
    return seen.overture.copy()


@register
class Restraint(Policy):
    """Never answer anything: hostility or conciliation. Always-cooperate in the classic game
    (Axelrod, The Evolution of Cooperation, 1984); in the record, Putin's decision of 30 December
    2016 not to answer the US expulsions (E06)."""

    name = "restraint"
    title = "Restraint"
    source = "Axelrod (1984), 'always cooperate'; record E06"
    memory_depth = 0
    classic = True

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        return Response(np.zeros(len(seen.provocation)))


@register
class Mirror(Policy):
    """Answer each provocation with a measure of the same severity, and each overture with one of
    the same size; never act first. Tit-for-tat (Rapoport; Axelrod, The Evolution of Cooperation,
    1984). generous_mirror with forgiveness 0 is the same rule."""

    name = "mirror"
    title = "Mirror (tit-for-tat)"
    source = "Axelrod (1984), The Evolution of Cooperation; Rapoport's entry to Axelrod's 1980 tournament"
    memory_depth = 1
    classic = True

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        return Response(_reciprocate(seen) - seen.provocation)


@register
class TitForTwoTats(Policy):
    """Answer a provocation only when the other side provoked in each of the last two months;
    reciprocate overtures. Tit-for-two-tats (Maynard Smith's entry, Axelrod 1984)."""

    name = "tit_for_two_tats"
    title = "Tit-for-two-tats"
    source = "Axelrod (1984), The Evolution of Cooperation (Maynard Smith's rule)"
    memory_depth = 2
    classic = True

    def start(self, runs: int) -> dict[str, np.ndarray]:
        return {"previous": np.zeros(runs)}

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        twice = (seen.provocation > 0) & (memory["previous"] > 0)
        memory["previous"] = seen.provocation.copy()
        return Response(_reciprocate(seen) - np.where(twice, seen.provocation, 0.0))


@register
class GenerousMirror(Policy):
    """Mirror, but forgive each provocation with probability `forgiveness`. Generous tit-for-tat
    (Nowak and Sigmund, 'Tit for tat in heterogeneous populations', Nature 355, 1992; Molander
    1985). With forgiveness 0 it is mirror."""

    name = "generous_mirror"
    title = "Generous mirror (generous tit-for-tat)"
    source = "Nowak & Sigmund (1992), Nature 355:250-253; Molander (1985), J. Conflict Resolution 29"
    memory_depth = 1
    stochastic = True
    classic = True
    parameters = (Parameter("forgiveness", 0.3, 0.0, 1.0, "probability of letting a provocation pass"),)

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        forgiven = seen.draw < self.params["forgiveness"]
        return Response(_reciprocate(seen) - np.where(forgiven, 0.0, seen.provocation))


@register
class GrimTrigger(Policy):
    """After the first provocation, be hostile every month for good, at least as hard as that
    first provocation, and never conciliate. Grim trigger (Friedman, 'A non-cooperative
    equilibrium for supergames', Review of Economic Studies 38, 1971)."""

    name = "grim_trigger"
    title = "Grim trigger"
    source = "Friedman (1971), Review of Economic Studies 38:1-12"
    memory_depth = math.inf
    classic = True

    def start(self, runs: int) -> dict[str, np.ndarray]:
        return {"grudge": np.zeros(runs)}

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        triggered = (memory["grudge"] > 0) | (seen.provocation > 0)
        memory["grudge"] = np.where(memory["grudge"] > 0, memory["grudge"], seen.provocation)
        severity = np.where(triggered, -np.maximum(seen.provocation, memory["grudge"]), 0.0)
        return Response(severity)


@register
class WinStayLoseShift(Policy):
    """Be hostile this month exactly when one side, not both, was hostile last month (Pavlov): a
    mutual exchange or mutual calm leads to calm, a one-sided month to hostility. Win-stay,
    lose-shift (Nowak and Sigmund, Nature 364, 1993; Kraines and Kraines 1989). It reads the
    other's raw hostility, not only provocations, as the classic rule reads the last move."""

    name = "win_stay_lose_shift"
    title = "Win-stay, lose-shift (Pavlov)"
    source = "Nowak & Sigmund (1993), Nature 364:56-58; Kraines & Kraines (1989), Theory and Decision 26"
    memory_depth = 1
    classic = True

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        own_hostile = seen.own_last < 0
        other_hostile = seen.hostility > 0
        shift = own_hostile != other_hostile
        size = np.where(other_hostile, seen.hostility, -seen.own_last)
        return Response(np.where(shift, -size, _reciprocate(seen)))


@register
class Gradual(Policy):
    """After the other's n-th provocation, answer n months in a row, then make two conciliatory
    months (`calm`), then wait for the next provocation. Gradual (Beaufils, Delahaye and Mathieu,
    'Our meeting with gradual', Artificial Life V, 1996)."""

    name = "gradual"
    title = "Gradual"
    source = "Beaufils, Delahaye & Mathieu (1996), Proc. Artificial Life V"
    memory_depth = math.inf
    classic = True
    parameters = (Parameter("calm", 1.0, 0.0, 5.0, "severity of each of the two conciliatory months"),)

    def start(self, runs: int) -> dict[str, np.ndarray]:
        zeros = np.zeros(runs)
        return {"count": zeros.copy(), "punish": zeros.copy(), "calm_left": zeros.copy(), "size": zeros.copy()}

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        provoked = seen.provocation > 0
        memory["count"] += provoked
        punishing = memory["punish"] > 0
        calming = ~punishing & (memory["calm_left"] > 0)
        starting = ~punishing & ~calming & provoked
        memory["punish"] = np.where(starting, memory["count"], memory["punish"])
        memory["size"] = np.where(starting, seen.provocation, memory["size"])
        hostile = memory["punish"] > 0
        severity = np.where(hostile, -memory["size"], 0.0)
        memory["punish"] = np.where(hostile, memory["punish"] - 1, memory["punish"])
        # the punishment's last month starts two months of calm
        memory["calm_left"] = np.where(hostile & (memory["punish"] == 0), 2.0, memory["calm_left"])
        severity = np.where(calming, self.params["calm"], severity)
        memory["calm_left"] = np.where(calming, memory["calm_left"] - 1, memory["calm_left"])
        quiet = ~hostile & ~calming
        return Response(np.where(quiet, _reciprocate(seen), severity))


@register
class ContriteMirror(Policy):
    """Mirror, except that after one of its own hostile acts that it did not intend (an
    execution error) it takes the other's next provocation without answering. Contrite
    tit-for-tat (Sugden, The Economics of Rights, Co-operation and Welfare, 1986; Boyd 1989; Wu
    and Axelrod, 'How to cope with noise', J. Conflict Resolution 39, 1995)."""

    name = "contrite_mirror"
    title = "Contrite mirror (contrite tit-for-tat)"
    source = "Sugden (1986); Boyd (1989), J. Theoretical Biology 136; Wu & Axelrod (1995), JCR 39:183-189"
    memory_depth = 2
    classic = True

    def start(self, runs: int) -> dict[str, np.ndarray]:
        return {"sorry": np.zeros(runs)}

    def decide(self, seen: Seen, memory: dict[str, np.ndarray]) -> Response:
        sorry = (memory["sorry"] > 0) | seen.own_error
        accepted = sorry & (seen.provocation > 0)
        # contrition lasts until the punishment has been taken, or two months at most
        memory["sorry"] = np.where(seen.own_error, 2.0, np.where(accepted, 0.0, np.maximum(memory["sorry"] - 1, 0)))
        return Response(_reciprocate(seen) - np.where(accepted, 0.0, seen.provocation))
