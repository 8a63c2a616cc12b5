"""Throughput of the project's engine beside the simplest Mesa model of a dyad, in one process.

The reference is a minimal two-agent Mesa model: each state holds three assets (staff, posts,
properties), perceives last month's act of the other with noise (a quiet month misread as hostile
with probability `noise`, a hostile one missed with the same probability), mirrors what it saw
(a hostile month expels 5% of the other's staff and, one month in ten, closes a post or seizes a
property), decides in `step` and is committed by the model (simultaneous activation, as Mesa's
pd_grid does), and collects each state's staff every month. It runs 120 months per run through
`mesa.batch_run` in this process.

The project's engine runs the 2016-2025 scenario in behavioural mode with mirror on both sides and
a perception error of 0.05, all runs at once (`simulate_batch`), keeping staff_total per month.

Both report run-months per second, the median of three repeats, and their ratio. Usage:

    python benchmarks/mesa_reference.py [--runs 1000] [--mesa-runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import mesa

from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys

ROOT = Path(__file__).resolve().parent.parent
MONTHS = 120


class State(mesa.Agent):
    def __init__(self, model: Dyad):
        super().__init__(model)
        self.staff, self.posts, self.properties = 1000, 5, 6
        self.hostile = False  # what this state did last month
        self.intends = False

    def step(self) -> None:
        other = self.model.other(self)
        seen = other.hostile
        if self.random.random() < self.model.noise:
            seen = not seen
        self.intends = seen

    def commit(self) -> None:
        other = self.model.other(self)
        self.hostile = self.intends
        if self.intends:
            other.staff -= max(1, other.staff // 20)
            if self.random.random() < 0.1 and other.posts > 1:
                other.posts -= 1
            elif self.random.random() < 0.1 and other.properties > 0:
                other.properties -= 1


class Dyad(mesa.Model):
    def __init__(self, noise: float = 0.05, seed: int | None = None):
        super().__init__(seed=seed)
        self.noise = noise
        self.pair = [State(self), State(self)]
        self.datacollector = mesa.DataCollector(agent_reporters={"staff": "staff"})

    def other(self, state: State) -> State:
        return self.pair[1] if state is self.pair[0] else self.pair[0]

    def step(self) -> None:
        self.agents.do("step")
        self.agents.do("commit")
        self.datacollector.collect(self)


def reference(runs: int) -> float:
    started = time.perf_counter()
    mesa.batch_run(
        Dyad,
        parameters={"noise": 0.05},
        iterations=runs,
        max_steps=MONTHS,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    return runs * MONTHS / (time.perf_counter() - started)


def engine(runs: int) -> float:
    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2025.toml")
    noise = [(side, "perception_error", 0.05) for side in scenario.codes]
    plan = make_plan(scenario, "behavioural", policies={c: "mirror" for c in scenario.codes}, overrides=noise)
    keys = run_keys(1, runs)
    started = time.perf_counter()
    simulate_batch(scenario, plan, keys, log_events=False, columns=("staff_total",))
    return runs * len(plan.months) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--mesa-runs", type=int, default=200)
    args = parser.parse_args()
    ours = statistics.median(engine(args.runs) for _ in range(3))
    theirs = statistics.median(reference(args.mesa_runs) for _ in range(3))
    print(f"project engine, {args.runs} runs:     {ours:12,.0f} run-months/s (median of 3)")
    print(f"minimal Mesa dyad, {args.mesa_runs} runs: {theirs:12,.0f} run-months/s (median of 3)")
    print(f"ratio: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
