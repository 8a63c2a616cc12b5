"""The months an answer waits are the count of cumulative delay weights at or below its uniform
number (numpy's searchsorted, side "right"), however many weights there are."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.engines.varying import SHORT_WEIGHTS, delays_drawn


@pytest.mark.parametrize("weights", [3, SHORT_WEIGHTS, SHORT_WEIGHTS + 4])
def test_delays_are_the_weights_at_or_below_each_draw(weights):
    rng = np.random.default_rng(weights)
    cumulative = np.cumsum(rng.uniform(0.1, 1.0, weights))
    cumulative /= cumulative[-1]
    u = np.concatenate([rng.uniform(size=500), cumulative[:-1], [0.0]])  # draws exactly on an edge too
    values = SimpleNamespace(cumulative=cumulative, last_delay=weights - 1)
    delay = delays_drawn(values, lambda: u, len(u))
    expected = np.minimum(np.searchsorted(cumulative, u, side="right"), weights - 1)
    np.testing.assert_array_equal(delay, expected)
    assert delay.dtype == np.intp and len(np.unique(delay)) == weights  # every delay drawn


def test_no_delay_draws_nothing():
    values = SimpleNamespace(cumulative=np.array([1.0]), last_delay=0)
    drawn = []
    assert delays_drawn(values, lambda: drawn.append(1), 4).tolist() == [0, 0, 0, 0] and not drawn
