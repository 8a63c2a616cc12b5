"""Exact integer splitting of a number of people across posts, for any number of runs at once."""

from __future__ import annotations

import numpy as np

from sim.rules.compiled import kernel, pick


@kernel
def allocate_cells(values, mask, n, spare):
    """Split `n` people across the cells of `values` (int64[K]) where `mask` is true, in proportion
    to them, in place; cells outside the mask are left as they are. `spare`: int64[at least K],
    room to work in.

    Largest-remainder rounding in exact integer arithmetic; ties go to the lower cell. Each share
    is at most its cell's count, and the shares sum to min(n, total of the masked cells)."""
    cells = values.shape[0]
    total = 0
    for j in range(cells):
        if mask[j]:
            total += values[j]
    if n > total:
        n = total
    safe = total if total > 0 else 1
    remainder = spare
    given = 0
    for j in range(cells):
        if mask[j]:
            product = values[j] * n
            base = product // safe
            remainder[j] = product - base * safe
            values[j] = base
            given += base
    left = n - given
    if left <= 0:
        return
    # the `left` masked cells of largest remainder get one more; a tie goes to the lower cell
    # (fewer cells are left than are masked: each round finds one, and marks it taken with -1)
    for _ in range(left):
        best = -1
        for j in range(cells):
            if mask[j] and remainder[j] >= 0 and (best < 0 or remainder[j] > remainder[best]):
                best = j
        values[best] += 1
        remainder[best] = -1


@kernel(views=False, allocates=True)  # it hands allocate_cells one row at a time
def allocate_rows(shares, n):
    """`allocate_cells` on each row of `shares` (int64[R, K], in place) with all its cells."""
    every = np.ones(shares.shape[1], np.bool_)
    spare = np.empty(shares.shape[1], np.int64)
    for r in range(shares.shape[0]):
        allocate_cells(shares[r], every, n[r], spare)


def allocate(counts: np.ndarray, n: np.ndarray, runs: int | None = None) -> np.ndarray:
    """Split `n[r]` people across the columns of `counts[r]` in proportion to them
    (`allocate_cells` per row). `counts`: int[R, K]; `n`: int[R]. Returns int[R, K]. `runs`: how
    many runs the rows belong to (a row may be one post of a run): it decides whether to compile."""
    shares = np.array(counts, dtype=np.int64, order="C", copy=True)
    n = np.ascontiguousarray(np.broadcast_to(np.asarray(n, dtype=np.int64), (len(shares),)))
    if shares.shape[1]:
        pick(allocate_rows, len(shares) if runs is None else runs)(shares, n)
    return shares
