"""How long the page takes to redraw the fan after a change: 1,000 runs of the 2016-2025 scenario
in behavioural mode (120 months, misperception and crises switched on so that runs differ), for a
sequence of policy changes, simulated in this process and on the page's worker processes, plus the
time to draw the figure. Prints each change and the medians.

    .venv/bin/python benchmarks/app_latency.py [--runs 1000] [--workers 2] [--repeat 2]

The browser test (tests/test_page.py) prints the same delay as a person sees it: from the click that
changes a policy to the new fan on the page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

from sim.app.charts import fan_png
from sim.app.choices import Choices
from sim.app.ensemble import fan_steps, keys_for, record_marks, start_pool
from sim.files.results import observation_rows
from sim.files.scenario_file import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "us_russia_2016_2025.toml"
CHANGES = ("escalate", "grit", "generous_mirror", "mirror", "parity", "tit_for_two_tats")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    options = parser.parse_args()

    scenario = load_scenario(SCENARIO)
    choices = Choices.default(scenario)
    for index in (0, 1):
        side = replace(choices.sides[index], perception_error=0.05, crisis_rate=0.5)
        choices = choices.with_side(index, side)
    keys = keys_for(scenario, options.runs)
    observations = observation_rows(scenario)
    marks = record_marks(scenario)
    started = time.perf_counter()
    pool = start_pool(options.workers)
    print(f"{options.workers} worker processes started in {time.perf_counter() - started:.1f} s")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the runs")
    print(
        f"{options.runs} runs x {len(choices.plan(scenario).months)} months, behavioural, misperception and crises on"
    )

    results: dict[str, list[float]] = {
        "this process": [],
        "this process, CPU": [],
        "workers": [],
        "first look (workers)": [],
        "figure": [],
        "figure, CPU": [],
    }
    for _ in range(options.repeat):
        for policy in CHANGES:
            plan = choices.with_side(0, choices.sides[0].with_policy(policy)).plan(scenario)
            for where, chosen in (("this process", None), ("workers", pool)):
                clock, cpu = time.perf_counter(), time.process_time()
                fans = []
                for fan in fan_steps(scenario, plan, keys, pool=chosen):
                    fans.append((fan, time.perf_counter() - clock))
                results[where].append(fans[-1][1])
                if chosen is None:
                    results["this process, CPU"].append(time.process_time() - cpu)
                else:
                    results["first look (workers)"].append(fans[0][1])
            clock, cpu = time.perf_counter(), time.process_time()
            fan_png(fans[-1][0], observations, scenario.title, marks)
            results["figure"].append(time.perf_counter() - clock)
            results["figure, CPU"].append(time.process_time() - cpu)
            print(
                f"US {policy:<17} this process {results['this process'][-1]:.2f} s "
                f"(CPU {results['this process, CPU'][-1]:.2f} s), "
                f"workers {results['workers'][-1]:.2f} s (first {fans[0][0].runs} runs {fans[0][1]:.2f} s), "
                f"figure {results['figure'][-1]:.2f} s"
            )
    if pool is not None:
        pool.shutdown()
    print("medians:", ", ".join(f"{name} {statistics.median(values):.2f} s" for name, values in results.items()))
    change = statistics.median(results["workers"]) + statistics.median(results["figure"])
    print(f"a change to the full fan on the page: about {change:.2f} s (simulation on the workers + figure)")
    # On a busy machine wall-clock times measure the other jobs too; CPU seconds do not.
    idle = statistics.median(results["this process, CPU"]) / max(options.workers, 1)
    idle += statistics.median(results["figure, CPU"])
    print(f"on an otherwise idle machine: about {idle:.2f} s (CPU seconds of the simulation / workers + figure)")
    print(f"load average {os.getloadavg()[0]:.2f} after the runs")


if __name__ == "__main__":
    main()
