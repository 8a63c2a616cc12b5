"""Result files are written safely: never through a planted link, never half-written, never into
a file where a folder belongs; paths a manifest names are not followed out of the folder; a
full or read-only disk, a directory given as a file and a busy folder are one line and exit 2;
what a killed run leaves behind is cleaned by the next one."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import ROOT, TOY

pytest.importorskip("pyarrow")


def one_line_error(outcome, *parts: str) -> str:
    assert outcome.exit_code == 2, outcome.output
    message = outcome.stderr.strip()
    assert "\n" not in message and message.startswith("Error: "), message
    assert "internal error" not in message and "Traceback" not in outcome.output
    for part in parts:
        assert part in message, (part, message)
    return message


@pytest.fixture
def run_folder(replay_2022, tmp_path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(replay_2022, copy)
    return copy


def test_plot_writes_nothing_through_a_planted_temporary_link(run_folder, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in (".staff.png.tmp.png", ".manifest.json.tmp"):  # the temporary names tft used to write
        (run_folder / name).symlink_to(victim)
    outcome = CliRunner().invoke(cli, ["plot", str(run_folder)])
    assert outcome.exit_code == 0, outcome.output
    assert victim.read_text() == "precious"
    assert (run_folder / "staff.png").read_bytes()[:4] == b"\x89PNG" and not (run_folder / "staff.png").is_symlink()


@pytest.mark.parametrize("target", ["staff.png", "manifest.json"])
def test_plot_refuses_a_symlinked_output(run_folder, tmp_path, target):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    if target == "manifest.json":  # the manifest is read through the link, then would be rewritten
        manifest = json.loads((run_folder / "manifest.json").read_text())
        manifest["files"].remove("staff.png")  # so that drawing it rewrites the manifest
        victim.write_text(json.dumps(manifest))
        before = victim.read_text()
    else:
        before = "precious"
    (run_folder / target).unlink(missing_ok=True)
    (run_folder / target).symlink_to(victim)
    outcome = CliRunner().invoke(cli, ["plot", str(run_folder)])
    one_line_error(outcome, target, "is a symbolic link")
    assert victim.read_text() == before


def test_plot_refuses_a_symlinked_folder(run_folder, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(run_folder)
    one_line_error(CliRunner().invoke(cli, ["plot", str(link)]), "is a symbolic link")


def test_run_refuses_a_symlinked_result_folder(toy_file, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    results = tmp_path / "results"
    results.mkdir()
    (results / "toy").symlink_to(elsewhere)
    outcome = CliRunner().invoke(cli, ["run", str(toy_file()), "--results", str(results), "--no-plot"])
    one_line_error(outcome, str(results / "toy"), "is a symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_results_scenario_existing_as_a_file(toy_file, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "toy").write_text("not a folder")
    outcome = CliRunner().invoke(cli, ["run", str(toy_file()), "--results", str(results)])
    one_line_error(outcome, str(results / "toy"), "exists and is not a folder")


def test_a_directory_given_as_a_file(tmp_path, toy_file):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    for command in (
        ["run", str(folder)],
        ["validate", str(folder)],
        ["sweep", str(folder)],
        ["calibrate", str(folder)],
        ["run", str(toy_file()), "--mode", "behavioural", "--params", str(folder)],
    ):
        outcome = CliRunner().invoke(
            cli, [*command, "--results", str(tmp_path / "r")] if command[0] != "validate" else command
        )
        one_line_error(outcome, "folder.toml", "is a directory")
    outcome = CliRunner().invoke(cli, ["plot", str(toy_file())])
    one_line_error(outcome, "toy.toml", "is a file")


def test_a_read_only_disk_is_one_line(toy_file, tmp_path, monkeypatch):
    import sim.files.folders

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "results" / "toy"))

    monkeypatch.setattr(sim.files.folders.tempfile, "mkdtemp", read_only)
    outcome = CliRunner().invoke(cli, ["run", str(toy_file()), "--results", str(tmp_path / "results")])
    one_line_error(outcome, "the file system is read-only")
    assert not (tmp_path / "results" / "toy").exists()


def limited_disk(size: int):
    """In the child: files may not grow past `size` bytes, and a write past it fails with EFBIG
    instead of killing the process: a disk that fills up."""

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def test_a_full_disk_is_one_line_and_leaves_nothing(toy_file, tmp_path):
    results = tmp_path / "results"
    command = [sys.executable, "-m", "sim", "run", str(toy_file()), "--results", str(results), "--no-plot"]
    outcome = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, preexec_fn=limited_disk(500))
    assert outcome.returncode == 2, outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and "too large" in lines[0] and "Traceback" not in outcome.stderr, outcome.stderr
    assert not (results / "toy").exists()


def test_a_full_disk_while_writing_inputs_leaves_no_broken_inputs_file(sweep_folder_files, tmp_path):
    sweep_path = sweep_folder_files
    results = tmp_path / "results"
    command = [sys.executable, "-m", "sim", "sweep", str(sweep_path), "--results", str(results), "--workers", "1"]
    outcome = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, preexec_fn=limited_disk(100))
    assert outcome.returncode == 2 and len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    assert not list(results.rglob("inputs.json"))
    outcome = CliRunner().invoke(cli, ["sweep", str(sweep_path), "--results", str(results), "--workers", "1", "-q"])
    assert outcome.exit_code == 0, outcome.output


def test_a_broken_inputs_file_names_itself(sweep_folder_files, tmp_path):
    results = tmp_path / "results"
    arguments = ["sweep", str(sweep_folder_files), "--results", str(results), "--workers", "1", "-q", "--id", "s"]
    assert CliRunner().invoke(cli, arguments).exit_code == 0
    inputs = results / "mini" / "s" / "inputs.json"
    for broken in (b"", b'{"seed": ', b"[1, 2]", b"\xff\xfe"):
        inputs.write_bytes(broken)
        one_line_error(CliRunner().invoke(cli, arguments), str(inputs))


@pytest.fixture
def sweep_folder_files(tmp_path) -> Path:
    (tmp_path / "toy.toml").write_text(TOY, encoding="utf-8")
    path = tmp_path / "mini.toml"
    path.write_text(
        '[sweep]\nname = "mini"\nscenario = "toy.toml"\nmode = "behavioural"\nreplicates = 4\nseed = 3\n'
        '[levers]\n"CN.policy" = ["mirror", "grit"]\n',
        encoding="utf-8",
    )
    return path


def test_sweep_plot_refuses_a_manifest_path_to_a_device(sweep_folder_files, tmp_path):
    results = tmp_path / "results"
    arguments = ["sweep", str(sweep_folder_files), "--results", str(results), "--workers", "1", "-q", "--id", "s"]
    assert CliRunner().invoke(cli, arguments).exit_code == 0
    folder = results / "mini" / "s"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sweep"]["path"] = "/dev/zero"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    started = time.perf_counter()
    one_line_error(CliRunner().invoke(cli, ["plot", str(folder)]), "cannot be read")
    assert time.perf_counter() - started < 30


def test_sweep_plot_reads_parameters_only_from_its_folder(sweep_folder_files, tmp_path):
    results = tmp_path / "results"
    arguments = ["sweep", str(sweep_folder_files), "--results", str(results), "--workers", "1", "-q", "--id", "s"]
    assert CliRunner().invoke(cli, arguments).exit_code == 0
    folder = results / "mini" / "s"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["params"] = "/dev/zero"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    one_line_error(CliRunner().invoke(cli, ["plot", str(folder), "--point", "0"]), "params")


def test_sweep_plot_refuses_symlinked_figures(sweep_folder_files, tmp_path):
    results = tmp_path / "results"
    arguments = ["sweep", str(sweep_folder_files), "--results", str(results), "--workers", "1", "-q", "--id", "s"]
    assert CliRunner().invoke(cli, arguments).exit_code == 0
    folder = results / "mini" / "s"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / "robustness.png").symlink_to(victim)
    one_line_error(CliRunner().invoke(cli, ["plot", str(folder)]), "robustness.png", "is a symbolic link")
    assert victim.read_text() == "precious"


def test_a_run_finishing_under_the_same_id_meanwhile_is_kept(toy_file, tmp_path, monkeypatch):
    """Two runs with one --run-id (or default ids in the same second): both results are kept."""
    import sim.experiments.run
    from sim.experiments.run import RunOptions, run_scenario

    original = sim.experiments.run.observation_rows

    def meanwhile(scenario):
        other = tmp_path / "results" / "toy" / "same"
        other.mkdir(parents=True, exist_ok=True)
        (other / "manifest.json").write_text("{}")  # another run renamed its folder into place
        return original(scenario)

    monkeypatch.setattr(sim.experiments.run, "observation_rows", meanwhile)
    folder = run_scenario(toy_file(), tmp_path / "results", RunOptions(run_id="same")).folder
    assert folder.name == "same-2" and (folder / "trajectories.csv").is_file()
    assert (tmp_path / "results" / "toy" / "same" / "manifest.json").read_text() == "{}"


def test_parallel_runs_with_default_ids_all_finish(toy_file, tmp_path):
    results = tmp_path / "results"
    command = [sys.executable, "-m", "sim", "run", str(toy_file()), "--results", str(results), "--no-plot"]
    processes = [subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read()
    folders = sorted((results / "toy").iterdir())
    assert len(folders) == 4 and all((f / "manifest.json").is_file() for f in folders)


def test_a_busy_sweep_folder_is_one_line(sweep_folder_files, tmp_path):
    import fcntl

    results = tmp_path / "results"
    folder = results / "mini" / "s"
    folder.mkdir(parents=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        outcome = CliRunner().invoke(
            cli, ["sweep", str(sweep_folder_files), "--results", str(results), "--workers", "1", "-q", "--id", "s"]
        )
        one_line_error(outcome, str(folder), "busy")
    assert not (folder / "runs").exists()


def test_leftovers_of_killed_runs_are_removed_by_the_next(toy_file, tmp_path):
    results = tmp_path / "results"
    dead = 2**22 + 1  # above Linux's largest process id: no such process
    stale = results / "toy" / f".old.tmp-{dead}"
    stale.mkdir(parents=True)
    (stale / "trajectories.csv").write_text("half")
    lonely = results / "other" / f".x.tmp-{dead}-abc"
    lonely.mkdir(parents=True)
    alive = results / "toy" / f".busy.tmp-{os.getpid()}"
    alive.mkdir()
    assert CliRunner().invoke(cli, ["run", str(toy_file()), "--results", str(results), "--no-plot"]).exit_code == 0
    assert not stale.exists() and not (results / "other").exists()
    assert alive.exists()


def test_a_run_killed_midway_leaves_nothing_after_the_next(toy_file, tmp_path):
    results = tmp_path / "results"
    command = [sys.executable, "-m", "sim", "run", str(toy_file()), "--results", str(results), "--no-plot"]
    command += ["--mode", "behavioural", "-n", "20000", "--until", "2060-12", "--keep", "all"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list((results / "toy").glob(".*.tmp-*")):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert list((results / "toy").glob(".*.tmp-*")), "the run should have been killed while writing"
    outcome = CliRunner().invoke(cli, ["run", str(toy_file()), "--results", str(results), "--no-plot"])
    assert outcome.exit_code == 0
    assert [p.name for p in (results / "toy").iterdir() if p.name.startswith(".")] == []


def test_plot_of_a_sweep_folder_being_written_is_one_line(sweep_folder_files, tmp_path):
    import fcntl

    results = tmp_path / "results"
    arguments = ["sweep", str(sweep_folder_files), "--results", str(results), "--workers", "1", "-q", "--id", "s"]
    assert CliRunner().invoke(cli, arguments).exit_code == 0
    folder = results / "mini" / "s"
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as a sweep resuming this folder holds it
        one_line_error(CliRunner().invoke(cli, ["plot", str(folder)]), "busy")
    assert CliRunner().invoke(cli, ["plot", str(folder)]).exit_code == 0


def test_devices_and_pipes_are_not_read_as_input(tmp_path, toy_file):
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    scenario = str(toy_file())
    for path in ("/dev/zero", str(pipe)):
        for command in (
            ["run", path],
            ["validate", path],
            ["sweep", path],
            ["calibrate", path],
            ["run", scenario, "--mode", "behavioural", "--params", path],
        ):
            started = time.perf_counter()
            outcome = CliRunner().invoke(cli, command)
            assert time.perf_counter() - started < 20
            one_line_error(outcome, path, "not a regular file")
