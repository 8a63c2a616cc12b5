"""`tft app`: the page."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.base import (
    cli,
    library_errors,
    posterior_options,
    results_option,
)


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
@posterior_options
@library_errors
def app(
    host: str,
    port: int,
    scenarios: Path,
    results_root: Path,
    workers: int | None,
    posterior: Path | None,
    draw: str | None,
) -> None:
    """Start the page on HOST:PORT: explore a scenario's ensemble fan, step through a run, compare
    two policy pairs and browse sweep folders in the browser. Needs the app extra
    (pip install 'tft-sim[app]'); everything it loads is served locally. --posterior FIT opens
    the page with that fit of tft infer as the sides' behaviour (any fit under --results can be
    chosen on the page).

    \b
    Example:
      tft app
      tft app --port 8800 --results results
      tft app --posterior results/us_russia_2016_2022/inference-<id> --draw mean
    """
    from sim.app.config import default_workers
    from sim.app.server import free_port, serve
    from sim.experiments.posterior import ALL, parse_draw
    from sim.files.posterior_file import load_posterior

    if draw is not None and posterior is None:
        raise click.UsageError("--draw needs --posterior")
    chosen = parse_draw(ALL if draw is None else draw)
    if posterior is not None:
        fit = load_posterior(posterior)  # a file that is not a fit is refused here, in one line
        if isinstance(chosen, int):
            fit.row_of(chosen)

    serve(
        host,
        port or free_port(host),
        scenarios,
        results_root,
        workers or default_workers(),
        ready=lambda url: click.echo(f"tft app: serving {url} (Ctrl-C stops it)"),
        posterior="" if posterior is None else str(posterior),
        draw=chosen,
    )
