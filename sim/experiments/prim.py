"""Patient rule induction (PRIM; Friedman and Fisher 1999, "Bump hunting in high-dimensional
data"), as scenario discovery uses it (Bryant and Lempert 2010): the box of parameter space in
which the cases of interest (say, the runs in which a policy fails) concentrate.

Peeling starts from the box that holds every case and, step by step, cuts off the slice of at
most `alpha` of the cases inside along the one side of one dimension whose removal leaves the
highest density; it stops before the box would hold fewer than `mass_min` of all cases. Each
step is a box of the trajectory, with its coverage (the share of all cases of interest that are
inside), density (the share of the cases inside that are of interest) and mass (the share of all
cases inside): peeling trades coverage for density. The chosen box is the one with the highest
coverage among those whose density reaches `threshold` (or, if none does, the densest); pasting
then widens it along any side where adding the nearest cases raises its density, or keeps the
density and raises the coverage.

A slice is cut at the `alpha` quantile of the values inside; where that quantile is the smallest
(largest) value, as on a grid of a few values, the cases at that value are cut instead, so a
step always removes something. Limits are the smallest and largest values of the cases inside,
both inclusive. A restriction's quasi-p-value is the binomial probability of finding at least
the box's cases of interest among its cases if that restriction were lifted and the density
were that of the wider box: a large one says the restriction adds little. Such restrictions are
lifted from the pasted box, the least significant first, until every one left has a quasi-p-value
of at most `significance` (0.05): the box reported is the one the data support.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    low: tuple[float, ...]  # per dimension, inclusive
    high: tuple[float, ...]
    coverage: float
    density: float
    mass: float
    restricted: tuple[int, ...]  # the dimensions whose limits are inside the data's range


@dataclass(frozen=True)
class Discovery:
    names: tuple[str, ...]
    trajectory: tuple[Box, ...]  # the peeling steps, from the whole space
    chosen: int  # the step chosen before pasting
    pasted: Box  # the chosen box after pasting
    box: Box  # the pasted box without its restrictions that are not significant
    pvalues: dict[int, float]  # per restricted dimension of `box`
    cases: int
    of_interest: int


def inside(x: np.ndarray, low, high) -> np.ndarray:
    return np.all((x >= np.asarray(low)) & (x <= np.asarray(high)), axis=1)


def _box(x: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray, full: tuple) -> Box:
    mask = inside(x, low, high)
    total = y.sum()
    count = mask.sum()
    restricted = tuple(int(j) for j in np.flatnonzero((low > full[0]) | (high < full[1])))
    return Box(
        low=tuple(float(v) for v in low),
        high=tuple(float(v) for v in high),
        coverage=float(y[mask].sum() / total) if total else 0.0,
        density=float(y[mask].mean()) if count else 0.0,
        mass=float(count / len(y)),
        restricted=restricted,
    )


def _cut(values: np.ndarray, side: str, alpha: float) -> np.ndarray | None:
    """Which of the values inside stay after cutting the `alpha` slice off one side (None: nothing
    can be cut, all values are equal)."""
    if values.min() == values.max():
        return None
    if side == "low":
        keep = values >= np.quantile(values, alpha, method="lower")
        return keep if not keep.all() else values > values.min()
    keep = values <= np.quantile(values, 1 - alpha, method="higher")
    return keep if not keep.all() else values < values.max()


def peel(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, mass_min: float = 0.05) -> list[Box]:
    """The peeling trajectory, from the box of all cases."""
    full = (x.min(axis=0), x.max(axis=0))
    low, high = full[0].copy(), full[1].copy()
    mask = np.ones(len(y), dtype=bool)
    trajectory = [_box(x, y, low, high, full)]
    while True:
        best = None
        for j in range(x.shape[1]):
            values = x[mask, j]
            for side in ("low", "high"):
                keep = _cut(values, side, alpha)
                if keep is None or keep.sum() < mass_min * len(y):
                    continue
                key = (float(y[mask][keep].mean()), int(keep.sum()))  # densest, then the smallest cut
                if best is None or key > best[0]:
                    best = (key, j, side, keep)
        if best is None:
            return trajectory
        _, j, side, keep = best
        rows = np.flatnonzero(mask)
        mask[rows[~keep]] = False
        if side == "low":
            low[j] = x[mask, j].min()
        else:
            high[j] = x[mask, j].max()
        trajectory.append(_box(x, y, low, high, full))


def paste(x: np.ndarray, y: np.ndarray, box: Box, alpha: float = 0.05) -> Box:
    """Widen `box` one side at a time while adding the nearest cases outside raises its density
    (or keeps it and raises the coverage)."""
    full = (x.min(axis=0), x.max(axis=0))
    low, high = np.array(box.low), np.array(box.high)
    current = box
    while True:
        mask = inside(x, low, high)
        step = max(1, math.ceil(alpha * mask.sum()))
        best = None
        for j in range(x.shape[1]):
            others = np.ones(len(y), dtype=bool)
            for k in range(x.shape[1]):
                if k != j:
                    others &= (x[:, k] >= low[k]) & (x[:, k] <= high[k])
            for side in ("low", "high"):
                beyond = others & ((x[:, j] < low[j]) if side == "low" else (x[:, j] > high[j]))
                if not beyond.any():
                    continue
                nearest = np.sort(x[beyond, j])[::-1] if side == "low" else np.sort(x[beyond, j])
                limit = nearest[min(step, len(nearest)) - 1]
                new_low, new_high = low.copy(), high.copy()
                (new_low if side == "low" else new_high)[j] = limit
                candidate = _box(x, y, new_low, new_high, full)
                key = (candidate.density, candidate.coverage)
                if key > (current.density, current.coverage) and (best is None or key > best[0]):
                    best = (key, candidate, new_low, new_high)
        if best is None:
            return current
        _, current, low, high = best


def pvalues(x: np.ndarray, y: np.ndarray, box: Box) -> dict[int, float]:
    from scipy.stats import binom

    mask = inside(x, box.low, box.high)
    count, hits = int(mask.sum()), int(y[mask].sum())
    found = {}
    for j in box.restricted:
        low, high = np.array(box.low), np.array(box.high)
        low[j], high[j] = -np.inf, np.inf
        wider = inside(x, low, high)
        found[j] = float(binom.sf(hits - 1, count, y[wider].mean()))
    return found


def simplify(x: np.ndarray, y: np.ndarray, box: Box, significance: float = 0.05) -> Box:
    """Lift, one at a time and the least significant first, every restriction whose quasi-p-value
    is above `significance`: a condition a reader is asked to believe must be one the data show."""
    full = (x.min(axis=0), x.max(axis=0))
    while box.restricted:
        found = pvalues(x, y, box)
        worst = max(found, key=lambda j: found[j])
        if found[worst] <= significance:
            return box
        low, high = np.array(box.low), np.array(box.high)
        low[worst], high[worst] = full[0][worst], full[1][worst]
        box = _box(x, y, low, high, full)
    return box


def choose(trajectory: list[Box], threshold: float) -> int:
    """The step with the highest coverage among those at least `threshold` dense (ties: the
    denser), else the densest (ties: the higher coverage)."""
    dense = [i for i, b in enumerate(trajectory) if b.density >= threshold]
    if dense:
        return max(dense, key=lambda i: (trajectory[i].coverage, trajectory[i].density))
    return max(range(len(trajectory)), key=lambda i: (trajectory[i].density, trajectory[i].coverage))


def discover(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    *,
    alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    threshold: float = 0.8,
    significance: float = 0.05,
) -> Discovery:
    """PRIM on cases `x` (one row per case, one column per dimension) and `y` (1 where the case is
    of interest, else 0)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    trajectory = peel(x, y, alpha, mass_min)
    chosen = choose(trajectory, threshold)
    pasted = paste(x, y, trajectory[chosen], paste_alpha)
    box = simplify(x, y, pasted, significance)
    return Discovery(
        names=tuple(names),
        trajectory=tuple(trajectory),
        chosen=chosen,
        pasted=pasted,
        box=box,
        pvalues=pvalues(x, y, box),
        cases=len(y),
        of_interest=int(y.sum()),
    )
