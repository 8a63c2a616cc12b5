"""A single replay, figure included, starts without the heavy libraries it does not use
(benchmarks/startup.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

REPLAY = """
import sys

import pytest
from sim.cli import cli
loaded_by_cli = sorted(m for m in ("matplotlib", "mesa", "pandas", "scipy", "pyarrow") if m in sys.modules)
cli(["run", sys.argv[1], "--results", sys.argv[2], "--run-id", "one"], standalone_mode=False)
print(loaded_by_cli, sorted(m for m in ("mesa", "pandas", "scipy", "pyarrow") if m in sys.modules))
"""


@pytest.mark.slow
def test_a_replay_with_its_figure_imports_no_mesa_pandas_scipy_or_pyarrow(tmp_path):
    scenario = ROOT / "scenarios" / "us_russia_2016_2022.toml"
    done = subprocess.run(
        [sys.executable, "-c", REPLAY, str(scenario), str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "[] []"
    folder = tmp_path / "us_russia_2016_2022" / "one"
    assert (folder / "staff.png").is_file()
    assert json.loads((folder / "manifest.json").read_text())["engine"] == "batch"
