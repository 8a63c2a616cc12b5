"""Time and peak memory of large ensembles: `tft run --keep summary` at growing N, on 1 and 2 workers.

The work: the 2016-2025 scenario in behavioural mode with noise (perception error 0.05, misread
sigma 0.3, execution error 0.02, crises 0.5 a year, delays of 0-2 months on both sides), N runs
from one root seed, keeping per-run outcomes (runs.csv) and per-month quantiles only. Each
command runs as a fresh process; the script prints its wall time, run-months per second, and
the peak resident memory of the parent process and of its largest worker (from `wait4`), which
should stay flat as N grows: keys are regenerated chunk by chunk and nothing per run is kept.

    python benchmarks/scale.py                              # N = 1,000, 10,000, 100,000; 1 and 2 workers
    python benchmarks/scale.py --runs 1000000 --workers 2   # the million
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "us_russia_2016_2025.toml"
MONTHS = 120  # 2016-01 to 2025-12
NOISE = {
    "perception_error": "0.05",
    "misread_sigma": "0.3",
    "execution_error": "0.02",
    "crisis_rate": "0.5",
    "delay_weights": "0.5,0.3,0.2",
}


def command(runs: int, workers: int, results: Path) -> list[str]:
    settings = [f"--set={side}.{key}={value}" for side in ("US", "RU") for key, value in NOISE.items()]
    return [
        *(sys.executable, "-m", "sim", "run", str(SCENARIO), "--mode", "behavioural"),
        *("-n", str(runs), "--keep", "summary", "--workers", str(workers), "--no-plot"),
        *("--results", str(results), "--run-id", f"n{runs}-w{workers}"),
        *settings,
    ]


def measure(runs: int, workers: int, results: Path) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB of the parent, of its largest worker) of one ensemble."""
    started = time.perf_counter()
    # the workers' peak comes from the parent's own view of its children (RUSAGE_CHILDREN inside it)
    probe = (
        "import resource, runpy, sys, atexit\n"
        "def report():\n"
        "    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "    print(f'PEAK {own} {kids}', file=sys.stderr)\n"
        "atexit.register(report)\n"
        "sys.argv = ['tft'] + sys.argv[1:]\n"
        "runpy.run_module('sim', run_name='__main__')\n"
    )
    cmd = command(runs, workers, results)
    done = subprocess.run([sys.executable, "-c", probe, *cmd[3:]], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    line = [x for x in done.stderr.splitlines() if x.startswith("PEAK ")][-1]
    own, kids = (int(v) / 1024 for v in line.split()[1:])
    return wall, own, kids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"{'runs':>9} {'workers':>7} {'wall s':>8} {'run-months/s':>13} {'parent MB':>10} {'worker MB':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for runs in args.runs:
            for workers in args.workers:
                wall, own, kids = measure(runs, workers, Path(folder))
                worker = f"{kids:10.0f}" if workers > 1 else f"{'-':>10}"
                speed = runs * MONTHS / wall
                print(f"{runs:>9,} {workers:>7} {wall:8.1f} {speed:13,.0f} {own:10.0f} {worker}", flush=True)


if __name__ == "__main__":
    main()
