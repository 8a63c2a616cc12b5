"""What the compiled rules cost a process: numba's import, compiling them once, loading them after.

Each measurement is a fresh process that imports numba (timed apart), then simulates `--runs` runs
(default 200) of the 2016-2025 scenario in behavioural mode (mirror on both sides, perception
error 0.05), enough for every compiled rule an ensemble uses to be called. `cold`: numba's cache
is an empty folder (`NUMBA_CACHE_DIR`), so the rules are compiled; `cached`: the same folder
again, so they are loaded; `python`: `TFT_JIT=0`, the rules run as plain Python. The script
prints the median of `--repeats` processes of each (wall and CPU seconds).

    python benchmarks/compile.py [--repeats 3] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys, time
started = time.perf_counter(), time.process_time()
import numba  # noqa: F401  (timed apart: a batch imports it anyway)
imported = time.perf_counter(), time.process_time()
from pathlib import Path
from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys
scenario = load_scenario(Path(sys.argv[1]))
noise = [(side, "perception_error", 0.05) for side in scenario.codes]
plan = make_plan(scenario, "behavioural", policies={c: "mirror" for c in scenario.codes}, overrides=noise)
before = time.perf_counter(), time.process_time()
simulate_batch(scenario, plan, run_keys(1, int(sys.argv[2])), log_events=False, columns=("staff_total",))
after = time.perf_counter(), time.process_time()
print(json.dumps({"import_wall": imported[0] - started[0], "import_cpu": imported[1] - started[1],
                  "batch_wall": after[0] - before[0], "batch_cpu": after[1] - before[1]}))
"""


def measure(env: dict[str, str], runs: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "scenarios" / "us_russia_2016_2025.toml"), str(runs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"cold": [], "cached": [], "python": []}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache, TFT_JIT="auto")
            results["cold"].append(measure(env, args.runs))
            results["cached"].append(measure(env, args.runs))
            results["python"].append(measure(dict(env, TFT_JIT="0"), args.runs))
    print(f"median of {args.repeats} fresh processes; load average {os.getloadavg()[0]:.1f}")
    print(f"{'':8} {'import numba wall s':>20} {'CPU s':>7} {f'{args.runs}-run batch wall s':>19} {'CPU s':>7}")
    for name, rows in results.items():
        med = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
        imported = f"{med['import_wall']:20.3f} {med['import_cpu']:7.3f}"
        print(f"{name:8} {imported} {med['batch_wall']:19.3f} {med['batch_cpu']:7.3f}")


if __name__ == "__main__":
    main()
