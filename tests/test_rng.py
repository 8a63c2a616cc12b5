"""Run keys: the children of numpy's SeedSequence, bit for bit, made for a slice of runs at once."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules import rng
from sim.rules.rng import run_keys


def spawned(root_seed: int, first: int, runs: int) -> list[int]:
    """The statement of what a run key is: child i of SeedSequence(root_seed), its first 64 bits."""
    return [
        int(np.random.SeedSequence(root_seed, spawn_key=(i,)).generate_state(1, dtype=np.uint64)[0])
        for i in range(first, first + runs)
    ]


@pytest.mark.parametrize(
    "root_seed",
    # one to seven 32-bit words: the root pads to SeedSequence's pool of four, or runs past it
    [0, 1, 42, 20160101, 2**32 - 1, 2**32, 2**64 - 1, 2**96 + 5, 2**127 + 12345, 2**128 + 7, 2**200 + 99],
)
@pytest.mark.parametrize("first, runs", [(0, 40), (12_345, 5), (2**32 - 3, 6), (2**40, 3), (7, 1)])
@pytest.mark.parametrize("few", [0, rng.FEW_RUNS])  # 0: every batch of keys is hashed as arrays
def test_run_keys_are_seed_sequence_children(root_seed, first, runs, few, monkeypatch):
    # (2**32 - 3, 6) crosses from one-word to two-word spawn keys
    monkeypatch.setattr(rng, "FEW_RUNS", few)
    assert run_keys(root_seed, runs, first=first).tolist() == spawned(root_seed, first, runs)


def test_run_keys_of_a_numpy_integer_seed_and_known_values():
    assert run_keys(np.uint64(5), 2).tolist() == run_keys(5, 2).tolist() == spawned(5, 0, 2)
    assert run_keys(20160101, 3).dtype == np.uint64
    assert run_keys(7, 0).tolist() == []


def test_chunks_of_keys_join_into_the_whole():
    whole = run_keys(11, 1000)
    parts = np.concatenate([run_keys(11, 300, first=f)[: min(300, 1000 - f)] for f in range(0, 1000, 300)])
    assert parts.tolist() == whole.tolist()


@pytest.mark.parametrize("args", [(-1, 3, 0), (1, -3, 0), (1, 3, -1)])
def test_negative_seed_runs_or_first_run_are_refused(args):
    with pytest.raises(ValueError, match="non-negative"):
        run_keys(*args)


def test_an_ensemble_keeps_its_seeds_in_runs_csv_and_its_manifest_lists_none(toy_file, tmp_path):
    from sim.experiments import run as run_module
    from tests.conftest import read_csv

    options = dict(mode="behavioural", overrides=[("CN", "perception_error", 0.2)], keep="summary", seed=9)
    path = toy_file()
    manifests = []
    for runs in (3, 9):
        result = run_module.run_scenario(
            path, tmp_path, run_module.RunOptions(replicates=runs, chunk_runs=2, run_id=f"n{runs}", **options)
        )
        seeds = [row["seed"] for row in read_csv(result.folder / "runs.csv") if row["side"] == "CN"]
        assert seeds == [str(k) for k in run_keys(9, runs).tolist()]
        manifests.append({k: v for k, v in result.manifest.items() if k not in ("started", "finished")})
    small, large = manifests
    # nothing in the manifest grows with the runs: only the count differs
    assert {k for k in small if small[k] != large[k]} == {"runs"} and (small["runs"], large["runs"]) == (3, 9)
    assert "run_seeds" not in large and large["run_keys"] == run_module.RUN_KEYS
    assert large["run_seed"] is None and large["run_index"] is None
    one = run_module.run_scenario(path, tmp_path, run_module.RunOptions(run_id="one", **options))
    assert one.manifest["run_seed"] == str(run_keys(9, 1)[0]) and one.manifest["run_index"] is None
