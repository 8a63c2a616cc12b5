"""What a lever combination's success depends on most: Sobol indices for the robust report.

Two sources, both Sobol indices (the share of an outcome's variance a parameter explains):
- **this sweep**: for each combination the report looks into (the most robust, and --focus), the
  first-order index S1 of every uncertainty and per-run parameter (a posterior draw's values)
  over that combination's own runs, each run's 0/1 success the output. The sweep's points are
  a Latin hypercube or a grid, not a Sobol design, so S1 is estimated from the runs as given by
  RBD-FAST (SALib's `rbd_fast`, which takes any sample), with a bootstrap interval. The runs'
  own randomness is in the variance and in no parameter, so the indices sum to less than 1.
- **a Sobol sweep** (`--sensitivity FOLDER`, a sweep with `[design] method = "sobol"`): its
  first-order and total indices (S1, ST) of the same outcome over the whole space of levers and
  uncertainties, read from its sensitivity.csv.

robust-depends.csv holds both, one row per outcome, combination, parameter and index, ranked.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from sim.experiments.robust import RobustError, SweepRuns
from sim.files.results import read_csv_rows

DEPENDS_FILE = "robust-depends.csv"
DEPENDS_COLUMNS = ("outcome", "role", "option", "source", "parameter", "index", "value", "low", "high", "rank")
HARMONICS = 4  # RBD-FAST's interference parameter M: few harmonics, for samples of a few hundred runs
MIN_RUNS = 4 * (2 * HARMONICS + 1)  # fewer runs than this leave RBD-FAST too few frequencies to read
RESAMPLES = 200
SENSITIVITY = "sensitivity.csv"


def inputs(runs: SweepRuns, option: int) -> tuple[np.ndarray, list[str]]:
    """Each run of one combination as a row: its point's uncertainties, then its per-run parameters."""
    rows = runs.rows[option]  # [point, replicate]
    x = np.column_stack(
        [np.repeat(runs.scenarios[:, j], rows.shape[1]) for j in range(len(runs.uncertainties))]
        + [runs.table[name].astype(float)[rows.ravel()] for name in runs.parameters]
    )
    return x, runs.uncertainties + runs.parameters


def first_order(runs: SweepRuns, good: np.ndarray, option: int, seed: int) -> list[dict] | str:
    """S1 of each uncertainty and parameter for one combination's success, by RBD-FAST; a sentence
    instead when there is nothing to estimate."""
    x, names = inputs(runs, option)
    if not names:
        return "the sweep has no uncertainties"
    y = good[option].ravel()
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if len(y) < MIN_RUNS:
        return f"{len(y)} runs are too few to estimate Sobol indices from (at least {MIN_RUNS})"
    if np.ptp(y) == 0:
        return "it succeeds in every run" if y[0] == 1 else "it fails in every run"
    varying = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0]
    from SALib.analyze import rbd_fast

    spec = {
        "num_vars": len(varying),
        "names": [names[j] for j in varying],
        "bounds": [[float(x[:, j].min()), float(x[:, j].max())] for j in varying],
    }
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # a resample in which every run succeeds (or fails) has no variance: its index is NaN,
        # and SALib's interval with it (reported as none, below)
        warnings.simplefilter("ignore", RuntimeWarning)
        found = rbd_fast.analyze(spec, x[:, varying], y, M=HARMONICS, num_resamples=RESAMPLES, seed=seed)
    rows = []
    for k, name in enumerate(spec["names"]):
        value, half = float(found["S1"][k]), float(found["S1_conf"][k])
        rows.append({"parameter": name, "index": "S1", "value": value, "low": value - half, "high": value + half})
    return _ranked(rows)


def sobol_sweep(folder: Path, outcome: str) -> list[dict] | str:
    """The S1 and ST rows of `outcome` in a Sobol sweep's sensitivity.csv, ranked by ST."""
    path = folder / SENSITIVITY
    if not path.is_file():
        raise RobustError(
            f"--sensitivity: {folder}: no {SENSITIVITY} (allowed: the folder of a sweep with "
            '[design] method = "sobol", after tft sweep)'
        )
    rows = read_csv_rows(path)
    if rows and not {"outcome", "parameter", "index", "value", "low", "high"} <= set(rows[0]):
        raise RobustError(f"--sensitivity: {path}: not a sensitivity table (allowed: one written by tft sweep)")
    if any(row["index"] not in ("S1", "ST") for row in rows):
        raise RobustError(f'--sensitivity: {path}: not a Sobol analysis (allowed: a sweep with method = "sobol")')
    mine = [row for row in rows if row["outcome"] == outcome]
    if not mine:
        return f"the Sobol sweep did not analyse {outcome}"
    total = {row["parameter"]: _cell(row["value"]) for row in mine if row["index"] == "ST"}
    order = sorted(total, key=lambda name: -total[name])
    out = []
    for rank, name in enumerate(order, 1):
        for row in mine:
            if row["parameter"] == name:
                out.append(
                    {
                        "parameter": name,
                        "index": row["index"],
                        "value": _cell(row["value"]),
                        "low": _cell(row["low"]),
                        "high": _cell(row["high"]),
                        "rank": rank,
                    }
                )
    return out


def _ranked(rows: list[dict]) -> list[dict]:
    rows = sorted(rows, key=lambda row: -row["value"])
    return [row | {"rank": rank} for rank, row in enumerate(rows, 1)]


def _cell(text: str) -> float:
    return float(text) if text != "" else float("nan")


def depends_rows(found: dict) -> list[dict]:
    """robust-depends.csv's rows from {outcome: [(role, option, source, rows or sentence)]}."""
    out = []
    for spec, subjects in found.items():
        for role, option, source, rows in subjects:
            if isinstance(rows, str):
                continue
            for row in rows:
                out.append(
                    {
                        "outcome": spec,
                        "role": role,
                        "option": option,
                        "source": source,
                        "parameter": row["parameter"],
                        "index": row["index"],
                        "value": _round(row["value"]),
                        "low": _round(row["low"]),
                        "high": _round(row["high"]),
                        "rank": row["rank"],
                    }
                )
    return out


def _round(value: float) -> object:
    return "" if not np.isfinite(value) else round(float(value), 4)


def depends_text(subjects: list, top: int = 3) -> list[str]:
    """Sentences for robust.md: the parameters each combination's success depends on most."""
    lines = []
    for role, option, source, rows in subjects:
        if source == "sobol sweep":
            if isinstance(rows, str):
                lines.append(f"- Over the whole space of the Sobol sweep: {rows}.")
                continue
            totals = [row for row in rows if row["index"] == "ST"][:top]
            parts = [f"{row['parameter']} (ST {_fmt(row)})" for row in totals]
            lines.append(
                "- Over the whole space of levers and uncertainties (the Sobol sweep), the outcome's variance is "
                f"carried most by {', '.join(parts)}."
            )
            continue
        who = "it" if role == "most robust" else option
        if isinstance(rows, str):
            lines.append(f"- What {who} depends on: {rows}.")
            continue
        shown = [f"{row['parameter']} (S1 {_fmt(row)})" for row in rows[:top]]
        bounded = [row for row in rows if np.isfinite(row["low"])]
        clear = [row for row in bounded if row["low"] > 0]
        if not bounded:
            tail = "; the bootstrap gave no interval (too few runs differ), so none of these is evidence of dependence"
        elif not clear:
            tail = "; no parameter's interval excludes 0: no one of them explains its successes and failures"
        else:
            tail = f"; {len(clear)} of {len(rows)} have an interval above 0"
        lines.append(
            f"- What {who} depends on most (first-order Sobol indices over its runs, RBD-FAST, 95% bootstrap "
            f"intervals): {', '.join(shown)}{tail}."
        )
    return lines


def _fmt(row: dict) -> str:
    if not np.isfinite(row["low"]):
        return f"{row['value']:.2f}"
    return f"{row['value']:.2f}, {row['low']:.2f} to {row['high']:.2f}"
