"""The months an answer waits are the count of cumulative delay weights at or below its uniform
number (numpy's searchsorted, side "right"), however many weights there are, one set for all runs
or one per run; the same compiled and as Python."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.engines.varying import delay_table, may_wait
from sim.rules import execution  # noqa: F401  (its kernels register)
from sim.rules.compiled import python_twins, twins


def _delays(values, u: np.ndarray, compiled: bool) -> np.ndarray:
    """`delay_one` of each draw, as `answer_runs` calls it: the table's row for all runs, or the run's own."""
    delay_one = (twins() if compiled else python_twins())["delay_one"]
    cumulative, last = delay_table(values, len(u))
    rows = [0 if len(cumulative) == 1 else r for r in range(len(u))]
    return np.array([delay_one(u[r], cumulative, rows[r], last[r]) for r in range(len(u))], dtype=np.intp)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("weights", [2, 3, 8, 12])
def test_delays_are_the_weights_at_or_below_each_draw(weights, compiled):
    rng = np.random.default_rng(weights)
    cumulative = np.cumsum(rng.uniform(0.1, 1.0, weights))
    cumulative /= cumulative[-1]
    u = np.concatenate([rng.uniform(size=500), cumulative[:-1], [0.0]])  # draws exactly on an edge too
    values = SimpleNamespace(cumulative=cumulative, last_delay=weights - 1)
    delay = _delays(values, u, compiled)
    expected = np.minimum(np.searchsorted(cumulative, u, side="right"), weights - 1)
    np.testing.assert_array_equal(delay, expected)
    assert len(np.unique(delay)) == weights  # every delay drawn


@pytest.mark.parametrize("compiled", [False, True])
def test_each_run_its_own_weights_padded_with_inf(compiled):
    cumulative = np.array([[0.5, 1.0, np.inf, np.inf], [0.1, 0.2, 0.3, 1.0], [1.0, np.inf, np.inf, np.inf]])
    values = SimpleNamespace(cumulative=cumulative, last_delay=np.array([1, 3, 0]))
    u = np.array([0.7, 0.25, 0.99])
    assert _delays(values, u, compiled).tolist() == [1, 2, 0]


def test_no_delay_may_wait_only_where_some_run_has_more_than_one_weight():
    assert not may_wait(SimpleNamespace(cumulative=np.array([1.0]), last_delay=0))
    assert may_wait(SimpleNamespace(cumulative=np.array([0.5, 1.0]), last_delay=1))
    assert may_wait(SimpleNamespace(cumulative=np.ones((2, 1)), last_delay=np.array([0, 0])))
