"""Counter-based random numbers: each draw is a pure function of (run key, month, side, slot).

A run's numbers do not depend on how many other runs share its batch, how runs are chunked or
which worker runs them, and nothing is stored between draws. Run keys are the children of
`numpy.random.SeedSequence(root_seed)`, computed for a slice of runs at once, so every run of an
ensemble can be re-run alone and any slice of an ensemble's keys is cheap to make again.

The mixing function is SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), applied to the key combined with the counter.
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from sim.rules.compiled import kernel, pick
from sim.rules.libm import exp_one, normal_of

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
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
# whether a side looks after the month's forced events (same_month), and the instruments' draws of
# an answer carried out at once (a month may then hold two answers of one side)
SLOT_SAME_MONTH = 14
SLOTS_INSTRUMENTS_SAME_MONTH = (15, 16, 17, 18)


@kernel
def _mix(x):
    """SplitMix64's finaliser of one 64-bit word (np.uint64; arithmetic wraps)."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


@kernel(inline=True)
def uniform_one(key, counter):
    """The uniform number in [0, 1) of a run's `key` at `counter` (a mixed counter, np.uint64):
    the top 53 bits of their mix."""
    return np.float64(_mix(key ^ counter) >> _S11) * _TO_UNIT


@kernel
def uniform_runs(keys, counter, out):
    """out[i]: `uniform_one` of keys[i] at `counter`."""
    for i in range(keys.shape[0]):
        out[i] = uniform_one(keys[i], counter)


@kernel(inline=True)
def poisson_one(u, mean, limit):
    """The Poisson count of mean `mean` that the uniform number `u` gives, by inversion of the CDF,
    at most `limit` (as `poisson` works it out for many runs)."""
    term = exp_one(-mean)
    cdf = term
    count = 0
    for k in range(1, limit + 1):
        if u >= cdf:
            count += 1
        term = term * (mean / k)
        cdf = cdf + term
    return count


# SeedSequence's constants (numpy/random/bit_generator.pyx), for run_keys
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4
_WORD = 0xFFFFFFFF


def _words(value: int) -> list[int]:
    """An integer as SeedSequence reads it: 32-bit words, least significant first; 0 is one word."""
    words = [value & _WORD]
    value >>= 32
    while value:
        words.append(value & _WORD)
        value >>= 32
    return words


def _hashmix(value, hash_const: int):
    """(mixed value, next hash constant): works on ints and on uint32 arrays alike."""
    value = value ^ hash_const
    hash_const = (hash_const * _MULT_A) & _WORD
    value = (value * hash_const) & _WORD
    return value ^ (value >> 16), hash_const


def _seed_mix(x, y):
    result = (_MIX_L * x - _MIX_R * y) & _WORD
    return result ^ (result >> 16)


def _root_pool(root_seed: int) -> tuple[list[int], int]:
    """SeedSequence's pool after the root seed's words (padded to the pool size, as it pads them
    when a spawn key follows), and the hash constant where the spawn key's words take over."""
    entropy = _words(root_seed)
    entropy += [0] * (_POOL - len(entropy))
    hash_const = _INIT_A
    pool = []
    for word in entropy[:_POOL]:
        value, hash_const = _hashmix(word, hash_const)
        pool.append(value)
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                value, hash_const = _hashmix(pool[src], hash_const)
                pool[dst] = _seed_mix(pool[dst], value)
    for word in entropy[_POOL:]:
        for dst in range(_POOL):
            value, hash_const = _hashmix(word, hash_const)
            pool[dst] = _seed_mix(pool[dst], value)
    return pool, hash_const


def _spawned_keys(pool: list[int], hash_const: int, children: np.ndarray) -> np.ndarray:
    """The first 64-bit word of each child's state; all children here have the same number of
    spawn-key words (`children`: uint64, all below 2**32 or all at or above it)."""
    words = [children & np.uint64(_WORD)]
    if children.size and int(children[0]) > _WORD:
        words.append(children >> np.uint64(32))
    mixed = [np.full(children.shape, p, dtype=np.uint64) for p in pool]
    for word in words:
        for dst in range(_POOL):
            value, hash_const = _hashmix(word, hash_const)
            mixed[dst] = _seed_mix(mixed[dst], value)
    state = []
    hash_const = _INIT_B
    for src in range(2):  # two 32-bit words make the 64-bit key, low word first
        value = mixed[src] ^ np.uint64(hash_const)
        hash_const = (hash_const * _MULT_B) & _WORD
        value = (value * np.uint64(hash_const)) & np.uint64(_WORD)
        state.append(value ^ (value >> np.uint64(16)))
    return state[0] | (state[1] << np.uint64(32))


FEW_RUNS = 4  # at most this many keys come from SeedSequence itself


def run_keys(root_seed: int, runs: int, first: int = 0) -> np.ndarray:
    """One 64-bit key per run: runs first .. first+runs-1 of those spawned from the root seed.

    Key i is `SeedSequence(root_seed, spawn_key=(i,)).generate_state(1, np.uint64)[0]`, bit for
    bit, computed over all the runs at once: only the spawn key differs between runs, so the
    root seed's part of the hash is mixed once and the rest is a few array operations. Any slice
    is as cheap as its length, so an ensemble regenerates its keys chunk by chunk instead of
    keeping them."""
    root = operator.index(root_seed)
    if root < 0 or runs < 0 or first < 0:
        raise ValueError(f"run_keys: root seed, runs and first run must be non-negative (got {root}, {runs}, {first})")
    if runs <= FEW_RUNS:  # numpy's own hash is the quicker for a handful of keys
        return np.array(
            [
                np.random.SeedSequence(root, spawn_key=(i,)).generate_state(1, np.uint64)[0]
                for i in range(first, first + runs)
            ],
            dtype=np.uint64,
        )
    pool, hash_const = _root_pool(root)
    children = np.arange(first, first + runs, dtype=np.uint64)
    one_word = min(max(_WORD + 1 - first, 0), runs)  # children below 2**32 have a one-word spawn key
    keys = np.empty(runs, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in (slice(None, one_word), slice(one_word, None)):
            if len(children[part]):
                keys[part] = _spawned_keys(pool, hash_const, children[part])
    return keys


@functools.lru_cache(maxsize=4096)
def _counter(month: int, side: int, slot: int) -> np.uint64:
    """The mixed counter of a month, side and slot (the same for every run: worked out once)."""
    counter = np.uint64(((month * 4 + side) * 64 + slot) & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        return _mix(counter * _GOLDEN + _GOLDEN)


def uniform(keys: np.ndarray, month: int, side: int, slot: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per run key."""
    flat = np.ascontiguousarray(keys, dtype=np.uint64).reshape(-1)
    out = np.empty(flat.shape)
    with np.errstate(over="ignore"):
        pick(uniform_runs, len(flat))(flat, _counter(month, side, slot), out)
    return out.reshape(np.shape(keys))


def normal(keys: np.ndarray, month: int, side: int, slot_a: int, slot_b: int) -> np.ndarray:
    """Standard normal numbers (Box-Muller from two uniform slots)."""
    u1 = 1.0 - uniform(keys, month, side, slot_a)  # (0, 1]
    u2 = uniform(keys, month, side, slot_b)
    return normal_of(u1, u2)


@kernel
def poisson_runs(keys, counter, mean, limit, out):
    """out[i]: the Poisson count of mean mean[i] (`poisson_one`) from `uniform_one` of keys[i] at
    `counter`."""
    for i in range(keys.shape[0]):
        out[i] = poisson_one(uniform_one(keys[i], counter), mean[i], limit)


def poisson(keys: np.ndarray, month: int, side: int, slot: int, mean: float | np.ndarray, limit: int = 8) -> np.ndarray:
    """Poisson counts with the given mean, one for all runs or one per run (by inversion of the CDF,
    at most `limit`: `poisson_one`). A run whose mean is 0 gets 0: its CDF starts at 1, above
    every uniform number."""
    flat = np.ascontiguousarray(keys, dtype=np.uint64).reshape(-1)
    counts = np.zeros(len(flat), dtype=np.int64)
    if np.all(np.asarray(mean) <= 0):
        return counts
    means = np.ascontiguousarray(np.broadcast_to(np.asarray(mean, dtype=np.float64), flat.shape))
    with np.errstate(over="ignore"):
        pick(poisson_runs, len(flat))(flat, _counter(month, side, slot), means, int(limit), counts)
    return counts
