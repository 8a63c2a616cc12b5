"""The sampler of the inference: the same particles for the same seed, whatever runs them.

pyabc's own parallel samplers accept particles in the order workers finish them and seed each
worker from the operating system, so a fit on a pool or on Dask differed from one run to the
next. Here a generation is `population` tasks, each with a seed drawn from the generation's
random state (itself seeded from the root seed and the generation, `inference.generation_seed`);
a task seeds numpy's and Python's random state with it and proposes and simulates particles
until one is accepted. The tasks are mapped in order (the builtin map in this process, a pool's
map, or Dask's map and gather) and their results kept in task order, so this process, a local
pool of any size and a Dask cluster give the same generation, particle for particle.

Work stays bounded: a task gives up after `MAX_PER_TASK` proposals without an acceptance, and a
generation whose tasks needed more than population / MIN_ACCEPTANCE proposals in all is not
kept (the fit ends with the generations it has), as pyabc's single-core sampler does.

This module imports pyabc, so it is imported only when a fit runs (the abc extra).
"""

from __future__ import annotations

import functools
import random

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from sim.experiments.inference import MAX_PER_TASK


def _task(pickled, factory, cap: int, seed: int):
    """Propose and simulate particles from `seed` until one is accepted (at most `cap`). The
    process's random states are put back afterwards: mapped in this process, a task must not
    move the state the next generation's seeds are drawn from (on a pool it would not)."""
    simulate_one = cloudpickle.loads(pickled)
    saved = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        sample = factory()
        for tries in range(1, cap + 1):
            particle = simulate_one()
            sample.append(particle)
            if particle.accepted:
                return sample, tries, True
        return sample, cap, False
    finally:
        np.random.set_state(saved[0])
        random.setstate(saved[1])


class SeededSampler(Sampler):
    """Map one seeded task per particle of the population; keep the results in task order.
    `map_`: a map-like function that returns results in the order of its inputs."""

    def __init__(self, map_=map, cap: int = MAX_PER_TASK):
        super().__init__()
        self.map_ = map_
        self.cap = cap

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):  # noqa: ARG002
        seeds = [int(s) for s in np.random.randint(0, 2**31 - 1, size=n)]
        task = functools.partial(_task, cloudpickle.dumps(simulate_one), self.sample_factory, self.cap)
        results = list(self.map_(task, seeds))
        sample = self._create_empty_sample()
        tries = 0
        complete = True
        for part, count, accepted in results:
            sample += part
            tries += count
            complete = complete and accepted
        self.nr_evaluations_ = tries
        if not complete or tries > max_eval:
            sample.ok = False
        return sample
