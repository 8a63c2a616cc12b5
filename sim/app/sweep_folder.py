"""A finished sweep folder as the page browses it: its design columns and outcomes, the heatmap
grid of an outcome over two design columns with the points in each cell, the robustness chart,
and a design point's fan. Everything is read from the folder's files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import SimError
from sim.files.results import read_csv_rows
from sim.files.sweep_store import load_manifest
from sim.plots.sweep import heatmap_grid, point_fan, robustness

SUMMARY = "summary.csv"
DESIGN = "design.csv"


class SweepBrowseError(SimError):
    """A folder that is not a finished sweep, or a choice that does not fit it."""


def sweep_folders(results_root: Path) -> list[Path]:
    """Finished sweep folders under a results folder (`<sweep>/<id>/` with a summary)."""
    if not results_root.is_dir():
        return []
    return sorted(p.parent for p in results_root.glob(f"*/*/{SUMMARY}") if (p.parent / DESIGN).is_file())


@dataclass(frozen=True)
class Cell:
    x: str
    y: str
    value: float  # nan: no run in the cell has the outcome defined
    points: tuple[int, ...]


@dataclass(frozen=True)
class Heatmap:
    outcome: str
    x: str
    y: str
    xs: list[str]
    ys: list[str]
    cells: list[list[Cell]]  # [row (y), column (x)]

    @property
    def low(self) -> float:
        values = [c.value for row in self.cells for c in row if not np.isnan(c.value)]
        return min(values, default=0.0)

    @property
    def high(self) -> float:
        values = [c.value for row in self.cells for c in row if not np.isnan(c.value)]
        return max(values, default=0.0)


class SweepFolder:
    """The files of `results/<sweep>/<id>/` written by `tft sweep`."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        for name in (DESIGN, SUMMARY):
            if not (self.folder / name).is_file():
                raise SweepBrowseError(
                    f"{self.folder}: no {name}; choose a finished sweep folder (results/<sweep>/<id>/ "
                    "written by tft sweep)"
                )
        self.manifest = load_manifest(self.folder)
        self.summary = read_csv_rows(self.folder / SUMMARY)
        self.design = read_csv_rows(self.folder / DESIGN)
        self.columns = [c for c in (self.design[0] if self.design else {}) if c != "point"]
        first = self.summary[0] if self.summary else {}
        self.outcomes = [c[: -len("_mean")] for c in first if c.endswith("_mean")]

    @property
    def name(self) -> str:
        return f"{self.manifest['sweep']['name']} ({self.folder.name})"

    def heatmap(self, outcome: str, x: str, y: str) -> Heatmap:
        if outcome not in self.outcomes:
            raise SweepBrowseError(f"outcome '{outcome}' is not in this sweep (allowed: {', '.join(self.outcomes)})")
        for name in (x, y):
            if name not in self.columns:
                raise SweepBrowseError(f"'{name}' is not a design column (allowed: {', '.join(self.columns)})")
        if x == y:
            raise SweepBrowseError(f"both axes are '{x}' (allowed: two different design columns)")
        xs, ys, grid = heatmap_grid(self.summary, outcome, x, y)

        def points(xv: str, yv: str) -> tuple[int, ...]:
            return tuple(int(r["point"]) for r in self.summary if r[x] == xv and r[y] == yv)

        cells = [
            [Cell(xv, yv, float(grid[i, j]), points(xv, yv)) for j, xv in enumerate(xs)] for i, yv in enumerate(ys)
        ]
        return Heatmap(outcome, x, y, xs, ys, cells)

    def point(self, point: int) -> dict[str, str]:
        """The summary row of a design point."""
        for row in self.summary:
            if int(row["point"]) == point:
                return row
        raise SweepBrowseError(f"point {point} is not in this sweep (allowed: 0 to {len(self.summary) - 1})")

    def fan_file(self, point: int) -> Path:
        return self.folder / f"point-{point}-quantiles.csv"

    def point_fan_png(self, point: int) -> bytes:
        """The fan of a design point from its quantiles file (see `has_fan`); never a re-run."""
        self.point(point)
        if not self.fan_file(point).is_file():
            raise SweepBrowseError(self.missing_fan(point))
        return point_fan(self.folder, point).read_bytes()

    def has_fan(self, point: int) -> bool:
        return self.fan_file(point).is_file()

    def missing_fan(self, point: int) -> str:
        """What to do when a point's fan was not kept."""
        return (
            f"{self.folder}: no fan of point {point} ({self.fan_file(point).name}): this sweep kept each "
            "run's outcomes, not its months. Set fans = true under [sweep] in the sweep file to keep every "
            f"point's fan, or write this one with: tft plot {self.folder} --point {point}"
        )

    def robustness_png(self) -> tuple[bytes, list[tuple[str, float]]]:
        """The robustness chart of `tft plot` (written into the folder, as `tft plot` does)."""
        path, ranked = robustness(self.folder)
        return path.read_bytes(), ranked
