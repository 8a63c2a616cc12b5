"""Running a sweep: design points x replicates through the batched engine, on a local process
pool or a Dask cluster, streamed to disk part by part so that a stopped sweep resumes.

`results/<sweep>/<id>/` holds `manifest.json`, `design.csv` (a row per point), `runs/` (the runs
table as Parquet parts per point and block of replicates, each written under a temporary name and
renamed) and `summary.csv` (per point: mean and quantiles of each outcome). The id hashes the sweep
and scenario files and the package version: the same command finds the same folder and runs only
the missing parts. Replicate r of every point has the same run seed (common random numbers).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from sim import __version__
from sim.errors import ResultsError
from sim.experiments.choices import PlanError, make_plan
from sim.experiments.executors import DaskExecutor, make_executor
from sim.experiments.limits import check_sweep
from sim.experiments.outcomes import outcome_names, simulate_outcomes
from sim.experiments.posterior import (
    ALL,
    DRAWS_FILE,
    chosen_keys,
    describe,
    draw_columns,
    draw_rows,
    sweep_posterior,
    unit_draws,
    with_draw,
)
from sim.experiments.warm import WARM_RUNS, compiled_before
from sim.files.folders import RUN_ID, lock_folder
from sim.files.params import apply_params
from sim.files.results import CsvWriter, utc_now, write_csv, write_json
from sim.files.safe import make_folder, read_bounded, write_text
from sim.files.scenario_file import load_scenario
from sim.files.sweep_file import Sweep, load_sweep
from sim.files.sweep_store import (
    INPUTS,
    Block,
    SweepError,
    parquet,
    point_tables,
    read_inputs,
    read_part,
    sweep_identity,
    units,
    write_part,
)
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario

SUMMARY_STATS = ("mean", "p05", "p50", "p95")
DEFAULT_BLOCK = 50  # replicates of one point simulated (and stored) together


def sweep_id(sweep: Sweep, scenario: Scenario, posterior: str = "") -> str:
    behaviours = repr(scenario.behaviours)  # a --params overlay changes the sweep
    text = f"{sweep.sha256}:{scenario.sha256}:{behaviours}:{__version__}" + (f":{posterior}" if posterior else "")
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def point_choices(sweep: Sweep, codes: tuple[str, str], values: dict[str, object]) -> tuple[dict, list]:
    """A design point's values as `make_plan`'s policies and (side, key, value) overrides."""
    policies: dict[str, str] = {}
    overrides = []
    for name, value in values.items():
        for side, key in sweep.targets(name, codes):
            if key == "policy":
                policies[side] = value
            else:
                overrides.append((side, key, value))
    return policies, overrides


def point_plan(sweep: Sweep, scenario: Scenario, values: dict[str, object]):
    policies, overrides = point_choices(sweep, scenario.codes, values)
    return make_plan(
        scenario, sweep.mode, start_from=sweep.start_from, until=sweep.until, policies=policies, overrides=overrides
    )


FAIL_RUNS = "TFT_FAIL_RUNS"  # a testing aid: "POINT:REPLICATE,..." runs made to raise (docs/sweeps.md)
PARAMS_COPY = "params.toml"  # a --params overlay, copied into the sweep folder


def failing_runs() -> frozenset[tuple[int, int]]:
    """The (point, replicate) pairs TFT_FAIL_RUNS makes fail: a failed run is recorded, the sweep goes on."""
    text = os.environ.get(FAIL_RUNS, "").strip()
    chosen = set()
    for item in text.split(",") if text else ():
        match = re.fullmatch(r"\s*(\d{1,9}):(\d{1,9})\s*", item)
        if not match:
            raise SweepError(
                f"{FAIL_RUNS}: {item!r} is not POINT:REPLICATE (a testing aid: runs made to fail, e.g. 0:3,2:0)"
            )
        chosen.add((int(match.group(1)), int(match.group(2))))
    return frozenset(chosen)


def run_unit(scenario: Scenario, plan, keys: np.ndarray, unit: Block, behaviours=None, particles=None) -> dict:
    """Simulate one unit (in a worker). A unit that raises is retried run by run, so one bad
    run is recorded with its error and the others still count. `behaviours`: each run's own,
    drawn from a posterior (`particles`: which draw each is)."""
    chosen = {r - unit.first for p, r in failing_runs() if p == unit.point and 0 <= r - unit.first < len(keys)}
    try:
        if chosen:
            raise RuntimeError(FAIL_RUNS)
        outcomes = simulate_outcomes(scenario, plan, keys, *([] if behaviours is None else [behaviours]))
        errors = [""] * len(keys)
    except Exception:  # noqa: BLE001 - recorded, the sweep goes on
        outcomes, errors = _one_by_one(scenario, plan, keys, chosen, behaviours)
    result = {"unit": unit, "outcomes": outcomes, "errors": errors}
    if particles is not None:
        result["particle"] = particles
    return result


def _one_by_one(scenario: Scenario, plan, keys: np.ndarray, chosen: set[int] = frozenset(), behaviours=None):
    names = outcome_names(scenario.codes)
    outcomes = {name: np.full(len(keys), np.nan) for name in names}
    errors = []
    for i in range(len(keys)):
        try:
            if i in chosen:
                raise RuntimeError(f"made to fail by {FAIL_RUNS} (a testing aid)")
            own = [] if behaviours is None else [behaviours[i : i + 1]]
            single = simulate_outcomes(scenario, plan, keys[i : i + 1], *own)
            for name in names:
                outcomes[name][i] = single[name][0]
            errors.append("")
        except Exception as exc:  # noqa: BLE001
            last = traceback.extract_tb(exc.__traceback__)[-1]
            errors.append(f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})")
    return outcomes, errors


def summary_rows(tables: Iterable[tuple[int, dict]], sweep: Sweep, names: list[str], failed: list[int]):
    """One row per point from its runs (in replicate order); adds each point's failed runs to `failed`."""
    for point, data in tables:
        ok = data["error"] == ""
        row: dict[str, object] = {"point": int(point), "runs": len(ok), "failed": int((~ok).sum())}
        failed.append(row["failed"])
        for column in sweep.columns:
            row[column] = data[column][0]
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
    note: Callable[[str], None] | None = None,
    posterior: str | Path | None = None,
    draw: str | int | None = None,
) -> dict:
    """Run (or finish) a sweep. Returns a report: folder, runs, failed, seconds, runs per second.
    `note` receives one-line remarks (a part redone, a worker lost); `posterior`, `draw`: as [posterior]."""
    started = utc_now()
    clock = time.perf_counter()
    parquet()  # fail early when pyarrow is missing
    failing_runs()  # and when the testing aid is mistyped
    sweep = load_sweep(path)
    check_sweep(sweep.path, sweep.levers, sweep.uncertainties, sweep.design, sweep.samples, sweep.replicates)
    scenario = load_scenario(sweep.scenario_path)
    if params is not None:
        scenario = apply_params(scenario, params)
    fit, draw = sweep_posterior(sweep, posterior, draw)
    if fit is not None and draw != ALL:
        scenario = with_draw(scenario, fit, draw)
    points = sweep.points()
    try:
        plans = [point_plan(sweep, scenario, values) for values in points]
    except PlanError as exc:
        raise SweepError(f"{sweep.path}: {_in_file_terms(str(exc))}") from None
    keys = run_keys(sweep.seed, sweep.replicates)
    drawn = fit.draws(keys) if fit is not None and draw == ALL else None  # replicate r: the same draw at every point
    if drawn is not None and sweep.fans:
        raise SweepError(f"{sweep.path}: sweep.fans: not kept with one draw per run (allowed: draw = mean or N)")
    chosen = [chosen_keys(scenario.codes, *point_choices(sweep, scenario.codes, p)) for p in points] if fit else None
    if sweep_folder is not None and not RUN_ID.fullmatch(sweep_folder):
        raise SweepError(
            f"--id: {sweep_folder!r} cannot name a folder "
            "(allowed: letters, digits, '_', '-', '.', at most 64 characters)"
        )
    identity_of_fit = f"{fit.sha256}:{draw}" if fit is not None else ""
    folder = Path(results_root) / sweep.name / (sweep_folder or sweep_id(sweep, scenario, identity_of_fit))
    inputs = {
        "sweep_sha256": sweep.sha256,
        "scenario_sha256": scenario.sha256,
        "behaviours": repr(scenario.behaviours),
        "seed": sweep.seed,
        "replicates": sweep.replicates,
        "block": block,
        "package_version": __version__,
    }
    if fit is not None:
        inputs["posterior"] = identity_of_fit
    identity = sweep_identity(inputs)
    _check_inputs(folder, inputs)  # before the scheduler is reached or anything is written
    executor = make_executor(workers, scheduler, note)
    lock = None
    try:
        make_folder(folder.parent)
        make_folder(folder)
        lock = lock_folder(folder)
        _check_inputs(folder, inputs)  # again, now that nobody else writes here
        make_folder(folder / "runs")
        _remove_temporaries(folder)
        write_json(folder / INPUTS, inputs)
        if params is not None:
            write_text(folder / PARAMS_COPY, read_bounded(Path(params), 2**20, "parameter file").decode("utf-8"))
        write_csv(folder / "design.csv", ["point", *sweep.columns], ({"point": i} | p for i, p in enumerate(points)))
        todo = _todo(folder, units(len(points), sweep.replicates, block), identity, note)
        total_runs = len(points) * sweep.replicates
        finished = total_runs - sum(u.count for u in todo)
        if progress:
            progress(finished, total_runs)
        new_runs = 0
        if drawn is not None:
            write_csv(
                folder / DRAWS_FILE, draw_columns(fit, "replicate"), draw_rows(fit, drawn, keys, name="replicate")
            )

        def task_of(u: Block) -> tuple:
            own = () if drawn is None else unit_draws(scenario, plans[u.point], fit, drawn, u, chosen[u.point])
            return (scenario, plans[u.point], keys[u.first : u.first + u.count], u) + own

        if todo and todo[0].count >= WARM_RUNS and not isinstance(executor, DaskExecutor):  # compiled once
            compiled_before(run_unit, task_of(Block(todo[0].point, todo[0].first, min(WARM_RUNS, todo[0].count))))
        for result in executor.map(task_of(u) for u in todo):
            write_part(folder, result, sweep, points, keys, identity)
            new_runs += result["unit"].count
            if progress:
                progress(finished + new_runs, total_runs)
        if sweep.fans:
            _keep_fans(executor, folder, scenario, plans, keys)
    except BaseException:
        executor.close(abort=True)
        if lock is not None:
            os.close(lock)
        raise
    executor.close()
    try:
        names = outcome_names(scenario.codes)
        failed: list[int] = []
        with CsvWriter(folder / "summary.csv", summary_columns(sweep, names)) as writer:
            writer.write(summary_rows(point_tables(folder, len(points), inputs), sweep, names, failed))
        if sweep.sensitivity:
            from sim.experiments.sensitivity import write_sensitivity

            write_sensitivity(folder, sweep, names)
        seconds = time.perf_counter() - clock
        manifest = _manifest(sweep, scenario, points, keys, sum(failed), workers, scheduler, block)
        manifest.update(command_line=list(command), started=started, finished=utc_now(), runs_this_time=new_runs)
        if params is not None:
            manifest["params"] = PARAMS_COPY
        if fit is not None:
            manifest["posterior"] = describe(fit, draw)
        write_json(folder / "manifest.json", manifest)
    finally:
        if lock is not None:
            os.close(lock)
    return {
        "folder": folder,
        "runs": total_runs,
        "new": new_runs,
        "failed": sum(failed),
        "seconds": seconds,
        "runs_per_second": new_runs / seconds if seconds else 0.0,
    }


def _keep_fans(executor, folder: Path, scenario: Scenario, plans: list, keys: np.ndarray) -> None:
    """`fans = true`: each point's per-month staff quantiles, the file its fan is drawn from, for
    the points that lack one. The outcomes of a run keep no months, so the points' runs are
    simulated again with their staff kept (the same seeds: the same runs)."""
    from sim.experiments.summary import QUANTILE_COLUMNS
    from sim.experiments.sweep_points import point_fan, point_quantiles_file

    todo = [(scenario, plan, keys, p) for p, plan in enumerate(plans) if not point_quantiles_file(folder, p).is_file()]
    for point, rows in executor.map(todo, point_fan):
        write_csv(point_quantiles_file(folder, point), QUANTILE_COLUMNS, rows)


def _manifest(sweep, scenario, points, keys, failed, workers, scheduler, block) -> dict:
    cores = workers or os.cpu_count()
    return {
        "sweep": {"name": sweep.name, "path": str(Path(sweep.path).resolve()), "sha256": sweep.sha256},
        "scenario": {"name": scenario.name, "path": str(Path(scenario.path).resolve()), "sha256": scenario.sha256},
        "versions": _versions(),
        "mode": sweep.mode,
        "from": sweep.start_from,
        "until": sweep.until,
        "design": sweep.design,
        "points": len(points),
        "replicates": sweep.replicates,
        "runs": len(points) * sweep.replicates,
        "root_seed": sweep.seed,
        "run_seeds": [str(int(k)) for k in keys],
        "failed_runs": failed,
        "backend": f"dask {scheduler}" if scheduler else ("this process" if cores == 1 else f"local pool of {cores}"),
        "block": block,
        "package_version": __version__,
    }


def _todo(folder: Path, all_units: list[Block], identity: str, note: Callable[[str], None] | None) -> list[Block]:
    """The units whose parts are missing; a part that is damaged or not this sweep's is removed
    (and said so) and its unit run again."""
    todo = []
    for unit in all_units:
        part = folder / "runs" / unit.part
        if not os.path.lexists(part):
            todo.append(unit)
            continue
        try:
            read_part(part, unit, identity)
        except SweepError as exc:
            if note:
                note(f"{exc}; running it again")
            part.unlink()
            todo.append(unit)
    return todo


def _remove_temporaries(folder: Path) -> None:
    """Temporary files of a sweep that was killed (the folder is locked: nobody else writes here)."""
    for place in (folder, folder / "runs"):
        for entry in os.scandir(place):
            if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)


def _versions() -> dict:
    import platform

    import mesa

    return {"python": platform.python_version(), "numpy": np.__version__, "mesa": mesa.__version__}


def _check_inputs(folder: Path, inputs: dict) -> None:
    """A folder may only be resumed by the same sweep: same files, seed, replicates and block."""
    path = folder / INPUTS
    if not os.path.lexists(path):
        if (folder / "runs").is_dir() and any((folder / "runs").iterdir()):
            raise SweepError(f"{folder}: holds runs of an unknown sweep (no inputs.json); choose another --id")
        return
    try:
        stored = read_inputs(folder)
    except ResultsError as exc:
        raise SweepError(str(exc)) from None
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
