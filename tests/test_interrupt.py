"""Ctrl-C: `run`, `sweep` and `calibrate` all stop with one line on stderr and exit status 130
(128 + SIGINT), their workers quietly too, and leave nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_workers import wait_for, workers_of, write_sweep

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")


def _answer_ctrl_c() -> None:
    # A shell that starts the suite in the background (`pytest &`) ignores SIGINT, and a child
    # inherits that; Python then never turns Ctrl-C into KeyboardInterrupt. A terminal's command
    # hears it, so the command under test must too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(command: list[str], ready) -> tuple[int, list[str]]:
    """Start `command` in its own process group, wait until `ready(process)`, then press Ctrl-C
    (SIGINT to the whole group, as a terminal does)."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_answer_ctrl_c,
    )
    try:
        wait_for(lambda: ready(process))
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, err.strip().splitlines()


def test_ctrl_c_stops_a_run_with_one_line(tmp_path):
    path = write_sweep(tmp_path).parent / "toy.toml"
    results = tmp_path / "r"
    command = [sys.executable, "-m", "sim", "run", str(path), "--results", str(results), "--no-plot"]
    command += ["--mode", "behavioural", "-n", "20000", "--until", "2060-12", "--keep", "all"]
    code, lines = interrupt(command, lambda p: list((results / "toy").glob(".*.tmp-*")))
    assert code == 130 and lines == ["interrupted: nothing was written"], lines
    assert not (results / "toy").exists()


def test_ctrl_c_stops_a_sweep_and_its_workers_with_one_line(tmp_path):
    path = write_sweep(tmp_path, replicates=400, until="2040-12")
    results = tmp_path / "r"
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--results", str(results), "--workers", "2", "-q"]
    command += ["--block", "5"]
    code, lines = interrupt(command, lambda p: list(results.glob("pool/*/runs/part-*.parquet")))
    assert code == 130, lines
    assert lines == ["interrupted: finished parts are kept; run the same command again to resume"], lines


def test_ctrl_c_stops_a_calibration_and_its_workers_with_one_line(tmp_path):
    path = write_sweep(tmp_path).parent / "toy.toml"
    command = [sys.executable, "-m", "sim", "calibrate", str(path), "--results", str(tmp_path / "r")]
    command += ["--workers", "2", "--screen", "400", "-q"]
    code, lines = interrupt(command, lambda p: len(workers_of(p)) >= 2)
    assert code == 130 and lines == ["interrupted: nothing was written"], lines
    assert not (tmp_path / "r").exists()
