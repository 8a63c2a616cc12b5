"""Exact integer splitting of a number of people across posts, for any number of runs at once."""

from __future__ import annotations

import numpy as np

from sim.rules.compiled import kernel, pick


@kernel
def allocate_cells(values, mask, n):
    """Split `n` people across the cells of `values` (int64[K]) where `mask` is true, in proportion
    to them, in place; cells outside the mask are left as they are.

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
    remainder = np.zeros(cells, np.int64)
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
    for j in range(cells):
        if not mask[j]:
            continue
        rank = 0
        for i in range(cells):
            if mask[i] and (remainder[i] > remainder[j] or (remainder[i] == remainder[j] and i < j)):
                rank += 1
        if rank < left:
            values[j] += 1


@kernel(views=False)  # it hands allocate_cells one row at a time
def allocate_rows(shares, n):
    """`allocate_cells` on each row of `shares` (int64[R, K], in place) with all its cells."""
    every = np.ones(shares.shape[1], np.bool_)
    for r in range(shares.shape[0]):
        allocate_cells(shares[r], every, n[r])


def allocate(counts: np.ndarray, n: np.ndarray, runs: int | None = None) -> np.ndarray:
    """Split `n[r]` people across the columns of `counts[r]` in proportion to them
    (`allocate_cells` per row). `counts`: int[R, K]; `n`: int[R]. Returns int[R, K]. `runs`: how
    many runs the rows belong to (a row may be one post of a run): it decides whether to compile."""
    shares = np.array(counts, dtype=np.int64, order="C", copy=True)
    n = np.ascontiguousarray(np.broadcast_to(np.asarray(n, dtype=np.int64), (len(shares),)))
    if shares.shape[1]:
        pick(allocate_rows, len(shares) if runs is None else runs)(shares, n)
    return shares
