"""Uniform numbers are SplitMix64's finaliser of the run key and the counter, the same compiled,
as Python, and as the rule written out with Python integers."""

from __future__ import annotations

import numpy as np

from sim.rules.compiled import twins
from sim.rules.rng import run_keys, uniform, uniform_runs

MASK = (1 << 64) - 1
GOLDEN, M1, M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _mix(x: int) -> int:
    x ^= x >> 30
    x = (x * M1) & MASK
    x ^= x >> 27
    x = (x * M2) & MASK
    return x ^ (x >> 31)


def _uniform(key: int, month: int, side: int, slot: int) -> float:
    counter = ((month * 4 + side) * 64 + slot) & MASK
    return (_mix(key ^ _mix((counter * GOLDEN + GOLDEN) & MASK)) >> 11) / float(1 << 53)


def test_uniform_numbers_follow_splitmix64():
    keys = np.concatenate([run_keys(5, 40), np.array([0, MASK], dtype=np.uint64)])
    drawn = uniform(keys, 131, 1, 9)
    assert drawn.tolist() == [_uniform(int(k), 131, 1, 9) for k in keys]
    assert uniform(keys[:1], 131, 1, 9).tolist() == drawn[:1].tolist()  # one run, as Python


def test_compiled_and_python_draw_alike():
    keys = run_keys(11, 300)
    counter = np.uint64(0x1234_5678_9ABC_DEF0)
    python, compiled = np.empty(300), np.empty(300)
    with np.errstate(over="ignore"):
        uniform_runs(keys, counter, python)
    twins()["uniform_runs"](keys, counter, compiled)
    assert python.tobytes() == compiled.tobytes()
    assert 0.0 <= compiled.min() and compiled.max() < 1.0


def test_poisson_counts_invert_the_cdf_the_same_compiled_and_as_python(monkeypatch):
    """A crisis count is the number of the Poisson CDF's first `limit` partial sums at or below
    the run's uniform number (the terms worked out as exp(-mean) x mean / 1 x mean / 2 ...)."""
    import math

    from sim.rules.rng import SLOT_CRISIS_COUNT, poisson

    keys = run_keys(3, 400)
    means = np.concatenate([np.linspace(0.0, 6.0, 396), [0.0, 1e-300, 50.0, 0.04]])
    want = []
    for key, mean in zip(keys.tolist(), means.tolist(), strict=True):
        u = _uniform(key, 240, 1, SLOT_CRISIS_COUNT)
        term = math.exp(-mean)
        cdf, count = term, 0
        for k in range(1, 9):
            count += u >= cdf
            term *= mean / k
            cdf += term
        want.append(count)
    for mode in ("0", "1"):
        monkeypatch.setenv("TFT_JIT", mode)
        assert poisson(keys, 240, 1, SLOT_CRISIS_COUNT, means).tolist() == want
    assert 0 < sum(want) and max(want) == 8  # some runs count, and the limit holds
    assert poisson(keys, 240, 1, SLOT_CRISIS_COUNT, 0.0).tolist() == [0] * 400
