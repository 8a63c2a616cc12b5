"""The local pool: its workers end with the process that started them, even after kill -9; a
worker that dies costs only a retry of its units; runs made to fail (TFT_FAIL_RUNS, a testing
aid) are recorded and the sweep finishes; damaged or foreign parts are redone on resume."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.sweep import run_sweep
from sim.files.sweep_store import read_runs
from tests.conftest import ROOT, TOY, event

pytest.importorskip("pyarrow")
pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")

SWEEP = """
[sweep]
name = "pool"
scenario = "toy.toml"
mode = "behavioural"
until = "{until}"
replicates = {replicates}
seed = 5

[levers]
"CN.policy" = ["mirror", "grit"]

[uncertainties]
perception_error = {{ low = 0.0, high = 0.2, points = 2 }}
"""


def write_sweep(folder: Path, replicates: int = 8, until: str = "2021-12") -> Path:
    extra = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-5.0)
    (folder / "toy.toml").write_text(TOY + extra, encoding="utf-8")
    path = folder / "pool.toml"
    path.write_text(SWEEP.format(replicates=replicates, until=until), encoding="utf-8")
    return path


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent's wait is missing


def wait_for(condition, seconds: float = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def sweep_command(path: Path, results: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "sweep", str(path), "--results", str(results), "--quiet", *extra]


def workers_of(process) -> set[int]:
    return {p for p in descendants(process.pid) if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()}


@pytest.mark.parametrize("command", ["sweep", "calibrate"])
def test_workers_end_with_their_parent_after_kill_9(tmp_path, command):
    path = write_sweep(tmp_path, replicates=400, until="2040-12")
    if command == "sweep":
        arguments = sweep_command(path, tmp_path / "r", "--workers", "2", "--block", "5")
    else:
        arguments = [sys.executable, "-m", "sim", "calibrate", str(tmp_path / "toy.toml"), "--workers", "2"]
        arguments += ["--results", str(tmp_path / "r"), "--screen", "400", "-q"]
    process = subprocess.Popen(arguments, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(workers_of(process)) >= 2)
        time.sleep(1)
        children = descendants(process.pid)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    wait_for(lambda: not any(alive(p) for p in children), seconds=20)


@pytest.mark.slow
def test_a_dead_worker_costs_a_retry_not_the_sweep(tmp_path):
    path = write_sweep(tmp_path, replicates=40, until="2028-12")
    whole = run_sweep(path, tmp_path / "whole", workers=1, block=5)["folder"]
    arguments = sweep_command(path, tmp_path / "r", "--workers", "2", "--block", "5")
    process = subprocess.Popen(arguments, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parts = tmp_path / "r" / "pool" / whole.name / "runs"
    wait_for(lambda: len(list(parts.glob("part-*.parquet"))) >= 2)
    victim = min(workers_of(process))
    os.kill(victim, signal.SIGKILL)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "a worker process died; running its" in err and "Traceback" not in err, err
    runs_a, runs_b = read_runs(whole), read_runs(parts.parent)
    for name in runs_a:
        np.testing.assert_array_equal(runs_a[name], runs_b[name], err_msg=name)
    assert (whole / "summary.csv").read_bytes() == (parts.parent / "summary.csv").read_bytes()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_runs_made_to_fail_are_recorded_and_the_sweep_finishes(tmp_path, workers):
    path = write_sweep(tmp_path)
    clean = run_sweep(path, tmp_path / "clean", workers=1, block=3)["folder"]
    arguments = ["sweep", str(path), "--results", str(tmp_path / "r"), "--workers", workers, "--block", "3", "-q"]
    outcome = CliRunner().invoke(cli, arguments, env={"TFT_FAIL_RUNS": "0:1, 3:7"})
    assert outcome.exit_code == 1 and "2 runs failed" in outcome.stderr, outcome.output
    runs, expected = read_runs(tmp_path / "r" / "pool" / clean.name), read_runs(clean)
    failed = runs["error"] != ""
    assert [(int(p), int(r)) for p, r in zip(runs["point"][failed], runs["replicate"][failed], strict=True)] == [
        (0, 1),
        (3, 7),
    ]
    assert all("made to fail by TFT_FAIL_RUNS" in e for e in runs["error"][failed])
    for name in ("months_to_half", "hostile_measures", "seed"):
        np.testing.assert_array_equal(runs[name][~failed], expected[name][~failed])


def test_a_mistyped_failure_hook_is_one_line(tmp_path):
    outcome = CliRunner().invoke(
        cli, ["sweep", str(write_sweep(tmp_path)), "--results", str(tmp_path)], env={"TFT_FAIL_RUNS": "zero"}
    )
    assert outcome.exit_code == 2 and "TFT_FAIL_RUNS: 'zero' is not POINT:REPLICATE" in outcome.stderr


@pytest.fixture
def finished(tmp_path) -> tuple[Path, Path]:
    path = write_sweep(tmp_path)
    folder = run_sweep(path, tmp_path / "r", workers=1, block=4, sweep_folder="s")["folder"]
    reference = tmp_path / "reference"
    shutil.copytree(folder, reference)
    return path, folder


def resume(path: Path, folder: Path):
    arguments = ["sweep", str(path), "--results", str(folder.parent.parent), "--id", "s", "--workers", "1"]
    return CliRunner().invoke(cli, [*arguments, "--block", "4", "-q"])


def test_a_truncated_part_is_redone_on_resume(finished, tmp_path):
    path, folder = finished
    part = folder / "runs" / "part-000001-000004.parquet"
    part.write_bytes(part.read_bytes()[:100])
    outcome = resume(path, folder)
    assert outcome.exit_code == 0, outcome.output
    assert f"{part}: damaged, cannot be read" in outcome.stderr and "running it again" in outcome.stderr
    assert "1 this time" not in outcome.stdout and "4 this time" in outcome.stdout
    assert (folder / "summary.csv").read_bytes() == (tmp_path / "reference" / "summary.csv").read_bytes()


def test_a_foreign_part_is_redone_on_resume(finished, tmp_path):
    path, folder = finished
    other = write_sweep(tmp_path / "r")
    other.write_text(other.read_text().replace("seed = 5", "seed = 6"))
    foreign = run_sweep(other, tmp_path / "o", workers=1, block=4, sweep_folder="s")["folder"]
    shutil.copy(foreign / "runs" / "part-000000-000000.parquet", folder / "runs" / "part-000000-000000.parquet")
    outcome = resume(path, folder)
    assert outcome.exit_code == 0, outcome.output
    assert "belongs to another sweep" in outcome.stderr
    assert (folder / "summary.csv").read_bytes() == (tmp_path / "reference" / "summary.csv").read_bytes()


def test_a_part_with_altered_data_is_redone_and_refused_by_plot(finished, tmp_path):
    path, folder = finished
    part = folder / "runs" / "part-000002-000000.parquet"
    table = pq.read_table(part)
    altered = table.set_column(table.column_names.index("hostile_measures"), "hostile_measures", [[99.0] * 4])
    pq.write_table(altered.replace_schema_metadata(table.schema.metadata), part)
    outcome = CliRunner().invoke(cli, ["plot", str(folder)])
    assert outcome.exit_code == 2 and "do not match its checksum" in outcome.stderr, outcome.output
    assert "\n" not in outcome.stderr.strip()
    outcome = resume(path, folder)
    assert outcome.exit_code == 0 and "do not match its checksum" in outcome.stderr
    assert (folder / "summary.csv").read_bytes() == (tmp_path / "reference" / "summary.csv").read_bytes()


def test_parts_carry_the_identity_of_their_sweep(finished):
    _, folder = finished
    metadata = pq.read_schema(folder / "runs" / "part-000003-000004.parquet").metadata
    assert metadata[b"tft.point"] == b"3" and metadata[b"tft.first"] == b"4" and metadata[b"tft.count"] == b"4"
    assert len(metadata[b"tft.sweep"]) == 16 and len(metadata[b"tft.sha256"]) == 64
