"""Throughput of the two engines on the same work, in one process.

The work: the 2016-2025 scenario in behavioural mode with noise (perception error 0.05, misread
sigma 0.3, execution error 0.02, crises 0.5 a year, delays of 0-2 months), generous mirror (US)
against mirror (RU), N runs from one root seed. The batched engine runs all N, in chunks of
10,000, keeping per-month staff_total only (as `tft run --keep summary` does); the Mesa model
runs one model per run and is timed on the first `--mesa-sample` runs of the same work (its cost
per run does not depend on N). Prints run-months per second for each engine, their ratio and the
peak memory the batched engine allocated for one chunk (tracemalloc, measured in a
separate pass so that tracing does not slow the timed one).

    python benchmarks/engines.py                  # N = 1,000, 10,000, 100,000
    python benchmarks/engines.py --runs 1000 --mesa-sample 50
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

from sim.engines.drivers import simulate_batch, simulate_mesa
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 10_000


def work():
    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2025.toml")
    noise = [
        (side, key, value)
        for side in scenario.codes
        for key, value in (
            ("perception_error", 0.05),
            ("misread_sigma", 0.3),
            ("execution_error", 0.02),
            ("crisis_rate", 0.5),
            ("delay_weights", [0.3, 0.4, 0.3]),
        )
    ]
    plan = make_plan(scenario, "behavioural", policies={"US": "generous_mirror", "RU": "mirror"}, overrides=noise)
    return scenario, plan


def batch(scenario, plan, runs: int) -> float:
    started = time.perf_counter()
    for first in range(0, runs, CHUNK):
        keys = run_keys(scenario.seed, min(CHUNK, runs - first), first)
        simulate_batch(scenario, plan, keys, log_events=False, columns=("staff_total",))
    return time.perf_counter() - started


def batch_peak_memory(scenario, plan, runs: int) -> int:
    """Bytes allocated at the peak of one chunk (later chunks reuse the same amount)."""
    tracemalloc.start()
    simulate_batch(
        scenario, plan, run_keys(scenario.seed, min(CHUNK, runs)), log_events=False, columns=("staff_total",)
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def mesa(scenario, plan, runs: int) -> float:
    keys = run_keys(scenario.seed, runs)
    started = time.perf_counter()
    simulate_mesa(scenario, plan, keys, log_events=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--mesa-sample", type=int, default=200, help="runs timed on the Mesa model")
    args = parser.parse_args()
    scenario, plan = work()
    months = len(plan.months)
    sample = min(args.mesa_sample, min(args.runs))
    mesa_rate = sample * months / mesa(scenario, plan, sample)
    print(f"work: {scenario.name}, behavioural with noise, {months} months; Mesa timed on {sample} runs")
    print(
        f"{'runs':>9} {'batch run-months/s':>19} {'mesa run-months/s':>18} {'ratio':>7} {'batch s':>8} {'peak MB':>8}"
    )
    for runs in args.runs:
        elapsed = batch(scenario, plan, runs)
        peak = batch_peak_memory(scenario, plan, runs)
        rate = runs * months / elapsed
        print(
            f"{runs:>9,} {rate:>19,.0f} {mesa_rate:>18,.0f} {rate / mesa_rate:>7.0f} {elapsed:>8.1f} "
            f"{peak / 2**20:>8.0f}"
        )


if __name__ == "__main__":
    main()
