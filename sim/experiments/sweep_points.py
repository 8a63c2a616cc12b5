"""One design point of a finished sweep, re-run from its recorded seeds with trajectories kept:
the per-month staff quantiles its fan chart is drawn from (`point-<n>-quantiles.csv`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.engines.drivers import simulate_batch
from sim.errors import SimError
from sim.experiments.summary import QUANTILE_COLUMNS, StaffQuantiles
from sim.experiments.sweep import point_plan
from sim.files.params import apply_params
from sim.files.results import write_csv
from sim.files.scenario_file import load_scenario
from sim.files.sweep_file import load_sweep
from sim.files.sweep_store import load_manifest
from sim.rules.calendar import month_label


class SweepPointError(SimError):
    """A sweep folder or a design point that cannot be re-run."""


def point_quantiles_file(folder: Path, point: int) -> Path:
    return folder / f"point-{point}-quantiles.csv"


def write_point_quantiles(folder: Path, point: int) -> Path:
    """Re-run design point `point` of the sweep in `folder` and write its staff quantiles."""
    manifest = load_manifest(folder)
    recorded = manifest["sweep"]
    try:
        sweep = load_sweep(recorded["path"])
    except SimError:
        raise SweepPointError(f"{folder}: its sweep file {recorded['path']} cannot be read any more") from None
    if sweep.sha256 != recorded["sha256"]:
        raise SweepPointError(
            f"{folder}: its sweep file {recorded['path']} has changed since the sweep ran "
            "(sha256 differs); restore it to draw this folder"
        )
    scenario = load_scenario(sweep.scenario_path)
    if scenario.sha256 != manifest["scenario"]["sha256"]:
        raise SweepPointError(f"{folder}: the scenario {sweep.scenario_path} has changed since the sweep ran")
    if manifest.get("params"):
        scenario = apply_params(scenario, manifest["params"])
    points = sweep.points()
    if not 0 <= point < len(points):
        raise SweepPointError(f"--point: {point} is not a design point (allowed: 0 to {len(points) - 1})")
    plan = point_plan(sweep, scenario, points[point])
    keys = np.array([int(k) for k in manifest["run_seeds"]], dtype=np.uint64)
    ensemble = simulate_batch(scenario, plan, keys, log_events=False, columns=("staff_total",))
    quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
    quantiles.add(ensemble.figures["staff_total"])
    path = point_quantiles_file(folder, point)
    temporary = path.with_name(f".{path.name}.tmp")
    write_csv(temporary, QUANTILE_COLUMNS, quantiles.rows())
    temporary.replace(path)
    return path
