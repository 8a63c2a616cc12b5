"""The figure of a sensitivity sweep, from its sensitivity.csv: for one outcome, Sobol's first
order and total indices per parameter (bars, with their 95% intervals), or Morris's mu* and
sigma."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.errors import SimError  # noqa: E402
from sim.files.results import read_csv_rows  # noqa: E402
from sim.files.safe import save_figure  # noqa: E402
from sim.plots.figures import plain_text  # noqa: E402

BARS = {"sobol": (("S1", "first order (S1)"), ("ST", "total (ST)")), "morris": (("mu_star", "mu*"), ("sigma", "sigma"))}


class SensitivityPlotError(SimError):
    """A sensitivity folder or outcome that does not fit."""


def _value(cell: str) -> float:
    return float(cell) if cell != "" else np.nan


@plain_text
def sensitivity_figure(folder: Path, outcome: str, method: str) -> Path:
    rows = read_csv_rows(folder / "sensitivity.csv")
    outcomes = sorted({row["outcome"] for row in rows})
    if outcome not in outcomes:
        raise SensitivityPlotError(
            f"--outcome: no sensitivity indices of '{outcome}' in {folder / 'sensitivity.csv'} "
            f"(allowed: {', '.join(outcomes) or 'none: no outcome varied'})"
        )
    mine = [row for row in rows if row["outcome"] == outcome]
    parameters = list(dict.fromkeys(row["parameter"] for row in mine))
    found = {(row["parameter"], row["index"]): row for row in mine}
    bars = BARS[method]
    ranking = "ST" if method == "sobol" else "mu_star"  # most influential first
    parameters.sort(key=lambda p: -np.nan_to_num(_value(found[(p, ranking)]["value"])))
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(parameters) + 1.6))
    height = 0.38
    for k, (index, label) in enumerate(bars):
        cells = [found[(p, index)] for p in parameters]
        values = np.array([_value(c["value"]) for c in cells])
        low = np.array([_value(c["low"]) for c in cells])
        high = np.array([_value(c["high"]) for c in cells])
        where = np.arange(len(parameters)) + (k - 0.5) * height
        errors = np.vstack([values - low, high - values])
        shown = np.where(np.isnan(errors), 0.0, errors)
        ax.barh(where, values, height=height, label=label, xerr=shown, capsize=2, color=("#1f77b4", "#ff7f0e")[k])
    ax.set_yticks(range(len(parameters)), parameters, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.6)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    if method == "sobol":
        ax.set_xlabel("share of the variance of the point means (bars: 95% bootstrap interval)", fontsize=8)
        title = f"Sobol indices of {outcome}"
    else:
        ax.set_xlabel(f"elementary effects on {outcome} (mean absolute mu*, spread sigma)", fontsize=8)
        title = f"Morris screening of {outcome}"
    ax.set_title(title, fontsize=10)
    path = folder / f"sensitivity-{outcome}.png"
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
    return path
