"""One design point of a finished sweep, re-run from its recorded seeds with trajectories kept:
the per-month staff quantiles its fan chart is drawn from (`point-<n>-quantiles.csv`).

The manifest names the sweep file by an absolute path: it is read only if it is a regular file
of a sweep file's size and has the sha256 the manifest recorded. A parameter overlay is read
only from the sweep folder itself (`params.toml`, copied there by `tft sweep --params`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.engines.drivers import simulate_batch
from sim.errors import SimError
from sim.experiments.limits import SUMMARY_CHUNK_RUNS, check_sweep, chunk_for
from sim.experiments.summary import QUANTILE_COLUMNS, StaffQuantiles
from sim.experiments.sweep import PARAMS_COPY, point_plan
from sim.files.params import apply_params
from sim.files.results import write_csv
from sim.files.safe import regular_file
from sim.files.scenario_file import load_scenario
from sim.files.sweep_file import MAX_REPLICATES
from sim.files.sweep_store import load_manifest, recorded_sweep
from sim.rules.calendar import month_label


class SweepPointError(SimError):
    """A sweep folder or a design point that cannot be re-run."""


def point_quantiles_file(folder: Path, point: int) -> Path:
    return folder / f"point-{point}-quantiles.csv"


def write_point_quantiles(folder: Path, point: int) -> Path:
    """Re-run design point `point` of the sweep in `folder` and write its staff quantiles."""
    manifest = load_manifest(folder)
    sweep = recorded_sweep(folder, manifest)
    check_sweep(sweep.path, sweep.levers, sweep.uncertainties, sweep.design, sweep.samples, sweep.replicates)
    scenario = load_scenario(sweep.scenario_path)
    if scenario.sha256 != (manifest.get("scenario") or {}).get("sha256"):
        raise SweepPointError(f"{folder}: the scenario {sweep.scenario_path} has changed since the sweep ran")
    params = manifest.get("params")
    if params is not None:
        if params != PARAMS_COPY:
            raise SweepPointError(f"{folder / 'manifest.json'}: params: expected '{PARAMS_COPY}', found {params!r}")
        scenario = apply_params(scenario, regular_file(folder / PARAMS_COPY, 2**20, "parameter file"))
    points = sweep.points()
    if not 0 <= point < len(points):
        raise SweepPointError(f"--point: {point} is not a design point (allowed: 0 to {len(points) - 1})")
    plan = point_plan(sweep, scenario, points[point])
    seeds = manifest.get("run_seeds")
    if (
        not isinstance(seeds, list)
        or not 0 < len(seeds) <= MAX_REPLICATES
        or not all(isinstance(s, str) and s.isdigit() and int(s) < 2**64 for s in seeds)
    ):
        raise SweepPointError(f"{folder / 'manifest.json'}: run_seeds: expected the replicates' seeds")
    keys = np.array([int(k) for k in seeds], dtype=np.uint64)
    _, rows = point_fan(scenario, plan, keys, point)
    path = point_quantiles_file(folder, point)
    write_csv(path, QUANTILE_COLUMNS, rows)
    return path


def point_fan(scenario, plan, keys: np.ndarray, point: int) -> tuple[int, list[dict[str, object]]]:
    """The per-month staff quantiles of one design point over its replicates (a unit of work a
    sweep's executor runs when the sweep keeps its fans): (point, rows of the quantiles file)."""
    quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
    chunk = chunk_for(SUMMARY_CHUNK_RUNS, len(plan.months), 1, events=False)
    for first in range(0, len(keys), chunk):
        ensemble = simulate_batch(scenario, plan, keys[first : first + chunk], log_events=False, summary=True)
        quantiles.add(ensemble.summary)
    return point, list(quantiles.rows())
