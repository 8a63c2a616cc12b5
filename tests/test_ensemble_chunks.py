"""An ensemble's files are the same whatever its chunks and however many processes simulate them."""

from __future__ import annotations

import os
import time

import pytest

from sim.experiments.run import RunOptions, run_scenario

FILES = ("trajectories.csv", "events.csv", "runs.csv", "quantiles.csv")


@pytest.mark.parametrize("keep", ["all", "summary"])
def test_chunks_and_workers_change_no_file(toy_file, tmp_path, keep):
    path = toy_file()
    choices = dict(
        mode="behavioural",
        replicates=9,
        seed=3,
        keep=keep,
        overrides=[("CN", "perception_error", 0.3), ("UK", "execution_error", 0.2), ("CN", "crisis_rate", 2.0)],
    )
    whole = run_scenario(path, tmp_path, RunOptions(run_id="whole", **choices))
    parted = run_scenario(path, tmp_path, RunOptions(run_id="parted", chunk_runs=2, workers=2, **choices))
    assert parted.manifest["chunk_runs"] == 2 and whole.manifest["chunk_runs"] >= 9
    written = [name for name in FILES if (whole.folder / name).exists()]
    assert written == (list(FILES) if keep == "all" else ["runs.csv", "quantiles.csv"])
    for name in written:
        assert (parted.folder / name).read_bytes() == (whole.folder / name).read_bytes(), name


def test_workers_split_an_ensemble_into_a_chunk_each_at_least(toy_file, tmp_path):
    options = RunOptions(mode="behavioural", replicates=5, keep="summary", workers=2, run_id="two")
    assert run_scenario(toy_file(), tmp_path, options).manifest["chunk_runs"] == 3


def test_workers_must_be_a_number_of_processes(toy_file, tmp_path):
    from sim.experiments.choices import PlanError

    with pytest.raises(PlanError, match="--workers: 0"):
        run_scenario(toy_file(), tmp_path, RunOptions(replicates=2, workers=0))


def dies(scenario, plan, keys, log_events=True):
    os._exit(1)  # a worker killed while it simulates a chunk


def test_workers_that_keep_dying_are_one_line_about_the_run(toy_file, monkeypatch):
    from sim.engines.plan import replay_plan
    from sim.errors import SimError
    from sim.experiments import executors
    from sim.experiments.chunks import ChunkSimulation, simulated
    from sim.files.scenario_file import load_scenario

    monkeypatch.setattr(executors, "POOL_RESTARTS", 1)
    scenario = load_scenario(toy_file())
    chunks = ChunkSimulation(dies, scenario, replay_plan(scenario), root_seed=1)
    with pytest.raises(SimError, match=r"--workers: worker processes died more than 1 times .*nothing was written"):
        list(simulated(chunks, runs=4, chunk_runs=1, workers=2))


def slow_first(first, count):
    if first == 0:
        time.sleep(0.5)  # the chunk the others must wait for before they are written
    return first, count


def test_chunks_finished_ahead_of_the_one_awaited_are_bounded():
    from sim.experiments.chunks import Ordered, chunk_tasks
    from sim.experiments.executors import AHEAD_PER_WORKER, PoolExecutor

    order, handed, most = Ordered(1), [], 0
    executor = PoolExecutor(2)
    try:
        for first, count in executor.map(chunk_tasks(12, 1), slow_first, held=order.held):
            order.put(first, count)
            most = max(most, order.held())
            handed += [first for first, _ in order.ready()]
    finally:
        executor.close()
    assert handed == list(range(12))
    # without the bound, the eleven fast chunks would all wait for the slow first one
    assert 1 <= most <= AHEAD_PER_WORKER * 2 == 4


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(run_index=2, replicates=3), "--run-index re-runs one run"),
        (dict(run_index=2, run_seed=5), "--run-index re-runs one run"),
        (dict(run_index=10**6), "--run-index: 1000000 is not a run of an ensemble (allowed: 0 to 999,999)"),
    ],
)
def test_run_index_is_one_run_of_an_ensemble(toy_file, tmp_path, options, message):
    from sim.experiments.choices import PlanError

    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_scenario(toy_file(), tmp_path, RunOptions(**options))


def test_the_command_line_re_runs_one_run_of_an_ensemble_by_its_index(toy_file, tmp_path):
    import json

    from click.testing import CliRunner

    from sim.cli import cli
    from tests.conftest import read_csv

    path = toy_file()
    common = [str(path), "--results", str(tmp_path), "--mode", "behavioural", "--seed", "7", "--no-plot"]
    common += ["--set", "CN.perception_error=0.3"]
    runner = CliRunner()
    whole = runner.invoke(cli, ["run", *common, "-n", "6", "--keep", "summary", "--run-id", "whole"])
    assert whole.exit_code == 0, whole.output
    folder = tmp_path / path.stem
    rows = [row for row in read_csv(folder / "whole" / "runs.csv") if row["run"] == "4"]
    alone = runner.invoke(cli, ["run", *common, "--run-index", "4", "--run-id", "alone"])
    assert alone.exit_code == 0, alone.output
    manifest = json.loads((folder / "alone" / "manifest.json").read_text())
    assert manifest["run_index"] == 4 and manifest["run_seed"] == rows[0]["seed"]
    # the run alone ends where run 4 of the ensemble ended, on both sides
    last = read_csv(folder / "alone" / "trajectories.csv")[-2:]
    assert {row["side"]: row["staff_total"] for row in last} == {row["side"]: row["staff_end"] for row in rows}
    wrong = runner.invoke(cli, ["run", *common, "--run-index", "4", "-n", "3", "--run-id", "wrong"])
    assert wrong.exit_code == 2 and "--run-index re-runs one run" in wrong.output
    assert not (folder / "wrong").exists()


def test_a_summary_is_simulated_in_larger_chunks_by_default(toy_file, tmp_path):
    path = toy_file()
    made = {
        keep: run_scenario(path, tmp_path, RunOptions(mode="behavioural", replicates=3, keep=keep, run_id=keep))
        for keep in ("summary", "all")
    }
    assert {keep: result.manifest["chunk_runs"] for keep, result in made.items()} == {"summary": 25_000, "all": 10_000}
