"""Exact integer splitting of a number of people across posts, for any number of runs at once."""

from __future__ import annotations

import numpy as np


def allocate(counts: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Split `n[r]` people across the columns of `counts[r]` in proportion to them.

    Largest-remainder rounding in exact integer arithmetic; ties go to the lower column. Each
    share is at most its column's count, and shares sum to min(n, row total).
    `counts`: int[R, K]; `n`: int[R]. Returns int[R, K].
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = counts.sum(axis=1)
    n = np.minimum(np.asarray(n, dtype=np.int64), total)
    safe_total = np.where(total > 0, total, 1)[:, None]
    product = counts * n[:, None]
    base = product // safe_total
    remainder = product % safe_total
    left = n - base.sum(axis=1)
    # Rank columns by remainder, largest first; stable so ties favour the lower column.
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(counts.shape[1])[None, :].repeat(len(counts), 0), axis=1)
    return base + (rank < left[:, None]).astype(np.int64)
