"""A single replay, figure included, starts without the heavy libraries it does not use
(benchmarks/startup.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

REPLAY = """
import json
import sys

import pytest
from sim.cli import cli
loaded_by_cli = sorted(m for m in ("matplotlib", "mesa", "pandas", "scipy", "pyarrow", "numba") if m in sys.modules)
cli(["run", sys.argv[1], "--results", sys.argv[2], "--run-id", "one"], standalone_mode=False)
print(json.dumps(sorted(m for m in sys.modules if m.startswith("sim."))))
print(loaded_by_cli, sorted(m for m in ("mesa", "pandas", "scipy", "pyarrow", "numba") if m in sys.modules))
"""
# What other commands use: their command modules, and the models of files a replay does not read.
NOT_FOR_A_REPLAY = (
    *("sim.cli.app", "sim.cli.calibration_check", "sim.cli.experiments", "sim.cli.export"),
    *("sim.cli.inspection", "sim.cli.robust", "sim.cli.transfer"),
    *("sim.files.sweep_file", "sim.files.sweep_store", "sim.files.params_from", "sim.app"),
    *("sim.experiments.sweep", "sim.experiments.calibration", "sim.experiments.inference"),
)


@pytest.mark.slow
def test_a_replay_with_its_figure_imports_no_mesa_pandas_scipy_pyarrow_numba_or_other_commands(tmp_path):
    scenario = ROOT / "scenarios" / "us_russia_2016_2022.toml"
    done = subprocess.run(
        [sys.executable, "-c", REPLAY, str(scenario), str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "[] []"
    imported = json.loads(done.stdout.splitlines()[-2])
    assert "sim.cli.run" in imported
    assert [m for m in imported if m.startswith(NOT_FOR_A_REPLAY)] == []
    folder = tmp_path / "us_russia_2016_2022" / "one"
    assert (folder / "staff.png").is_file()
    assert json.loads((folder / "manifest.json").read_text())["engine"] == "batch"


def test_each_command_is_registered_by_the_module_the_group_imports_for_it():
    import importlib

    from sim.cli import cli

    for name, module in cli.commands.modules.items():
        importlib.import_module(module)
        assert cli.commands.loaded[name].callback.__module__ == module
    assert sorted(cli.commands.loaded) == sorted(cli.commands.modules)


def test_every_command_goes_through_library_errors_which_ends_the_quiet_start():
    from sim.cli import cli

    assert [name for name, command in cli.commands.items() if "verbose" not in [p.name for p in command.params]] == []


WORK = """
import gc
import sys

import sim.experiments.run

run_scenario = sim.experiments.run.run_scenario


def spy(*args, **kwargs):
    print(gc.isenabled(), gc.get_freeze_count() > 50_000, "matplotlib" in sys.modules)
    return run_scenario(*args, **kwargs)


sim.experiments.run.run_scenario = spy
from sim.cli import main

sys.argv = ["tft", "run", sys.argv[1], "--results", sys.argv[2], "--no-plot"]
main()
"""


@pytest.mark.slow
def test_tft_collects_garbage_again_once_a_command_has_imported_what_it_uses(tmp_path):
    scenario = ROOT / "scenarios" / "us_russia_2016_2022.toml"
    done = subprocess.run(
        [sys.executable, "-c", WORK, str(scenario), str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[0] == "True True True"


@pytest.mark.parametrize("name", ["mesa", "matplotlib", "numpy"])
def test_a_manifest_reads_the_versions_importlib_metadata_reads(name):
    from importlib.metadata import version

    from sim.files.results import installed_version

    assert installed_version(name) == version(name)
