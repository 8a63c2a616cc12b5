"""The kernels of sim.rules.behaviour: a side's answers wait in a queue (one answer a month, never
merged, the more severe kept when every later month is taken), a month is seen by its most severe
act, accounts open and expire; each the same compiled and as Python."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.rules.behaviour import (
    age_accounts,
    owe,
    owe_beyond,
    perceive_runs,
    queue_one,
    show,
    take_answers,
    tally,
)
from sim.rules.compiled import twins

DEPTH = 3


def queue_answers(side, delay, depth, answer, queue, one=queue_one):
    """`queue_one` (or its compiled twin, `one`) in each run: answer is six arrays over the runs."""
    for r in range(len(delay)):
        one(r, side, delay[r], depth[r], tuple(part[r] for part in answer), *queue)


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
    queue_answers(0, *args, compiled, one=twins()["queue_one"])
    taken = [_answers([0.0] * runs), _answers([0.0] * runs)]
    take_answers(0, python, taken[0])
    twins()["take_answers"](0, compiled, taken[1])
    for mine, theirs in zip(python + taken[0], compiled + taken[1], strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_the_answer_due_is_taken_and_the_later_ones_come_closer():
    queue = _queues(2, [[-3, -4, 0], [0, -5, -6]])
    answer = (np.empty(2), np.empty(2, np.int64), np.empty(2), np.empty(2, bool), np.empty(2), np.empty(2, np.int64))
    take_answers(0, queue, answer)
    np.testing.assert_array_equal(answer[0], [-3, 0])
    np.testing.assert_array_equal(answer[1], [0, -1])
    np.testing.assert_array_equal(queue[0][:, 0], [[-4, 0, 0], [-5, -6, 0]])
    np.testing.assert_array_equal(queue[1][:, 0], [[1, -1, -1], [1, 2, -1]])
    assert np.isnan(queue[2][:, 0, 2]).all()


def _month(runs: int) -> tuple[tuple[np.ndarray, ...], ...]:
    shown = (np.zeros((runs, 2)), np.zeros((runs, 2)))
    dealt = (np.zeros((runs, 2)), np.zeros((runs, 2)))
    strongest = (np.zeros((runs, 2)), np.full((runs, 2), -1), np.zeros((runs, 2)), np.full((runs, 2), -1))
    return shown, dealt, strongest


def test_a_month_is_seen_by_its_most_severe_act():
    shown, dealt, strongest = _month(3)
    show(1, 0, False, np.array([0, 2]), np.array([-3.0, 2.0]), shown, dealt, strongest)
    show(1, 6, True, np.array([0, 1, 2]), np.array([-5.0, -1.0, 1.0]), shown, dealt, strongest)
    show(1, -1, True, np.array([1]), np.array([-8.0]), shown, dealt, strongest)  # a crisis: no kind
    np.testing.assert_array_equal(shown[0][:, 1], [5, 8, 0])
    np.testing.assert_array_equal(shown[1][:, 1], [0, 0, 2])
    np.testing.assert_array_equal(dealt[0][:, 1], [5, 8, 0])  # only the unplanned acts
    np.testing.assert_array_equal(dealt[1][:, 1], [0, 0, 1])
    np.testing.assert_array_equal(strongest[0][:, 1], [5, 1, 0])
    np.testing.assert_array_equal(strongest[1][:, 1], [6, 6, -1])
    np.testing.assert_array_equal(strongest[2][:, 1], [0, 0, 2])
    np.testing.assert_array_equal(strongest[3][:, 1], [-1, -1, 0])
    assert not shown[0][:, 0].any() and not strongest[0][:, 0].any()  # the other side showed nothing


def test_accounts_open_young_and_expire_after_memory_months():
    debt, credit = np.zeros((2, 2)), np.zeros((2, 2))
    age = np.zeros((2, 2, 2), dtype=np.int64)
    memory = np.array([[2.0, 12.0], [1.5, 12.0]])
    owe(0, np.array([3.0, 0.0]), np.array([0.0, 1.0]), debt, credit, age)
    for _ in range(2):
        age_accounts(memory, debt, credit, age)
    np.testing.assert_array_equal(debt[:, 0], [3, 0])
    np.testing.assert_array_equal(credit[:, 0], [0, 0])  # 2 months > 1.5: run 1's credit has expired
    owe(0, np.array([1.0, 0.0]), np.array([0.0, 0.0]), debt, credit, age)
    np.testing.assert_array_equal(age[:, 0, 0], [0, 2])  # run 0's debt grew: young again
    age_accounts(memory, debt, credit, age)
    age_accounts(memory, debt, credit, age)
    assert debt[0, 0] == 4.0
    age_accounts(memory, debt, credit, age)
    assert debt[0, 0] == 0.0


@settings(max_examples=40, deadline=None)
@given(
    severity=st.lists(st.sampled_from([0.0, -2.5, -7.0, 1.5, 4.0, -0.25]), min_size=1, max_size=12),
    kind=st.integers(-1, 3),
    unplanned=st.booleans(),
    memory=st.sampled_from([1.0, 2.5, 12.0]),
)
def test_compiled_and_python_months_alike(severity, kind, unplanned, memory):
    runs = len(severity)
    rows = np.arange(runs)[::-1].copy()
    values = np.array(severity)
    months = [_month(runs), _month(runs)]
    accounts = [(np.ones((runs, 2)), np.ones((runs, 2)), np.ones((runs, 2, 2), dtype=np.int64)) for _ in range(2)]
    for fns, (shown, dealt, strongest), (debt, credit, age) in zip(
        ((show, owe, age_accounts), tuple(twins()[f] for f in ("show", "owe", "age_accounts"))),
        months,
        accounts,
        strict=True,
    ):
        fns[0](0, kind, unplanned, rows, values, shown, dealt, strongest)
        fns[0](1, kind, unplanned, rows[:1], -values[:1], shown, dealt, strongest)
        fns[1](1, np.maximum(-values, 0.0), np.maximum(values, 0.0), debt, credit, age)
        fns[2](np.full((runs, 2), memory), debt, credit, age)
    for mine, theirs in zip(months[0], months[1], strict=True):
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(accounts[0], accounts[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_run_executes_its_most_severe_measure_and_counts_each():
    executed = np.array([0.0, -4.0, 2.0])
    acts, kinds = np.zeros((3, 2, 2), dtype=np.int64), np.zeros((3, 2, 36), dtype=np.int64)
    for fn in (tally, twins()["tally"]):
        fn(1, 6, True, np.array([0, 1, 2]), np.array([-3.0, -3.5, -2.5]), executed, acts, kinds)
    np.testing.assert_array_equal(executed, [-3.0, -4.0, -2.5])
    np.testing.assert_array_equal(acts[:, 1, 0], [2, 2, 2])
    np.testing.assert_array_equal(kinds[:, 1, 6], [2, 2, 2])
    assert acts[:, 0].sum() == 0 and acts[:, 1, 1].sum() == 0 and kinds.sum() == 6


def test_only_what_goes_beyond_the_provocation_answered_opens_an_account():
    executed, answering = np.array([-5.0, -2.0, 4.0, 0.0, 1.0]), np.array([3.0, 3.0, 1.0, 2.0, 2.0])
    for fn in (owe_beyond, twins()["owe_beyond"]):
        debt, credit = np.ones((5, 2)), np.zeros((5, 2))
        age = np.full((5, 2, 2), 4, dtype=np.int64)
        fn(1, executed, answering, debt, credit, age)
        np.testing.assert_array_equal(debt[:, 1], [3, 1, 1, 1, 1])
        np.testing.assert_array_equal(credit[:, 1], [0, 0, 3, 0, 0])
        np.testing.assert_array_equal(age[:, 1, 0], [0, 4, 4, 4, 4])
        np.testing.assert_array_equal(age[:, 1, 1], [4, 4, 0, 4, 4])
        assert (debt[:, 0] == 1).all() and (age[:, 0] == 4).all()


def _perceive(fn, misread: bool, looking: np.ndarray) -> tuple[np.ndarray, ...]:
    shown = (np.array([0.0, 0.0, 4.0, 5.0, 1.5]), np.array([0.0, 2.0, 0.0, 1.0, 0.4]))
    phantom = np.array([True, False, True, False, False])
    accounts = (
        np.array([[0.0, 9.0], [0, 0], [0, 0], [3.0, 0], [0, 0]]),
        np.array([[0, 0], [0.5, 0], [0, 0], [0, 0], [0, 0]]),
    )
    seen = tuple(np.empty(5) for _ in range(5))
    factor = np.array([1.0, 2.0, 0.5, 1.0, 1.0])
    fn(0, shown, phantom, np.full(5, 3.0), misread, factor, looking, np.full(5, 2.0), accounts, seen)
    return (*seen, *accounts)


def test_a_side_perceives_nets_its_accounts_and_notices_what_is_left():
    hostility, conciliation, provocation, overture, reciprocated, debt, credit = _perceive(
        perceive_runs, False, np.ones(5, dtype=bool)
    )
    np.testing.assert_array_equal(hostility, [3.0, 0.0, 4.0, 5.0, 1.5])  # a quiet month misread as hostile
    np.testing.assert_array_equal(conciliation, [0.0, 2.0, 0.0, 1.0, 0.4])
    np.testing.assert_array_equal(provocation, [3.0, 0.0, 4.0, 2.0, 0.0])  # 5 less the 3 it answers; 1.5 unnoticed
    np.testing.assert_array_equal(overture, [0.0, 1.5, 0.0, 1.0, 0.0])  # 2 less 0.5 reciprocated; 0.4 unnoticed
    np.testing.assert_array_equal(reciprocated, [0.0, 0.5, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(debt[:, 0], [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(debt[:, 1], [9, 0, 0, 0, 0])  # the other side's account is untouched
    np.testing.assert_array_equal(credit[:, 0], [0, 0, 0, 0, 0])


def test_a_side_that_does_not_look_keeps_its_accounts_and_misreads_scale():
    looking = np.array([True, True, True, False, True])
    hostility, _, provocation, overture, _, debt, credit = _perceive(perceive_runs, True, looking)
    np.testing.assert_array_equal(hostility, [3.0, 0.0, 2.0, 5.0, 1.5])
    np.testing.assert_array_equal(overture, [0.0, 3.5, 0.0, 1.0, 0.0])  # 2 x 2, less 0.5
    np.testing.assert_array_equal(provocation, [3.0, 0.0, 2.0, 5.0, 0.0])
    assert debt[3, 0] == 3.0 and credit[1, 0] == 0.0


@pytest.mark.parametrize("misread", [False, True])
def test_compiled_and_python_perceive_alike(misread):
    looking = np.array([True, False, True, True, False])
    for mine, theirs in zip(
        _perceive(perceive_runs, misread, looking), _perceive(twins()["perceive_runs"], misread, looking), strict=True
    ):
        np.testing.assert_array_equal(mine, theirs)
