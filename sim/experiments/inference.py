"""Likelihood-free Bayesian inference of the states' behaviour: ABC-SMC with model choice (pyabc).

The models are pairs of policy families, one per side; each has a uniform prior over its
parameters (`sim.experiments.inference_model`), a simulator of the training window, and the
summary statistics of `sim.experiments.inference_summaries`. The distance is pyabc's
`AdaptivePNormDistance` (p = 2): the fixed block weights of the summaries times scales refitted
every generation (1 / the standard deviation of each statistic over all particles simulated in
the previous generation, accepted or not), no scale weighing more than `MAX_SCALE_RATIO` times
another. Epsilon is the median distance of the previous generation (pyabc's default).

A fit runs one generation at a time, each continuing from the History database
(`history.db`, sqlite, in the fit's folder) and starting from numpy's global random state seeded
with (root seed, generation). Each generation is `population` tasks seeded from that state
(`inference_sampler.SeededSampler`), mapped in this process, on a local pool or on Dask and kept
in task order. So an interrupted fit resumes from its last stored generation with the same
result as if it had not stopped, and the same seed gives the same posterior on any executor.

Work is bounded before anything runs (`check_work`): a generation is `population` tasks of at
most MAX_PER_TASK particles each, and is not kept (the fit stops with what it has) when it needed
more than population / MIN_ACCEPTANCE particles; each particle is `replicates` runs.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.errors import SimError
from sim.experiments.inference_model import Setting, Simulator, pair_name, pairs_of

if TYPE_CHECKING:
    from sim.experiments.inference_summaries import Record

MAX_POPULATION = 20_000  # particles per generation
MAX_GENERATIONS = 50
MAX_REPLICATES = 100  # runs per particle
MAX_INFERENCE_RUNS = 200_000_000  # simulated runs of a whole fit, at the worst acceptance allowed
MIN_ACCEPTANCE = 0.05  # a generation that would accept fewer than 1 in 20 particles ends the fit
MAX_PER_TASK = 200  # proposals one seeded task may make before the generation is given up (inference_sampler)
MAX_SCALE_RATIO = 20.0  # no statistic's adaptive weight exceeds 20 times the smallest non-zero one
RIDGE = 0.01  # each parameter's perturbation has a standard deviation of at least 1% of its prior width
DEFENSIVE = 0.2  # the share of each pair's proposals drawn from its prior (inference_kernel.py says why)
MODEL_STAY = 0.7  # pyabc's model perturbation: a particle keeps its pair with this probability
HISTORY = "history.db"
GENERATION_STREAM = 0xABC  # spawn key that keeps the generations' seeds apart from run keys


class InferenceError(SimError):
    """An inference that cannot run: a missing extra, a bad choice, a limit exceeded."""


def pyabc_module():
    try:
        import pyabc
    except ImportError:
        raise InferenceError("tft infer needs pyabc: pip install 'tft-sim[abc]'") from None
    _quiet_pyabc()
    return pyabc


def check_work(families: int, population: int, generations: int, replicates: int) -> int:
    """The most runs a fit may simulate, if its sizes are within the limits (docs/inference.md)."""
    for option, value, limit in (
        ("--population", population, MAX_POPULATION),
        ("--generations", generations, MAX_GENERATIONS),
        ("--replicates", replicates, MAX_REPLICATES),
    ):
        if not 1 <= value <= limit:
            raise InferenceError(f"{option}: {value:,} (allowed: 1 to {limit:,}, see docs/inference.md)")
    if population < families**2:
        raise InferenceError(
            f"--population: {population} particles for {families**2} pairs of families; give at least one "
            f"particle per pair (allowed: {families**2} to {MAX_POPULATION:,})"
        )
    # the sample from the prior, then each generation's tasks, each at most MAX_PER_TASK proposals
    runs = population * (1 + generations * MAX_PER_TASK) * replicates
    if runs > MAX_INFERENCE_RUNS:
        raise InferenceError(
            f"--population, --generations and --replicates allow up to {runs:,} simulated runs "
            f"(allowed: at most {MAX_INFERENCE_RUNS:,}; see docs/inference.md)"
        )
    return runs


def generation_seed(root_seed: int, generation: int) -> np.ndarray:
    return np.random.SeedSequence(root_seed, spawn_key=(GENERATION_STREAM, generation)).generate_state(4)


@dataclass
class Sampling:
    """pyabc's sampler for the chosen executor, and how to release it."""

    sampler: object
    parent: int | None  # the process a pool's workers watch
    label: str
    client: object = None
    pool: object = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
        if self.client is not None:
            try:
                self.client.close(timeout=5)
            except Exception:  # noqa: BLE001 - a scheduler already gone: nothing left to close
                pass


def make_sampling(workers: int, scheduler: str | None) -> Sampling:
    """This process (`workers` = 1), a local pool of `workers` processes, or a Dask scheduler:
    the same seeded tasks mapped on each (`inference_sampler`), so the same seed gives the same
    posterior on any of them."""
    pyabc_module()
    from sim.experiments.inference_sampler import SeededSampler

    if scheduler:
        from sim.experiments.executors import probe_scheduler, quiet_dask

        try:
            from distributed import Client
        except ImportError:
            raise InferenceError("--scheduler needs Dask: pip install 'tft-sim[dask]'") from None
        quiet_dask()
        probe_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InferenceError(f"--scheduler: cannot connect to {scheduler} ({type(exc).__name__})") from None

        def dask_map(task, seeds):
            return client.gather(client.map(task, seeds, pure=False))

        return Sampling(SeededSampler(dask_map), None, f"dask {scheduler}", client)
    if workers == 1:
        return Sampling(SeededSampler(map), None, "this process")
    import multiprocessing

    pool = multiprocessing.get_context("fork").Pool(workers)
    sampler = SeededSampler(functools.partial(pool.map, chunksize=1))
    return Sampling(sampler, os.getpid(), f"local pool of {workers}", pool=pool)


@dataclass(frozen=True)
class Generation:
    """One stored generation, as the progress line and generations.csv show it."""

    t: int
    epsilon: float
    accepted: int
    simulated: int
    seconds: float
    pairs_alive: int
    ess: float  # the effective sample size of the generation's weights, 1 / sum of squared normalised weights

    @property
    def acceptance(self) -> float:
        return self.accepted / self.simulated if self.simulated else float("nan")

    def line(self, generations: int) -> str:
        return (
            f"generation {self.t + 1}/{generations}: epsilon {self.epsilon:.4g}, acceptance "
            f"{self.acceptance:.3f} ({self.accepted}/{self.simulated}), population {self.accepted}, "
            f"{self.pairs_alive} pairs alive, effective sample size {self.ess:.0f}, {self.seconds:.0f} s"
        )


def stored_generations(folder: Path) -> list[Generation]:
    """The generations the folder's History holds (none if it has none)."""
    path = folder / HISTORY
    if not path.is_file():
        return []
    history = pyabc_module().History(f"sqlite:///{path}", create=False)
    if history.id is None or history.n_populations == 0:
        return []
    table = history.get_all_populations()
    out = []
    for row in table.itertuples():
        if row.t < 0:  # pyabc's pre-population (the calibration sample) is not a generation
            continue
        alive = history.nr_of_models_alive(int(row.t))
        weights = history.get_weighted_distances(int(row.t))["w"].to_numpy(dtype=float)
        ess = float(np.sum(weights) ** 2 / np.sum(weights**2)) if len(weights) else 0.0
        out.append(
            Generation(
                int(row.t), float(row.epsilon), int(row.particles), int(row.samples), float(row.wall_time), alive, ess
            )
        )
    return out


@dataclass(frozen=True)
class Fit:
    """What a fit compares and how large it is."""

    families: tuple[str, ...]
    population: int
    generations: int
    replicates: int
    seed: int

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return pairs_of(self.families)


def _abcsmc(fit: Fit, setting: Setting, record: Record, sampling: Sampling):
    pyabc = pyabc_module()
    from sim.experiments.inference_kernel import DefensiveTransition

    models, priors, kernels = [], [], []
    for pair in fit.pairs:
        simulator = Simulator(pair, setting, record, sampling.parent)
        models.append(pyabc.FunctionModel(simulator, name=pair_name(pair)))
        kernels.append(DefensiveTransition({r.name: r.support for r in setting.priors(pair)}, RIDGE, DEFENSIVE))
        priors.append(
            pyabc.Distribution(
                **{r.name: pyabc.RV("uniform", r.support[0], r.support[1] - r.support[0]) for r in setting.priors(pair)}
            )
        )
    distance = pyabc.AdaptivePNormDistance(
        p=2,
        fixed_weights=record.fixed_weights(),
        scale_function=pyabc.distance.scale.standard_deviation,
        max_scale_weight_ratio=MAX_SCALE_RATIO,
    )
    return pyabc.ABCSMC(
        models,
        priors,
        distance,
        population_size=fit.population,
        model_perturbation_kernel=pyabc.ModelPerturbationKernel(len(models), probability_to_stay=MODEL_STAY),
        transitions=kernels,
        sampler=sampling.sampler,
    )


def run_fit(
    fit: Fit,
    setting: Setting,
    record: Record,
    folder: Path,
    sampling: Sampling,
    progress: Callable[[str], None] | None = None,
) -> list[Generation]:
    """Run the generations the folder's History lacks, up to `fit.generations`; returns every
    stored generation. Stops early, keeping what it has, when a generation's acceptance would
    fall below MIN_ACCEPTANCE."""
    db = f"sqlite:///{folder / HISTORY}"
    done = stored_generations(folder)
    for generation in done:
        if progress:
            progress(generation.line(fit.generations) + " (stored)")
    while len(done) < fit.generations:
        abc = _abcsmc(fit, setting, record, sampling)
        if (folder / HISTORY).is_file() and pyabc_module().History(db, create=False).id is not None:
            abc.load(db, 1, record.observed)
        else:
            abc.new(db, record.observed)
        np.random.seed(generation_seed(fit.seed, len(done)))
        clock = time.perf_counter()
        abc.run(max_nr_populations=1, min_acceptance_rate=MIN_ACCEPTANCE)
        now = stored_generations(folder)
        if len(now) == len(done):
            if progress:
                progress(
                    f"generation {len(done) + 1}/{fit.generations}: stopped, acceptance fell below "
                    f"{MIN_ACCEPTANCE} after {time.perf_counter() - clock:.0f} s; the fit keeps {len(done)} generations"
                )
            break
        done = now
        if progress:
            progress(done[-1].line(fit.generations))
    return done


def _quiet_pyabc() -> None:
    """pyabc logs every generation at INFO; the fit prints its own line per generation."""
    for name in list(logging.root.manager.loggerDict):
        if name == "ABC" or name.startswith("ABC."):
            logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("ABC").setLevel(logging.WARNING)
