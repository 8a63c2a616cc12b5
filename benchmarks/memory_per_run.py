"""Memory per run: the bytes each run holds in the batched engine, by part.

Runs the 2016-2025 scenario in behavioural mode (mirror against mirror, perception error 0.05)
for `--runs` runs and adds up, per run, every array with a leading run axis that the engine
holds: the state of the missions (`State`), what the sides remember (`Dynamics`), and the
figures kept for every month: every column of trajectories.csv (what `--keep all` keeps), or
staff_total only (what the page's fan keeps); or, instead of figures, what a summary keeps of each
run as it goes (`StaffSummary`: what `--keep summary` and a sweep's fans keep), whose counts of
runs by staff level are per chunk, not per run, and are printed apart. Event logs are not counted.

    python benchmarks/memory_per_run.py [--runs 200]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.engines.drivers import observed_columns
from sim.engines.dynamics import Dynamics
from sim.engines.observers import Figures, StaffSummary
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys

ROOT = Path(__file__).resolve().parent.parent


def per_run(arrays: dict, runs: int, axis: int = 0) -> tuple[float, dict[str, float]]:
    """The bytes per run of the arrays whose axis `axis` is the run axis, and of each."""
    sizes = {
        name: value.nbytes / runs
        for name, value in arrays.items()
        if isinstance(value, np.ndarray) and value.ndim > axis and value.shape[axis] == runs and value.base is None
    }
    return sum(sizes.values()), sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2025.toml")
    noise = [(side, "perception_error", 0.05) for side in scenario.codes]
    plan = make_plan(scenario, "behavioural", policies={c: "mirror" for c in scenario.codes}, overrides=noise)
    keys = run_keys(1, args.runs)
    rows = []
    cases = (("every column", observed_columns(scenario)), ("staff_total only", ("staff_total",)), ("summary", None))
    for label, columns in cases:
        dynamics = Dynamics(scenario, plan, keys, log_events=False)
        if columns is None:
            summary = StaffSummary()
            dynamics.run((summary,))
            kept, _ = per_run(vars(summary), args.runs)
        else:
            figures = Figures(columns)
            dynamics.run((figures,))
            kept, kept_parts = per_run(figures.values, args.runs, axis=1)
            if len(rows) == 0:
                parts = kept_parts
        state, state_parts = per_run(vars(dynamics.state), args.runs)
        memory, _ = per_run(vars(dynamics), args.runs)
        rows.append((label, state, memory, kept))
    print(f"bytes per run, {args.runs} runs of 2016-2025 ({len(plan.months)} months)")
    print(f"  {'figures kept':<18} {'state':>8} {'memory':>8} {'figures':>9} {'total':>9}")
    for label, state, memory, kept in rows:
        print(f"  {label:<18} {state:>8,.0f} {memory:>8,.0f} {kept:>9,.0f} {state + memory + kept:>9,.0f}")
    fields = sorted(state_parts.items(), key=lambda item: -item[1])
    print("  state by field: " + ", ".join(f"{k} {v:,.0f}" for k, v in fields))
    print("  every column's figures: " + ", ".join(f"{k} {v:,.0f}" for k, v in parts.items()))
    counts = summary.counts.nbytes + summary.total.nbytes
    print(f"  a summary's counts of runs by staff level and sums, per chunk (not per run): {counts:,} bytes")


if __name__ == "__main__":
    main()
