"""`tft robust`: the statements a finished sweep supports, written beside its runs.

robust.csv holds every statistic of every lever combination and of every value of each lever,
at the level of uncertainty points ('space') and of single runs ('runs', or 'posterior' when the
sweep drew each run's parameters from a posterior), with 95% intervals. For the most robust
combination of each outcome, PRIM (sim/experiments/prim.py) finds the box of the uncertainty
space (and of the drawn parameters) where it fails: prim-trajectory.csv and prim-boxes.csv.
robust.md says it in sentences. The figures are drawn by sim/plots/robust.py from these files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sim.experiments.prim import Discovery, discover
from sim.experiments.robust import (
    ALL,
    DEFAULT_OUTCOMES,
    SHARES,
    STATISTICS,
    RobustError,
    SweepRuns,
    baseline_option,
    fold,
    lever_cells,
    load_runs,
    resamples,
    statistics,
    success,
)
from sim.experiments.robust_depends import DEPENDS_COLUMNS, DEPENDS_FILE, depends_rows, first_order, inputs, sobol_sweep
from sim.files.folders import lock_folder
from sim.files.results import utc_now, write_csv, write_json
from sim.files.safe import write_text

ROBUST_FILE = "robust.csv"
ROBUST_COLUMNS = ("outcome", "lever", "option", "level", "statistic", "value", "low", "high", "units")
TRAJECTORY_FILE = "prim-trajectory.csv"
TRAJECTORY_COLUMNS = ("outcome", "role", "option", "step", "chosen", "coverage", "density", "mass", "restricted")
BOXES_FILE = "prim-boxes.csv"
BOX_COLUMNS = (
    "outcome",
    "role",
    "option",
    "dimension",
    "low",
    "high",
    "range_low",
    "range_high",
    "pvalue",
    "coverage",
    "density",
    "mass",
)
REPORT_FILE = "robust.md"
MAX_RESAMPLES = 100_000


def robust_statistics(runs: SweepRuns, good: np.ndarray, baseline: int, count: int) -> list[dict]:
    """The rows of robust.csv for one outcome: estimates from all runs, intervals from `count`
    bootstrap resamples (the wider of that and the exact binomial interval, for shares)."""
    sets = [(ALL, None, [runs.label(o) for o in runs.options], baseline)]
    for j, (name, values) in enumerate(runs.levers):
        sets.append((name, lever_cells(runs, j), list(values), values.index(runs.options[baseline][j])))

    def measure(batch: np.ndarray) -> list[dict]:
        return [statistics(batch if cells is None else fold(batch, cells), base) for _, cells, _, base in sets]

    estimate = measure(good[None])
    draws = [measure(np.moveaxis(good[:, s[:, :, None], r], 0, 1)) for s, r in resamples(runs, count)]
    units = runs.rows.shape[1]
    rows = []
    for i, (lever, cells, labels, _) in enumerate(sets):
        groups = 1 if cells is None else cells.shape[1]
        for level, found in estimate[i].items():
            shown = "posterior" if level == "runs" and runs.posterior else level
            n = units * groups * (runs.rows.shape[2] if level == "runs" else 1)
            for statistic in STATISTICS:
                values = found[statistic][0]
                spread = np.concatenate([d[i][level][statistic] for d in draws]) if draws else None
                for k, label in enumerate(labels):
                    low, high = _interval(values[k], None if spread is None else spread[:, k], statistic, n)
                    rows.append(
                        {
                            "lever": lever,
                            "option": label,
                            "level": shown,
                            "statistic": statistic,
                            "value": _round(values[k]),
                            "low": _round(low),
                            "high": _round(high),
                            "units": n,
                        }
                    )
    return rows


def _interval(value: float, spread: np.ndarray | None, statistic: str, n: int) -> tuple[float, float]:
    if np.isnan(value):
        return np.nan, np.nan
    low, high = np.nanpercentile(spread, [2.5, 97.5]) if spread is not None else (np.nan, np.nan)
    if statistic in SHARES or statistic == "rate":
        from scipy.stats import beta

        hits = round(value * n)
        exact_low = beta.ppf(0.025, hits, n - hits + 1) if hits > 0 else 0.0
        exact_high = beta.ppf(0.975, hits + 1, n - hits) if hits < n else 1.0
        low, high = np.nanmin([low, exact_low]), np.nanmax([high, exact_high])
    # a percentile interval can miss the estimate itself (a maximum, a share at its bound): it holds it here
    return float(np.nanmin([low, value])), float(np.nanmax([high, value]))


def _round(value: float) -> object:
    return "" if value is None or not np.isfinite(value) else round(float(value), 4)


def most_robust(rows: list[dict]) -> str:
    """The lever combination that succeeds at the largest share of the uncertainty points (ties:
    the smaller largest regret, then the higher share of runs that succeed)."""
    found: dict[str, dict[str, float]] = {}
    for row in rows:
        if row["lever"] == ALL and row["level"] == "space":
            found.setdefault(row["option"], {})[row["statistic"]] = _number(row["value"])
    return max(found, key=lambda o: (found[o]["succeeds"], -found[o]["regret_max"], found[o]["rate"]))


def _number(cell: object) -> float:
    return float(cell) if cell != "" else np.nan


def discovery(runs: SweepRuns, good: np.ndarray, option: int, threshold: float) -> Discovery | str:
    """PRIM on one lever combination's runs: where does it fail? A sentence instead when there is
    nothing to find."""
    x, names = inputs(runs, option)
    if not names:
        return "the sweep has no uncertainties: there is no space to search"
    fails = 1.0 - good[option].ravel()
    keep = ~np.isnan(fails)
    x, fails = x[keep], fails[keep]
    if fails.sum() == 0:
        return "it never fails in this sweep"
    if fails.sum() == len(fails):
        return "it fails in every run of this sweep"
    return discover(x, fails, names, threshold=threshold)


def write_robust(
    folder: str | Path,
    outcomes: tuple[str, ...] = (),
    baseline: dict[str, str] | None = None,
    *,
    focus: dict[str, str] | None = None,
    resamples_count: int = 1000,
    threshold: float = 0.8,
    sensitivity: str | Path | None = None,
    command: tuple[str, ...] = (),
) -> dict:
    """Write robust.csv, prim-trajectory.csv, prim-boxes.csv and robust.md into the sweep folder.
    PRIM runs on the most robust lever combination of each outcome and, if `focus` names one
    (LEVER=VALUE), on that one too; so do the Sobol indices of what its success depends on, beside
    those of the Sobol sweep in `sensitivity` if given (robust-depends.csv)."""
    from sim.experiments.robust_text import report_text

    folder = Path(folder)
    if not 0 <= resamples_count <= MAX_RESAMPLES:
        raise RobustError(f"--resamples: {resamples_count} (allowed: 0 to {MAX_RESAMPLES:,})")
    if not 0 < threshold <= 1:
        raise RobustError(f"--threshold: {threshold} (allowed: above 0, at most 1)")
    runs = load_runs(folder)
    base = baseline_option(runs, baseline or {})
    focused = baseline_option(runs, focus, "--focus") if focus else None
    outcomes = tuple(dict.fromkeys(outcomes)) or tuple(o for o in DEFAULT_OUTCOMES if _available(runs, o))
    goods = {spec: success(runs, spec) for spec in outcomes}
    labels = [runs.label(o) for o in runs.options]
    sobol = Path(sensitivity) if sensitivity is not None else None
    if sobol is not None and not sobol.is_dir():
        raise RobustError(f"--sensitivity: {sobol}: not a folder (allowed: the folder of a sobol sweep)")
    rows, found, depends = [], {}, {}
    for spec, good in goods.items():
        mine = robust_statistics(runs, good, base, resamples_count)
        rows += [{"outcome": spec} | row for row in mine]
        best = labels.index(most_robust(mine))
        found[spec] = [("most robust", labels[best], discovery(runs, good, best, threshold))]
        depends[spec] = [("most robust", labels[best], "this sweep", first_order(runs, good, best, runs.seed))]
        if focused is not None and focused != best:
            found[spec].append(("focus", labels[focused], discovery(runs, good, focused, threshold)))
            depends[spec].append(("focus", labels[focused], "this sweep", first_order(runs, good, focused, runs.seed)))
        if sobol is not None:
            depends[spec].append(("whole space", "", "sobol sweep", sobol_sweep(sobol, spec)))
    lock = lock_folder(folder)
    try:
        write_csv(folder / ROBUST_FILE, ROBUST_COLUMNS, rows)
        write_csv(folder / TRAJECTORY_FILE, TRAJECTORY_COLUMNS, _trajectory_rows(found))
        write_csv(folder / BOXES_FILE, BOX_COLUMNS, _box_rows(found))
        write_csv(folder / DEPENDS_FILE, DEPENDS_COLUMNS, depends_rows(depends))
        settings = {
            "outcomes": list(outcomes),
            "baseline": labels[base],
            "focus": labels[focused] if focused is not None else None,
            "resamples": resamples_count,
            "threshold": threshold,
            "sensitivity": str(sobol) if sobol is not None else None,
            "command_line": list(command),
            "written": utc_now(),
        }
        write_json(folder / "robust.json", settings)
        write_text(folder / REPORT_FILE, report_text(runs, rows, found, settings, depends))
    finally:
        if lock is not None:
            os.close(lock)
    return {"folder": folder, "outcomes": outcomes, "baseline": settings["baseline"], "found": found}


def _available(runs: SweepRuns, spec: str) -> bool:
    try:
        success(runs, spec)
    except RobustError:
        return False
    return True


def _subjects(found: dict):
    for spec, subjects in found.items():
        for role, option, result in subjects:
            if not isinstance(result, str):
                yield spec, role, option, result


def _trajectory_rows(found: dict):
    for spec, role, option, result in _subjects(found):
        steps = list(result.trajectory) + [result.pasted, result.box]
        names = [*range(len(result.trajectory)), "pasted", "final"]
        for step, box in zip(names, steps, strict=True):
            yield {
                "outcome": spec,
                "role": role,
                "option": option,
                "step": step,
                "chosen": int(step == result.chosen),
                "coverage": round(box.coverage, 4),
                "density": round(box.density, 4),
                "mass": round(box.mass, 4),
                "restricted": len(box.restricted),
            }


def _box_rows(found: dict):
    for spec, role, option, result in _subjects(found):
        box = result.box
        full = result.trajectory[0]
        for j in box.restricted:
            yield {
                "outcome": spec,
                "role": role,
                "option": option,
                "dimension": result.names[j],
                "low": round(box.low[j], 6),
                "high": round(box.high[j], 6),
                "range_low": round(full.low[j], 6),
                "range_high": round(full.high[j], 6),
                "pvalue": float(f"{result.pvalues[j]:.3g}"),
                "coverage": round(box.coverage, 4),
                "density": round(box.density, 4),
                "mass": round(box.mass, 4),
            }
