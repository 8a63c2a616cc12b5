"""Global sensitivity analysis of a sweep (SALib): Sobol and Morris designs over the toy dyad's
uncertainties and a lever, reproducible for a seed, and a parameter without effect found to
have none."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.sweep import run_sweep
from sim.files.sweep_file import load_sweep
from tests.conftest import TOY, event

pytest.importorskip("pyarrow")
pytest.importorskip("SALib")

SWEEP = """
[sweep]
name = "toy_sensitivity"
scenario = "toy.toml"
mode = "behavioural"
until = "2021-06"
replicates = 4
seed = 5

[design]
{design}

[levers]
"CN.policy" = ["mirror", "restraint"]

[uncertainties]
"UK.crisis_rate" = {{ low = 0.0, high = 4.0 }}
perception_error = {{ low = 0.0, high = 0.3 }}
"CN.error_severity" = {{ low = 0.0, high = 10.0 }}
"""
SOBOL = 'method = "sobol"\nsamples = 16'
MORRIS = 'method = "morris"\nsamples = 6\nlevels = 4'


@pytest.fixture
def sensitivity_file(tmp_path):
    def write(design: str = SOBOL, name: str = "toy_sensitivity.toml") -> Path:
        extra = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-5.0)
        (tmp_path / "toy.toml").write_text(TOY + extra, encoding="utf-8")
        path = tmp_path / name
        path.write_text(SWEEP.format(design=design), encoding="utf-8")
        return path

    return write


def indices(folder: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    with (folder / "sensitivity.csv").open(newline="", encoding="utf-8") as handle:
        return {(r["outcome"], r["parameter"], r["index"]): r for r in csv.DictReader(handle)}


def test_a_sobol_design_is_saltellis_sample_with_levers_by_index(sensitivity_file):
    sweep = load_sweep(sensitivity_file())
    points = sweep.points()
    assert sweep.design == "sobol" and len(points) == 16 * (4 + 2)
    assert points == load_sweep(sensitivity_file()).points()
    assert {p["CN.policy"] for p in points} == {"mirror", "restraint"}
    assert all(0.0 <= p["UK.crisis_rate"] <= 4.0 and 0.0 <= p["CN.error_severity"] <= 10.0 for p in points)


@pytest.mark.slow
def test_sobol_indices_are_reproducible_and_find_the_parameter_without_effect(sensitivity_file, tmp_path):
    path = sensitivity_file()
    first = run_sweep(path, tmp_path / "a", workers=1)["folder"]
    second = run_sweep(path, tmp_path / "b", workers=2, block=2)["folder"]
    assert (first / "sensitivity.csv").read_bytes() == (second / "sensitivity.csv").read_bytes()
    found = indices(first)
    # execution_error is 0 in the toy, so the size of an execution error never matters
    for index in ("S1", "ST"):
        row = found[("hostile_measures", "CN.error_severity", index)]
        assert float(row["value"]) == 0.0 and float(row["low"]) <= 0.0 <= float(row["high"])
    names = ("CN.policy", "UK.crisis_rate", "perception_error", "CN.error_severity")
    totals = {p: float(found[("hostile_measures", p, "ST")]["value"]) for p in names}
    # a restrained China answers nothing: its policy matters most, then misperception
    assert max(totals, key=totals.get) == "CN.policy" and totals["perception_error"] > 0.1
    assert not any(outcome.startswith("months_to_") for outcome, *_ in found)
    result = CliRunner().invoke(cli, ["plot", str(first), "--outcome", "hostile_measures"])
    assert result.exit_code == 0, result.output
    assert (first / "sensitivity-hostile_measures.png").stat().st_size > 10_000
    result = CliRunner().invoke(cli, ["plot", str(first), "--outcome", "months_to_half"])
    assert result.exit_code == 2 and "no sensitivity indices of 'months_to_half'" in result.output


@pytest.mark.slow
def test_morris_screening_gives_no_effect_to_the_parameter_without_one(sensitivity_file, tmp_path):
    folder = run_sweep(sensitivity_file(MORRIS, "morris.toml"), tmp_path / "m", workers=1)["folder"]
    found = indices(folder)
    assert len(load_sweep(sensitivity_file(MORRIS, "morris.toml")).points()) == 6 * (4 + 1)
    for index in ("mu_star", "sigma", "mu"):
        assert float(found[("hostile_measures", "CN.error_severity", index)]["value"]) == 0.0
    assert float(found[("hostile_measures", "UK.crisis_rate", "mu_star")]["value"]) > 0.5
    assert CliRunner().invoke(cli, ["plot", str(folder), "--outcome", "hostile_measures"]).exit_code == 0


@pytest.mark.parametrize(
    "design, message",
    [
        ('method = "sobol"\nsamples = 10', "design.samples (line 12): 10 is not a power of two"),
        ('method = "sobol"\nkind = "lhs"', "design.kind (line 12): method = 'sobol' makes its own design"),
        ('method = "sobol"\nlevels = 4', "design.levels (line 12): only a morris design has levels"),
        ('method = "fast"', "design.method (line 11): unknown value"),
    ],
)
def test_bad_sensitivity_designs(sensitivity_file, tmp_path, design, message):
    result = CliRunner().invoke(cli, ["sweep", str(sensitivity_file(design)), "--results", str(tmp_path / "r")])
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_sensitivity_design_takes_ranges_not_points(sensitivity_file, tmp_path):
    path = sensitivity_file()
    path.write_text(path.read_text().replace("high = 0.3 }", "high = 0.3, points = 3 }"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["sweep", str(path), "--results", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "uncertainties.perception_error.points" in result.output and "takes no points" in result.output
