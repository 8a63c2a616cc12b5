"""Running a sweep: design points x replicates through the batched engine, on a local process
pool or a Dask cluster, streamed to disk part by part so that a stopped sweep resumes.

`results/<sweep>/<id>/` holds `manifest.json`, `design.csv` (one row per point), `runs/` (the
runs table as Parquet parts, one per point and block of replicates, each written under a
temporary name and renamed), and `summary.csv` (per point: mean and quantiles of each outcome).
The id is a hash of the sweep file, the scenario file and the package version, so the same
command finds the same folder and runs only the parts that are missing. Replicate r of every
point uses the same run seed (common random numbers), spawned from the sweep's seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim import __version__
from sim.errors import SimError
from sim.experiments.choices import PlanError, make_plan
from sim.experiments.outcomes import outcome_names, simulate_outcomes
from sim.files.params import apply_params
from sim.files.results import RUN_ID, utc_now, write_csv, write_json
from sim.files.scenario_file import load_scenario
from sim.files.sweep_file import Sweep, load_sweep
from sim.files.sweep_store import SweepError, Unit, parquet, read_runs, write_part
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario

SUMMARY_STATS = ("mean", "p05", "p50", "p95")
DEFAULT_BLOCK = 50  # replicates of one point simulated (and stored) together


def sweep_id(sweep: Sweep, scenario: Scenario) -> str:
    behaviours = repr(scenario.behaviours)  # a --params overlay changes the sweep
    digest = hashlib.sha256(f"{sweep.sha256}:{scenario.sha256}:{behaviours}:{__version__}".encode()).hexdigest()
    return digest[:12]


def point_plan(sweep: Sweep, scenario: Scenario, values: dict[str, object]):
    policies: dict[str, str] = {}
    overrides = []
    for name, value in values.items():
        for side, key in sweep.targets(name, scenario.codes):
            if key == "policy":
                policies[side] = value
            else:
                overrides.append((side, key, value))
    return make_plan(
        scenario, sweep.mode, start_from=sweep.start_from, until=sweep.until, policies=policies, overrides=overrides
    )


def run_unit(scenario: Scenario, plan, keys: np.ndarray, unit: Unit) -> dict[str, object]:
    """Simulate one unit (in a worker). A unit that raises is retried run by run, so one bad
    run is recorded with its error and the others still count."""
    try:
        outcomes = simulate_outcomes(scenario, plan, keys)
        errors = [""] * len(keys)
    except Exception:  # noqa: BLE001 - recorded, the sweep goes on
        outcomes, errors = _one_by_one(scenario, plan, keys)
    return {"unit": unit, "outcomes": outcomes, "errors": errors}


def _one_by_one(scenario: Scenario, plan, keys: np.ndarray):
    names = outcome_names(scenario.codes)
    outcomes = {name: np.full(len(keys), np.nan) for name in names}
    errors = []
    for i in range(len(keys)):
        try:
            single = simulate_outcomes(scenario, plan, keys[i : i + 1])
            for name in names:
                outcomes[name][i] = single[name][0]
            errors.append("")
        except Exception as exc:  # noqa: BLE001
            last = traceback.extract_tb(exc.__traceback__)[-1]
            errors.append(f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})")
    return outcomes, errors


class Executor:
    """Runs tasks (argument tuples of a function) and yields their results as they finish;
    `ordered` is the same in task order, as a map-like callable (for scipy's optimisers)."""

    def map(self, tasks: list[tuple], function=None) -> Iterator[object]:
        raise NotImplementedError

    def ordered(self, function, items) -> list:
        tasks = [(i, item) for i, item in enumerate(items)]
        results = dict(self.map(tasks, _Indexed(function)))
        return [results[i] for i in range(len(tasks))]

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class _Indexed:
    """function(item), returned with the item's position (picklable)."""

    function: Callable

    def __call__(self, index: int, item) -> tuple[int, object]:
        return index, self.function(item)


class SerialExecutor(Executor):
    def map(self, tasks, function=None):
        for task in tasks:
            yield (function or run_unit)(*task)


class PoolExecutor(Executor):
    def __init__(self, workers: int):
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(max_workers=workers)

    def map(self, tasks, function=None):
        from concurrent.futures import as_completed

        futures = [self.pool.submit(function or run_unit, *task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class DaskExecutor(Executor):
    def __init__(self, scheduler: str):
        try:
            from distributed import Client
        except ImportError:
            raise SweepError("--scheduler needs Dask: pip install 'tft-sim[dask]'") from None
        if not re.match(r"^(tcp|tls|inproc)://[^:/]+:\d+$", scheduler):
            raise SweepError(f"--scheduler: '{scheduler}' is not an address (allowed: tcp://HOST:PORT)")
        try:
            self.client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise SweepError(f"--scheduler: cannot reach {scheduler} ({exc})") from None

    def map(self, tasks, function=None):
        from distributed import as_completed

        futures = [self.client.submit(function or run_unit, *task, pure=False) for task in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        except Exception as exc:  # noqa: BLE001 - a lost scheduler or worker
            if isinstance(exc, SimError):
                raise
            raise SweepError(
                f"the Dask cluster failed ({type(exc).__name__}); finished parts are kept, run the same "
                "command again to resume"
            ) from None

    def close(self) -> None:
        self.client.close()


def make_executor(workers: int | None, scheduler: str | None) -> Executor:
    if scheduler:
        return DaskExecutor(scheduler)
    workers = workers or os.cpu_count() or 1
    return SerialExecutor() if workers == 1 else PoolExecutor(workers)


def summary_rows(data: dict, sweep: Sweep, names: list[str]) -> Iterable[dict[str, object]]:
    points = data["point"]
    for point in np.unique(points):
        rows = points == point
        ok = rows & (data["error"] == "")
        row: dict[str, object] = {"point": int(point), "runs": int(rows.sum()), "failed": int((rows & ~ok).sum())}
        for column in sweep.columns:
            row[column] = data[column][rows][0]
        for name in names:
            values = data[name][ok].astype(float)
            finite = values[~np.isnan(values)]
            row[f"{name}_mean"] = round(float(finite.mean()), 4) if len(finite) else ""
            for stat, q in (("p05", 5), ("p50", 50), ("p95", 95)):
                row[f"{name}_{stat}"] = round(float(np.percentile(finite, q)), 4) if len(finite) else ""
        yield row


def summary_columns(sweep: Sweep, names: list[str]) -> list[str]:
    return ["point", "runs", "failed", *sweep.columns] + [f"{n}_{s}" for n in names for s in SUMMARY_STATS]


def run_sweep(
    path: str | Path,
    results_root: str | Path = "results",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    block: int = DEFAULT_BLOCK,
    sweep_folder: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    params: str | Path | None = None,
    command: Iterable[str] = (),
) -> dict:
    """Run (or finish) a sweep. Returns a report: folder, runs, failed, seconds, runs per second."""
    started = utc_now()
    clock = time.perf_counter()
    parquet()  # fail early when pyarrow is missing
    sweep = load_sweep(path)
    scenario = load_scenario(sweep.scenario_path)
    if params is not None:
        scenario = apply_params(scenario, params)
    points = sweep.points()
    try:
        plans = [point_plan(sweep, scenario, values) for values in points]
    except PlanError as exc:
        raise SweepError(f"{sweep.path}: {_in_file_terms(str(exc))}") from None
    keys = run_keys(sweep.seed, sweep.replicates)
    if sweep_folder is not None and not RUN_ID.match(sweep_folder):
        raise SweepError(f"--id: '{sweep_folder}' cannot name a folder (allowed: letters, digits, '_', '-', '.')")
    folder = Path(results_root) / sweep.name / (sweep_folder or sweep_id(sweep, scenario))
    inputs = {
        "sweep_sha256": sweep.sha256,
        "scenario_sha256": scenario.sha256,
        "behaviours": repr(scenario.behaviours),
        "seed": sweep.seed,
        "replicates": sweep.replicates,
        "block": block,
        "package_version": __version__,
    }
    _check_inputs(folder, inputs)
    executor = make_executor(workers, scheduler)  # reach the scheduler before writing anything
    try:
        (folder / "runs").mkdir(parents=True, exist_ok=True)
        write_json(folder / "inputs.json", inputs)
        write_csv(folder / "design.csv", ["point", *sweep.columns], ({"point": i} | p for i, p in enumerate(points)))
    except BaseException:
        executor.close()
        raise
    units = [
        Unit(p, first, min(block, sweep.replicates - first))
        for p in range(len(points))
        for first in range(0, sweep.replicates, block)
    ]
    done = {part.name for part in (folder / "runs").glob("part-*.parquet")}
    todo = [u for u in units if u.part not in done]
    total_runs = len(points) * sweep.replicates
    finished = total_runs - sum(u.count for u in todo)
    if progress:
        progress(finished, total_runs)
    new_runs = 0
    try:
        tasks = [(scenario, plans[u.point], keys[u.first : u.first + u.count], u) for u in todo]
        for result in executor.map(tasks):
            write_part(folder, result, sweep, points, keys)
            new_runs += result["unit"].count
            if progress:
                progress(finished + new_runs, total_runs)
    finally:
        executor.close()
    names = outcome_names(scenario.codes)
    data = read_runs(folder)
    failed = int((data["error"] != "").sum())
    write_csv(folder / "summary.csv", summary_columns(sweep, names), summary_rows(data, sweep, names))
    seconds = time.perf_counter() - clock
    manifest = {
        "sweep": {"name": sweep.name, "path": str(Path(sweep.path).resolve()), "sha256": sweep.sha256},
        "scenario": {"name": scenario.name, "path": str(Path(scenario.path).resolve()), "sha256": scenario.sha256},
        "versions": _versions(),
        "mode": sweep.mode,
        "from": sweep.start_from,
        "until": sweep.until,
        "design": sweep.design,
        "points": len(points),
        "replicates": sweep.replicates,
        "runs": total_runs,
        "root_seed": sweep.seed,
        "run_seeds": [str(int(k)) for k in keys],
        "failed_runs": failed,
        "backend": f"dask {scheduler}"
        if scheduler
        else ("this process" if (workers or os.cpu_count()) == 1 else f"local pool of {workers or os.cpu_count()}"),
        "block": block,
        "package_version": __version__,
        "command_line": list(command),
        "started": started,
        "finished": utc_now(),
        "runs_this_time": new_runs,
    }
    write_json(folder / "manifest.json", manifest)
    return {
        "folder": folder,
        "runs": total_runs,
        "new": new_runs,
        "failed": failed,
        "seconds": seconds,
        "runs_per_second": new_runs / seconds if seconds else 0.0,
    }


def _versions() -> dict:
    import platform

    import mesa

    return {"python": platform.python_version(), "numpy": np.__version__, "mesa": mesa.__version__}


def _check_inputs(folder: Path, inputs: dict) -> None:
    """A folder may only be resumed by the same sweep: same files, seed, replicates and block."""
    path = folder / "inputs.json"
    if not path.is_file():
        if (folder / "runs").is_dir() and any((folder / "runs").iterdir()):
            raise SweepError(f"{folder}: holds runs of an unknown sweep (no inputs.json); choose another --id")
        return
    stored = json.loads(path.read_text(encoding="utf-8"))
    changed = [key for key in inputs if stored.get(key) != inputs[key]]
    if changed:
        raise SweepError(
            f"{folder}: holds a sweep with different {', '.join(changed)}; it can only be resumed by "
            "the same sweep file, scenario, parameters and --block (choose another --id)"
        )


def _in_file_terms(message: str) -> str:
    """A plan error says what to change on the command line; a sweep file has keys instead."""
    for option, key in (
        ("--mode project needs --from DATE", "sweep.from is needed in project mode"),
        ("--from applies to --mode project only", 'sweep.from applies to mode = "project" only'),
        ("--from", "sweep.from"),
        ("--until", "sweep.until"),
        ("--policy", "levers"),
        ("--set", "levers or uncertainties"),
        ("--mode", "sweep.mode"),
    ):
        message = message.replace(option, key)
    return message
