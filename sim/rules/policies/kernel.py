"""The catalogue's policies as one kernel (sim.rules.compiled): a loop over runs with the rule a
policy's number names, each rule written next to its policy's class (`classic.py`, `graded.py`).

A policy is data to it: the rule's number (`Policy.code`), its parameters' values (`Policy.values`,
a row per run), what it saw (the fields of `Seen` as a tuple) and what it remembers (a row per
run). The same source runs compiled for a batch and as Python for one run."""

from __future__ import annotations

from sim.rules.compiled import kernel
from sim.rules.policies.base import (
    CONTRITE_MIRROR,
    ESCALATE,
    GENEROUS_MIRROR,
    GRADUAL,
    GRIM_TRIGGER,
    GRIT,
    MIRROR,
    PARITY,
    RESTRAINT,
    TALKS_RESET,
    TIT_FOR_TWO_TATS,
    WIN_STAY_LOSE_SHIFT,
)
from sim.rules.policies.classic import (
    contrite_mirror_rule,
    generous_mirror_rule,
    gradual_rule,
    grim_trigger_rule,
    mirror_rule,
    restraint_rule,
    tit_for_two_tats_rule,
    win_stay_lose_shift_rule,
)
from sim.rules.policies.graded import escalate_rule, grit_rule, parity_rule, talks_reset_rule


@kernel
def decide_runs(code, p, seen, memory, severity, kind, size):
    """Rule number `code`, with parameters `p[r]`, for every run r: into severity[r], kind[r],
    size[r]. A loop for each rule: one loop over runs that chose among the rules in each run
    compiles to code dozens of times slower (its body holds every rule)."""
    runs = severity.shape[0]
    if code == MIRROR:
        for r in range(runs):
            severity[r], kind[r], size[r] = mirror_rule(r, p, seen, memory)
    elif code == RESTRAINT:
        for r in range(runs):
            severity[r], kind[r], size[r] = restraint_rule(r, p, seen, memory)
    elif code == TIT_FOR_TWO_TATS:
        for r in range(runs):
            severity[r], kind[r], size[r] = tit_for_two_tats_rule(r, p, seen, memory)
    elif code == GENEROUS_MIRROR:
        for r in range(runs):
            severity[r], kind[r], size[r] = generous_mirror_rule(r, p, seen, memory)
    elif code == GRIM_TRIGGER:
        for r in range(runs):
            severity[r], kind[r], size[r] = grim_trigger_rule(r, p, seen, memory)
    elif code == WIN_STAY_LOSE_SHIFT:
        for r in range(runs):
            severity[r], kind[r], size[r] = win_stay_lose_shift_rule(r, p, seen, memory)
    elif code == GRADUAL:
        for r in range(runs):
            severity[r], kind[r], size[r] = gradual_rule(r, p, seen, memory)
    elif code == CONTRITE_MIRROR:
        for r in range(runs):
            severity[r], kind[r], size[r] = contrite_mirror_rule(r, p, seen, memory)
    elif code == ESCALATE:
        for r in range(runs):
            severity[r], kind[r], size[r] = escalate_rule(r, p, seen, memory)
    elif code == PARITY:
        for r in range(runs):
            severity[r], kind[r], size[r] = parity_rule(r, p, seen, memory)
    elif code == GRIT:
        for r in range(runs):
            severity[r], kind[r], size[r] = grit_rule(r, p, seen, memory)
    elif code == TALKS_RESET:
        for r in range(runs):
            severity[r], kind[r], size[r] = talks_reset_rule(r, p, seen, memory)
    else:
        raise ValueError("no such rule")
