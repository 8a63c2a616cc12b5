"""Figures of a run's results folder, drawn from its files."""

from __future__ import annotations

from pathlib import Path

from sim.files.results import (
    FAN_FIGURE,
    FIT_FIGURE,
    MANIFEST,
    QUANTILES_FILE,
    STAFF_FIGURE,
    TRAJECTORIES,
    check_quantiles,
    read_csv_rows,
    read_manifest,
    read_result,
    read_tables,
    write_json,
)
from sim.files.tables import check_rows, check_span, manifest_files, manifest_text
from sim.plots.figures import drawn_from, fan_figure, staff_figure


def draw(folder: Path, title: str) -> list[str]:
    """Draw the figures of a results folder from its files (as `tft plot` does later); each is
    written under a temporary name and renamed into place, never through a link."""
    trajectories, events, observations = read_tables(folder)
    several = (folder / QUANTILES_FILE).is_file()
    name = FAN_FIGURE if several else STAFF_FIGURE
    if several:
        fan_figure(trajectories, observations, title, folder / name)
    else:
        # the cells of the other columns an observation is drawn on, checked like staff_total's
        available = trajectories[0] if trajectories else {}
        drawn = {part for obs in observations for part in drawn_from(obs["column"], available) or ()}
        check_rows(folder / TRAJECTORIES, trajectories, blanks=sorted(drawn))
        staff_figure(trajectories, events, observations, title, folder / name)
    return [name]


def plot_result(directory: str | Path) -> list[Path]:
    """(Re)draw the figures of a results directory from its files. Returns the figures written."""
    directory = Path(directory)
    manifest, _, _, _ = read_result(directory)
    scenario = manifest.get("scenario")
    title = manifest_text(
        manifest, "title", manifest_text(scenario if isinstance(scenario, dict) else {}, "title", directory.name)
    )
    written = draw(directory, title)
    record_figures(directory, manifest, written)
    return [directory / name for name in written]


def plot_calibration(directory: str | Path) -> list[Path]:
    """Draw fit.png of a calibration folder: the fitted ensemble's staff quantiles, the record's
    observations and, along the bottom, the months of the record's hostile measures."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    quantiles = read_csv_rows(directory / QUANTILES_FILE)
    months = check_quantiles(directory / QUANTILES_FILE, quantiles)
    rows = read_csv_rows(directory / "observations.csv")
    months += check_rows(
        directory / "observations.csv", rows, months=("date",), numbers=("observed",), names=("side", "column", "bound")
    )
    observations = [
        {"date": r["date"], "side": r["side"], "column": r["column"], "value": r["observed"], "bound": r["bound"]}
        for r in rows
    ]
    measures = read_csv_rows(directory / "measures.csv")
    months += check_rows(directory / "measures.csv", measures, months=("date",), names=("actor",))
    check_span(directory, months)
    marks = [(r["date"], r["actor"]) for r in measures]
    fan_figure(quantiles, observations, manifest_text(manifest, "title", directory.name), directory / FIT_FIGURE, marks)
    record_figures(directory, manifest, [FIT_FIGURE])
    return [directory / FIT_FIGURE]


def record_figures(directory: Path, manifest: dict, written: list[str]) -> None:
    """List figures just drawn in the folder's manifest (written atomically)."""
    files = manifest_files(directory / MANIFEST, manifest)
    if any(name not in files for name in written):
        manifest["files"] = files + [name for name in written if name not in files]
        write_json(directory / MANIFEST, manifest)
