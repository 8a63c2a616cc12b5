"""`tft export`: a run's or a scenario's events as CAMEO or PLOVER coded event data."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import click

from sim.cli.base import cli, library_errors


def _actors(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    given = {}
    for value in values:
        side, equals, code = value.partition("=")
        if not equals or not side or not code:
            raise click.BadParameter(f"{value!r} is not SIDE=CODE (for example US=USA)", ctx, param)
        given[side] = code
    return given


@cli.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "form", type=click.Choice(["cameo", "plover"]), required=True, help="The event-data codebook."
)
@click.option(
    "--actor",
    "actors",
    multiple=True,
    callback=_actors,
    metavar="SIDE=CODE",
    help="The country code of a side (ISO 3166-1 alpha-3, as CAMEO uses), e.g. --actor SU=SUN; repeatable.",
)
@click.option(
    "--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here (default: stdout)."
)
@library_errors
def export(source: Path, form: str, actors: dict[str, str], out: Path | None) -> None:
    """Write the events of a result folder (its events.csv) or of a scenario file (its replay) as
    coded event data: each measure with its CAMEO event code, or its PLOVER event type, mode and
    context, the sides' actor codes, its date, size, severity, cause and source. Shocks are left
    out (they name no measure a codebook can code); the mapping is in docs/export.md.

    \b
    Example:
      tft export scenarios/us_russia_2016_2025.toml --format plover --out us_russia_plover.csv
    """
    from sim.files.event_data import export_events
    from sim.files.results import write_csv

    rows, sides, where = _events(source)
    exported = export_events(rows, sides, form, actors, where)
    if out is None:
        writer = csv.DictWriter(sys.stdout, fieldnames=exported.columns, lineterminator="\n")
        try:
            writer.writeheader()
            writer.writerows(exported.rows)
            sys.stdout.flush()
        except BrokenPipeError:  # the reader stopped early (| head): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
    else:
        write_csv(out, exported.columns, exported.rows)
    to = "" if out is None else f" to {out}"
    shocks = f"{exported.shocks} shock{'' if exported.shocks == 1 else 's'}"
    click.echo(f"{len(exported.rows)} events coded in {form.upper()}{to}; {shocks} left out", err=True)


def _events(source: Path) -> tuple[list[dict[str, str]], tuple[str, str], str]:
    """The rows of events.csv (as text), the two sides, and how to name the rows in errors."""
    from sim.files.event_data import ExportError
    from sim.files.results import cell_text, read_csv_rows, read_manifest

    if source.is_dir():
        manifest = read_manifest(source)
        behaviour = manifest.get("behaviour")
        sides = tuple(behaviour) if isinstance(behaviour, dict) else ()
        if len(sides) != 2:
            raise ExportError(f"{source / 'manifest.json'}: behaviour: expected a table of the two sides")
        events = source / "events.csv"
        if not events.is_file():
            raise ExportError(
                f"{source}: no events.csv (an ensemble keeps its events with --keep all or up to 1,000 runs; "
                "export a run folder or a scenario file)"
            )
        return read_csv_rows(events), sides, str(events)
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan
    from sim.files.columns import event_rows
    from sim.files.scenario_file import load_scenario

    scenario = load_scenario(source)
    replay = simulate_batch(scenario, make_plan(scenario, "replay"), [scenario.seed], log_events=True)
    rows = [{k: cell_text(v) for k, v in row.items()} for row in event_rows(replay, False)]
    if scenario.announces:  # as events.csv has it: the column on every row
        rows = [{"announced": "", **row} for row in rows]
    return rows, scenario.codes, f"{source} (its replay)"
