"""A side's answers wait in a queue: one answer a month, never merged, the more severe kept when
every later month is taken (sim.rules.behaviour.queue_answers), the same compiled and as Python."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.rules.behaviour import queue_answers
from sim.rules.compiled import twins

DEPTH = 3


def _queues(runs: int, severities: list[list[float]]) -> tuple[np.ndarray, ...]:
    """The six queues of two sides; side 0's severities as given (kinds 0, 1, 2 ... by month)."""
    queue_severity = np.zeros((runs, 2, DEPTH))
    queue_severity[:, 0, :] = severities
    kinds = np.where(queue_severity != 0, np.arange(DEPTH), -1).astype(np.int64)
    return (
        queue_severity,
        kinds,
        np.full((runs, 2, DEPTH), np.nan),
        np.zeros((runs, 2, DEPTH), dtype=bool),
        np.zeros((runs, 2, DEPTH)),
        np.full((runs, 2, DEPTH), -1, dtype=np.int64),
    )


def _answers(severity: list[float]) -> tuple[np.ndarray, ...]:
    runs = len(severity)
    return (
        np.array(severity, dtype=float),
        np.full(runs, 7, dtype=np.int64),
        np.full(runs, 4.0),
        np.ones(runs, dtype=bool),
        np.full(runs, 2.5),
        np.full(runs, 0, dtype=np.int64),
    )


def test_an_answer_waits_for_a_free_month_and_the_more_severe_is_kept():
    queue = _queues(5, [[0, 0, 0], [-3, 0, 0], [-3, -4, 0], [-3, -4, -5], [-3, -4, -1]])
    delay = np.zeros(5, dtype=np.int64)
    depth = np.full(5, DEPTH, dtype=np.int64)
    queue_answers(0, delay, depth, _answers([-2, -2, -2, -2, -2]), queue)
    np.testing.assert_array_equal(queue[0][:, 0], [[-2, 0, 0], [-3, -2, 0], [-3, -4, -2], [-3, -4, -5], [-3, -4, -2]])
    # the kept answer carries its own kind, size, error, provocation and like-for-like kind
    np.testing.assert_array_equal(queue[1][:, 0], [[7, -1, -1], [0, 7, -1], [0, 1, 7], [0, 1, 2], [0, 1, 7]])
    assert queue[2][4, 0, 2] == 4.0 and queue[3][4, 0, 2] and queue[4][4, 0, 2] == 2.5 and queue[5][4, 0, 2] == 0
    assert not queue[0][:, 1].any()  # the other side's queue is untouched


def test_no_answer_queues_nothing_and_a_shallow_queue_stops_early():
    queue = _queues(2, [[-3, 0, 0], [-3, 0, 0]])
    queue_answers(0, np.array([0, 0]), np.array([1, 3]), _answers([-2, 0]), queue)
    np.testing.assert_array_equal(queue[0][:, 0], [[-3, 0, 0], [-3, 0, 0]])  # a one-month queue keeps the -3


@settings(max_examples=60, deadline=None)
@given(
    held=st.lists(st.lists(st.sampled_from([0.0, -1.0, -3.0, 2.0, -6.5]), min_size=DEPTH, max_size=DEPTH), min_size=1),
    severity=st.lists(st.sampled_from([0.0, -2.0, -3.0, 1.5, -7.0]), min_size=1),
    delay=st.lists(st.integers(0, DEPTH - 1), min_size=1),
)
def test_compiled_and_python_queue_alike(held, severity, delay):
    runs = min(len(held), len(severity), len(delay))
    args = (np.array(delay[:runs], dtype=np.int64), np.full(runs, DEPTH, dtype=np.int64), _answers(severity[:runs]))
    python, compiled = _queues(runs, held[:runs]), _queues(runs, held[:runs])
    queue_answers(0, *args, python)
    twins()["queue_answers"](0, *args, compiled)
    for mine, theirs in zip(python, compiled, strict=True):
        np.testing.assert_array_equal(mine, theirs)
