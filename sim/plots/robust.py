"""Figures of `tft robust`, from the files it wrote into a sweep folder: per outcome, the share of
the uncertainty points where each lever combination succeeds (with its interval) beside the share
of runs that succeed; and, where PRIM found a box, its peeling trajectory (coverage against
density) and the chosen box's limits within each parameter's range."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.errors import ResultsError  # noqa: E402
from sim.files.results import read_csv_rows  # noqa: E402
from sim.files.safe import save_figure  # noqa: E402
from sim.files.tables import check_rows  # noqa: E402
from sim.plots.figures import plain_text  # noqa: E402

SHOWN = 30  # lever combinations in one figure, the most robust first
MAX_LABEL = 1000  # characters of an option: a few levers' values


def figure_name(kind: str, outcome: str) -> str:
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', outcome.replace('<=', '-within-'))}.png"


def _read(folder: Path, name: str, numbers: tuple[str, ...], blanks: tuple[str, ...] = ()) -> list[dict[str, str]]:
    path = folder / name
    if not path.is_file():
        raise ResultsError(f"{folder}: no {name}; run tft robust on this folder first")
    rows = read_csv_rows(path)
    check_rows(path, rows, numbers=numbers, blanks=blanks, names=("outcome",))
    if any(len(row["option"]) > MAX_LABEL for row in rows):
        raise ResultsError(f"{path}: option: longer than {MAX_LABEL} characters")
    return rows


def _value(cell: str) -> float:
    return float(cell) if cell != "" else np.nan


@plain_text
def shares_figure(folder: Path, outcome: str, rows: list[dict[str, str]]) -> Path:
    mine = [r for r in rows if r["outcome"] == outcome and r["lever"] == "all"]
    cells = {(r["option"], r["level"], r["statistic"]): r for r in mine}
    options = list(dict.fromkeys(r["option"] for r in mine))
    runs_level = "posterior" if any(r["level"] == "posterior" for r in mine) else "runs"

    def key(option):
        return (
            -_value(cells[(option, "space", "succeeds")]["value"]),
            _value(cells[(option, "space", "regret_max")]["value"]),
            -_value(cells[(option, "space", "rate")]["value"]),
        )

    options = sorted(options, key=key)[:SHOWN]
    succeeds = [cells[(o, "space", "succeeds")] for o in options]
    values = np.array([_value(c["value"]) for c in succeeds])
    low = np.array([_value(c["low"]) for c in succeeds])
    high = np.array([_value(c["high"]) for c in succeeds])
    rate = np.array([_value(cells[(o, runs_level, "rate")]["value"]) for o in options])
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(options) + 1.6))
    where = np.arange(len(options))
    errors = np.nan_to_num(np.vstack([values - low, high - values]))
    ax.barh(where, values, xerr=errors, capsize=2, color="#2b8a3e", label="share of uncertainty points (95% interval)")
    ax.plot(
        rate,
        where,
        "o",
        color="black",
        markersize=4,
        label=f"share of {'posterior draws' if runs_level == 'posterior' else 'runs'} that succeed",
    )
    ax.set_yticks(where, options, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.02)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel(f"{outcome}: where most runs succeed", fontsize=8)
    ax.set_title(f"Robustness on {outcome}, most robust first", fontsize=10)
    path = folder / figure_name("robust", outcome)
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
    return path


@plain_text
def prim_figure(
    folder: Path, outcome: str, steps: list[dict[str, str]], limits: list[dict[str, str]], role: str = "most robust"
) -> Path:
    steps = [s for s in steps if s["outcome"] == outcome]
    limits = [b for b in limits if b["outcome"] == outcome]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 0.5 * len(limits) + 3.8), gridspec_kw={"width_ratios": [1, 1.2]}, layout="constrained"
    )
    peeled = [s for s in steps if s["step"] not in ("pasted", "final")]
    coverage = np.array([float(s["coverage"]) for s in peeled])
    density = np.array([float(s["density"]) for s in peeled])
    restricted = np.array([float(s["restricted"]) for s in peeled])
    dots = left.scatter(coverage, density, c=restricted, cmap="viridis", s=18)
    fig.colorbar(dots, ax=left, label="restricted dimensions", ticks=range(int(restricted.max()) + 1))
    chosen = [s for s in peeled if s["chosen"] == "1"]
    for s in chosen:
        left.plot(float(s["coverage"]), float(s["density"]), "s", mfc="none", mec="red", ms=10, label="chosen")
    for s in steps:
        if s["step"] == "pasted":
            left.plot(float(s["coverage"]), float(s["density"]), "*", color="red", ms=11, label="after pasting")
        if s["step"] == "final":
            left.plot(
                float(s["coverage"]), float(s["density"]), "D", color="black", ms=6, label="significant restrictions"
            )
    left.set_xlabel("coverage: share of the failures inside the box", fontsize=8)
    left.set_ylabel("density: share of the runs inside that fail", fontsize=8)
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    left.grid(alpha=0.3)
    left.legend(fontsize=7, loc="lower left")
    left.set_title("PRIM peeling trajectory", fontsize=9)
    for i, b in enumerate(limits):
        span = float(b["range_high"]) - float(b["range_low"]) or 1.0
        start = (float(b["low"]) - float(b["range_low"])) / span
        end = (float(b["high"]) - float(b["range_low"])) / span
        right.barh(i, 1.0, height=0.4, color="#dddddd")
        right.barh(i, end - start, left=start, height=0.4, color="#c92a2a")
        right.text(start, i - 0.28, f"{float(b['low']):.3g}", fontsize=7, ha="center")
        right.text(end, i - 0.28, f"{float(b['high']):.3g}", fontsize=7, ha="center")
    right.set_yticks(
        range(len(limits)),
        [
            f"{b['dimension']}\n({float(b['range_low']):.3g} to {float(b['range_high']):.3g}; "
            f"p {float(b['pvalue']):.2g})"
            for b in limits
        ],
        fontsize=7,
    )
    right.set_xlim(-0.05, 1.05)
    right.set_ylim(len(limits) - 0.5, -0.6)
    right.set_xticks([0, 1], ["lowest", "highest"], fontsize=7)
    option = steps[0]["option"] if steps else ""
    if limits:
        b = limits[0]
        right.set_title(
            f"where it fails: coverage {float(b['coverage']):.0%}, density {float(b['density']):.0%}, "
            f"mass {float(b['mass']):.0%}",
            fontsize=9,
        )
    fig.suptitle(f"{outcome}: where {option} fails", fontsize=9)
    path = folder / figure_name("prim" if role == "most robust" else "prim-focus", outcome)
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
    return path


def plot_robust(folder: Path) -> list[Path]:
    rows = _read(folder, "robust.csv", ("units",), ("value", "low", "high"))
    steps = _read(folder, "prim-trajectory.csv", ("coverage", "density", "mass", "restricted"))
    if steps and "role" not in steps[0]:
        raise ResultsError(f"{folder / 'prim-trajectory.csv'}: missing column role; run tft robust again")
    limits = _read(
        folder, "prim-boxes.csv", ("low", "high", "range_low", "range_high", "pvalue", "coverage", "density", "mass")
    )
    written = []
    for outcome in dict.fromkeys(r["outcome"] for r in rows):
        written.append(shares_figure(folder, outcome, rows))
        for role in dict.fromkeys(s["role"] for s in steps if s["outcome"] == outcome):
            mine = [s for s in steps if s["role"] == role]
            written.append(prim_figure(folder, outcome, mine, [b for b in limits if b["role"] == role], role))
    return written
