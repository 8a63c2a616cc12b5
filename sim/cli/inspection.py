"""`tft policies`, `tft validate` and `tft plot`: the catalogue, a scenario, a result folder."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.base import (
    InputFile,
    cli,
    library_errors,
)


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
@click.argument("scenario", type=InputFile())
@library_errors
def validate(scenario: Path) -> None:
    """Check SCENARIO without running it: every key, and a replay proving each event is possible
    at its date. Prints a summary; exits 2 with a one-line reason if the file is wrong.

    \b
    Example:
      tft validate scenarios/us_russia_2016_2025.toml
    """
    from sim.engines.check import check_events
    from sim.files.scenario_file import parse_scenario
    from sim.rules.calendar import month_label
    from sim.rules.kinds_rules import rules_held_lines
    from sim.rules.measures import Shock

    loaded = parse_scenario(scenario)
    state = check_events(loaded)
    shocks = sum(isinstance(e, Shock) for e in loaded.events)
    posts = sum(len(m.posts) for m in loaded.missions)
    props = sum(len(m.properties) for m in loaded.missions)
    click.echo(
        f"{scenario}: ok: '{loaded.name}', {month_label(loaded.start)} to {month_label(loaded.end)}, "
        f"sides {' and '.join(loaded.codes)}, {posts} posts, {props} properties, "
        f"{len(loaded.events) - shocks} measures, {shocks} shocks, {len(loaded.observations)} observations"
    )
    for line in rules_held_lines(loaded.world(), state):
        click.echo(f"  rules in force at the end: {line}")


@cli.command()
@click.argument("result_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--outcome",
    default="restored_half",
    show_default=True,
    help="Sweeps: the outcome of the heatmap or sensitivity figure.",
)
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
