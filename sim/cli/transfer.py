"""`tft transfer`: one dyad's fitted behaviour run on another scenario, scored beside the nulls."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.base import InputFile, cli, library_errors, results_option, seed_option


def side_source(ctx, param, values: tuple[str, ...]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for value in values:
        target, sep, source = value.partition("=")
        if not sep or not target or not source:
            raise click.BadParameter(
                f"expected TARGET=SOURCE such as CZ=US (a side of the scenario, a side of --params), found '{value}'"
            )
        if target in chosen:
            raise click.BadParameter(f"{target} is given two sources ('{chosen[target]}' and '{source}'); give one")
        chosen[target] = source
    return chosen


@cli.command()
@click.argument("scenario", type=InputFile())
@click.option(
    "--params",
    type=InputFile(),
    required=True,
    metavar="FILE",
    help="The fitted behaviour: a parameter overlay ([behaviour.XX] tables), such as the params.toml of tft calibrate.",
)
@click.option(
    "--policy-from",
    "sides",
    multiple=True,
    metavar="TARGET=SOURCE",
    callback=side_source,
    help="Give side TARGET of SCENARIO the overlay's behaviour of side SOURCE (repeatable; by default each "
    "side takes the overlay's side of the same code).",
)
@results_option
@seed_option("the scenario's run.seed")
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=100_000),
    default=200,
    show_default=True,
    help="Runs of the behaviour and of each null.",
)
@library_errors
def transfer(
    scenario: Path, params: Path, sides: dict[str, str], results_root: Path, seed: int | None, runs: int
) -> None:
    """Run behaviour fitted on one dyad on SCENARIO without refitting, in behavioural mode, and score
    it on the whole record beside the nulls and mirror/mirror; write
    results/<scenario>/transfer-<seed>/ with transfer.csv (the columns of validation.csv) and
    manifest.json.

    \b
    Example:
      tft transfer scenarios/cz_russia_2021.toml --params params.toml --policy-from CZ=US --policy-from RU=RU
    """
    from sim.experiments.transfer import TRANSFERRED, run_transfer
    from sim.files.results import command_line

    folder, rows = run_transfer(scenario, params, sides, results_root, runs=runs, seed=seed, command=command_line())
    click.echo(f"wrote {folder}")
    for row in rows:
        if row["metric"] == "f1" and row["tolerance_months"] == 1:
            mark = "*" if row["model"] == TRANSFERRED else " "
            click.echo(
                f" {mark}{row['model']:<14} F1 ±1 month {row['value']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"
            )
