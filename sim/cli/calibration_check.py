"""`tft sbc`: simulation-based calibration of `tft infer`."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.base import InputFile, cli, library_errors, results_option, scheduler_option, seed_option, workers_option


@cli.command()
@click.argument("scenario", type=InputFile())
@click.option(
    "--train-until",
    default=None,
    metavar="DATE",
    help="The training window of the fit being checked (default: the scenario's end).",
)
@click.option(
    "--families",
    default=None,
    metavar="NAMES",
    help="Policy families, comma-separated (default: those of tft infer).",
)
@click.option("--reference", type=int, default=2000, show_default=True, help="Simulations from the prior in the table.")
@click.option("--records", type=int, default=100, show_default=True, help="Synthetic records drawn from the prior.")
@click.option(
    "--accept", type=int, default=None, help="Nearest simulations kept per record (default: 1 in 20 of the table)."
)
@click.option("--replicates", "-n", type=int, default=2, show_default=True, help="Runs per table simulation.")
@workers_option(1)
@scheduler_option
@seed_option("the scenario's run.seed")
@click.option("--id", "folder_id", default=None, help="Name the folder sbc-ID (default: a hash of the inputs).")
@results_option
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@library_errors()
def sbc(
    scenario: Path,
    train_until: str | None,
    families: str | None,
    reference: int,
    records: int,
    accept: int | None,
    replicates: int,
    workers: int,
    scheduler: str | None,
    seed: int | None,
    folder_id: str | None,
    results_root: Path,
    quiet: bool,
) -> None:
    """Simulation-based calibration of tft infer on SCENARIO's training window (needs
    pip install 'tft-sim[abc]'): draw --records synthetic records from the prior, find each one's
    posterior by rejection ABC on a shared table of --reference prior simulations, and report how
    often the 90% credible intervals hold the true values and which values the record cannot
    identify. Writes results/<scenario>/sbc-<id>/ with sbc.csv, sbc_families.csv,
    sbc_records.csv, reference.csv, manifest.json and sbc.png.

    \b
    Example:
      tft sbc scenarios/us_russia_2016_2022.toml --families mirror,escalate --reference 40 --records 5
    """
    from sim.experiments.inference_sbc_report import run_sbc
    from sim.files.results import command_line
    from sim.plots.inference_sbc import plot_sbc

    names = [n.strip() for n in families.split(",")] if families else []
    folder, report = run_sbc(
        scenario,
        results_root,
        train_until=train_until,
        families=names,
        reference=reference,
        records=records,
        accept=accept,
        replicates=replicates,
        workers=workers,
        scheduler=scheduler,
        seed=seed,
        folder_id=folder_id,
        progress=None if quiet else lambda line: click.echo(line, err=True),
        command=command_line(),
    )
    plot_sbc(folder)
    click.echo(f"wrote {folder}")
    for row in report["coverage"]:
        flag = "" if row["identified"] else "  not identified"
        click.echo(
            f"  {row['parameter']:<28} coverage {row['coverage']:.2f} ({row['coverage_low']:.2f}-"
            f"{row['coverage_high']:.2f}), width {row['median_width_ratio']:.2f} of the prior's{flag}"
        )
    for row in report["families"]:
        click.echo(
            f"  {row['side']}: true family's probability {row['mean_probability_of_true_family']:.2f} "
            f"(prior {row['prior']:.2f}), top family right in {row['top_family_correct']:.0%}"
        )
