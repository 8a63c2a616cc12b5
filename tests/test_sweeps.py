"""Sweeps: the same tables whatever the backend, the number of workers or the block size; a
killed sweep resumes to the same tables; a failing run is recorded and the sweep goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.sweep import run_sweep
from sim.files.sweep_file import load_sweep
from sim.files.sweep_store import read_runs
from tests.conftest import ROOT, TOY, event

pytest.importorskip("pyarrow")

SWEEP = """
[sweep]
name = "toy_sweep"
scenario = "toy.toml"
mode = "behavioural"
until = "2023-12"
replicates = {replicates}
seed = 11

[design]
kind = "{design}"
{samples}

[levers]
"CN.policy" = ["mirror", "generous_mirror"]
"UK.policy" = ["grit"]

[uncertainties]
perception_error = {{ low = 0.0, high = 0.2, points = 2 }}
"UK.crisis_rate" = {{ low = 0.0, high = 2.0, points = 2 }}
"""


@pytest.fixture
def sweep_file(tmp_path):
    def write(replicates: int = 6, design: str = "grid") -> Path:
        extra = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-5.0)
        (tmp_path / "toy.toml").write_text(TOY + extra, encoding="utf-8")
        path = tmp_path / "toy_sweep.toml"
        samples = "samples = 3" if design == "lhs" else ""
        path.write_text(SWEEP.format(replicates=replicates, design=design, samples=samples), encoding="utf-8")
        return path

    return write


def tables(folder: Path) -> tuple[dict, bytes]:
    return read_runs(folder), (folder / "summary.csv").read_bytes()


def same_tables(first: Path, second: Path) -> None:
    (runs_a, summary_a), (runs_b, summary_b) = tables(first), tables(second)
    assert summary_a == summary_b
    assert runs_a.keys() == runs_b.keys()
    for name in runs_a:
        np.testing.assert_array_equal(runs_a[name], runs_b[name], err_msg=name)


def test_design_and_tables(sweep_file, tmp_path):
    sweep = load_sweep(sweep_file())
    assert len(sweep.points()) == 2 * 1 * 2 * 2
    report = run_sweep(sweep_file(), tmp_path / "r", workers=1, block=4)
    runs, _ = tables(report["folder"])
    assert report["runs"] == 8 * 6 and report["failed"] == 0
    assert len(runs["point"]) == 48 and len(set(zip(runs["point"], runs["replicate"], strict=True))) == 48
    # common random numbers: replicate r has the same seed at every point
    assert len(set(runs["seed"][runs["replicate"] == 0])) == 1
    design = (report["folder"] / "design.csv").read_text().splitlines()
    assert design[0] == "point,CN.policy,UK.policy,perception_error,UK.crisis_rate" and len(design) == 9


def test_a_sweep_that_keeps_fans_writes_each_points_quantiles(sweep_file, tmp_path):
    from sim.experiments.sweep_points import write_point_quantiles

    path = sweep_file(replicates=3)
    plain = run_sweep(path, tmp_path / "plain", workers=1)["folder"]
    assert sorted(plain.glob("point-*-quantiles.csv")) == []  # the default keeps outcomes only
    path.write_text(path.read_text().replace("seed = 11", "seed = 11\nfans = true"), encoding="utf-8")
    assert load_sweep(path).fans is True
    kept = run_sweep(path, tmp_path / "kept", workers=2)["folder"]
    assert sorted(p.name for p in kept.glob("point-*-quantiles.csv")) == [f"point-{p}-quantiles.csv" for p in range(8)]
    assert (kept / "summary.csv").read_bytes() == (plain / "summary.csv").read_bytes()
    rows = (kept / "point-5-quantiles.csv").read_text().splitlines()
    assert rows[0] == "date,side,host,runs,mean,p05,p25,p50,p75,p95" and len(rows) == 1 + 2 * 48
    assert rows[1].startswith("2020-01,CN,UK,3,")
    # the same rows as `tft plot --point` writes by re-running the point from the manifest's seeds
    kept_bytes = (kept / "point-5-quantiles.csv").read_bytes()
    write_point_quantiles(kept, 5)
    assert (kept / "point-5-quantiles.csv").read_bytes() == kept_bytes


def test_lhs_is_reproducible_and_within_bounds(sweep_file):
    sweep = load_sweep(sweep_file(design="lhs"))
    points = sweep.points()
    assert len(points) == 2 * 3 and points == load_sweep(sweep_file(design="lhs")).points()
    assert all(0.0 <= p["perception_error"] <= 0.2 and 0.0 <= p["UK.crisis_rate"] <= 2.0 for p in points)


def test_same_tables_whatever_workers_or_block(sweep_file, tmp_path):
    path = sweep_file()
    serial = run_sweep(path, tmp_path / "a", workers=1, block=6)["folder"]
    pooled = run_sweep(path, tmp_path / "b", workers=2, block=4)["folder"]
    small = run_sweep(path, tmp_path / "c", workers=2, block=1)["folder"]
    same_tables(serial, pooled)
    same_tables(serial, small)


def test_same_tables_on_a_local_dask_cluster(sweep_file, tmp_path):
    distributed = pytest.importorskip("distributed")
    path = sweep_file()
    serial = run_sweep(path, tmp_path / "a", workers=1)["folder"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        report = run_sweep(path, tmp_path / "d", scheduler=cluster.scheduler_address)
    assert report["new"] == 48
    same_tables(serial, report["folder"])


def test_a_killed_sweep_resumes_to_the_same_tables(sweep_file, tmp_path):
    path = sweep_file(replicates=40)
    whole = run_sweep(path, tmp_path / "whole", workers=1, block=5)["folder"]
    command = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(path),
        "--results",
        str(tmp_path / "killed"),
        "--workers",
        "1",
        "--block",
        "5",
        "--quiet",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = tmp_path / "killed" / "toy_sweep" / whole.name / "runs"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("part-*.parquet"))) < 5:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = len(list(parts.glob("part-*.parquet")))
    assert 5 <= stored < 64, "the sweep should have been stopped midway"
    report = run_sweep(path, tmp_path / "killed", workers=1, block=5)
    assert report["new"] == (64 - stored) * 5
    same_tables(whole, report["folder"])
    runs = read_runs(report["folder"])
    assert len(set(zip(runs["point"], runs["replicate"], strict=True))) == len(runs["point"]) == 320


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(sweep_file, tmp_path, monkeypatch):
    import sim.experiments.sweep

    original = sim.experiments.sweep.simulate_outcomes
    bad = {}

    def flaky(scenario, plan, keys):
        bad.setdefault("key", int(keys[-1]))
        if bad["key"] in [int(k) for k in keys]:
            raise RuntimeError("boom")
        return original(scenario, plan, keys)

    monkeypatch.setattr(sim.experiments.sweep, "simulate_outcomes", flaky)
    outcome = CliRunner().invoke(
        cli, ["sweep", str(sweep_file()), "--results", str(tmp_path), "--workers", "1", "--quiet"]
    )
    assert outcome.exit_code == 1
    assert "8 runs failed" in outcome.stderr  # the bad seed is replicate 5 of each of the 8 points
    runs = read_runs(next((tmp_path / "toy_sweep").iterdir()))
    failed = runs["error"] != ""
    assert failed.sum() == 8 and all(e.startswith("RuntimeError: boom") for e in runs["error"][failed])
    assert not np.isnan(runs["hostile_measures"][~failed].astype(float)).any()


def test_bad_sweep_files(tmp_path, sweep_file):
    path = sweep_file()
    good = path.read_text()
    for change, message in [
        (
            good.replace('kind = "grid"', 'kind = "random"'),
            "design.kind (line 11): unknown value 'random' (allowed: grid, lhs)",
        ),
        (
            good.replace('"UK.policy" = ["grit"]', '"UK.policy" = ["gritty"]'),
            "levers.UK.policy[0] (line 16): unknown policy 'gritty'",
        ),
        (
            good.replace("high = 0.2", "high = 1.5"),
            "uncertainties.perception_error.high (line 19): 1.5 is out of range (allowed: 0.0 to 1.0)",
        ),
        (good.replace('scenario = "toy.toml"', 'scenario = "nope.toml"'), "sweep.scenario (line 4): no scenario file"),
        (good + "\n[extra]\n", "extra (line 22): unknown key (allowed: sweep, design, levers, uncertainties, post"),
        (
            good.replace('kind = "grid"', 'kind = "grid"\nsamples = 4'),
            "design.samples (line 12): a grid takes no samples",
        ),
        (
            good.replace('"UK.policy" = ["grit"]', '"UK.policy" = ["grit"]\n"UK.crisis_rate" = [1.0]'),
            "uncertainties.UK.crisis_rate (line 21): 'UK.crisis_rate' and 'UK.crisis_rate' both set",
        ),
        (
            good.replace('"UK.policy" = ["grit"]', '"UK.policy" = ["grit"]\n"CN.perception_error" = [0.5]'),
            "uncertainties.perception_error (line 20): 'CN.perception_error' and 'perception_error' both set",
        ),
        (
            good.replace('mode = "behavioural"', 'mode = "project"'),
            "sweep.from (line 2): missing required key: project mode replays",
        ),
    ]:
        path.write_text(change)
        outcome = CliRunner().invoke(cli, ["sweep", str(path), "--results", str(tmp_path / "r"), "--quiet"])
        assert outcome.exit_code == 2 and message in outcome.stderr, outcome.stderr
        assert "\n" not in outcome.stderr.strip()


def test_a_folder_is_only_resumed_by_the_same_sweep(sweep_file, tmp_path):
    path = sweep_file()
    run_sweep(path, tmp_path, workers=1, sweep_folder="same")
    path.write_text(path.read_text().replace("seed = 11", "seed = 12"))
    outcome = CliRunner().invoke(cli, ["sweep", str(path), "--results", str(tmp_path), "--id", "same", "--quiet"])
    assert outcome.exit_code == 2 and "holds a sweep with different sweep_sha256, seed" in outcome.stderr
    outcome = CliRunner().invoke(
        cli, ["sweep", str(path), "--results", str(tmp_path), "--id", "other", "--block", "2", "--quiet"]
    )
    assert outcome.exit_code == 0
    outcome = CliRunner().invoke(
        cli, ["sweep", str(path), "--results", str(tmp_path), "--id", "other", "--block", "3", "--quiet"]
    )
    assert outcome.exit_code == 2 and "different block" in outcome.stderr


def test_plot_refuses_a_changed_sweep_file_and_an_unfinished_folder(sweep_file, tmp_path):
    path = sweep_file()
    folder = run_sweep(path, tmp_path, workers=1)["folder"]
    outcome = CliRunner().invoke(cli, ["plot", str(folder), "--x", "perception_error", "--y", "UK.crisis_rate"])
    assert outcome.exit_code == 0, outcome.output
    assert (folder / "heatmap-restored_half-perception_error-UK.crisis_rate.png").is_file()
    outcome = CliRunner().invoke(cli, ["plot", str(folder), "--x", "perception_error", "--y", "perception_error"])
    assert outcome.exit_code == 2 and "both 'perception_error'" in outcome.stderr
    outcome = CliRunner().invoke(cli, ["plot", str(folder), "--x", "point"])
    assert outcome.exit_code == 2 and "'point' is not a lever or uncertainty" in outcome.stderr
    path.write_text(path.read_text().replace('["grit"]', '["restraint"]'))
    outcome = CliRunner().invoke(cli, ["plot", str(folder)])
    assert outcome.exit_code == 2 and "has changed since the sweep ran" in outcome.stderr
    (folder / "manifest.json").unlink()
    outcome = CliRunner().invoke(cli, ["plot", str(folder)])
    assert outcome.exit_code == 2 and "the sweep has not finished" in outcome.stderr


def test_bad_scheduler_addresses(sweep_file, tmp_path):
    pytest.importorskip("distributed")
    outcome = CliRunner().invoke(cli, ["sweep", str(sweep_file()), "--results", str(tmp_path), "--scheduler", "foo"])
    assert outcome.exit_code == 2 and "'foo' is not an address" in outcome.stderr
    assert not (tmp_path / "toy_sweep").exists()
