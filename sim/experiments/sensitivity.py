"""Global sensitivity analysis of a sobol or morris sweep (SALib), from its summary.

Each design point's outcome is the mean over its replicates (the `<outcome>_mean` column of
summary.csv: runs that failed, and runs where the outcome is undefined, left out), so the
analysis sees the expected outcome at each sample. `months_to_...` outcomes are censored (empty
where a run never gets there) and are not analysed; nor is an outcome that is the same at every
point (it has no variance to share out) or missing at some point.

sensitivity.csv has one row per outcome, parameter and index: Sobol `S1` (first order) and `ST`
(total), Morris `mu_star` (mean absolute elementary effect), `sigma` (their spread) and `mu`
(their mean); `low` and `high` bound the 95% bootstrap interval where SALib gives one (S1, ST,
mu_star), and are empty otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.files.results import read_csv_rows, write_csv
from sim.files.sweep_design import problem
from sim.files.sweep_file import Sweep

SENSITIVITY_FILE = "sensitivity.csv"
COLUMNS = ("outcome", "parameter", "index", "value", "low", "high")
RESAMPLES = 200  # bootstrap resamples of the confidence intervals


def analysed(names: list[str]) -> list[str]:
    return [name for name in names if not name.startswith("months_to_")]


def point_means(folder: Path, names: list[str], points: int) -> dict[str, np.ndarray]:
    """Each outcome's mean per point, in point order; outcomes missing at some point left out."""
    rows = read_csv_rows(folder / "summary.csv")
    if len(rows) != points:
        raise ValueError(f"{folder / 'summary.csv'}: {len(rows)} rows for {points} points")
    means = {}
    for name in names:
        cells = [row[f"{name}_mean"] for row in rows]
        if all(cell != "" for cell in cells):
            means[name] = np.array([float(cell) for cell in cells])
    return means


def sensitivity_rows(sweep: Sweep, means: dict[str, np.ndarray]) -> list[dict[str, object]]:
    spec = problem(sweep.levers, sweep.uncertainties)
    rows: list[dict[str, object]] = []
    for outcome, y in means.items():
        if np.ptp(y) == 0:
            continue
        if sweep.design == "sobol":
            from SALib.analyze import sobol

            found = sobol.analyze(spec, y, calc_second_order=False, num_resamples=RESAMPLES, seed=sweep.seed)
            indices = (("S1", "S1_conf"), ("ST", "ST_conf"))
        else:
            from SALib.analyze import morris

            x = sweep.sensitivity_matrix()
            found = morris.analyze(spec, x, y, num_resamples=RESAMPLES, num_levels=sweep.levels, seed=sweep.seed)
            indices = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
        for i, parameter in enumerate(spec["names"]):
            for index, conf in indices:
                value = float(found[index][i])
                row = {"outcome": outcome, "parameter": parameter, "index": index, "value": _number(value)}
                spread = float(found[conf][i]) if conf else None
                row["low"] = "" if spread is None else _number(value - spread)
                row["high"] = "" if spread is None else _number(value + spread)
                rows.append(row)
    return rows


def _number(value: float) -> object:
    return "" if not np.isfinite(value) else round(value, 6)


def write_sensitivity(folder: Path, sweep: Sweep, names: list[str]) -> Path:
    means = point_means(folder, analysed(names), len(sweep.points()))
    path = folder / SENSITIVITY_FILE
    write_csv(path, list(COLUMNS), sensitivity_rows(sweep, means))
    return path
