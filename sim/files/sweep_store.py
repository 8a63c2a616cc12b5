"""The files of a sweep folder: the runs table stored as Parquet parts (one per design point and
block of replicates, each written under a temporary name and renamed), the inputs a resumed sweep
must share, and the manifest.

Every part carries, in its Parquet key-value metadata, the identity of its sweep (a hash of
`inputs.json`), its point, first replicate and count, and the sha256 of its data, so a part that
is damaged, truncated or copied in from another sweep is recognised and not counted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import ResultsError, SimError
from sim.files.results import read_json
from sim.files.safe import regular_file, replaced
from sim.files.sweep_file import Sweep, load_sweep

INPUTS = "inputs.json"
SWEEP_FILE_LIMIT = 4 * 2**20  # bytes: a sweep file is a page of TOML
MAX_BLOCKS = 10**9  # parts of one sweep a folder could hold; bounds what a crafted inputs.json asks for


class SweepError(SimError):
    """A sweep that cannot run: missing optional packages, an unreachable scheduler."""


@dataclass(frozen=True)
class Block:
    """A block of replicates of one design point: the unit of work and of storage."""

    point: int
    first: int
    count: int

    @property
    def part(self) -> str:
        return f"part-{self.point:06d}-{self.first:06d}.parquet"


def units(points: int, replicates: int, block: int) -> list[Block]:
    return [
        Block(p, first, min(block, replicates - first)) for p in range(points) for first in range(0, replicates, block)
    ]


def parquet():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise SweepError("sweeps store their runs as Parquet: pip install 'tft-sim[sweep]'") from None
    return pyarrow, pyarrow.parquet


def sweep_identity(inputs: dict) -> str:
    """The identity every part of a sweep carries: a hash of what a resumed sweep must share."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def table_digest(table) -> str:
    """sha256 of a table's columns (names, types and values), the same before writing and after reading."""
    digest = hashlib.sha256()
    for name in table.column_names:
        column = table.column(name)
        digest.update(f"{name}\0{column.type}\0".encode())
        values = column.to_numpy(zero_copy_only=False)
        if values.dtype.kind in "iuf":
            digest.update(np.ascontiguousarray(values).tobytes())
        else:
            for value in values:
                text = str(value).encode("utf-8", "surrogatepass")
                digest.update(len(text).to_bytes(8, "little") + text)
    return digest.hexdigest()


def write_part(folder: Path, result: dict, sweep: Sweep, points: list[dict], keys: np.ndarray, identity: str) -> int:
    pa, pq = parquet()
    unit: Block = result["unit"]
    count = unit.count
    columns: dict[str, object] = {
        "point": np.full(count, unit.point, dtype=np.int64),
        "replicate": np.arange(unit.first, unit.first + count, dtype=np.int64),
        "seed": [str(int(k)) for k in keys[unit.first : unit.first + count]],
    }
    if "particle" in result:  # each run's posterior draw (docs/sweeps.md)
        columns["particle"] = np.asarray(result["particle"], dtype=np.int64)
    for name in sweep.columns:
        value = points[unit.point][name]
        # one type per column in every part: numbers as floats, anything else as text
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        columns[name] = np.full(count, float(value)) if numeric else [str(value)] * count
    columns.update({name: np.asarray(values, dtype=float) for name, values in result["outcomes"].items()})
    columns["error"] = result["errors"]
    table = pa.table(columns)
    metadata = {
        "tft.sweep": identity,
        "tft.point": str(unit.point),
        "tft.first": str(unit.first),
        "tft.count": str(count),
        "tft.sha256": table_digest(table),
    }
    table = table.replace_schema_metadata({k.encode(): v.encode() for k, v in metadata.items()})
    with replaced(folder / "runs" / unit.part, binary=True) as handle:
        pq.write_table(table, handle)
    return sum(1 for e in result["errors"] if e)


def read_part(path: Path, unit: Block, identity: str):
    """The part's table, or a SweepError that says what is wrong with it."""
    pa, pq = parquet()
    if path.is_symlink() or not path.is_file():
        raise SweepError(f"{path}: not a regular file")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise SweepError(f"{path}: damaged, cannot be read ({type(exc).__name__})") from None
    meta = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in (table.schema.metadata or {}).items()}
    if meta.get("tft.sweep") != identity:
        raise SweepError(f"{path}: belongs to another sweep (or was written without the sweep's identity)")
    if (meta.get("tft.point"), meta.get("tft.first"), meta.get("tft.count")) != tuple(
        str(v) for v in (unit.point, unit.first, unit.count)
    ) or table.num_rows != unit.count:
        raise SweepError(f"{path}: holds other runs than point {unit.point}, replicates from {unit.first}")
    if table_digest(table.replace_schema_metadata(None)) != meta.get("tft.sha256"):
        raise SweepError(f"{path}: damaged: its data do not match its checksum")
    return table


def read_inputs(folder: Path) -> dict:
    """inputs.json of a sweep folder, checked to be what tft writes."""
    path = folder / INPUTS
    try:
        inputs = read_json(path, "inputs file")
    except ResultsError as exc:
        raise SweepError(f"{exc}; delete the folder or choose another --id") from None
    for key in ("replicates", "block"):
        value = inputs.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BLOCKS:
            raise SweepError(f"{path}: {key}: expected a whole number from 1 to {MAX_BLOCKS}, found {value!r}")
    return inputs


def point_tables(folder: Path, points: int, inputs: dict) -> Iterator[tuple[int, dict]]:
    """Each design point's runs, in replicate order, as a dict of numpy arrays; every part checked."""
    pa, _ = parquet()
    identity = sweep_identity(inputs)
    replicates, block = inputs["replicates"], inputs["block"]
    for point in range(points):
        tables = []
        for unit in units(1, replicates, block):
            unit = Block(point, unit.first, unit.count)
            path = folder / "runs" / unit.part
            if not path.exists():
                raise SweepError(f"{path}: missing; run the same tft sweep command again to finish the sweep")
            tables.append(read_part(path, unit, identity).replace_schema_metadata(None))
        try:
            table = pa.concat_tables(tables)
        except pa.ArrowException:
            raise SweepError(f"{folder / 'runs'}: the parts of point {point} do not have the same columns") from None
        yield point, {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def read_runs(folder: Path, columns: tuple[str, ...] | None = None):
    """The whole runs table of a finished sweep (all parts, checked), sorted by point and
    replicate, as a dict of numpy arrays (only `columns`, if given)."""
    manifest = load_manifest(folder)
    points = manifest.get("points")
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_BLOCKS:
        raise SweepError(f"{folder / 'manifest.json'}: points: expected a number of design points, found {points!r}")
    pieces = [data for _, data in point_tables(folder, points, read_inputs(folder))]
    names = columns or tuple(pieces[0])
    for name in names:
        if any(name not in data for data in pieces):
            raise SweepError(f"{folder / 'runs'}: the parts have no column '{name}'")
    return {name: np.concatenate([data[name] for data in pieces]) for name in names}


def recorded_sweep(folder: Path, manifest: dict):
    """The sweep file a finished sweep's manifest names, if it is still the same file."""
    recorded = manifest.get("sweep")
    if not isinstance(recorded, dict) or not all(isinstance(recorded.get(k), str) for k in ("path", "sha256")):
        raise SweepError(f"{folder / 'manifest.json'}: sweep: expected the sweep file's path and sha256")
    try:
        sweep = load_sweep(regular_file(Path(recorded["path"]), SWEEP_FILE_LIMIT, "sweep file"))
    except SimError:
        raise SweepError(f"{folder}: its sweep file {recorded['path']} cannot be read any more") from None
    if sweep.sha256 != recorded["sha256"]:
        raise SweepError(
            f"{folder}: its sweep file {recorded['path']} has changed since the sweep ran "
            "(sha256 differs); restore it to draw this folder"
        )
    return sweep


def load_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise SweepError(
            f"{folder}: no manifest.json: the sweep has not finished; run the same tft sweep command again to finish it"
        )
    try:
        return read_json(path)
    except ResultsError as exc:
        raise SweepError(str(exc)) from None
