"""Designs for global sensitivity analysis (SALib): the parameters of a sweep as a SALib problem,
and its samples as design points.

Every uncertainty is a continuous parameter over its range. Every lever is a parameter too: its
k values are numbered 0 to k-1 in the order the file lists them, the parameter runs over [0, k],
and a sample x picks value number min(floor(x), k - 1), so each value has an equal share of the
range. Sobol samples (Saltelli's scheme, first-order and total indices) number
`samples * (parameters + 2)`; Morris samples `samples * (parameters + 1)` (`samples` trajectories
on a grid of `levels` levels). Both are drawn from the sweep's seed, so the same file gives the
same points.
"""

from __future__ import annotations

import math

import numpy as np

SENSITIVITY = ("sobol", "morris")


def problem(levers: tuple, uncertainties: tuple) -> dict:
    names = [name for name, _ in levers] + [u[0] for u in uncertainties]
    bounds = [[0.0, float(len(values))] for _, values in levers] + [[u[1], u[2]] for u in uncertainties]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def sensitivity_size(design: str, samples: int, parameters: int) -> int:
    return samples * (parameters + (2 if design == "sobol" else 1))


def samples_of(design: str, levers: tuple, uncertainties: tuple, samples: int, levels: int, seed: int) -> np.ndarray:
    """The SALib sample matrix (one row per design point, one column per parameter)."""
    spec = problem(levers, uncertainties)
    try:
        from SALib.sample import morris, sobol
    except ImportError:
        from sim.files.sweep_store import SweepError

        raise SweepError(
            f"a {design} design needs SALib, which is not installed (install the sweep extra: pip install '.[sweep]')"
        ) from None
    if design == "sobol":
        return sobol.sample(spec, samples, calc_second_order=False, seed=seed)
    return morris.sample(spec, samples, num_levels=levels, seed=seed)


def sensitivity_points(levers: tuple, uncertainties: tuple, matrix: np.ndarray) -> list[dict[str, object]]:
    """Design points from a sample matrix: lever values by their index, uncertainties as drawn."""
    points = []
    for row in matrix:
        point: dict[str, object] = {}
        for column, (name, values) in enumerate(levers):
            point[name] = values[min(int(math.floor(row[column])), len(values) - 1)]
        for column, (name, *_) in enumerate(uncertainties, start=len(levers)):
            point[name] = round(float(row[column]), 10)
        points.append(point)
    return points
