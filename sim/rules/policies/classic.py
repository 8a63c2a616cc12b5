"""The classic rules of the iterated prisoner's dilemma, read for graded diplomatic measures.

In the graded game a rule's "defection" is a hostile answer whose size follows what it answers
(the repertoire turns a severity into measures, like-for-like first); its "cooperation" is no
answer, or reciprocating an overture. Each rule also plays the plain two-move game (see
`sim.rules.policies.match.classic_match`), where every hostile act counts as a provocation.
"""

from __future__ import annotations

import math

from sim.rules.compiled import kernel
from sim.rules.policies.base import (
    CONTRITE_MIRROR,
    DRAW,
    GENEROUS_MIRROR,
    GRADUAL,
    GRIM_TRIGGER,
    HOSTILITY,
    MIRROR,
    NAN,
    NO_KIND,
    OVERTURE,
    OWN_ERROR,
    OWN_LAST,
    PROVOCATION,
    RESTRAINT,
    TIT_FOR_TWO_TATS,
    WIN_STAY_LOSE_SHIFT,
    Parameter,
    Policy,
    register,
)

# Each rule decides for run `r`: `p[r]` are its parameters' values (in the order of `parameters`),
# `seen` the fields of `Seen` (`sim.rules.policies.base`), `memory[r]` what it keeps. It returns
# the desired severity (negative hostile, positive conciliatory), a measure kind or NO_KIND, and a
# size or NAN. Conciliation is answered in kind: the overture's own size.


@kernel(inline=True)
def restraint_rule(r, p, seen, memory):
    return 0.0, NO_KIND, NAN


@register
class Restraint(Policy):
    """Never answer anything: hostility or conciliation. Always-cooperate in the classic game
    (Axelrod, The Evolution of Cooperation, 1984); in the record, Putin's decision of 30 December
    2016 not to answer the US expulsions (E06)."""

    name = "restraint"
    title = "Restraint"
    source = "Axelrod (1984), 'always cooperate'; record E06"
    code = RESTRAINT
    memory_depth = 0
    classic = True


@kernel(inline=True)
def mirror_rule(r, p, seen, memory):
    return seen[OVERTURE][r] - seen[PROVOCATION][r], NO_KIND, NAN


@register
class Mirror(Policy):
    """Answer each provocation with a measure of the same severity, and each overture with one of
    the same size; never act first. Tit-for-tat (Rapoport; Axelrod, The Evolution of Cooperation,
    1984). generous_mirror with forgiveness 0 is the same rule."""

    name = "mirror"
    title = "Mirror (tit-for-tat)"
    source = "Axelrod (1984), The Evolution of Cooperation; Rapoport's entry to Axelrod's 1980 tournament"
    code = MIRROR
    memory_depth = 1
    classic = True


@kernel(inline=True)
def tit_for_two_tats_rule(r, p, seen, memory):
    provocation = seen[PROVOCATION][r]
    twice = provocation > 0 and memory[r, 0] > 0
    memory[r, 0] = provocation  # the provocation of the month before
    return seen[OVERTURE][r] - (provocation if twice else 0.0), NO_KIND, NAN


@register
class TitForTwoTats(Policy):
    """Answer a provocation only when the other side provoked in each of the last two months;
    reciprocate overtures. Tit-for-two-tats (Maynard Smith's entry, Axelrod 1984)."""

    name = "tit_for_two_tats"
    title = "Tit-for-two-tats"
    source = "Axelrod (1984), The Evolution of Cooperation (Maynard Smith's rule)"
    code = TIT_FOR_TWO_TATS
    remembers = ("previous",)
    memory_depth = 2
    classic = True


@kernel(inline=True)
def generous_mirror_rule(r, p, seen, memory):
    forgiven = seen[DRAW][r] < p[r, 0]
    return seen[OVERTURE][r] - (0.0 if forgiven else seen[PROVOCATION][r]), NO_KIND, NAN


@register
class GenerousMirror(Policy):
    """Mirror, but forgive each provocation with probability `forgiveness`. Generous tit-for-tat
    (Nowak and Sigmund, 'Tit for tat in heterogeneous populations', Nature 355, 1992; Molander
    1985). With forgiveness 0 it is mirror."""

    name = "generous_mirror"
    title = "Generous mirror (generous tit-for-tat)"
    source = "Nowak & Sigmund (1992), Nature 355:250-253; Molander (1985), J. Conflict Resolution 29"
    code = GENEROUS_MIRROR
    reads = ("draw",)
    memory_depth = 1
    stochastic = True
    classic = True
    parameters = (Parameter("forgiveness", 0.3, 0.0, 1.0, "probability of letting a provocation pass"),)


@kernel(inline=True)
def grim_trigger_rule(r, p, seen, memory):
    provocation, grudge = seen[PROVOCATION][r], memory[r, 0]
    triggered = grudge > 0 or provocation > 0
    if not grudge > 0:
        grudge = provocation  # the first provocation, kept for good
    memory[r, 0] = grudge
    harder = provocation > grudge or provocation != provocation  # the larger, or nan (as np.maximum)
    return -(provocation if harder else grudge) if triggered else 0.0, NO_KIND, NAN


@register
class GrimTrigger(Policy):
    """After the first provocation, be hostile every month for good, at least as hard as that
    first provocation, and never conciliate. Grim trigger (Friedman, 'A non-cooperative
    equilibrium for supergames', Review of Economic Studies 38, 1971)."""

    name = "grim_trigger"
    title = "Grim trigger"
    source = "Friedman (1971), Review of Economic Studies 38:1-12"
    code = GRIM_TRIGGER
    remembers = ("grudge",)
    memory_depth = math.inf
    classic = True


@kernel(inline=True)
def win_stay_lose_shift_rule(r, p, seen, memory):
    own_last, hostility = seen[OWN_LAST][r], seen[HOSTILITY][r]
    other_hostile = hostility > 0
    if (own_last < 0) != other_hostile:  # one side, not both, was hostile: shift
        return -(hostility if other_hostile else -own_last), NO_KIND, NAN
    return seen[OVERTURE][r], NO_KIND, NAN


@register
class WinStayLoseShift(Policy):
    """Be hostile this month exactly when one side, not both, was hostile last month (Pavlov): a
    mutual exchange or mutual calm leads to calm, a one-sided month to hostility. Win-stay,
    lose-shift (Nowak and Sigmund, Nature 364, 1993; Kraines and Kraines 1989). It reads the
    other's raw hostility, not only provocations, as the classic rule reads the last move."""

    name = "win_stay_lose_shift"
    title = "Win-stay, lose-shift (Pavlov)"
    source = "Nowak & Sigmund (1993), Nature 364:56-58; Kraines & Kraines (1989), Theory and Decision 26"
    code = WIN_STAY_LOSE_SHIFT
    reads = ("own_last",)
    memory_depth = 1
    classic = True


@kernel(inline=True)
def gradual_rule(r, p, seen, memory):
    # memory[r]: provocations counted, punishing months left, calm months left, the punishment's size
    provocation = seen[PROVOCATION][r]
    provoked = provocation > 0
    if provoked:
        memory[r, 0] += 1.0
    punishing = memory[r, 1] > 0
    calming = not punishing and memory[r, 2] > 0
    if not punishing and not calming and provoked:  # the n-th provocation: n months of answers
        memory[r, 1] = memory[r, 0]
        memory[r, 3] = provocation
    hostile = memory[r, 1] > 0
    severity = 0.0
    if hostile:
        severity = -memory[r, 3]
        memory[r, 1] -= 1.0
        if memory[r, 1] == 0:  # the punishment's last month starts two months of calm
            memory[r, 2] = 2.0
    if calming:
        severity = p[r, 0]
        memory[r, 2] -= 1.0
    if not hostile and not calming:
        severity = seen[OVERTURE][r]
    return severity, NO_KIND, NAN


@register
class Gradual(Policy):
    """After the other's n-th provocation, answer n months in a row, then make two conciliatory
    months (`calm`), then wait for the next provocation. Gradual (Beaufils, Delahaye and Mathieu,
    'Our meeting with gradual', Artificial Life V, 1996)."""

    name = "gradual"
    title = "Gradual"
    source = "Beaufils, Delahaye & Mathieu (1996), Proc. Artificial Life V"
    code = GRADUAL
    remembers = ("count", "punish", "calm_left", "size")
    memory_depth = math.inf
    classic = True
    parameters = (Parameter("calm", 1.0, 0.0, 5.0, "severity of each of the two conciliatory months"),)


@kernel(inline=True)
def contrite_mirror_rule(r, p, seen, memory):
    own_error, provocation = seen[OWN_ERROR][r], seen[PROVOCATION][r]
    accepted = (memory[r, 0] > 0 or own_error) and provocation > 0
    # contrition lasts until the punishment has been taken, or two months at most
    if own_error:
        memory[r, 0] = 2.0
    elif accepted:
        memory[r, 0] = 0.0
    elif memory[r, 0] - 1 > 0:
        memory[r, 0] = memory[r, 0] - 1
    else:
        memory[r, 0] = 0.0
    return seen[OVERTURE][r] - (0.0 if accepted else provocation), NO_KIND, NAN


@register
class ContriteMirror(Policy):
    """Mirror, except that after one of its own hostile acts that it did not intend (an
    execution error) it takes the other's next provocation without answering. Contrite
    tit-for-tat (Sugden, The Economics of Rights, Co-operation and Welfare, 1986; Boyd 1989; Wu
    and Axelrod, 'How to cope with noise', J. Conflict Resolution 39, 1995)."""

    name = "contrite_mirror"
    title = "Contrite mirror (contrite tit-for-tat)"
    source = "Sugden (1986); Boyd (1989), J. Theoretical Biology 136; Wu & Axelrod (1995), JCR 39:183-189"
    code = CONTRITE_MIRROR
    reads = ("own_error",)
    remembers = ("sorry",)
    memory_depth = 2
    classic = True
