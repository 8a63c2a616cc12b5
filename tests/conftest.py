from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so the suite passes or fails the same way on
# every machine; `pytest --hypothesis-profile explore` draws fresh ones, to look for new defects.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# A small dyad that is neither the US nor Russia: nothing in the code may assume those two.
TOY = """
[scenario]
name = "toy"
title = "Toy dyad"

[run]
start = "2020-01"
end = "2020-12"
seed = 7

[sides.CN]
name = "China"

[sides.UK]
name = "United Kingdom"

[missions.CN]
tour_months = 12
visa_rate = 1.0

[[missions.CN.posts]]
id = "cn_embassy"
name = "Embassy London"
kind = "embassy"
diplomats = 40
support = 20
local = 30

[[missions.CN.posts]]
id = "cn_consulate"
name = "Consulate Manchester"
kind = "consulate"
diplomats = 10
support = 5
local = 15

[[missions.CN.properties]]
id = "cn_residence"
name = "Residence"
kind = "residence"

[missions.UK]

[[missions.UK.posts]]
id = "uk_embassy"
name = "Embassy Beijing"
kind = "embassy"
diplomats = 30
support = 10
local = 60

[[missions.UK.posts]]
id = "uk_un"
name = "Mission to a UN office"
kind = "un_mission"
diplomats = 6
support = 2
local = 0

[[missions.UK.posts]]
id = "uk_consulate"
name = "Consulate Shanghai"
kind = "consulate"
diplomats = 8
support = 4
local = 20

[[missions.UK.properties]]
id = "uk_compound"
name = "Compound"
kind = "compound"
area = 12.5
area_unit = "acre"
"""


def event(**keys: object) -> str:
    """One [[events]] table in TOML."""
    lines = ["", "[[events]]"]
    for key, value in {"source": "test", **keys}.items():
        lines.append(f"{key} = {value!r}" if isinstance(value, str) else f"{key} = {value}")
    return "\n".join(lines).replace("'", '"') + "\n"


def refusal(path: Path) -> str:
    """`tft validate PATH` refuses the file as every bad input is refused: exit status 2, one line
    that names the file, no traceback. Returns the line."""
    from click.testing import CliRunner

    from sim.cli import cli

    outcome = CliRunner().invoke(cli, ["validate", str(path)])
    message = outcome.stderr.strip()
    assert outcome.exit_code == 2, outcome.output
    assert "\n" not in message and "Traceback" not in outcome.output
    assert message.startswith(f"Error: {path}: "), message
    return message


@pytest.fixture
def toy_file(tmp_path: Path):
    """Write the toy scenario plus extra TOML text; returns its path."""

    def write(extra: str = "", text: str = TOY, name: str = "toy.toml") -> Path:
        path = tmp_path / name
        path.write_text(text + extra, encoding="utf-8")
        return path

    return write


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def replay_2022(tmp_path_factory) -> Path:
    """One replay of the 2016-2022 scenario, with its figure, written the way `tft run` writes it."""
    from sim.experiments.run import RunOptions, run_scenario
    from sim.plots.result import plot_result

    root = tmp_path_factory.mktemp("results")
    folder = run_scenario(SCENARIOS / "us_russia_2016_2022.toml", root, RunOptions(run_id="replay")).folder
    plot_result(folder)
    return folder


@pytest.fixture(scope="session")
def replay_2025(tmp_path_factory) -> Path:
    from sim.experiments.run import RunOptions, run_scenario

    root = tmp_path_factory.mktemp("results")
    return run_scenario(SCENARIOS / "us_russia_2016_2025.toml", root, RunOptions(run_id="replay")).folder


def event_table(ensemble) -> list[list[dict]]:
    """An ensemble's events as the rows of events.csv, run by run."""
    from sim.files.columns import event_row

    return [[event_row(ensemble.world, record) for record in run] for run in ensemble.events]
