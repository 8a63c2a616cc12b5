"""The command line: help with runnable examples, run, validate, plot."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import ROOT, read_csv

COMMANDS = sorted(cli.commands)


def test_commands():
    assert COMMANDS == [
        "app",
        "calibrate",
        "export",
        "infer",
        "plot",
        "policies",
        "robust",
        "run",
        "sweep",
        "transfer",
        "validate",
    ]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_ending_with_an_example(name):
    outcome = CliRunner().invoke(cli, [name, "--help"])
    assert outcome.exit_code == 0
    lines = [line.strip() for line in outcome.output.splitlines() if line.strip()]
    example_at = lines.index("Example:")
    assert lines[example_at + 1] == f"tft {name}" or lines[example_at + 1].startswith(f"tft {name} ")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented_in_the_readme(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"tft {name}" in readme


def test_help_examples_run(tmp_path, monkeypatch):
    """The examples in --help are real: run them (the plot example on the folder run wrote)."""
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    examples = {}
    for name in COMMANDS:
        text = runner.invoke(cli, [name, "--help"]).output
        examples[name] = re.search(rf"^\s+(tft {name}( .+)?)$", text, re.M).group(1)
    results = tmp_path / "results"
    run_args = shlex.split(examples["run"])[1:] + ["--results", str(results)]
    assert runner.invoke(cli, run_args).exit_code == 0
    assert runner.invoke(cli, shlex.split(examples["validate"])[1:]).exit_code == 0
    assert "grit" in runner.invoke(cli, shlex.split(examples["policies"])[1:]).output
    folder = next((results / "us_russia_2016_2022").iterdir())
    plot_args = shlex.split(examples["plot"].replace("results/us_russia_2016_2022/<run-id>", str(folder)))[1:]
    outcome = runner.invoke(cli, plot_args)
    assert outcome.exit_code == 0, outcome.output


def test_run_writes_the_result_folder(tmp_path):
    outcome = CliRunner().invoke(
        cli, ["run", str(ROOT / "scenarios/us_russia_2016_2022.toml"), "--results", str(tmp_path), "--run-id", "first"]
    )
    assert outcome.exit_code == 0, outcome.output
    folder = tmp_path / "us_russia_2016_2022" / "first"
    assert sorted(p.name for p in folder.iterdir()) == [
        "events.csv",
        "manifest.json",
        "observations.csv",
        "staff.png",
        "trajectories.csv",
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["root_seed"] == 20160101 and manifest["mode"] == "replay" and manifest["runs"] == 1
    assert len(manifest["scenario"]["sha256"]) == 64
    assert manifest["started"] <= manifest["finished"]
    assert (folder / "staff.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # a second run with the same id gets its own folder, never overwrites
    CliRunner().invoke(
        cli,
        [
            "run",
            str(ROOT / "scenarios/us_russia_2016_2022.toml"),
            "--results",
            str(tmp_path),
            "--run-id",
            "first",
            "--no-plot",
        ],
    )
    assert (tmp_path / "us_russia_2016_2022" / "first-2" / "trajectories.csv").is_file()
    assert not list((tmp_path / "us_russia_2016_2022").glob(".*"))  # no temporary folder left


def test_same_seed_same_output(tmp_path):
    folders = []
    for run_id in ("a", "b"):
        CliRunner().invoke(
            cli,
            [
                "run",
                str(ROOT / "scenarios/us_russia_2016_2022.toml"),
                "--results",
                str(tmp_path),
                "--run-id",
                run_id,
                "--no-plot",
            ],
        )
        folders.append(tmp_path / "us_russia_2016_2022" / run_id)
    for name in ("trajectories.csv", "events.csv", "observations.csv"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes()


def test_a_crash_while_writing_leaves_nothing(tmp_path, monkeypatch):
    import sim.experiments.run

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sim.experiments.run, "observation_rows", broken)
    outcome = CliRunner().invoke(
        cli, ["run", str(ROOT / "scenarios/us_russia_2016_2022.toml"), "--results", str(tmp_path)]
    )
    assert outcome.exit_code == 1
    assert "internal error: RuntimeError: disk on fire" in outcome.stderr
    assert list(tmp_path.iterdir()) == []  # not even an empty results/<scenario>/


def test_plot_redraws_from_the_files(replay_2022, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(replay_2022, copy)
    (copy / "staff.png").unlink()
    outcome = CliRunner().invoke(cli, ["plot", str(copy)])
    assert outcome.exit_code == 0
    assert (copy / "staff.png").stat().st_size > 10_000


def test_python_dash_m(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(ROOT / "scenarios/us_russia_2016_2025.toml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "ok: 'us_russia_2016_2025'" in done.stdout


def test_version():
    from sim import __version__

    outcome = CliRunner().invoke(cli, ["--version"])
    assert __version__ in outcome.output
    assert isinstance(cli, click.Group)


def test_observations_copied(replay_2022):
    rows = read_csv(replay_2022 / "observations.csv")
    assert len(rows) == 11 and all(r["source"] for r in rows)
    assert {"S04", "S15", "S20"} <= {r["source"].split(":")[0] for r in rows}


def test_scenarios_cite_sources_for_every_event():
    from sim.files.scenario_file import load_scenario
    from tests.test_dyads import DYADS

    # The dyad scenarios cite "<record> E05"; tests/test_dyads.py checks their rows exist.
    for path in sorted(Path(ROOT / "scenarios").glob("*.toml")):
        if path.stem in DYADS:
            continue
        scenario = load_scenario(path)
        assert all(re.match(r"^[ES]\d\d:", e.source) for e in scenario.events), path
        assert all(re.match(r"^S\d\d:", o.source) for o in scenario.observations), path
