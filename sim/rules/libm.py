"""Exponentials and logarithms from the C library, element by element, whatever the processor.

numpy computes `log`, `log10`, `log1p`, `exp` and `power` of float64 arrays with routines of its own on a
processor with AVX-512, and these round differently from the C library in a few percent of cases
(a fifth of the `log10`s of random numbers on one such machine); elsewhere it calls the C library.
A rule written with numpy's would give a run numbers that depend on the processor. The rules call
these kernels instead: as Python they call the C library through `math`, compiled they call the
same functions through numba, so a run has the same numbers whichever processor, driver or batch
ran it, given the same C library (`tests/test_libm.py`), and a rule that uses them can itself be a
kernel.

Where numpy returns inf, -inf or nan and `math` would raise (an overflow, the log of zero or of a
negative number), these return what numpy returns.
"""

from __future__ import annotations

from math import cos, exp, log, log1p, log10, pi, sqrt

import numpy as np

from sim.rules.compiled import kernel, pick

INF = float("inf")
NAN = float("nan")
EXP_MAX = 709.782712893384  # the largest x whose exp is finite: log of the largest double
POW10_MAX = 308.2547155599167  # the largest x whose 10 ** x is finite


@kernel(inline=True)
def log10_one(v):
    """log10(v): -inf at 0, nan below 0 or at nan."""
    return log10(v) if v > 0.0 else (-INF if v == 0.0 else NAN)


@kernel
def log10_each(x, out):
    """out[i] = log10(x[i]) (`log10_one`)."""
    for i in range(x.shape[0]):
        out[i] = log10_one(x[i])


@kernel
def log1p_each(x, out):
    """out[i] = log(1 + x[i]), exact for small x[i]: -inf at -1, nan below -1 or at nan."""
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = log1p(v) if v > -1.0 else (-INF if v == -1.0 else NAN)


@kernel(inline=True)
def exp_one(v):
    """exp(v): inf past EXP_MAX."""
    return INF if v > EXP_MAX else exp(v)


@kernel
def exp_each(x, out):
    """out[i] = exp(x[i]) (`exp_one`)."""
    for i in range(x.shape[0]):
        out[i] = exp_one(x[i])


@kernel(inline=True)
def row_sum(values, n):
    """0 + values[0] + ... + values[n - 1] added in numpy's order for a row of at most 128
    (`np.sum` along a contiguous axis): in turn below 8; else eight running sums, added in pairs,
    then the rest in turn."""
    if n < 8:
        total = 0.0
        for i in range(n):
            total += values[i]
        return total
    r0, r1, r2, r3 = values[0], values[1], values[2], values[3]
    r4, r5, r6, r7 = values[4], values[5], values[6], values[7]
    i = 8
    while i < n - n % 8:
        r0 += values[i]
        r1 += values[i + 1]
        r2 += values[i + 2]
        r3 += values[i + 3]
        r4 += values[i + 4]
        r5 += values[i + 5]
        r6 += values[i + 6]
        r7 += values[i + 7]
        i += 8
    total = 0.0 + (((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)))
    while i < n:
        total += values[i]
        i += 1
    return total


@kernel(views=False)  # it hands row_sum one row at a time
def row_sums(values, out):
    """`row_sum` of each row of `values` (float[R, n], n at most 128), into out[R]."""
    for r in range(values.shape[0]):
        out[r] = row_sum(values[r], values.shape[1])


@kernel(inline=True)
def pow10_one(v, base):
    """base ** v with base 10 (given, not written in: a compiler may turn a power of a constant
    10 into another function): inf past POW10_MAX."""
    return INF if v > POW10_MAX else base**v


@kernel
def pow10_each(x, base, out):
    """out[i] = 10 ** x[i] (`pow10_one`; `base`: 10)."""
    for i in range(x.shape[0]):
        out[i] = pow10_one(x[i], base)


@kernel
def box_muller(u1, u2, out):
    """out[i]: a standard normal number from u1[i] in (0, 1] and u2[i] in [0, 1) (inf at u1[i] = 0)."""
    for i in range(u1.shape[0]):
        v = u1[i]
        out[i] = sqrt(-2.0 * (log(v) if v > 0.0 else -INF)) * cos(2.0 * pi * u2[i])


def _each(fn, x, *extra) -> np.ndarray | float:
    """`fn` over every element of `x` (a number or an array of any shape), as float64."""
    values = np.asarray(x, dtype=np.float64)
    flat = values.reshape(-1) if values.flags.c_contiguous else np.ascontiguousarray(values).reshape(-1)
    out = np.empty(flat.shape)
    pick(fn, len(flat))(flat, *extra, out)
    return out.reshape(values.shape) if values.ndim else float(out[0])


def log10_of(x):
    """log10 of each element (see `log10_each`)."""
    return _each(log10_each, x)


def log1p_of(x):
    """log(1 + x) of each element (see `log1p_each`)."""
    return _each(log1p_each, x)


def exp_of(x):
    """exp of each element (see `exp_each`)."""
    return _each(exp_each, x)


def pow10_of(x):
    """10 ** each element (see `pow10_each`)."""
    return _each(pow10_each, x, 10.0)


def normal_of(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Standard normal numbers from uniform ones (Box-Muller, see `box_muller`)."""
    a = np.ascontiguousarray(u1, dtype=np.float64)
    b = np.ascontiguousarray(u2, dtype=np.float64)
    out = np.empty(a.shape)
    pick(box_muller, len(a))(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out
