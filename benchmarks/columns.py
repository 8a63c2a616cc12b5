"""trajectories.csv and runs.csv of an ensemble written row by row and column by column, in one run.

The work: 1,000 runs of the 2016-2025 scenario in behavioural mode with noise (perception error
0.05 on the US side, crises at 1 a year on the Russian side), 120 months, simulated once; then
each way of writing both files is timed `--repeats` times (median CPU seconds), and the files
are checked to be the same bytes.

    python benchmarks/columns.py [--runs 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.experiments.summary import RUN_COLUMNS, run_columns, run_rows
from sim.files.columns import ENSEMBLE_TRAJECTORY_COLUMNS, trajectory_rows, write_trajectories
from sim.files.results import CsvWriter
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2025.toml")
    noise = [("US", "perception_error", 0.05), ("RU", "crisis_rate", 1.0)]
    plan = make_plan(scenario, "behavioural", overrides=noise)
    ensemble = simulate_batch(scenario, plan, run_keys(1, args.runs), log_events=False)
    folder = Path(tempfile.mkdtemp())

    def by_rows() -> None:
        with CsvWriter(folder / "rows-trajectories.csv", ENSEMBLE_TRAJECTORY_COLUMNS) as writer:
            writer.write(trajectory_rows(ensemble, True))
        with CsvWriter(folder / "rows-runs.csv", RUN_COLUMNS) as writer:
            writer.write(run_rows(ensemble, 0))

    def by_columns() -> None:
        with CsvWriter(folder / "columns-trajectories.csv", ENSEMBLE_TRAJECTORY_COLUMNS) as writer:
            write_trajectories(writer, ensemble, True)
        with CsvWriter(folder / "columns-runs.csv", RUN_COLUMNS) as writer:
            writer.write_columns(run_columns(ensemble, 0))

    seconds = {}
    for name, write in (("row by row", by_rows), ("column by column", by_columns)):
        times = []
        for _ in range(args.repeats):
            started = time.process_time()
            write()
            times.append(time.process_time() - started)
        seconds[name] = statistics.median(times)
    for table in ("trajectories", "runs"):
        rows, columns = (folder / f"{way}-{table}.csv" for way in ("rows", "columns"))
        assert rows.read_bytes() == columns.read_bytes(), f"{table}.csv differs"
    size = (folder / "columns-trajectories.csv").stat().st_size / 1e6
    print(f"{args.runs:,} runs x {len(plan.months)} months (trajectories.csv {size:.1f} MB, and runs.csv)")
    for name, value in seconds.items():
        print(f"  {name:18} {value:6.2f} s CPU (median of {args.repeats})")
    print(f"  ratio rows / columns: {seconds['row by row'] / seconds['column by column']:.1f}; the same bytes")


if __name__ == "__main__":
    main()
