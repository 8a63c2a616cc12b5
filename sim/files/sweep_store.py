"""The files of a sweep folder: the runs table stored as Parquet parts (one per design point and
block of replicates, each written under a temporary name and renamed) and the manifest."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import SimError
from sim.files.sweep_file import Sweep


class SweepError(SimError):
    """A sweep that cannot run: missing optional packages, an unreachable scheduler."""


@dataclass(frozen=True)
class Unit:
    """A block of replicates of one design point: the unit of work and of storage."""

    point: int
    first: int
    count: int

    @property
    def part(self) -> str:
        return f"part-{self.point:06d}-{self.first:06d}.parquet"


def parquet():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise SweepError("sweeps store their runs as Parquet: pip install 'tft-sim[sweep]'") from None
    return pyarrow, pyarrow.parquet


def write_part(folder: Path, result: dict, sweep: Sweep, points: list[dict], keys: np.ndarray) -> int:
    pa, pq = parquet()
    unit: Unit = result["unit"]
    count = unit.count
    columns: dict[str, object] = {
        "point": np.full(count, unit.point, dtype=np.int64),
        "replicate": np.arange(unit.first, unit.first + count, dtype=np.int64),
        "seed": [str(int(k)) for k in keys[unit.first : unit.first + count]],
    }
    for name in sweep.columns:
        value = points[unit.point][name]
        # one type per column in every part: numbers as floats, anything else as text
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        columns[name] = np.full(count, float(value)) if numeric else [str(value)] * count
    columns.update({name: np.asarray(values, dtype=float) for name, values in result["outcomes"].items()})
    columns["error"] = result["errors"]
    table = pa.table(columns)
    temporary = folder / "runs" / f".{unit.part}.tmp"
    pq.write_table(table, temporary)
    os.replace(temporary, folder / "runs" / unit.part)
    return sum(1 for e in result["errors"] if e)


def read_runs(folder: Path):
    """The whole runs table (all parts), sorted by point and replicate, as a dict of numpy arrays."""
    pa, pq = parquet()
    parts = sorted((folder / "runs").glob("part-*.parquet"))
    if not parts:
        raise SweepError(f"{folder}: no runs stored yet")
    table = pa.concat_tables(pq.read_table(p) for p in parts)
    data = {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}
    order = np.lexsort((data["replicate"], data["point"]))
    return {name: values[order] for name, values in data.items()}


def load_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise SweepError(
            f"{folder}: no manifest.json: the sweep has not finished; run the same tft sweep command again to finish it"
        )
    return json.loads(path.read_text(encoding="utf-8"))
