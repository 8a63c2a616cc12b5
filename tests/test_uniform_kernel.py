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
