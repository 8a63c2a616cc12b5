"""Figures of a sweep: a heatmap of an outcome over two design columns, months-to-restore per
lever combination, robustness across the uncertainty space, and fan charts of chosen points."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.errors import SimError  # noqa: E402
from sim.files.results import check_quantiles, read_csv_rows  # noqa: E402
from sim.files.safe import save_figure  # noqa: E402
from sim.files.sweep_store import load_manifest, read_runs, recorded_sweep  # noqa: E402
from sim.files.tables import MAX_NAME, check_rows, check_span  # noqa: E402
from sim.plots.figures import fan_figure, plain_text  # noqa: E402

RESTORE_WITHIN = 60  # months: "back to half size within five years"


class SweepPlotError(SimError):
    """A sweep folder or a plot choice that does not fit."""


def _summary(folder: Path, outcome: str, x: str, y: str) -> list[dict[str, str]]:
    """The summary rows, with the cells the heatmap uses checked."""
    path = folder / "summary.csv"
    rows = read_csv_rows(path)
    column = f"{outcome}_mean"
    if rows and column not in rows[0]:
        names = sorted({k[: -len("_mean")] for k in rows[0] if k.endswith("_mean")})
        raise SweepPlotError(f"--outcome: unknown outcome '{outcome}' (allowed: {', '.join(names)})")
    check_rows(path, rows, blanks=(column,), names=(x, y))
    return rows


def _sweep(folder: Path):
    """The sweep file the folder was made from, checked against the hash the manifest recorded."""
    return recorded_sweep(folder, load_manifest(folder))


def _levers_and_uncertainties(folder: Path) -> tuple[list[str], list[str]]:
    sweep = _sweep(folder)
    return [n for n, _ in sweep.levers], [u[0] for u in sweep.uncertainties]


def _pair(row: dict, levers: list[str]) -> str:
    return " / ".join(f"{name.split('.')[0]} {row[name]}" if "." in name else f"{name} {row[name]}" for name in levers)


@plain_text
def heatmap(folder: Path, outcome: str, x: str, y: str) -> Path:
    levers, uncertainties = _levers_and_uncertainties(folder)
    for axis, name in (("--x", x), ("--y", y)):
        if name not in levers + uncertainties:
            raise SweepPlotError(
                f"{axis}: '{name}' is not a lever or uncertainty of this sweep "
                f"(allowed: {', '.join(levers + uncertainties)})"
            )
    if x == y:
        raise SweepPlotError(f"--x and --y are both '{x}' (allowed: two different design columns)")
    rows = _summary(folder, outcome, x, y)
    xs, ys, grid = heatmap_grid(rows, outcome, x, y)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(xs), 1.2 + 0.55 * len(ys)))
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    for i in range(len(ys)):
        for j in range(len(xs)):
            if not np.isnan(grid[i, j]):
                ax.text(
                    j,
                    i,
                    f"{grid[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if grid[i, j] < np.nanmean(grid) else "black",
                )
    ax.set_xticks(range(len(xs)), xs, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(ys)), ys, fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(
        image, ax=ax, label=f"{outcome}: mean over the runs where it is defined\nand over the other design columns"
    )
    ax.set_title(f"{outcome} by {x} and {y}", fontsize=10)
    path = folder / f"heatmap-{outcome}-{x}-{y}.png".replace("/", "_")
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
    return path


def heatmap_grid(rows: list[dict[str, str]], outcome: str, x: str, y: str) -> tuple[list[str], list[str], np.ndarray]:
    """The values of x and of y (in order) and, per cell [y, x], the mean of `<outcome>_mean` over
    the summary rows in it (nan where no row has a value): what the heatmap shows."""
    column = f"{outcome}_mean"
    xs = sorted({r[x] for r in rows}, key=_order)
    ys = sorted({r[y] for r in rows}, key=_order)
    grid = np.full((len(ys), len(xs)), np.nan)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            values = [float(r[column]) for r in rows if r[x] == xv and r[y] == yv and r[column] != ""]
            grid[i, j] = np.mean(values) if values else np.nan
    return xs, ys, grid


def _matplotlib_at_least(major: int, minor: int) -> bool:
    found = tuple(int(part) for part in matplotlib.__version__.split(".")[:2])
    return found >= (major, minor)


def _order(value: str):
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


@plain_text
def restore_months(folder: Path) -> Path:
    levers, _ = _levers_and_uncertainties(folder)
    runs = read_runs(folder, ("point", "months_to_half"))
    design = _design(folder, levers)
    labels = np.array([_pair(design[int(p)], levers) for p in runs["point"]])
    months = runs["months_to_half"].astype(float)
    pairs = sorted(
        set(labels),
        key=lambda label: (
            np.nanmedian(np.where(labels == label, months, np.nan))
            if np.any((labels == label) & ~np.isnan(months))
            else np.inf
        ),
    )
    data = [months[(labels == label) & ~np.isnan(months)] for label in pairs]
    censored = [float(np.isnan(months[labels == label]).mean()) for label in pairs]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(pairs) + 1.5))
    sideways = {"orientation": "horizontal"} if _matplotlib_at_least(3, 10) else {"vert": False}
    ax.boxplot([d if len(d) else [np.nan] for d in data], widths=0.6, showfliers=False, **sideways)
    ax.set_yticks(
        range(1, len(pairs) + 1), [f"{p}  ({c:.0%} never)" for p, c in zip(pairs, censored, strict=True)], fontsize=8
    )
    ax.set_xlabel("months until both missions are back to half their 2016 size (runs that get there)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Months to restore, by policy pair (in brackets: share of runs that never do)", fontsize=10)
    path = folder / "restore-months.png"
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
    return path


@plain_text
def robustness(folder: Path) -> tuple[Path, list[tuple[str, float]]]:
    """Share of the uncertainty space in which each lever combination restores both missions to
    half size within five years in most runs."""
    levers, _ = _levers_and_uncertainties(folder)
    runs = read_runs(folder, ("point", "months_to_half"))
    design = _design(folder, levers)
    months = runs["months_to_half"].astype(float)
    within = np.nan_to_num(months, nan=np.inf) <= RESTORE_WITHIN
    scores: dict[str, list[bool]] = {}
    for point, row in design.items():
        rows = runs["point"] == point
        scores.setdefault(_pair(row, levers), []).append(bool(within[rows].mean() > 0.5))
    ranked = sorted(((pair, float(np.mean(v))) for pair, v in scores.items()), key=lambda item: -item[1])
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(ranked) + 1.5))
    ax.barh(range(len(ranked)), [s for _, s in ranked], color="#2b8a3e")
    ax.set_yticks(range(len(ranked)), [p for p, _ in ranked], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(
        "share of the uncertainty space where both missions are back to half size within five years (in most runs)",
        fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Robustness: where both missions are back to half size within five years", fontsize=10)
    path = folder / "robustness.png"
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
    return path, ranked


def _design(folder: Path, levers: list[str] = ()) -> dict[int, dict[str, str]]:
    """design.csv: one row per point, numbered from 0, with every lever (and the manifest's count of points)."""
    rows = read_csv_rows(folder / "design.csv")
    check_rows(folder / "design.csv", rows, names=("point", *levers))
    points = load_manifest(folder).get("points")
    if len(rows) != points:
        raise SweepPlotError(f"{folder / 'design.csv'}: {len(rows)} points, the manifest says {points!r}")
    design = {}
    for line, row in enumerate(rows, start=2):
        if not row["point"].isdigit() or int(row["point"]) != line - 2:
            raise SweepPlotError(f"{folder / 'design.csv'}:{line}: point: expected {line - 2}, found {row['point']!r}")
        design[line - 2] = row
    return design


def point_fan(folder: Path, point: int) -> Path:
    """Draw the fan chart of one design point from its quantiles file (written by
    `sim.experiments.sweep_points.write_point_quantiles`)."""
    source = folder / f"point-{point}-quantiles.csv"
    if not source.is_file():
        raise SweepPlotError(f"{folder}: no quantiles of point {point} ({source.name}); re-run it first")
    rows = read_csv_rows(source)
    check_span(folder, check_quantiles(source, rows))
    design = _design(folder)
    if point not in design:
        raise SweepPlotError(f"--point: {point} is not a design point (allowed: 0 to {len(design) - 1})")
    values = {k: v[:MAX_NAME] for k, v in design[point].items() if k not in ("point", "seed")}
    title = f"{_sweep(folder).name}, point {point}: " + ", ".join(f"{k} = {v}" for k, v in values.items())
    path = folder / f"fan-point-{point}.png"
    fan_figure(rows, [], title, path)
    return path


def plot_sweep(
    folder: Path,
    outcome: str = "restored_half",
    x: str | None = None,
    y: str | None = None,
    points: tuple[int, ...] = (),
) -> list[Path]:
    sweep = _sweep(folder)
    if sweep.sensitivity:
        # samples are scattered over the ranges: no grid for heatmaps; the indices say what matters
        from sim.plots.sensitivity import sensitivity_figure

        return [sensitivity_figure(folder, outcome, sweep.design)] + [point_fan(folder, p) for p in points]
    levers, uncertainties = _levers_and_uncertainties(folder)
    columns = uncertainties + levers
    x = x or (columns[0] if columns else None)
    y = y or next((c for c in columns if c != x), None)
    written = []
    if x and y:
        written.append(heatmap(folder, outcome, x, y))
    written.append(restore_months(folder))
    written.append(robustness(folder)[0])
    written += [point_fan(folder, p) for p in points]
    return written
