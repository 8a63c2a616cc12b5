"""Requests beyond the documented limits (docs/limits.md) are refused at once, with one line and
exit status 2, before anything big is allocated."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.limits import MAX_MONTHS, MEMORY, chunk_for
from tests.conftest import TOY

pytest.importorskip("pyarrow")


def refused(arguments: list[str], *parts: str) -> None:
    started = time.perf_counter()
    outcome = CliRunner().invoke(cli, arguments)
    assert time.perf_counter() - started < 20, "refused only after working"
    assert outcome.exit_code == 2, outcome.output
    message = outcome.stderr.strip()
    assert "\n" not in message and "internal error" not in message, message
    for part in parts:
        assert part in message, (part, message)


def test_a_huge_ensemble_is_refused(toy_file, tmp_path):
    results = tmp_path / "results"
    refused(["run", str(toy_file()), "--results", str(results), "-n", "10000000000"], "--replicates", "1,000,000")
    assert not results.exists()


def test_a_horizon_of_thousands_of_years_is_refused(toy_file, tmp_path):
    arguments = ["run", str(toy_file()), "--results", str(tmp_path), "--mode", "behavioural", "-n", "200"]
    refused([*arguments, "--until", "9999-12"], "--until", f"at most {MAX_MONTHS}")


SWEEP = """
[sweep]
name = "big"
scenario = "toy.toml"
mode = "behavioural"
replicates = {replicates}

[design]
kind = "{kind}"
{samples}

[uncertainties]
perception_error = {{ low = 0.0, high = 0.2, points = {points} }}
crisis_rate = {{ low = 0.0, high = 2.0, points = {points} }}
"""


@pytest.mark.parametrize(
    "replicates, kind, samples, points, expected",
    [
        (1_000_000_000, "grid", "", 2, "replicates"),
        (10, "grid", "", 1000, "1,000,000 points"),
        (10, "lhs", "samples = 1000000", 2, "1,000,000 points"),
        (2000, "grid", "", 300, "runs"),
    ],
)
def test_huge_sweeps_are_refused(tmp_path, replicates, kind, samples, points, expected):
    (tmp_path / "toy.toml").write_text(TOY, encoding="utf-8")
    path = tmp_path / "big.toml"
    path.write_text(SWEEP.format(replicates=replicates, kind=kind, samples=samples, points=points), encoding="utf-8")
    refused(["sweep", str(path), "--results", str(tmp_path / "r"), "--workers", "1", "-q"], expected)
    assert not (tmp_path / "r").exists()


def test_a_huge_calibration_is_refused(toy_file, tmp_path):
    arguments = ["calibrate", str(toy_file()), "--results", str(tmp_path), "--policy", "mirror", "-q"]
    refused([*arguments, "--screen", "1000000000"], "--screen")
    refused([*arguments, "--replicates", "100000000"], "--replicates")
    refused([*arguments, "--maxiter", "100000000"], "simulated runs")


def test_memory_bounds_the_chunk_not_the_results():
    assert chunk_for(10_000, 120, 15, events=True) == 10_000
    chunk = chunk_for(10_000, MAX_MONTHS, 15, events=True)
    assert chunk < 10_000 and chunk * MAX_MONTHS * (15 * 16 + 256) <= MEMORY


def test_a_long_ensemble_is_chunked_to_fit_and_gives_the_same_runs(toy_file, tmp_path, monkeypatch):
    import sim.experiments.limits
    from sim.experiments.run import RunOptions, run_scenario

    path = toy_file()
    options = RunOptions(
        mode="behavioural", replicates=6, overrides=[("UK", "perception_error", 0.2)], keep="all", run_id="x"
    )
    whole = run_scenario(path, tmp_path / "a", options).folder
    monkeypatch.setattr(sim.experiments.limits, "MEMORY", 12 * (15 * 16 + 256) * 2)  # two runs at a time
    chunked = run_scenario(path, tmp_path / "b", options).folder
    assert (whole / "trajectories.csv").read_bytes() == (chunked / "trajectories.csv").read_bytes()
    assert (whole / "runs.csv").read_bytes() == (chunked / "runs.csv").read_bytes()
    assert '"chunk_runs": 2' in (chunked / "manifest.json").read_text()
