"""What becomes of a policy's decision, as kernels (sim.rules.compiled): the decision itself (the
side's rule), execution error, the provocation or overture it answers, the kind it answers like
for like, the months it waits, and its place in the queue of the side's answers. `answer_runs`
does all of it for a side in every run, in one call."""

from __future__ import annotations

import numpy as np

from sim.rules.behaviour import queue_one
from sim.rules.compiled import kernel
from sim.rules.policies.base import OVERTURE, PROVOCATION
from sim.rules.policies.kernel import decide_runs
from sim.rules.state import NONE


@kernel(inline=True)
def carry_out_one(flip, error_severity, severity, kind, size, provocation, overture, like_hostile, like_conciliatory):
    """One run's decision (severity, kind, size) as carried out: where the side's execution
    `flip`s, a quiet month produces an unintended hostile act of error_severity (an error) and an
    intended act is not carried out. The act answers the provocation (a hostile act) or the overture;
    it answers like for like the kind of the act answered (like_hostile, like_conciliatory), a
    conciliatory step only when it reciprocates an overture (a unilateral step restores in the
    documented order). Returns severity, kind, size, error, answering, like."""
    error = False
    if flip:
        if severity == 0:
            error = True
            severity = -error_severity
        else:
            severity = 0.0
        kind = NONE
        size = np.nan
    if severity < 0:
        return severity, kind, size, error, provocation, like_hostile
    like = like_conciliatory if severity > 0 and overture > 0 else NONE
    return severity, kind, size, error, overture, like


@kernel(inline=True)
def delay_one(u, cumulative, row, last_delay):
    """The months an answer waits: how many of the cumulative delay weights cumulative[row] lie at
    or below its uniform number `u` (numpy's searchsorted, side "right", for weights in order; a
    run's padding of inf counts none), at most `last_delay`."""
    count = 0
    for j in range(cumulative.shape[1]):
        if cumulative[row, j] <= u:
            count += 1
    return count if count < last_delay else last_delay


@kernel
def answer_runs(side, policy, seen, like_kinds, execution, delays, late, queues, now, decided):
    """A side's answer in every run, from what it saw to its queue: its rule decides (`policy`:
    the rule's number, its parameters per run, its memory; `seen`: the fields of `Seen`), the
    decision is carried out (`execution`: uniform draws, or none; the chance of an execution error
    and the severity of one, per run), it waits the months its draw says (`delays`: uniform draws,
    or none; cumulative weights, a row for all runs or one per run; the longest delay and the
    queue's depth per run) and is queued (`queues`: the six queues of `queue_one`). In the runs
    that looked `late` (none when empty), an answer that need not wait is not queued but returned
    in `now` (severity, kind, size, like, error, answering; severity 0 and no error elsewhere).
    `decided`: room for the rule's decision (severity, kind, size per run). Returns whether any
    run has an answer now."""
    code, p, memory = policy
    provocation, overture = seen[PROVOCATION], seen[OVERTURE]
    like_hostile, like_conciliatory = like_kinds
    flip_u, execution_error, error_severity = execution
    delay_u, cumulative, last_delay, depth = delays
    now_severity, now_kind, now_size, now_like, now_error, now_answering = now
    queue_severity, queue_kind, queue_size, queue_error, queue_answering, queue_like = queues
    flips, waits, looked_late = flip_u.shape[0] > 0, delay_u.shape[0] > 0, late.shape[0] > 0
    shared = cumulative.shape[0] == 1
    runs = provocation.shape[0]
    decide_runs(code, p, seen, memory, decided[0], decided[1], decided[2])
    any_now = False
    for r in range(runs):
        flip = flips and flip_u[r] < execution_error[r]
        if not flip and not looked_late and decided[0][r] == 0:
            continue  # nothing to carry out, and nothing of it to return: most runs, most months
        severity, kind, size, error, answering, like = carry_out_one(
            flip,
            error_severity[r],
            decided[0][r],
            decided[1][r],
            decided[2][r],
            provocation[r],
            overture[r],
            like_hostile[r],
            like_conciliatory[r],
        )
        if looked_late:
            now_kind[r], now_size[r], now_like[r], now_answering[r] = kind, size, like, answering
            now_severity[r], now_error[r] = 0.0, False
        if severity == 0:  # nothing carried out: nothing waits, nothing queued
            continue
        delay = 0
        if waits:
            delay = delay_one(delay_u[r], cumulative, 0 if shared else r, last_delay[r])
        if looked_late:
            if late[r] and delay == 0:  # carried out at once, not queued
                now_severity[r], now_error[r] = severity, error
                any_now = True
                severity = 0.0
        queue_one(
            r,
            side,
            delay,
            depth[r],
            (severity, kind, size, error, answering, like),
            queue_severity,
            queue_kind,
            queue_size,
            queue_error,
            queue_answering,
            queue_like,
        )
    return any_now
