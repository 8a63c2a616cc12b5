"""Start-up of a single replay beside the floor Python sets, in one run.

The floor: a fresh Python imports numpy, click and matplotlib and saves an empty figure. The
replay: `tft run scenarios/us_russia_2016_2022.toml`, figure included, into a temporary folder.
Both run as fresh processes, alternately, `--repeats` times each; the script prints the median
wall time and the median CPU time (user + system, which a loaded machine disturbs less) of each,
and their ratios. With `--imports`, it also prints the modules whose import took longest in one
replay (`python -X importtime`, cumulative microseconds).

Every module's compiled bytecode is cached (in a temporary folder, by an unmeasured first run of
each command), as it is for an installed package: with PYTHONDONTWRITEBYTECODE set and the
package installed in editable mode, each replay would otherwise compile the package's modules
again, which the floor's libraries never do. `--no-bytecode-cache` measures it that way.

    python benchmarks/startup.py [--repeats 7] [--imports 15] [--engine batch] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "us_russia_2016_2022.toml"
FLOOR = (
    "import numpy, click, matplotlib\n"
    "matplotlib.use('Agg')\n"
    "import matplotlib.pyplot as plt\n"
    "plt.figure().savefig({path!r})\n"
)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one command, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def replay_command(results: Path, extra: list[str], python: list[str] | None = None) -> list[str]:
    python = python or [sys.executable]
    return [*python, "-m", "sim", "run", str(SCENARIO), "--results", str(results), *extra]


def slowest_imports(results: Path, extra: list[str], count: int, env: dict[str, str]) -> list[tuple[int, str]]:
    done = subprocess.run(
        replay_command(results, extra, [sys.executable, "-X", "importtime"]),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    found = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(2)) <= 3:  # modules imported by the program or by its first imports
            found.append((int(match.group(1)), match.group(2) + match.group(3)))
    return sorted(found, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each command (medians are reported)")
    parser.add_argument("--imports", type=int, default=0, help="list this many of the slowest imports of a replay")
    parser.add_argument("--engine", default=None, help="pass --engine to tft run (default: its own choice)")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="leave Python's bytecode cache as the environment sets it"
    )
    args = parser.parse_args()
    extra = ["--engine", args.engine] if args.engine else []
    floor, replay = [], []
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ)
        if not args.no_bytecode_cache:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = os.path.join(folder, "bytecode")
        results = Path(folder) / "results"
        floor_script = [sys.executable, "-c", FLOOR.format(path=os.path.join(folder, "empty.png"))]
        timed(floor_script, env)  # warm the file and bytecode caches once, unmeasured
        timed(replay_command(results, extra), env)
        for _ in range(args.repeats):
            floor.append(timed(floor_script, env))
            replay.append(timed(replay_command(results, extra), env))
        imports = slowest_imports(results, extra, args.imports, env) if args.imports else []
    print(f"median of {args.repeats}      wall s   CPU s")
    rows = (("floor (numpy, click, matplotlib, empty figure)", floor), ("tft run replay 2016-2022", replay))
    for name, times in rows:
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        print(f"{name:48} {wall:6.2f}  {cpu:6.2f}")
    wall_ratio = statistics.median(t[0] for t in replay) / statistics.median(t[0] for t in floor)
    cpu_ratio = statistics.median(t[1] for t in replay) / statistics.median(t[1] for t in floor)
    print(f"ratio replay / floor: wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f} (target: at most 1.5)")
    for micros, name in imports:
        print(f"  {micros / 1e6:6.3f} s  {name}")


if __name__ == "__main__":
    main()
