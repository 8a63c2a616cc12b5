"""Sweep folders written by hand, with outcomes chosen so that every robust statement is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.files.results import write_csv, write_json
from sim.files.sweep_file import load_sweep
from sim.files.sweep_store import Block, sweep_identity, write_part
from sim.rules.rng import run_keys
from tests.conftest import TOY

SWEEP = """
[sweep]
name = "synthetic"
scenario = "toy.toml"
mode = "behavioural"
until = "2023-12"
replicates = 4
seed = 5

[design]
kind = "grid"

[levers]
"CN.policy" = ["mirror", "grit"]
"UK.policy" = ["mirror", "grit"]

[uncertainties]
perception_error = { low = 0.0, high = 0.2, points = 2 }
"UK.crisis_rate" = { low = 0.0, high = 2.0, points = 2 }
"""

MEMORY = (6.0, 12.0, 24.0, 36.0)  # the parameter replicate r drew, in the posterior folders


def outcomes(point: dict, posterior: bool) -> dict[str, np.ndarray]:
    """restored_half: mirror/mirror never; grit/mirror always but in 3 of 4 runs where
    perception_error is 0.2; mirror/grit in half the runs; grit/grit always. talks_hold: only
    grit/grit, and only where perception_error is 0 (with a posterior: where the drawn memory
    is under 24 months)."""
    pair = (point["CN.policy"], point["UK.policy"])
    noisy = point["perception_error"] > 0
    restored = {
        ("mirror", "mirror"): [0, 0, 0, 0],
        ("grit", "mirror"): [1, 0, 0, 0] if noisy else [1, 1, 1, 1],
        ("mirror", "grit"): [1, 0, 1, 0],
        ("grit", "grit"): [1, 1, 1, 1],
    }[pair]
    if posterior:
        talks = [int(pair == ("grit", "grit") and m < 24) for m in MEMORY]
    else:
        talks = [int(pair == ("grit", "grit") and not noisy)] * 4
    found = {
        "CN_staff_end_share": np.array([0.5, 0.6, 0.7, 0.8]),
        "UK_staff_end_share": np.array([0.5, 0.6, 0.7, 0.8]),
        "months_to_half": np.array([12.0 if r else np.nan for r in restored]),
        "restored_half": np.array(restored, dtype=float),
        "spiral": np.array([1.0 - r for r in restored]),
        "talks_hold": np.array(talks, dtype=float),
    }
    if posterior:
        found["draw"] = np.arange(4, dtype=float)
        found["memory_drawn"] = np.array(MEMORY)
    return found


def synthetic_sweep(root: Path, posterior: bool = False, change=None) -> Path:
    """A finished grid sweep: 4 lever combinations x 4 uncertainty points x 4 replicates."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "toy.toml").write_text(TOY, encoding="utf-8")
    path = root / "synthetic.toml"
    path.write_text(SWEEP, encoding="utf-8")
    sweep = load_sweep(path)
    points = sweep.points()
    keys = run_keys(sweep.seed, sweep.replicates)
    inputs = {"sweep_sha256": sweep.sha256, "replicates": 4, "block": 4, "seed": 5}
    identity = sweep_identity(inputs)
    folder = root / "results" / "synthetic" / "id"
    (folder / "runs").mkdir(parents=True)
    write_json(folder / "inputs.json", inputs)
    write_csv(folder / "design.csv", ["point", *sweep.columns], ({"point": i} | p for i, p in enumerate(points)))
    for p, values in enumerate(points):
        found = outcomes(values, posterior)
        if change:
            change(p, values, found)
        result = {"unit": Block(p, 0, 4), "outcomes": found, "errors": [""] * 4}
        write_part(folder, result, sweep, points, keys, identity)
    manifest = {"sweep": {"path": str(path.resolve()), "sha256": sweep.sha256}, "points": len(points), "replicates": 4}
    write_json(folder / "manifest.json", manifest)
    return folder
