"""Compiling the rules once in a process of its own before local workers start (sim.experiments.warm)."""

from __future__ import annotations

import pytest

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
    assert compiled_before(len, ((1, 2),)) is True
    assert (cache / COMPLETE).is_file() and (cache / COMPLETE).stat().st_size == 0
    assert compiled_before(len, ((1, 2),)) is False  # complete: nothing to do


def test_a_failed_warm_up_leaves_the_cache_unmarked(cache):
    from sim.experiments.warm import COMPLETE, compiled_before

    assert compiled_before(int, ("not a number",)) is False  # raises in the warm-up's process
    assert not (cache / COMPLETE).exists()
    assert compiled_before(len, ((1, 2),)) is True  # so the next ensemble tries again


def test_the_marker_is_not_written_through_a_planted_link(cache, tmp_path):
    from sim.experiments.warm import COMPLETE, compiled_before

    target = tmp_path / "elsewhere"
    (cache / COMPLETE).symlink_to(target)
    compiled_before(len, ((1, 2),))
    assert not target.exists()
    assert (cache / COMPLETE).is_symlink()


def test_no_warm_up_where_the_rules_run_as_python(cache, monkeypatch):
    from sim.experiments.warm import COMPLETE, compiled_before

    monkeypatch.setenv("TFT_JIT", "0")
    assert compiled_before(len, ((1, 2),)) is False
    assert not (cache / COMPLETE).exists()


@pytest.mark.slow
def test_an_ensemble_on_two_workers_compiles_first_and_gives_what_one_process_gives(cache, tmp_path, toy_file):
    from sim.experiments.run import RunOptions, run_scenario
    from sim.experiments.warm import COMPLETE

    path = toy_file()
    choices = dict(mode="behavioural", replicates=6, keep="all", overrides=[("CN", "perception_error", 0.3)])
    one = run_scenario(path, tmp_path, RunOptions(run_id="one", **choices))
    assert not (cache / COMPLETE).exists()  # one process compiles for itself
    two = run_scenario(path, tmp_path, RunOptions(run_id="two", chunk_runs=2, workers=2, **choices))
    assert (cache / COMPLETE).is_file()
    for name in ("trajectories.csv", "events.csv", "runs.csv"):
        assert (two.folder / name).read_bytes() == (one.folder / name).read_bytes(), name
