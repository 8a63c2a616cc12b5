"""Running a scenario and writing its results directory: the library entry point behind `tft run`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from sim.calendar import month_label
from sim.engine import EVENT_COLUMNS, load_scenario
from sim.ensemble import (
    ENSEMBLE_TRAJECTORY_COLUMNS,
    PlanError,
    behaviours_for_manifest,
    make_plan,
    simulate_batch,
    simulate_mesa,
)
from sim.model import TRAJECTORY_COLUMNS, RetaliationModel
from sim.params import apply_params
from sim.plotting import fan_figure, staff_figure
from sim.results import (
    EVENTS,
    FAN_FIGURE,
    MANIFEST,
    OBSERVATION_COLUMNS,
    OBSERVATIONS,
    QUANTILES_FILE,
    RUNS,
    STAFF_FIGURE,
    TRAJECTORIES,
    CsvWriter,
    manifest_for,
    new_run_id,
    observation_rows,
    read_result,
    read_tables,
    utc_now,
    write_csv,
    write_json,
    write_result,
)
from sim.rng import run_keys
from sim.scenario import Scenario
from sim.state import FIGURES
from sim.summary import QUANTILE_COLUMNS, RUN_COLUMNS, StaffQuantiles, run_rows

ENGINES = ("batch", "mesa")
BATCH_FROM = 8  # with more replicates than this, the batched engine is the default


def simulate(scenario: Scenario, seed: int | None = None) -> RetaliationModel:
    """Replay the scenario with the Mesa model and return it (trajectories, event log)."""
    model = RetaliationModel(scenario, seed=seed)
    model.run()
    return model


KEEP = ("auto", "all", "summary")
KEEP_ALL_UP_TO = 1000  # with --keep auto, ensembles up to this many runs keep every trajectory and event
CHUNK_RUNS = 10_000


def run_scenario(
    path: str | Path,
    results_root: str | Path = "results",
    *,
    mode: str = "replay",
    start_from: str | None = None,
    until: str | None = None,
    replicates: int = 1,
    seed: int | None = None,
    run_seed: int | None = None,
    policies: dict[str, str] | None = None,
    overrides: Iterable[tuple[str, str, object]] = (),
    engine: str | None = None,
    keep: str = "auto",
    chunk_runs: int = CHUNK_RUNS,
    run_id: str | None = None,
    plot: bool = True,
    params: str | Path | None = None,
    command: Sequence[str] = (),
) -> Path:
    """Load, check and run a scenario; write `results_root/<scenario>/<run-id>/`. Returns the folder.

    `replicates` runs get keys spawned from the root seed (`seed`, default the scenario's);
    `run_seed` instead runs the one run with that key, as recorded in an ensemble's manifest.
    Runs go through the engine `chunk_runs` at a time. An ensemble always writes per-run outcomes
    (runs.csv) and per-month quantiles (quantiles.csv, fan.png); full trajectories and events only
    with `keep="all"` (or "auto" up to KEEP_ALL_UP_TO runs), so memory does not grow with the runs.
    """
    started = utc_now()
    scenario = load_scenario(path)
    if params is not None:
        scenario = apply_params(scenario, params)
    plan = make_plan(scenario, mode, start_from=start_from, until=until, policies=policies, overrides=overrides)
    if replicates < 1:
        raise PlanError(f"--replicates: {replicates} is not a number of runs (allowed: 1 or more)")
    if run_seed is not None and replicates != 1:
        raise PlanError("--run-seed re-runs one run; it cannot be combined with --replicates")
    if keep not in KEEP:
        raise PlanError(f"--keep: unknown value '{keep}' (allowed: {', '.join(KEEP)})")
    if chunk_runs < 1:
        raise PlanError(f"--chunk: {chunk_runs} is not a number of runs (allowed: 1 or more)")
    root_seed = scenario.seed if seed is None else seed
    keys = [run_seed] if run_seed is not None else [int(k) for k in run_keys(root_seed, replicates)]
    engine = engine or ("batch" if replicates > BATCH_FROM else "mesa")
    if engine not in ENGINES:
        raise PlanError(f"--engine: unknown engine '{engine}' (allowed: {', '.join(ENGINES)})")
    simulate_chunk = simulate_batch if engine == "batch" else simulate_mesa
    several = replicates > 1
    keep_all = not several or keep == "all" or (keep == "auto" and replicates <= KEEP_ALL_UP_TO)
    title = scenario.title if plan.mode.value == "replay" else f"{scenario.title} ({_describe(plan, scenario)})"

    def fill(folder: Path) -> None:
        files = [MANIFEST]
        writers: dict[str, CsvWriter] = {}
        if keep_all:
            writers[TRAJECTORIES] = CsvWriter(
                folder / TRAJECTORIES, ENSEMBLE_TRAJECTORY_COLUMNS if several else TRAJECTORY_COLUMNS
            )
            writers[EVENTS] = CsvWriter(folder / EVENTS, (("run",) if several else ()) + EVENT_COLUMNS)
        if several:
            writers[RUNS] = CsvWriter(folder / RUNS, RUN_COLUMNS)
            quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
        try:
            for first in range(0, len(keys), chunk_runs):
                chunk = simulate_chunk(
                    scenario,
                    plan,
                    keys[first : first + chunk_runs],
                    log_events=keep_all,
                    columns=FIGURES if keep_all else ("staff_total",),
                )
                if keep_all:
                    writers[TRAJECTORIES].write(chunk.trajectory_rows(several, first))
                    writers[EVENTS].write(chunk.event_rows(several, first))
                if several:
                    quantiles.add(chunk.figures["staff_total"])
                    writers[RUNS].write(run_rows(chunk, first))
        finally:
            for writer in writers.values():
                writer.close()
        files += list(writers)
        if several:
            write_csv(folder / QUANTILES_FILE, QUANTILE_COLUMNS, quantiles.rows())
            files.append(QUANTILES_FILE)
        write_csv(folder / OBSERVATIONS, OBSERVATION_COLUMNS, observation_rows(scenario))
        files.append(OBSERVATIONS)
        if plot:
            files += draw(folder, title)
        extra = {
            "from": month_label(plan.active_from) if plan.mode.value == "project" else None,
            "until": month_label(plan.end),
            "behaviour": behaviours_for_manifest(plan, scenario.codes),
            "kept": "all" if keep_all else "summary",
            "chunk_runs": chunk_runs,
            "run_seeds": [str(k) for k in keys],
            "run_seed": str(run_seed) if run_seed is not None else None,
            "params": str(params) if params is not None else None,
        }
        write_json(
            folder / MANIFEST,
            manifest_for(
                scenario,
                seed=root_seed,
                command=command,
                started=started,
                mode=plan.mode.value,
                engine=engine,
                runs=len(keys),
                files=files,
                extra=extra,
            ),
        )

    return write_result(Path(results_root), scenario.name, run_id or new_run_id(root_seed), fill)


def _describe(plan, scenario: Scenario) -> str:
    policies = " vs ".join(f"{code} {b.policy}" for code, b in zip(scenario.codes, plan.behaviours, strict=True))
    if plan.mode.value == "project":
        return f"replay to {month_label(plan.active_from - 1)}, then {policies}"
    return f"behavioural: {policies}"


def draw(folder: Path, title: str) -> list[str]:
    """Draw the figures of a results folder from its files (as `tft plot` does later); each is
    written under a temporary name and renamed into place."""
    trajectories, events, observations = read_tables(folder)
    several = (folder / QUANTILES_FILE).is_file()
    name = FAN_FIGURE if several else STAFF_FIGURE
    temporary = folder / f".{name}.tmp.png"
    if several:
        fan_figure(trajectories, observations, title, temporary)
    else:
        staff_figure(trajectories, events, observations, title, temporary)
    temporary.replace(folder / name)
    return [name]


def plot_result(directory: str | Path) -> list[Path]:
    """(Re)draw the figures of a results directory from its files. Returns the figures written."""
    directory = Path(directory)
    manifest, _, _, _ = read_result(directory)
    title = manifest.get("scenario", {}).get("title", directory.name)
    written = draw(directory, title)
    files = manifest.get("files", [])
    if any(name not in files for name in written):
        manifest["files"] = files + [name for name in written if name not in files]
        temporary = directory / f".{MANIFEST}.tmp"
        write_json(temporary, manifest)
        temporary.replace(directory / MANIFEST)
    return [directory / name for name in written]


__all__ = ["run_scenario", "plot_result", "simulate"]
