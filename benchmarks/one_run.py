"""One run: the Mesa driver beside the batched engine, and where a replay's time goes.

Part 1 times one run of the 2016-2025 scenario in behavioural mode with noise (perception error
0.05 on both sides, mirror against mirror, 120 months) through `simulate_batch` and through
`simulate_mesa`, the median of `--repeats`, and prints their ratio. Part 2 times the replay of
the 2016-2022 scenario: loading the scenario (which checks it by replaying it), simulating it
with the batched engine (median of `--repeats`), writing its folder and drawing its figure, in
one fresh process whose imports are timed too. CPU seconds are printed beside wall seconds: the
machine is shared.

    python benchmarks/one_run.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PHASES = """
import sys, tempfile, time
clock = lambda: (time.perf_counter(), time.process_time())
marks = [("start", clock())]
import sim.cli  # what `tft` imports before it runs a command
from sim.experiments.run import RunOptions, run_scenario
from sim.files.scenario_file import load_scenario
marks.append(("import the command line and the library", clock()))
scenario = load_scenario(sys.argv[1])
marks.append(("load and check the scenario", clock()))
with tempfile.TemporaryDirectory() as folder:
    result = run_scenario(sys.argv[1], folder, RunOptions(run_id="one"))
    marks.append(("tft run without the figure (load, simulate, write)", clock()))
    from sim.plots.result import plot_result
    marks.append(("import matplotlib and the figures", clock()))
    plot_result(result.folder)
    marks.append(("draw and save staff.png", clock()))
for (_, (w0, c0)), (name, (w1, c1)) in zip(marks, marks[1:]):
    print(f"  {name:52} {w1 - w0:7.3f} {c1 - c0:7.3f}")
print(f"  {'total':52} {marks[-1][1][0] - marks[0][1][0]:7.3f} {marks[-1][1][1] - marks[0][1][1]:7.3f}")
"""


def median_seconds(function, repeats: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    from sim.engines.drivers import simulate_batch, simulate_mesa
    from sim.engines.dynamics import Dynamics
    from sim.engines.plan import replay_plan
    from sim.experiments.choices import make_plan
    from sim.files.scenario_file import load_scenario
    from sim.rules.rng import run_keys

    scenario = load_scenario(ROOT / "scenarios" / "us_russia_2016_2025.toml")
    noise = [(side, "perception_error", 0.05) for side in scenario.codes]
    plan = make_plan(scenario, "behavioural", policies={c: "mirror" for c in scenario.codes}, overrides=noise)
    keys = run_keys(1, 1)
    simulate_mesa(scenario, plan, keys)  # import Mesa before timing it
    batch = median_seconds(lambda: simulate_batch(scenario, plan, keys), args.repeats)
    mesa = median_seconds(lambda: simulate_mesa(scenario, plan, keys), args.repeats)
    print(f"one run, 120 months, behavioural with noise (median of {args.repeats})   wall s    CPU s")
    print(f"  batched engine (simulate_batch)                        {batch[0]:7.3f} {batch[1]:7.3f}")
    print(f"  Mesa model (simulate_mesa)                             {mesa[0]:7.3f} {mesa[1]:7.3f}")
    print(f"  ratio Mesa / batched: wall {mesa[0] / batch[0]:.2f}, CPU {mesa[1] / batch[1]:.2f} (target: at most 2)")

    replay_file = ROOT / "scenarios" / "us_russia_2016_2022.toml"
    replay = load_scenario(replay_file)
    months = len(replay_plan(replay).months)

    def simulate_replay() -> None:
        Dynamics(replay, replay_plan(replay), run_keys(replay.seed, 1)).run(())

    seconds = median_seconds(simulate_replay, args.repeats)
    print(
        f"replay 2016-2022 ({months} months), simulation only: {seconds[0] * 1e3:.1f} ms wall, "
        f"{seconds[1] * 1e3:.1f} ms CPU (median of {args.repeats}; target: at most 5 ms)"
    )
    print("a replay in a fresh process, by phase                       wall s   CPU s")
    subprocess.run([sys.executable, "-c", PHASES, str(replay_file)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
