"""Counter-based random numbers: each draw is a pure function of (run key, month, side, slot).

A run's numbers do not depend on how many other runs share its batch, how runs are chunked or
which worker runs them, and nothing is stored between draws. Run keys come from one root seed
through `numpy.random.SeedSequence`, so every run of an ensemble can be re-run alone.

The mixing function is SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), applied to the key combined with the counter.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_TO_UNIT = 1.0 / float(1 << 53)

# Slots: which draw of a month and side a number is. Fixed, so adding a draw never shifts others.
SLOT_PERCEIVE_PHANTOM = 0
SLOT_MISREAD_A = 2
SLOT_MISREAD_B = 3
SLOT_EXECUTION = 4
SLOT_DELAY = 5
SLOT_POLICY = 6
SLOT_CRISIS_COUNT = 7
SLOT_CRISIS_SEVERITY = 8
# instruments: in kind or not, the kind, a package or not, the package's second kind
SLOTS_INSTRUMENTS = (9, 10, 11, 12)
# which posterior draw a run uses (drawn at month 0, which no run simulates)
SLOT_POSTERIOR = 13


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


def run_keys(root_seed: int, runs: int, first: int = 0) -> np.ndarray:
    """One 64-bit key per run: runs first .. first+runs-1 of those spawned from the root seed
    (child i of `SeedSequence(root_seed).spawn(...)`, made directly, so any slice is cheap)."""
    return np.array(
        [
            np.random.SeedSequence(root_seed, spawn_key=(i,)).generate_state(1, dtype=np.uint64)[0]
            for i in range(first, first + runs)
        ],
        dtype=np.uint64,
    )


def uniform(keys: np.ndarray, month: int, side: int, slot: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per run key."""
    counter = np.uint64(((month * 4 + side) * 64 + slot) & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        bits = _mix(np.asarray(keys, dtype=np.uint64) ^ _mix(counter * _GOLDEN + _GOLDEN))
    return (bits >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def normal(keys: np.ndarray, month: int, side: int, slot_a: int, slot_b: int) -> np.ndarray:
    """Standard normal numbers (Box-Muller from two uniform slots)."""
    u1 = 1.0 - uniform(keys, month, side, slot_a)  # (0, 1]
    u2 = uniform(keys, month, side, slot_b)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def poisson(keys: np.ndarray, month: int, side: int, slot: int, mean: float, limit: int = 8) -> np.ndarray:
    """Poisson counts with the given mean (by inversion of the CDF, at most `limit`)."""
    u = uniform(keys, month, side, slot)
    counts = np.zeros(len(u), dtype=np.int64)
    if mean <= 0:
        return counts
    term = np.exp(-mean)
    cdf = term
    for k in range(1, limit + 1):
        counts += u >= cdf
        term *= mean / k
        cdf += term
    return counts
