"""An ensemble simulated chunk by chunk, in this process or on local worker processes, and handed
back in run order.

Each chunk's run keys are regenerated from the root seed where it is simulated, so nothing per run
is kept or sent, and a run is the same whichever chunk or process simulates it: the files an
ensemble writes do not depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from sim.engines.drivers import Ensemble, simulate_mesa
from sim.engines.plan import Plan
from sim.errors import SimError
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario


@dataclass(frozen=True)
class ChunkSimulation:
    """Simulates runs first .. first+count-1 of an ensemble (picklable, for worker processes):
    `simulate` is a driver (`simulate_batch`, with the columns to keep, or `simulate_mesa`); with
    `run_seed`, the ensemble is the one run with that key."""

    simulate: Callable[..., Ensemble]
    scenario: Scenario
    plan: Plan
    root_seed: int
    run_seed: int | None = None
    log_events: bool = True

    @property
    def compiles(self) -> bool:
        """Whether a chunk of several runs uses the compiled rules (the Mesa driver runs each run
        alone, as Python)."""
        return self.simulate is not simulate_mesa and not getattr(self.simulate, "mesa", False)

    def keys(self, first: int, count: int) -> np.ndarray:
        if self.run_seed is not None:
            return np.array([self.run_seed], dtype=np.uint64)
        return run_keys(self.root_seed, count, first=first)

    def __call__(self, first: int, count: int) -> tuple[int, Ensemble]:
        return first, self.simulate(self.scenario, self.plan, self.keys(first, count), log_events=self.log_events)


def chunk_tasks(runs: int, chunk_runs: int) -> Iterator[tuple[int, int]]:
    """(first run, runs) of every chunk, made as they are needed, not listed."""
    return ((first, min(chunk_runs, runs - first)) for first in range(0, runs, chunk_runs))


def simulated(chunks: ChunkSimulation, runs: int, chunk_runs: int, workers: int = 1) -> Iterator[tuple[int, Ensemble]]:
    """(first run, its chunk) for every chunk of `chunk_runs` runs, in run order; with more than
    one worker, chunks run on a local process pool. Memory does not grow with the runs: at most
    `AHEAD_PER_WORKER` chunks per worker are in flight or finished and waiting for an earlier one
    (`Ordered.held`), besides the one handed back."""
    from sim.experiments.warm import WARM_RUNS, compiled_before

    if chunks.compiles and min(runs, chunk_runs) >= WARM_RUNS:  # compiled once, in a small process
        compiled_before(chunks, (0, WARM_RUNS))
    if workers <= 1 or runs <= chunk_runs:
        for task in chunk_tasks(runs, chunk_runs):
            yield chunks(*task)
        return
    from sim.experiments.executors import POOL_RESTARTS, PoolExecutor  # a single process needs no pool
    from sim.files.sweep_store import SweepError

    executor = PoolExecutor(min(workers, -(-runs // chunk_runs)))
    order = Ordered(chunk_runs)
    try:
        for first, chunk in executor.map(chunk_tasks(runs, chunk_runs), chunks, held=order.held):
            order.put(first, chunk)
            del chunk  # held by `order` alone, and let go once handed back
            yield from order.ready()
    except SweepError:  # the pool gave up; its own words are about a sweep's parts, which a run has not
        executor.close(abort=True)
        raise SimError(
            f"--workers: worker processes died more than {POOL_RESTARTS} times (killed, or out of memory?); "
            "nothing was written (allowed: fewer --workers or a smaller --chunk)"
        ) from None
    except BaseException:
        executor.close(abort=True)
        raise
    executor.close()


class Ordered:
    """Chunks that finish in any order, handed back in run order: those that finished before the
    one awaited are held until it comes."""

    def __init__(self, chunk_runs: int):
        self.chunk_runs = chunk_runs
        self.following = 0
        self.finished: dict[int, Ensemble] = {}

    def held(self) -> int:
        return len(self.finished)

    def put(self, first: int, chunk: Ensemble) -> None:
        self.finished[first] = chunk

    def ready(self) -> Iterator[tuple[int, Ensemble]]:
        while self.following in self.finished:
            first = self.following
            self.following += self.chunk_runs
            yield first, self.finished.pop(first)
