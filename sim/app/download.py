"""The results folder of the page's current choices (a fit and its draw among them), written by
`run_scenario` exactly as `tft run` writes it (with its figures), and zipped for the browser to
download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sim.app.choices import Choices
from sim.experiments.run import RunOptions, run_scenario
from sim.plots.result import plot_result
from sim.rules.scenario import Scenario


def replicates(choices: Choices) -> int:
    """A replay has one run: every run of it is the same."""
    return 1 if choices.mode == "replay" else choices.runs


def command_for(choices: Choices, scenario: Scenario, path: Path) -> list[str]:
    """The `tft run` command line that writes the same folder (recorded in its manifest)."""
    arguments = choices.arguments(scenario)
    command = ["tft", "run", str(path), "--mode", choices.mode]
    if arguments["start_from"]:
        command += ["--from", str(arguments["start_from"])]
    if arguments["until"]:
        command += ["--until", str(arguments["until"])]
    if replicates(choices) > 1:
        command += ["--replicates", str(replicates(choices)), "--keep", "summary"]
    if choices.seed is not None:
        command += ["--seed", str(choices.seed)]
    if choices.from_fit:
        command += ["--posterior", choices.fit, "--draw", str(choices.draw)]
    for side, spec in arguments["policies"].items():
        command += ["--policy", f"{side}={spec}"]
    for side, key, value in arguments["overrides"]:
        text = ",".join(f"{v:g}" for v in value) if isinstance(value, (list, tuple)) else value
        command += ["--set", f"{side}.{key}={text:g}" if isinstance(text, float) else f"{side}.{key}={text}"]
    return command


def write_results(scenario: Scenario, path: Path, choices: Choices, results_root: Path) -> Path:
    """Run the choices and write `results_root/<scenario>/<run-id>/` with its figures. An ensemble
    keeps per-run outcomes and quantiles (`--keep summary`): a page download stays small. From a fit
    drawn per run, the folder has draws.csv, the draw each run used."""
    runs = replicates(choices)
    fit = {"posterior": choices.fit, "draw": choices.draw} if choices.from_fit else {}
    options = RunOptions(
        replicates=runs,
        seed=choices.seed,
        keep="summary" if runs > 1 else "auto",
        **fit,
        **choices.arguments(scenario),
    )
    folder = run_scenario(path, results_root, options, command=command_for(choices, scenario, path)).folder
    plot_result(folder)
    return folder


def zip_folder(folder: Path) -> bytes:
    """The folder as a zip archive whose entries sit under the folder's own name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(file, Path(folder.name) / file.relative_to(folder))
    return buffer.getvalue()
