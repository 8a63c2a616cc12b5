"""Running a scenario and writing its results directory: the library entry point behind `tft run`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from sim.engines.drivers import simulate_batch, simulate_mesa
from sim.engines.plan import Mode
from sim.experiments.choices import ENGINES, KEEP, PlanError, make_plan
from sim.experiments.chunks import ChunkSimulation, simulated
from sim.experiments.limits import CHUNK_RUNS, MAX_RUNS, SUMMARY_CHUNK_RUNS, check_disk, check_runs, chunk_for
from sim.experiments.posterior import (
    ALL,
    DRAWS_FILE,
    DrawnSimulation,
    check_sides,
    chosen_keys,
    describe,
    draw_columns,
    draw_rows,
    parse_draw,
    with_draw,
)
from sim.experiments.summary import QUANTILE_COLUMNS, RUN_COLUMNS, StaffQuantiles, run_columns, staff_summary
from sim.files.behaviour_values import parse_override
from sim.files.columns import (
    ENSEMBLE_TRAJECTORY_COLUMNS,
    behaviours_for_manifest,
    event_columns,
    event_rows,
    write_trajectories,
)
from sim.files.params import apply_params
from sim.files.posterior_file import load_posterior
from sim.files.results import (
    EVENTS,
    MANIFEST,
    OBSERVATION_COLUMNS,
    OBSERVATIONS,
    QUANTILES_FILE,
    RUNS,
    TRAJECTORIES,
    CsvWriter,
    manifest_for,
    new_run_id,
    observation_rows,
    utc_now,
    write_csv,
    write_json,
    write_result,
)
from sim.files.scenario_file import load_scenario
from sim.rules.behaviour import Behaviour
from sim.rules.calendar import month_label
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario
from sim.rules.state import FIGURES, TRAJECTORY_COLUMNS

KEEP_ALL_UP_TO = 1000  # with --keep auto, ensembles up to this many runs keep every trajectory and event
# How run seeds are made, in the manifest instead of a list of them: a list would grow with the
# runs, and runs.csv's seed column has each one (keys are regenerated chunk by chunk).
RUN_KEYS = (
    "run i's seed is numpy.random.SeedSequence(root_seed, spawn_key=(i,)).generate_state(1, numpy.uint64)[0] "
    "(sim.rules.rng.run_keys), as an ensemble's runs.csv lists in its seed column; tft run --run-index i "
    "(with the same --seed) or --run-seed SEED re-runs it alone"
)


@dataclass(frozen=True)
class RunOptions:
    """What a run is asked to do: the mode and its months, how many runs from which seed, each
    side's policy (`policies`: side code -> policy spec) and behaviour values (`overrides`:
    (side, key, value) triples or `SIDE.KEY=VALUE` texts), the engine, what to keep and where,
    and the local worker processes that simulate chunks of an ensemble (1: this process)."""

    mode: str = "replay"
    start_from: str | None = None
    until: str | None = None
    replicates: int = 1
    seed: int | None = None
    run_seed: int | None = None
    run_index: int | None = None  # re-run run i of the ensemble from the root seed, alone
    policies: Mapping[str, str] = field(default_factory=dict)
    overrides: Sequence[tuple[str, str, object] | str] = ()
    engine: str | None = None
    keep: str = "auto"
    chunk_runs: int | None = None  # CHUNK_RUNS when every trajectory is kept, else SUMMARY_CHUNK_RUNS
    workers: int = 1
    run_id: str | None = None
    params: str | Path | None = None
    posterior: str | Path | None = None  # a posterior file or fit folder (sim.experiments.posterior)
    draw: str | int = "all"  # with a posterior: mean, all (one draw per run) or a particle number


@dataclass(frozen=True)
class RunResult:
    """A finished run: its folder, its manifest and each side's behaviour as used."""

    folder: Path
    manifest: dict
    behaviours: tuple[Behaviour, Behaviour]
    drawn: bool = False  # each run drew its own behaviour from a posterior

    @property
    def random(self) -> bool:
        """Whether anything random was switched on (else every run of an ensemble is the same)."""
        return self.manifest["mode"] != Mode.REPLAY.value and (self.drawn or any(b.random for b in self.behaviours))


def run_scenario(
    path: str | Path,
    results_root: str | Path = "results",
    options: RunOptions | None = None,
    command: Sequence[str] = (),
) -> RunResult:
    """Load, check and run a scenario; write `results_root/<scenario>/<run-id>/`.

    `options.replicates` runs get keys spawned from the root seed (`seed`, default the
    scenario's); `run_seed` instead runs the one run with that key, as runs.csv records it, and
    `run_index` the one run with that index among the root seed's. Runs go through the engine
    `chunk_runs` at a time. An ensemble always writes per-run outcomes (runs.csv) and per-month
    quantiles (quantiles.csv); full trajectories and events only with `keep="all"` (or "auto" up
    to KEEP_ALL_UP_TO runs), so memory does not grow with the runs. Figures are drawn afterwards
    from the folder (`sim.plots.result.plot_result`).
    """
    options = options or RunOptions()
    mode, start_from, until = options.mode, options.start_from, options.until
    replicates, seed, run_seed = options.replicates, options.seed, options.run_seed
    engine, keep, chunk_runs, params = options.engine, options.keep, options.chunk_runs, options.params
    started = utc_now()
    scenario = load_scenario(path)
    if params is not None:
        scenario = apply_params(scenario, params)
    posterior, draw = None, parse_draw(options.draw)
    if options.posterior is not None:
        posterior = load_posterior(options.posterior)
        if draw != ALL:
            scenario = with_draw(scenario, posterior, draw)
    overrides = [parse_override(o, scenario.codes) if isinstance(o, str) else o for o in options.overrides]
    plan = make_plan(
        scenario, mode, start_from=start_from, until=until, policies=dict(options.policies), overrides=overrides
    )
    if replicates < 1:
        raise PlanError(f"--replicates: {replicates} is not a number of runs (allowed: 1 or more)")
    if run_seed is not None and replicates != 1:
        raise PlanError("--run-seed re-runs one run; it cannot be combined with --replicates")
    run_index = options.run_index
    if run_index is not None:
        if run_seed is not None or replicates != 1:
            raise PlanError("--run-index re-runs one run; it cannot be combined with --run-seed or --replicates")
        if not 0 <= run_index < MAX_RUNS:
            raise PlanError(f"--run-index: {run_index} is not a run of an ensemble (allowed: 0 to {MAX_RUNS - 1:,})")
    if keep not in KEEP:
        raise PlanError(f"--keep: unknown value '{keep}' (allowed: {', '.join(KEEP)})")
    if chunk_runs is not None and chunk_runs < 1:
        raise PlanError(f"--chunk: {chunk_runs} is not a number of runs (allowed: 1 or more)")
    check_runs(replicates)
    root_seed = scenario.seed if seed is None else seed
    if run_index is not None:
        run_seed = int(run_keys(root_seed, 1, first=run_index)[0])
    runs = 1 if run_seed is not None else replicates
    if options.workers < 1:
        raise PlanError(f"--workers: {options.workers} is not a number of processes (allowed: 1 or more)")
    # The batched engine by default, one run too: it gives the same runs as the Mesa model, and a
    # replay then starts without importing Mesa (and the pandas and scipy it brings).
    engine = engine or "batch"
    if engine not in ENGINES:
        raise PlanError(f"--engine: unknown engine '{engine}' (allowed: {', '.join(ENGINES)})")
    several = replicates > 1
    keep_all = not several or keep == "all" or (keep == "auto" and replicates <= KEEP_ALL_UP_TO)
    if chunk_runs is None:
        chunk_runs = CHUNK_RUNS if keep_all else SUMMARY_CHUNK_RUNS
    chunk_runs = chunk_for(chunk_runs, len(plan.months), len(FIGURES) if keep_all else 1, events=keep_all)
    if options.workers > 1:  # enough chunks for every worker
        chunk_runs = min(chunk_runs, -(-runs // options.workers))
    if keep_all and several:
        check_disk(Path(results_root), replicates, len(plan.months))
    # a summary keeps of each run what runs.csv and quantiles.csv need, not its trajectory
    columns = FIGURES if keep_all else ()
    drawn = posterior is not None and draw == ALL  # each run draws its own behaviour
    if drawn:
        if plan.mode is Mode.REPLAY:
            raise PlanError("--posterior applies only when policies act (allowed with --mode behavioural or project)")
        check_sides(scenario, posterior)  # the runs draw their values chunk by chunk, once the folder is made
        chosen = chosen_keys(scenario.codes, dict(options.policies), overrides)
        simulate_chunk = DrawnSimulation(
            posterior, chosen, mesa=engine == "mesa", columns=columns, summary=not keep_all
        )
    elif engine == "batch":
        simulate_chunk = partial(simulate_batch, columns=columns, summary=not keep_all)
    else:
        simulate_chunk = simulate_mesa
    chunks = ChunkSimulation(simulate_chunk, scenario, plan, root_seed, run_seed, log_events=keep_all)
    title = scenario.title if plan.mode is Mode.REPLAY else f"{scenario.title} ({describe_plan(plan, scenario)})"

    def fill(folder: Path) -> None:
        files = [MANIFEST]
        writers: dict[str, CsvWriter] = {}
        if keep_all:
            writers[TRAJECTORIES] = CsvWriter(
                folder / TRAJECTORIES, ENSEMBLE_TRAJECTORY_COLUMNS if several else TRAJECTORY_COLUMNS
            )
            columns = (("run",) if several else ()) + event_columns(scenario.announces)
            writers[EVENTS] = CsvWriter(folder / EVENTS, columns)
        if several:
            writers[RUNS] = CsvWriter(folder / RUNS, RUN_COLUMNS)
            quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
        if drawn:
            writers[DRAWS_FILE] = CsvWriter(folder / DRAWS_FILE, draw_columns(posterior))
        try:
            for first, chunk in simulated(chunks, runs, chunk_runs, options.workers):
                if keep_all:
                    write_trajectories(writers[TRAJECTORIES], chunk, several, first)
                    writers[EVENTS].write(event_rows(chunk, several, first))
                if several:
                    summary = staff_summary(chunk)
                    quantiles.add(summary)
                    writers[RUNS].write_columns(run_columns(chunk, first, summary))
                if drawn:  # a run's draw is a function of its key alone
                    keys = np.asarray(chunk.keys, dtype=np.uint64)
                    writers[DRAWS_FILE].write(draw_rows(posterior, posterior.draws(keys), keys, first))
                del chunk  # not kept while the next one is simulated
        except BaseException as exc:
            for writer in writers.values():
                writer.close(exc)
            raise
        for writer in writers.values():
            writer.close()
        files += list(writers)
        if several:
            write_csv(folder / QUANTILES_FILE, QUANTILE_COLUMNS, quantiles.rows())
            files.append(QUANTILES_FILE)
        write_csv(folder / OBSERVATIONS, OBSERVATION_COLUMNS, observation_rows(scenario))
        files.append(OBSERVATIONS)
        extra = {
            "title": title,
            "from": month_label(plan.active_from) if plan.mode is Mode.PROJECT else None,
            "until": month_label(plan.end),
            "behaviour": behaviours_for_manifest(plan, scenario.codes),
            "kept": "all" if keep_all else "summary",
            "chunk_runs": chunk_runs,
            "run_keys": RUN_KEYS,
            "run_seed": str(int(chunks.keys(0, 1)[0])) if runs == 1 else None,
            "run_index": run_index,
            "params": str(params) if params is not None else None,
        }
        if posterior is not None:
            extra["posterior"] = describe(posterior, draw)
        manifest.update(
            manifest_for(
                scenario,
                seed=root_seed,
                command=command,
                started=started,
                mode=plan.mode.value,
                engine=engine,
                runs=runs,
                files=files,
                extra=extra,
            )
        )
        write_json(folder / MANIFEST, manifest)

    manifest: dict = {}
    folder = write_result(Path(results_root), scenario.name, options.run_id or new_run_id(root_seed), fill)
    return RunResult(folder, manifest, plan.behaviours, drawn)


def describe_plan(plan, scenario: Scenario) -> str:
    """The plan in a few words, for titles: 'behavioural: US grit vs RU mirror'."""
    policies = " vs ".join(f"{code} {b.policy}" for code, b in zip(scenario.codes, plan.behaviours, strict=True))
    if plan.mode is Mode.PROJECT:
        return f"replay to {month_label(plan.active_from - 1)}, then {policies}"
    return f"behavioural: {policies}"


__all__ = ["RunOptions", "RunResult", "run_scenario"]
