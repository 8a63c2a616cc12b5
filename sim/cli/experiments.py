"""`tft sweep`, `tft calibrate` and `tft infer`: many runs on a local pool or Dask."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.base import (
    InputFile,
    ProgressBar,
    cli,
    library_errors,
    params_option,
    posterior_options,
    quiet_option,
    results_option,
    scheduler_option,
    seed_option,
    workers_option,
)
from sim.experiments.choices import FOLD_KINDS


@cli.command()
@click.argument("sweep_file", type=InputFile())
@results_option
@workers_option(None)
@scheduler_option
@click.option(
    "--block",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Replicates of one point simulated and stored together.",
)
@click.option("--id", "sweep_folder", default=None, help="Name of the sweep folder (default: a hash of the inputs).")
@quiet_option
@params_option
@posterior_options
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
    posterior: Path | None,
    draw: str | None,
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
            posterior=posterior,
            draw=draw,
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
@click.argument("scenario", type=InputFile())
@results_option
@click.option(
    "--policy",
    "families",
    multiple=True,
    metavar="NAMES",
    help="Policy families to fit: repeat, or separate with commas (default: the whole catalogue).",
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
@seed_option("the scenario's run.seed")
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
@click.option(
    "--folds",
    type=click.Choice(FOLD_KINDS),
    default=None,
    help="Validate out of sample instead: fit on each fold's training months (rolling origins or all but "
    "one episode) and score its test months beside the nulls; writes validation.csv.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=100_000),
    default=200,
    show_default=True,
    help="With --folds: runs of each fitted pair and each null scored on a fold.",
)
@workers_option(1)
@scheduler_option
@quiet_option
@library_errors
def calibrate(
    scenario: Path,
    results_root: Path,
    families: tuple[str, ...],
    train_until: str | None,
    replicates: int,
    seed: int | None,
    screen: int,
    refine: int,
    maxiter: int,
    folds: str | None,
    runs: int,
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
      tft calibrate scenarios/us_russia_2016_2022.toml --train-until 2019-12 --policy mirror,escalate,parity
    """
    from sim.experiments.calibration_report import run_calibration
    from sim.files.results import command_line

    progress = ProgressBar(quiet, "pair")

    names = [n.strip() for text in families for n in text.split(",") if n.strip()]
    if folds is not None:
        _validate(
            scenario,
            results_root,
            folds,
            names,
            replicates,
            seed,
            screen,
            refine,
            maxiter,
            runs,
            workers,
            scheduler,
            progress,
        )
        return
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


def _validate(
    scenario, results_root, folds, names, replicates, seed, screen, refine, maxiter, runs, workers, scheduler, progress
) -> None:
    from sim.experiments.folds import FitSettings
    from sim.experiments.validation_report import run_validation
    from sim.files.results import command_line
    from sim.plots.validation import plot_validation

    settings = FitSettings(names, replicates, screen, refine, maxiter, workers=workers, scheduler=scheduler)
    try:
        folder, rows = run_validation(
            scenario, results_root, folds, settings, runs=runs, seed=seed, progress=progress, command=command_line()
        )
    finally:
        progress.close()
    plot_validation(folder)
    click.echo(f"wrote {folder}")
    for row in rows:
        if row["metric"] == "f1" and row["tolerance_months"] == 1:
            click.echo(
                f"  {row['fold']:<18} {row['model']:<14} F1 ±1 month {row['value']:.3f} "
                f"({row['low']:.3f}-{row['high']:.3f})"
            )


@cli.command()
@click.argument("scenario", type=InputFile())
@click.option(
    "--train-until",
    default=None,
    metavar="DATE",
    help="Fit on the record up to this month (default: the scenario's end); nothing later is read.",
)
@click.option(
    "--families",
    default=None,
    metavar="NAMES",
    help="Policy families to compare, comma-separated (default: mirror, generous_mirror, tit_for_two_tats, "
    "gradual, escalate, parity, grit).",
)
@click.option("--population", "-p", type=int, default=500, show_default=True, help="Particles per generation.")
@click.option("--generations", "-g", type=int, default=4, show_default=True, help="Generations of ABC-SMC.")
@click.option("--replicates", "-n", type=int, default=2, show_default=True, help="Runs per particle.")
@workers_option(1)
@scheduler_option
@seed_option("the scenario's run.seed")
@click.option("--id", "folder_id", default=None, help="Name the folder inference-ID (default: a hash of the inputs).")
@results_option
@click.option(
    "--folds",
    type=click.Choice(["rolling", "episodes"]),
    default=None,
    help="Validate out of sample instead: one fit per rolling origin (2017-06, 2017-12, 2018-06, 2019-12, "
    "2021-06) or per left-out episode (2016, 2017, 2018, 2020-21, 2022), each scored on its test months.",
)
@click.option("--quiet", "-q", is_flag=True, help="No line per generation.")
@library_errors(interrupted="interrupted: finished generations are kept; run the same command again to resume")
def infer(
    scenario: Path,
    train_until: str | None,
    folds: str | None,
    families: str | None,
    population: int,
    generations: int,
    replicates: int,
    workers: int,
    scheduler: str | None,
    seed: int | None,
    folder_id: str | None,
    results_root: Path,
    quiet: bool,
) -> None:
    """Infer each side's policy family and behaviour values from SCENARIO's record up to
    --train-until by ABC-SMC with model choice (needs pip install 'tft-sim[abc]'); write
    results/<scenario>/inference-<id>/ with posterior.csv, families.csv, generations.csv,
    params.toml (posterior mean of the most probable pair, for --params), params-draw.toml,
    manifest.json and inference.png; and, when --train-until leaves months after it,
    validation.csv (the posterior predictive ensemble scored on them beside the nulls). The same
    command again resumes an interrupted fit, or adds generations when --generations grows. With
    --folds, one such fit per fold in results/<scenario>/inference-<folds>-<id>/, and the folds'
    validation.csv, families.csv and validation.png.

    \b
    Example:
      tft infer scenarios/us_russia_2016_2022.toml --train-until 2019-12 --families mirror,escalate -p 20 -g 2 -n 1
      tft infer scenarios/us_russia_2016_2022.toml --folds rolling --families mirror,grit -p 20 -g 1 -n 1
    """
    from sim.experiments.inference_report import run_inference
    from sim.files.results import command_line
    from sim.plots.inference import plot_inference

    options = {
        "families": [n.strip() for n in families.split(",")] if families else [],
        "population": population,
        "generations": generations,
        "replicates": replicates,
        "workers": workers,
        "scheduler": scheduler,
        "seed": seed,
        "folder_id": folder_id,
        "progress": None if quiet else lambda line: click.echo(line, err=True),
        "command": command_line(),
    }
    if folds is not None:
        if train_until is not None:
            raise click.UsageError("--train-until: each fold has its own training months; give one or --folds")
        _infer_folds(scenario, folds, results_root, options)
        return
    folder, report = run_inference(scenario, results_root, train_until=train_until, **options)
    plot_inference(folder)
    click.echo(f"wrote {folder} ({report['generations']} generations, {report['fit_seconds']:.0f} s of fitting)")
    for side, rows in report["families"].items():
        shown = ", ".join(f"{family} {p:.2f}" for family, p in rows if p > 0)
        click.echo(f"  {side}: {shown}")
    click.echo(f"  most probable pair: {'/'.join(report['pair'])} ({report['probability']:.2f})")


def _infer_folds(scenario, folds: str, results_root, options: dict) -> None:
    from sim.experiments.inference_folds import run_folds
    from sim.plots.inference import plot_inference
    from sim.plots.validation import plot_validation

    folder, rows = run_folds(scenario, folds, results_root, **options)
    for fit in sorted(p for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").is_file()):
        plot_inference(fit)
    plot_validation(folder)
    click.echo(f"wrote {folder}")
    for row in rows:
        if row["metric"] == "f1" and row["tolerance_months"] == "1":
            click.echo(f"  {row['fold']}: {row['model']} F1 at ±1 month {row['value']} ({row['low']} to {row['high']})")
