"""Time and peak memory of large ensembles: `tft run --keep summary` at growing N, on 1 and 2 workers.

The work: the 2016-2025 scenario in behavioural mode with noise (perception error 0.05, misread
sigma 0.3, execution error 0.02, crises 0.5 a year, delays of 0-2 months on both sides), N runs
from one root seed, keeping per-run outcomes (runs.csv) and per-month quantiles only. Each
command runs as a fresh process; the script prints its wall time, its CPU time (the process
and its workers, from `wait4`), run-months per second, the peak resident memory of the parent
process and of its largest child (`getrusage` inside the parent: a worker, or, when numba's cache
is empty, the process that compiles the rules first, `sim/experiments/warm.py`), which should stay
flat as N grows: keys are regenerated chunk by chunk and nothing per run is kept, and the 1-minute
load average when it ended. With one worker the child column shows "–", though a compiling
process may have run. Cases up to --cheap runs are repeated (--repeats fresh processes,
alternately) and their median shown.

    python benchmarks/scale.py                                    # N = 1,000, 10,000, 100,000; 1 and 2 workers
    python benchmarks/scale.py --runs 1000 10000 100000 1000000   # up to the million
    python benchmarks/scale.py --runs 1000000 --workers 2         # the million on two workers
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
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


def measure(runs: int, workers: int, results: Path) -> dict[str, float]:
    """Wall and CPU seconds (the process and its workers), and peak RSS in MB of the parent and
    of its largest worker, of one ensemble in a fresh process."""
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
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", probe, *cmd[3:]], stdout=subprocess.DEVNULL, stderr=errors, cwd=ROOT
        )
        _, status, usage = os.wait4(process.pid, 0)  # the CPU time of the process and its workers
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read()
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{stderr}")
    line = [x for x in stderr.splitlines() if x.startswith("PEAK ")][-1]
    own, kids = (int(v) / 1024 for v in line.split()[1:])
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "cpu": cpu, "parent": own, "worker": kids, "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="ensemble sizes N")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes to try")
    parser.add_argument(
        "--repeats", type=int, default=3, help="fresh processes per case where they are cheap (the median is shown)"
    )
    parser.add_argument(
        "--cheap", type=int, default=10_000, help="ensembles up to this many runs are repeated; larger ones run once"
    )
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    print("| runs | workers | repeats | wall s | CPU s | run-months/s | parent MB | worker MB | load average |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for runs in args.runs:
            repeats = args.repeats if runs <= args.cheap else 1
            taken: dict[int, list[dict[str, float]]] = {w: [] for w in args.workers}
            for _ in range(repeats):  # alternately, so a change in the load falls on every case alike
                for workers in args.workers:
                    taken[workers].append(measure(runs, workers, Path(folder)))
                    for written in Path(folder).iterdir():  # a million runs' runs.csv is 100 MB
                        shutil.rmtree(written)
            for workers, measured in taken.items():
                m = {key: statistics.median(x[key] for x in measured) for key in measured[0]}
                worker = f"{m['worker']:.0f}" if workers > 1 else "–"
                print(
                    f"| {runs:,} | {workers} | {repeats} | {m['wall']:.1f} | {m['cpu']:.1f} | "
                    f"{runs * MONTHS / m['wall']:,.0f} | {m['parent']:.0f} | {worker} | {m['load']:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
