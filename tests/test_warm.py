"""Compiling the rules once in a process of its own before local workers start (sim.experiments.warm)."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import pytest

from tests.conftest import ROOT

pytest.importorskip("numba")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache of compiled rules, and the folder the rules are compiled into within it."""
    from sim.rules.compiled import cache_folder

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TFT_JIT", raising=False)
    return cache_folder()


def test_a_warm_up_runs_once_and_marks_the_cache_complete(cache):
    from sim.experiments.warm import COMPLETE, compiled_before

    assert not (cache / COMPLETE).exists()
    assert compiled_before(import_module, ("numba",)) is True  # a unit of work that loads numba
    assert (cache / COMPLETE).is_file() and (cache / COMPLETE).stat().st_size == 0
    assert compiled_before(import_module, ("numba",)) is False  # complete: nothing to do


def test_a_warm_up_that_compiled_nothing_marks_nothing(cache):
    from sim.experiments.warm import COMPLETE, compiled_before

    assert compiled_before(len, ((1, 2),)) is False  # numba never loaded: the rules ran as Python
    assert not (cache / COMPLETE).exists()


def test_a_failed_warm_up_leaves_the_cache_unmarked(cache):
    from sim.experiments.warm import COMPLETE, compiled_before

    assert compiled_before(int, ("not a number",)) is False  # raises in the warm-up's process
    assert not (cache / COMPLETE).exists()
    assert compiled_before(import_module, ("numba",)) is True  # so the next ensemble tries again


def test_a_warm_up_that_cannot_start_is_passed_over(cache, monkeypatch):
    from sim.experiments.warm import COMPLETE, compiled_before

    monkeypatch.setattr(sys, "executable", str(cache / "no-such-python"))
    assert compiled_before(import_module, ("numba",)) is False
    assert not (cache / COMPLETE).exists()


def test_the_warm_up_never_imports_a_sim_in_the_working_folder(cache, tmp_path, monkeypatch):
    from sim.experiments.warm import compiled_before

    planted = tmp_path / "here" / "sim"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path / "here")
    assert compiled_before(import_module, ("numba",)) is True
    assert not (tmp_path / "ran").exists()


def test_the_marker_is_not_written_through_a_planted_link(cache, tmp_path):
    from sim.experiments.warm import COMPLETE, compiled_before

    target = tmp_path / "elsewhere"
    (cache / COMPLETE).symlink_to(target)
    assert compiled_before(import_module, ("numba",)) is False  # something is there: taken as complete
    assert not target.exists()
    assert (cache / COMPLETE).is_symlink()


def test_naming_the_cache_folder_does_not_load_numba():
    """The parent of a pool names the folder; were numba loaded there, the workers it forks would
    run single runs (the Mesa driver) compiled instead of as Python."""
    code = "import sys; from sim.rules.compiled import cache_folder; cache_folder(); print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


def test_only_chunks_of_the_batched_engine_are_warmed_up(toy_file):
    from functools import partial

    from sim.engines.drivers import simulate_batch, simulate_mesa
    from sim.engines.plan import replay_plan
    from sim.experiments.chunks import ChunkSimulation
    from sim.files.scenario_file import load_scenario

    scenario = load_scenario(toy_file())
    plan = replay_plan(scenario)
    assert ChunkSimulation(partial(simulate_batch, columns=None), scenario, plan, 1).compiles
    assert not ChunkSimulation(simulate_mesa, scenario, plan, 1).compiles


def test_no_warm_up_where_the_rules_run_as_python(cache, monkeypatch):
    from sim.experiments.warm import COMPLETE, compiled_before

    monkeypatch.setenv("TFT_JIT", "0")
    assert compiled_before(len, ((1, 2),)) is False
    assert not (cache / COMPLETE).exists()


@pytest.mark.slow
def test_ensembles_compile_first_and_give_the_same_files_on_one_or_two_workers(cache, tmp_path, toy_file):
    from sim.experiments import warm
    from sim.experiments.run import RunOptions, run_scenario

    path = toy_file()
    choices = dict(mode="behavioural", replicates=6, keep="all", overrides=[("CN", "perception_error", 0.3)])
    one = run_scenario(path, tmp_path, RunOptions(run_id="one", **choices))
    assert (cache / warm.COMPLETE).is_file()  # one process too: its own memory stays that of the simulation
    (cache / warm.COMPLETE).unlink()
    two = run_scenario(path, tmp_path, RunOptions(run_id="two", chunk_runs=2, workers=2, **choices))
    assert (cache / warm.COMPLETE).is_file()
    for name in ("trajectories.csv", "events.csv", "runs.csv"):
        assert (two.folder / name).read_bytes() == (one.folder / name).read_bytes(), name
