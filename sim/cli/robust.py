"""`tft robust`: the statements a finished sweep supports, and where its best policy fails."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.base import cli, library_errors


def _baseline(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    chosen = {}
    for text in values:
        name, equals, value = text.partition("=")
        if not equals or not name.strip() or not value.strip():
            raise click.BadParameter(f"'{text[:60]}' is not LEVER=VALUE (e.g. US.policy=mirror)")
        chosen[name.strip()] = value.strip()
    return chosen


@cli.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    metavar="OUTCOME",
    help="A 0/1 outcome (success is 1, but for spiral) or months_to_X<=N; repeat for several "
    "(default: restored_half, months_to_half<=60, restored_sent_half, restored_three_quarters, talks_hold, spiral).",
)
@click.option(
    "--baseline",
    multiple=True,
    callback=_baseline,
    metavar="LEVER=VALUE",
    help="The lever combination to compare with (repeat per lever; a lever not named takes its first value).",
)
@click.option(
    "--focus",
    multiple=True,
    callback=_baseline,
    metavar="LEVER=VALUE",
    help="Also find where this lever combination fails (PRIM), beside the most robust one "
    "(repeat per lever; a lever not named takes its first value).",
)
@click.option(
    "--resamples",
    type=click.IntRange(min=0, max=100_000),
    default=1000,
    show_default=True,
    help="Bootstrap resamples of the intervals.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0.0, max=1.0, min_open=True),
    default=0.8,
    show_default=True,
    help="PRIM: the box chosen is the one of highest coverage among those where at least this share of runs fail.",
)
@click.option(
    "--sensitivity",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="SOBOL_DIR",
    help='A finished sweep with [design] method = "sobol": its Sobol indices of each outcome are reported '
    "beside those of the combinations' own runs.",
)
@click.option("--no-plot", is_flag=True, help="Write the tables and robust.md only.")
@library_errors
def robust(
    sweep_dir: Path,
    outcomes: tuple[str, ...],
    baseline: dict[str, str],
    focus: dict[str, str],
    resamples: int,
    threshold: float,
    sensitivity: Path | None,
    no_plot: bool,
) -> None:
    """Turn the finished grid or lhs sweep in SWEEP_DIR into the statements it supports: for
    every lever combination and lever value, the share of the uncertainty space (and of the
    runs, or of the posterior) where it succeeds, beats the baseline and every alternative, and
    its regret, with 95% intervals; and, for the most robust combination (and --focus), the PRIM
    box where it fails, and the first-order Sobol indices of what its success depends on (with
    --sensitivity, beside a Sobol sweep's). Reads the sweeps' files only and writes robust.csv,
    prim-trajectory.csv, prim-boxes.csv, robust-depends.csv, robust.md and robust-*.png, prim-*.png
    into SWEEP_DIR.

    \b
    Example:
      tft robust results/robust_2025/<id> --outcome restored_half --outcome "months_to_half<=36" --resamples 200
      tft robust results/deescalation_2025/<id> --baseline US.policy=mirror --focus US.policy=grit
      tft robust results/robust_2025/<id> --sensitivity results/sensitivity_2025/<id>
    """
    from sim.experiments.robust_report import write_robust
    from sim.files.results import command_line
    from sim.files.safe import refuse_link

    refuse_link(sweep_dir)
    if sensitivity is not None:
        refuse_link(sensitivity)
    report = write_robust(
        sweep_dir,
        outcomes,
        baseline,
        focus=focus,
        resamples_count=resamples,
        threshold=threshold,
        sensitivity=sensitivity,
        command=tuple(command_line()),
    )
    written = [
        sweep_dir / name
        for name in ("robust.csv", "prim-trajectory.csv", "prim-boxes.csv", "robust-depends.csv", "robust.md")
    ]
    if not no_plot:
        from sim.plots.robust import plot_robust

        written += plot_robust(sweep_dir)
    for path in written:
        click.echo(f"wrote {path}")
    for spec, subjects in report["found"].items():
        click.echo(f"  {spec}: most robust {subjects[0][1]}")
