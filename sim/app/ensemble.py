"""The ensemble fan and the comparison of two policy pairs, from the batched engine.

The fan is built chunk by chunk (`StaffQuantiles` takes one chunk at a time), so the page can
show a first fan while the rest of the runs are still being simulated, and drop the work as soon
as a newer choice supersedes it. When nothing random is switched on every run is the same run,
so one is simulated and counted for all. With a posterior (`tft run --posterior FIT --draw all`)
each run draws its own behaviour from its own key, as `tft run` draws it, chunk by chunk.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace

import numpy as np

from sim.engines.drivers import simulate_batch
from sim.engines.plan import Mode, Plan
from sim.experiments.executors import start_worker
from sim.experiments.outcomes import simulate_outcomes
from sim.experiments.posterior import DrawnSimulation, run_behaviours
from sim.experiments.run import describe_plan
from sim.experiments.summary import StaffQuantiles
from sim.files.columns import event_rows, trajectory_rows
from sim.files.posterior_file import Posterior
from sim.rules.calendar import month_label
from sim.rules.measures import CATALOGUE, Measure
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario
from sim.rules.state import FIGURES

FAN_RUNS = 1000
# The batched engine's cost per month is mostly fixed (numpy calls over all runs at once): 250 runs
# take about half the CPU time of 1,000, so the fan is cut into as few chunks as there are workers
# (each chunk at most this many runs) rather than into many small ones.
MAX_CHUNK_RUNS = 1000
COMPARE_RUNS = 200


@dataclass(frozen=True)
class Fan:
    """Per-month staff quantiles of both missions over the runs simulated so far."""

    rows: list[dict[str, object]]  # the rows of quantiles.csv: date, side, host, runs, mean, p05 ... p95
    runs: int
    total: int
    identical: bool  # nothing random: every run is the same
    seconds: float

    @property
    def complete(self) -> bool:
        return self.runs == self.total

    def caption(self) -> str:
        """Where the fan ends: each mission's median and 90% band in the last month."""
        done = f"{self.runs:,} of {self.total:,} runs in {self.seconds:.2f} s"
        if self.identical:
            done += " (nothing random is switched on, so every run is the same)"
        ends = [
            f"{r['side']} mission in {r['date']}: median {r['p50']:,} (90% of runs {r['p05']:,} to {r['p95']:,})"
            for r in self.rows[-2:]
        ]
        return f"{done}. " + "; ".join(ends)


def keys_for(scenario: Scenario, runs: int, seed: int | None = None) -> np.ndarray:
    """Run keys as `tft run` spawns them: the same seed gives the same runs on the page and off it."""
    return run_keys(scenario.seed if seed is None else seed, runs)


def runs_differ(plan: Plan, posterior: Posterior | None = None) -> bool:
    """Whether anything random is switched on, or each run draws its own behaviour (as `tft run`
    decides its 'every run is the same' note)."""
    return plan.mode is not Mode.REPLAY and (posterior is not None or any(b.random for b in plan.behaviours))


def drawn_simulation(posterior: Posterior, columns: Sequence[str]) -> DrawnSimulation:
    """Runs that each draw their behaviour from the posterior by their own key, with nothing laid
    over the draw (the page's sides give way to a fit): `tft run --posterior FIT` without --policy or --set."""
    return DrawnSimulation(posterior, (frozenset(), frozenset()), columns=tuple(columns))


def staff_of(scenario: Scenario, plan: Plan, keys: np.ndarray, posterior: Posterior | None = None) -> np.ndarray:
    """staff_total of some runs, int[months, runs, 2] (the unit of work a worker process does)."""
    if posterior is not None:
        return drawn_simulation(posterior, ("staff_total",))(scenario, plan, keys, False).figures["staff_total"]
    return simulate_batch(scenario, plan, keys, log_events=False, columns=("staff_total",)).figures["staff_total"]


def drawn_chunks(posterior: Posterior, keys: np.ndarray, chunk: int) -> list[np.ndarray]:
    """Runs that draw from a posterior, cut into as many chunks as `chunk` runs each would make, but
    along their pairs of families: a chunk costs the engine one batch per pair of families in it, at
    a cost mostly fixed per batch, so each pair's runs go to one chunk where they fit (the largest
    first, each to the chunk with the fewest runs). The fan does not depend on the runs' order."""
    pairs = [posterior.pairs[row] for row in posterior.draws(keys)]
    groups: dict[tuple[str, str], list[int]] = {}
    for i, pair in enumerate(pairs):
        groups.setdefault(pair, []).append(i)
    pieces = [rows[first : first + chunk] for rows in groups.values() for first in range(0, len(rows), chunk)]
    bins: list[list[int]] = [[] for _ in range(-(-len(keys) // chunk))]
    for piece in sorted(pieces, key=len, reverse=True):
        min(bins, key=len).extend(piece)
    return [keys[np.array(sorted(rows), dtype=np.int64)] for rows in bins if rows]


def chunk_runs(runs: int, workers: int) -> int:
    """Runs per chunk: one chunk per worker process, at most MAX_CHUNK_RUNS each."""
    return max(1, min(MAX_CHUNK_RUNS, -(-runs // max(workers, 1))))


def fan_steps(
    scenario: Scenario,
    plan: Plan,
    keys: Sequence[int],
    chunk: int | None = None,
    pool: Executor | None = None,
    workers: int = 1,
    posterior: Posterior | None = None,
) -> Iterator[Fan]:
    """The fan after each chunk of runs; the last one covers every run. With a process pool (of
    `workers` processes) the chunks run in parallel; closing the generator early cancels the chunks
    not yet started. With a posterior each run draws its own behaviour."""
    started = time.perf_counter()
    keys = np.asarray(keys, dtype=np.uint64)
    chunk = chunk or chunk_runs(len(keys), workers if pool is not None else 1)
    quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
    if not runs_differ(plan, posterior):
        quantiles.add(np.repeat(staff_of(scenario, plan, keys[:1]), len(keys), axis=1))
        yield Fan(list(quantiles.rows()), len(keys), len(keys), True, time.perf_counter() - started)
        return
    if posterior is None:
        chunks = [keys[first : first + chunk] for first in range(0, len(keys), chunk)]
    else:
        chunks = drawn_chunks(posterior, keys, chunk)
    futures = [] if pool is None else [pool.submit(staff_of, scenario, plan, c, posterior) for c in chunks]
    parts = (
        (f.result() for f in as_completed(futures))
        if futures
        else (staff_of(scenario, plan, c, posterior) for c in chunks)
    )
    try:
        for part in parts:
            quantiles.add(part)
            yield Fan(list(quantiles.rows()), quantiles.runs, len(keys), False, time.perf_counter() - started)
    finally:
        for future in futures:
            future.cancel()


def start_pool(workers: int) -> Executor | None:
    """Worker processes for the fan (None for one: the fan then runs in the calling process).
    Started with 'spawn', as the page's server has threads, and warmed so the first fan is fast."""
    if workers <= 1:
        return None
    # each worker ignores Ctrl-C (the server handles it) and ends when the server is gone, even by kill -9
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )
    for future in [pool.submit(_ready) for _ in range(workers)]:
        future.result()
    return pool


def _ready() -> bool:
    return True


def fan(scenario: Scenario, plan: Plan, keys: Sequence[int]) -> Fan:
    """The fan over every run, at once."""
    return list(fan_steps(scenario, plan, keys, chunk=max(len(keys), 1)))[-1]


def title(scenario: Scenario, plan: Plan, posterior: Posterior | None = None) -> str:
    """A figure's title: the scenario, and the mode and policies (as `tft run` titles its figures);
    runs that draw their own behaviour have no one pair of policies."""
    if plan.mode is Mode.REPLAY:
        return scenario.title
    if posterior is not None:
        where = "behavioural"
        if plan.mode is Mode.PROJECT:
            where = f"replay to {month_label(plan.active_from - 1)}, then"
        return f"{scenario.title} ({where} each run's own draw of the posterior)"
    return f"{scenario.title} ({describe_plan(plan, scenario)})"


def one_run(
    scenario: Scenario, plan: Plan, key: int, posterior: Posterior | None = None
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The rows of trajectories.csv and events.csv of one run (with a posterior, with its own draw)."""
    if posterior is not None:
        ensemble = drawn_simulation(posterior, FIGURES)(scenario, plan, np.array([int(key)], dtype=np.uint64), True)
    else:
        ensemble = simulate_batch(scenario, plan, [int(key)], log_events=True)
    return list(trajectory_rows(ensemble, False)), list(event_rows(ensemble, False))


def run_plan(scenario: Scenario, plan: Plan, key: int, posterior: Posterior | None = None) -> Plan:
    """The plan of one run: with a posterior, the plan with that run's own draw as its behaviours
    (as `tft run --engine mesa` gives each drawn run its own model)."""
    if posterior is None:
        return plan
    rows = posterior.draws(np.array([int(key)], dtype=np.uint64))
    return replace(plan, behaviours=run_behaviours(scenario, plan, posterior, rows, (set(), set()))[0])


def record_marks(scenario: Scenario) -> list[tuple[str, str]]:
    """(month, actor) of each hostile measure in the record, for the ticks along a fan's bottom."""
    return [
        (month_label(e.month), scenario.codes[e.actor])
        for e in scenario.events
        if isinstance(e, Measure) and CATALOGUE[e.kind].severity < 0
    ]


# The comparison table: each pair's outcomes over the same runs (docs/sweeps.md defines them).
COMPARE_COLUMNS = (
    "pair",
    "runs",
    "restored_half",
    "months_to_half",
    "spiral",
    "hostile_measures",
)


@dataclass(frozen=True)
class PairResult:
    label: str
    row: dict[str, object]
    fan: Fan


def compare_pair(scenario: Scenario, label: str, plan: Plan, keys: Sequence[int]) -> PairResult:
    """One pair's outcome row and fan over `keys` (the same keys for every pair: common random numbers)."""
    keys = np.asarray(keys, dtype=np.uint64)
    outcomes = simulate_outcomes(scenario, plan, keys)
    months = outcomes["months_to_half"]
    restored = months[~np.isnan(months)]
    row: dict[str, object] = {
        "pair": label,
        "runs": len(keys),
        "restored_half": f"{outcomes['restored_half'].mean():.0%}",
        "months_to_half": f"{np.median(restored):g}" if len(restored) else "never",
        "spiral": f"{outcomes['spiral'].mean():.0%}",
        "hostile_measures": f"{outcomes['hostile_measures'].mean():.1f}",
    }
    for code in scenario.codes:
        row[f"{code}_staff_end_share"] = f"{np.median(outcomes[f'{code}_staff_end_share']):.2f}"
    return PairResult(label, row, fan(scenario, plan, keys))
