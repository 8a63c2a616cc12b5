"""`tft run`: a scenario, one run or an ensemble, and its figures."""

from __future__ import annotations

import time
from pathlib import Path

import click

from sim.cli.base import (
    MAX_WORKERS,
    InputFile,
    check_workers,
    cli,
    library_errors,
    params_option,
    policy_option,
    posterior_options,
    results_option,
    seed_option,
)
from sim.engines.plan import Mode
from sim.experiments.choices import ENGINES, KEEP


@cli.command()
@click.argument("scenario", type=InputFile())
@results_option
@click.option(
    "--mode",
    type=click.Choice([mode.value for mode in Mode]),
    default="replay",
    show_default=True,
    help="replay: force every event; behavioural: force only shocks, policies act; "
    "project: replay up to --from, then policies act until --until.",
)
@click.option(
    "--from", "start_from", metavar="DATE", default=None, help="With --mode project: first month policies act."
)
@click.option("--until", metavar="DATE", default=None, help="Last month of the run (may go past the scenario's end).")
@click.option(
    "--replicates", "-n", type=click.IntRange(min=1), default=1, show_default=True, help="Number of seeded runs."
)
@seed_option("the scenario's run.seed")
@click.option(
    "--run-seed",
    type=click.IntRange(min=0, max=2**64 - 1),
    default=None,
    help="Re-run the one run with this seed (an ensemble's runs.csv lists each run's seed).",
)
@click.option(
    "--run-index",
    type=click.IntRange(min=0),
    default=None,
    help="Re-run run I of an ensemble alone, from the root seed (--seed, or the scenario's).",
)
@policy_option
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="SIDE.KEY=VALUE",
    help="Override a behaviour value, e.g. US.perception_error=0.05 or RU.delay_weights=0.2,0.5,0.3. Repeatable.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="batch: all runs at once over arrays; mesa: one Mesa model per run (default: batch; both give the same runs).",
)
@click.option(
    "--keep",
    type=click.Choice(KEEP),
    default="auto",
    show_default=True,
    help="For an ensemble: all = every trajectory and event; summary = per-run outcomes and per-month "
    "quantiles only; auto = all up to 1,000 runs, summary above.",
)
@click.option(
    "--chunk",
    "chunk_runs",
    type=click.IntRange(min=1),
    default=None,
    help="Runs simulated at once; memory grows with it, not with --replicates. "
    "[default: 10,000 when every trajectory is kept, 25,000 for a summary]",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    default=1,
    show_default=True,
    callback=check_workers,
    help="Local worker processes simulating chunks of an ensemble (1 runs in this process); the runs do not change.",
)
@click.option("--run-id", default=None, help="Name of the run folder (default: UTC time and seed).")
@click.option("--no-plot", is_flag=True, help="Skip the figures.")
@params_option
@posterior_options
@library_errors(imports=("sim.experiments.run", "sim.plots.result"))
def run(
    scenario: Path,
    results_root: Path,
    mode: str,
    start_from: str | None,
    until: str | None,
    replicates: int,
    seed: int | None,
    run_seed: int | None,
    run_index: int | None,
    policies: dict[str, str],
    overrides: tuple[str, ...],
    engine: str | None,
    keep: str,
    chunk_runs: int | None,
    workers: int,
    run_id: str | None,
    no_plot: bool,
    params: Path | None,
    posterior: Path | None,
    draw: str | None,
) -> None:
    """Run SCENARIO and write results/<scenario>/<run-id>/: manifest.json, trajectories.csv,
    events.csv, observations.csv and staff.png; for an ensemble also runs.csv (per-run outcomes),
    quantiles.csv and fan.png (trajectories and events only with --keep all, or up to 1,000 runs).

    \b
    Example:
      tft run scenarios/us_russia_2016_2022.toml
      tft run scenarios/us_russia_2016_2022.toml --mode behavioural -n 100 --policy RU=escalate:k=1.5
      tft run scenarios/us_russia_2016_2025.toml --mode project --from 2025-03 --until 2035-12 --policy US=grit
      tft run scenarios/us_russia_2016_2025.toml --mode behavioural -n 200 --posterior <fit-folder>
    """
    from sim.experiments.run import RunOptions, run_scenario
    from sim.files.results import command_line
    from sim.plots.result import plot_result

    started = time.perf_counter()
    options = RunOptions(
        mode=mode,
        start_from=start_from,
        until=until,
        replicates=replicates,
        seed=seed,
        run_seed=run_seed,
        run_index=run_index,
        policies=policies,
        overrides=overrides,
        engine=engine,
        keep=keep,
        chunk_runs=chunk_runs,
        workers=workers,
        run_id=run_id,
        params=params,
        posterior=posterior,
        draw="all" if draw is None else draw,
    )
    if draw is not None and posterior is None:
        raise click.UsageError("--draw needs --posterior")
    result = run_scenario(scenario, results_root, options, command=command_line())
    if not no_plot:
        plot_result(result.folder)
    click.echo(f"wrote {result.folder} in {time.perf_counter() - started:.2f} s")
    if replicates > 1 and not result.random:
        click.echo(
            "note: nothing random is switched on (no misperception, execution error, crises, random "
            "delays, looks within the month or forgiveness), so every run is the same; see --set",
            err=True,
        )
