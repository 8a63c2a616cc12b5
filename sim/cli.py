"""The `tft` command line: parses options, calls the library, turns library errors into one line."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from sim import __version__
from sim.errors import SimError, one_line


class InputError(click.ClickException):
    """Bad input: one line on stderr, exit status 2, no traceback."""

    exit_code = 2


class Interrupted(click.ClickException):
    """Ctrl-C: one line saying what was kept, exit status 130 (128 + SIGINT), as shells expect."""

    exit_code = 130

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


NOTHING_WRITTEN = "interrupted: nothing was written"


def library_errors(command=None, *, interrupted: str = NOTHING_WRITTEN):
    """Turn library errors into InputError, a full or read-only disk too, and Ctrl-C into one line
    and exit status 130; with --verbose, let tracebacks of real bugs through."""
    if command is None:
        return functools.partial(library_errors, interrupted=interrupted)

    @functools.wraps(command)
    def wrapper(*args, verbose: bool = False, **kwargs):
        from sim.files.safe import DISK_ERRORS, disk_error

        try:
            return command(*args, **kwargs)
        except SimError as exc:
            raise InputError(one_line(str(exc))) from None
        except KeyboardInterrupt:
            raise Interrupted(interrupted) from None
        except (click.ClickException, click.Abort):
            raise
        except OSError as exc:
            if exc.errno in DISK_ERRORS and exc.filename and not verbose:
                raise InputError(str(disk_error(exc.filename, exc, "cannot use"))) from None
            if verbose:
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run again with --verbose for the traceback)"
            ) from None
        except Exception as exc:
            if verbose:
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run again with --verbose for the traceback)"
            ) from None

    return click.option("--verbose", "-v", is_flag=True, help="Show more detail, including tracebacks.")(wrapper)


results_option = click.option(
    "--results",
    "results_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which results are written: <scenario>/<run-id>/ for runs, <sweep>/<id>/ for sweeps.",
)


class OneLineErrors(click.Group):
    """Every error is one line on stderr (usage errors too, without the usage block)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__context__, KeyboardInterrupt):  # Ctrl-C outside a command's own handling
                click.echo("interrupted", err=True)
                sys.exit(130)
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


params_option = click.option(
    "--params",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="A parameter overlay ([behaviour.XX] tables, e.g. the params.toml of tft calibrate).",
)


class ProgressBar:
    """A tqdm bar fed with (done, total) calls; silent with --quiet or when not on a terminal."""

    def __init__(self, quiet: bool, unit: str):
        self.quiet = quiet
        self.unit = unit
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit=self.unit, dynamic_ncols=True, disable=None)
        else:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tft")
def cli() -> None:
    """Tit-for-tat diplomatic retaliation: replay and simulate two states' measures against each
    other's embassies, consulates and property.

    \b
    Example:
      tft run scenarios/us_russia_2016_2022.toml
    """


def _side_policy(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    chosen = {}
    for value in values:
        side, sep, spec = value.partition("=")
        if not sep or not side or not spec:
            raise click.BadParameter(f"expected SIDE=POLICY such as US=mirror or RU=escalate:k=1.5, found '{value}'")
        if side in chosen:
            raise click.BadParameter(f"{side} is given two policies ('{chosen[side]}' and '{spec}'); give one")
        chosen[side] = spec
    return chosen


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@results_option
@click.option(
    "--mode",
    type=click.Choice(["replay", "behavioural", "project"]),
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
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Root seed (default: the scenario's run.seed).")
@click.option(
    "--run-seed",
    type=click.IntRange(min=0, max=2**64 - 1),
    default=None,
    help="Re-run the one run with this seed (from an ensemble's manifest run_seeds).",
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    callback=_side_policy,
    metavar="SIDE=POLICY",
    help="A side's policy, e.g. US=mirror or RU=escalate:k=1.5 (see `tft policies`). Repeatable.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="SIDE.KEY=VALUE",
    help="Override a behaviour value, e.g. US.perception_error=0.05 or RU.delay_weights=0.2,0.5,0.3. Repeatable.",
)
@click.option(
    "--engine",
    type=click.Choice(["batch", "mesa"]),
    default=None,
    help="batch: all runs at once over arrays; mesa: one Mesa model per run (default: mesa up to 8 runs, batch above).",
)
@click.option(
    "--keep",
    type=click.Choice(["auto", "all", "summary"]),
    default="auto",
    show_default=True,
    help="For an ensemble: all = every trajectory and event; summary = per-run outcomes and per-month "
    "quantiles only; auto = all up to 1,000 runs, summary above.",
)
@click.option(
    "--chunk",
    "chunk_runs",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Runs simulated at once; memory grows with it, not with --replicates.",
)
@click.option("--run-id", default=None, help="Name of the run folder (default: UTC time and seed).")
@click.option("--no-plot", is_flag=True, help="Skip the figures.")
@params_option
@library_errors
def run(
    scenario: Path,
    results_root: Path,
    mode: str,
    start_from: str | None,
    until: str | None,
    replicates: int,
    seed: int | None,
    run_seed: int | None,
    policies: dict[str, str],
    overrides: tuple[str, ...],
    engine: str | None,
    keep: str,
    chunk_runs: int,
    run_id: str | None,
    no_plot: bool,
    params: Path | None,
) -> None:
    """Run SCENARIO and write results/<scenario>/<run-id>/: manifest.json, trajectories.csv,
    events.csv, observations.csv and staff.png; for an ensemble also runs.csv (per-run outcomes),
    quantiles.csv and fan.png (trajectories and events only with --keep all, or up to 1,000 runs).

    \b
    Example:
      tft run scenarios/us_russia_2016_2022.toml
      tft run scenarios/us_russia_2016_2022.toml --mode behavioural -n 100 --policy RU=escalate:k=1.5
      tft run scenarios/us_russia_2016_2025.toml --mode project --from 2025-03 --until 2035-12 --policy US=grit
    """
    from sim.experiments.run import run_scenario
    from sim.files.behaviour_values import parse_override
    from sim.files.results import command_line
    from sim.files.scenario_file import load_scenario

    codes = load_scenario(scenario).codes
    parsed = [parse_override(text, codes) for text in overrides]
    started = time.perf_counter()
    folder = run_scenario(
        scenario,
        results_root,
        mode=mode,
        start_from=start_from,
        until=until,
        replicates=replicates,
        seed=seed,
        run_seed=run_seed,
        policies=policies,
        overrides=parsed,
        engine=engine,
        keep=keep,
        chunk_runs=chunk_runs,
        run_id=run_id,
        params=params,
        command=command_line(),
    )
    if not no_plot:
        from sim.plots.result import plot_result

        plot_result(folder)
    click.echo(f"wrote {folder} in {time.perf_counter() - started:.2f} s")
    if replicates > 1:
        import json

        from sim.rules.behaviour import Behaviour

        # the behaviours as used, from the manifest just written
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        used = [
            Behaviour(**{k: tuple(v) if isinstance(v, list) else v for k, v in b.items()})
            for b in manifest["behaviour"].values()
        ]
        if manifest["mode"] == "replay" or not any(b.random for b in used):
            click.echo(
                "note: nothing random is switched on (no misperception, execution error, crises, random "
                "delays or forgiveness), so every run is the same; see --set",
                err=True,
            )


@cli.command()
@click.argument("sweep_file", type=click.Path(dir_okay=False, path_type=Path))
@results_option
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Local worker processes (default: all cores; 1 runs in this process).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="A Dask scheduler, e.g. tcp://127.0.0.1:8786, instead of local processes.",
)
@click.option(
    "--block",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Replicates of one point simulated and stored together.",
)
@click.option("--id", "sweep_folder", default=None, help="Name of the sweep folder (default: a hash of the inputs).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@params_option
@library_errors(interrupted="interrupted: finished parts are kept; run the same command again to resume")
def sweep(
    sweep_file: Path,
    results_root: Path,
    workers: int | None,
    scheduler: str | None,
    block: int,
    sweep_folder: str | None,
    quiet: bool,
    params: Path | None,
) -> None:
    """Run the sweep SWEEP_FILE (or finish it: the same command again runs only what is missing)
    and write results/<sweep>/<id>/: manifest.json, design.csv, runs/*.parquet, summary.csv.

    \b
    Example:
      tft sweep scenarios/sweeps/deescalation_2025.toml --workers 2
    """
    from sim.experiments.sweep import run_sweep
    from sim.files.results import command_line

    progress = ProgressBar(quiet, "run")

    try:
        report = run_sweep(
            sweep_file,
            results_root,
            workers=workers,
            scheduler=scheduler,
            block=block,
            sweep_folder=sweep_folder,
            progress=progress,
            params=params,
            command=command_line(),
            note=lambda text: click.echo(text, err=True),
        )
    finally:
        progress.close()
    click.echo(
        f"wrote {report['folder']}: {report['runs']} runs ({report['new']} this time, "
        f"{report['runs_per_second']:.0f} runs/s), {report['failed']} failed"
    )
    if report["failed"]:
        raise click.ClickException(f"{report['failed']} runs failed; their errors are in the 'error' column")


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@results_option
@click.option(
    "--policies",
    "families",
    default=None,
    metavar="NAMES",
    help="Policy families to fit, comma-separated (default: the whole catalogue).",
)
@click.option(
    "--train-until",
    default=None,
    metavar="DATE",
    help="Fit on the record up to this month; score the months after it out of sample.",
)
@click.option(
    "--replicates",
    "-n",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Runs per candidate (the same seeds for every candidate).",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Root seed (default: the scenario's).")
@click.option(
    "--screen",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Latin-hypercube points tried for every pair of families.",
)
@click.option(
    "--refine",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Best pairs refined by differential evolution.",
)
@click.option(
    "--maxiter", type=click.IntRange(min=1), default=6, show_default=True, help="Generations of differential evolution."
)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Local worker processes.")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="A Dask scheduler instead of local processes.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@library_errors
def calibrate(
    scenario: Path,
    results_root: Path,
    families: str | None,
    train_until: str | None,
    replicates: int,
    seed: int | None,
    screen: int,
    refine: int,
    maxiter: int,
    workers: int,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Fit each side's policy family and parameters, perception error and response delay, in
    behavioural mode, to SCENARIO's observations, recorded measures and losses of posts and
    property; write results/<scenario>/calibration-<id>/ with params.toml (for --params),
    scores.csv (training and test against two baselines), ranking.csv, observations.csv,
    measures.csv and fit.png.

    \b
    Example:
      tft calibrate scenarios/us_russia_2016_2022.toml --train-until 2019-12 --policies mirror,escalate,parity
    """
    from sim.experiments.calibration_report import run_calibration
    from sim.files.results import command_line

    progress = ProgressBar(quiet, "pair")

    names = [n.strip() for n in families.split(",")] if families else []
    try:
        folder, report = run_calibration(
            scenario,
            results_root,
            families=names,
            train_until=train_until,
            replicates=replicates,
            seed=seed,
            screen=screen,
            refine=refine,
            maxiter=maxiter,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            command=command_line(),
        )
    finally:
        progress.close()
    from sim.plots.result import plot_calibration

    plot_calibration(folder)
    click.echo(f"wrote {folder} in {report['seconds']:.0f} s")
    for row in report["scores"]:
        click.echo(f"  {row['candidate']:<34} {row['policies']:<36} train {row['train_loss']}  test {row['test_loss']}")


@cli.command()
@library_errors
def policies() -> None:
    """List the policy catalogue: each rule, its parameters with defaults and bounds, its source.

    \b
    Example:
      tft policies
    """
    from sim.rules.policies import REGISTRY

    for name, cls in REGISTRY.items():
        traits = f"memory: {cls.memory_depth:g} months" + (", stochastic" if cls.stochastic else "")
        traits += ", classic" if cls.classic else ""
        click.echo(f"{name}: {cls.title} ({traits})")
        rule = " ".join(cls.__doc__.split())
        click.echo(f"    {rule}")
        for p in cls.parameters:
            click.echo(f"    parameter {p.name} = {p.default:g} (from {p.low:g} to {p.high:g}): {p.doc}")
        click.echo(f"    source: {cls.source}")


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@library_errors
def validate(scenario: Path) -> None:
    """Check SCENARIO without running it: every key, and a replay proving each event is possible
    at its date. Prints a summary; exits 2 with a one-line reason if the file is wrong.

    \b
    Example:
      tft validate scenarios/us_russia_2016_2025.toml
    """
    from sim.files.scenario_file import load_scenario
    from sim.rules.calendar import month_label
    from sim.rules.measures import Shock

    loaded = load_scenario(scenario)
    shocks = sum(isinstance(e, Shock) for e in loaded.events)
    posts = sum(len(m.posts) for m in loaded.missions)
    props = sum(len(m.properties) for m in loaded.missions)
    click.echo(
        f"{scenario}: ok: '{loaded.name}', {month_label(loaded.start)} to {month_label(loaded.end)}, "
        f"sides {' and '.join(loaded.codes)}, {posts} posts, {props} properties, "
        f"{len(loaded.events) - shocks} measures, {shocks} shocks, {len(loaded.observations)} observations"
    )


@cli.command()
@click.argument("result_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--outcome", default="restored_half", show_default=True, help="Sweeps: the outcome of the heatmap.")
@click.option("--x", "x_axis", default=None, help="Sweeps: heatmap columns (a lever or uncertainty).")
@click.option("--y", "y_axis", default=None, help="Sweeps: heatmap rows (a lever or uncertainty).")
@click.option("--point", "points", type=int, multiple=True, help="Sweeps: also draw this point's fan chart.")
@library_errors
def plot(result_dir: Path, outcome: str, x_axis: str | None, y_axis: str | None, points: tuple[int, ...]) -> None:
    """Draw the figures of RESULT_DIR: a folder written by `tft run` (staff.png or fan.png, from
    its CSV files) or by `tft sweep` (a heatmap of an outcome over two design columns,
    months-to-restore per policy pair, robustness, and fan charts of chosen points).

    \b
    Example:
      tft plot results/us_russia_2016_2022/<run-id>
      tft plot results/deescalation_2025/<id> --outcome restored_half --x perception_error --y crisis_rate --point 0
    """
    import os

    from sim.files.folders import lock_folder
    from sim.files.safe import refuse_link

    refuse_link(result_dir)
    if (result_dir / "design.csv").is_file():
        from sim.experiments.sweep_points import write_point_quantiles
        from sim.plots.sweep import plot_sweep

        lock = lock_folder(result_dir, shared=True)  # not while a sweep writes it
        try:
            for point in points:
                write_point_quantiles(result_dir, point)
            figures = plot_sweep(result_dir, outcome, x_axis, y_axis, points)
        finally:
            if lock is not None:
                os.close(lock)
    elif (result_dir / "measures.csv").is_file():
        from sim.plots.result import plot_calibration

        figures = plot_calibration(result_dir)
    else:
        from sim.plots.result import plot_result

        figures = plot_result(result_dir)
    for figure in figures:
        click.echo(f"wrote {figure}")


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this machine only)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free one).")
@click.option(
    "--scenarios",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenarios"),
    show_default=True,
    help="Folder of the scenario files the page offers (others can be uploaded).",
)
@results_option
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Processes for the fan (default: up to 2).")
@library_errors
def app(host: str, port: int, scenarios: Path, results_root: Path, workers: int | None) -> None:
    """Start the page on HOST:PORT: explore a scenario's ensemble fan, step through a run, compare
    two policy pairs and browse sweep folders in the browser. Needs the app extra
    (pip install 'tft-sim[app]'); everything it loads is served locally.

    \b
    Example:
      tft app
      tft app --port 8800 --results results
    """
    from sim.app.config import default_workers
    from sim.app.server import free_port, serve

    serve(
        host,
        port or free_port(host),
        scenarios,
        results_root,
        workers or default_workers(),
        ready=lambda url: click.echo(f"tft app: serving {url} (Ctrl-C stops it)"),
    )


def main() -> None:
    cli(prog_name="tft")
