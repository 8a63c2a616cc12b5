"""The models of the inference: a pair of policy families, one per side, with a prior over every
behaviour value the record is asked about, and the simulator that turns one particle (a set of
values) into the simulated record.

Priors, uniform between their bounds (docs/inference.md gives the same list):

- `perception_error` 0 - 0.3, each side: the chance that a quiet month is read as hostile. Each
  side acted in about 1 month in 10 of the training record (5 acts in 48 months); an error rate
  of 0.3 alone would make phantom grievances three times as common as real acts, which the
  record's long quiet spells (2019) rule out. 0 is a state that never misreads.
- `mean_delay` 0 - 6 months: the mean wait before an answer, turned into weights on the two
  whole months around it (`delay_weights`, as `calibration.delay_weights` does). The record's
  answers fall 0-2 months after what they answer (the Skripal expulsions within weeks, Russia's
  2017 cap a month after the sanctions law); 6 months lets a slow state be found if the data
  want one.
- `memory_months` 3 - 36: how long an unanswered act still expects an answer. Below 3 months a
  delayed answer could fall due after its grievance was forgotten; 36 months is a diplomat's
  tour, and Russia still demanded its compounds back years after December 2016.
- `notice` 0.5 - 4: hostility left below this severity after netting goes unanswered. 0.5
  answers everything; 4 lets a lone expulsion or cap (severity 3) pass while a closure or a
  seizure (4-5) is still answered.
- `like` 0 - 1: the probability of answering in kind; a probability, so a flat prior.
- `package` 0 - 0.6: the probability of adding a second kind in the same month. The training
  record has packages in at most 2 of a side's 5 acts; 0.6 allows more than either side showed
  while keeping a single measure the common answer.
- `crisis_rate` 0 - 2 a year: crises attributed to the side beyond the record's own shocks, which
  behavioural mode forces. The record has about one shock a year attributed to either side
  (2016-2022); a rate of 2 would double it, 0 adds none.
- `rehire_months` 3 - 24: where a side re-staffs, the months an empty local post takes to fill.
  Nothing in the record dates a rehiring; the range spans a quarter to two years of ordinary
  hiring.
- `tour_months` 24 - 36: the tour of the side's sent staff, which sets rotation and the pace at
  which sent staff are replaced. US Foreign Service tours are two or three years, and the 2020
  posting limit is three years.
- The notice a measure gives (72 hours to five weeks in the record) is shorter than the model's
  month, and the record's dates are the dates measures took effect; it is part of `mean_delay`,
  the wait until an answer takes effect, and not a value of its own.
- policy parameters: the registry's bounds (`sim.rules.policies.REGISTRY[name].parameters`;
  docs/policies.md says what each means). Whole-number parameters are drawn uniformly on
  [low - 0.5, high + 0.5] and rounded, so each whole value is equally likely.

The kinds a side uses (its instruments' propensities) are not inferred: they are fixed to the
estimate from the training window (`sim.rules.instruments.estimate`), with `like` and `package`
replaced by the particle's values.

A particle's runs take their keys from a seed that is a function of the root seed, the pair and
the particle's (rounded) values, so any particle of the posterior re-runs alone with the same
result, whatever sampler drew it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace

import numpy as np

from sim.experiments.choices import make_plan
from sim.rules.calendar import Window, month_label
from sim.rules.instruments import Instruments, estimate
from sim.rules.policies import REGISTRY
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario

# the policy families a fit compares by default: the classic answers and the graded ones, each with
# at most two parameters; the whole catalogue (12 families, 144 pairs) can be asked for by name
DEFAULT_FAMILIES = ("mirror", "generous_mirror", "tit_for_two_tats", "gradual", "escalate", "parity", "grit")

# (key, low, high) of the behaviour values every side has, whatever its policy
SIDE_PRIORS: tuple[tuple[str, float, float], ...] = (
    ("perception_error", 0.0, 0.3),
    ("mean_delay", 0.0, 6.0),
    ("memory_months", 3.0, 36.0),
    ("notice", 0.5, 4.0),
    ("like", 0.0, 1.0),
    ("package", 0.0, 0.6),
    ("crisis_rate", 0.0, 2.0),
    ("rehire_months", 3.0, 24.0),
    ("tour_months", 24.0, 36.0),
)
DIGITS = 4  # decimals a particle's values are rounded to before they are simulated (and written)


@dataclass(frozen=True)
class Range:
    """A uniform prior: `name` between `low` and `high`; an `integer` is rounded after drawing."""

    name: str
    low: float
    high: float
    integer: bool = False

    @property
    def support(self) -> tuple[float, float]:
        """Where the continuous draw lies: integers get half a unit either side."""
        return (self.low - 0.5, self.high + 0.5) if self.integer else (self.low, self.high)

    def value(self, drawn: float) -> float:
        if self.integer:
            return float(min(max(round(drawn), self.low), self.high))
        return round(float(drawn), DIGITS)


def pair_name(pair: tuple[str, str]) -> str:
    return f"{pair[0]}/{pair[1]}"


def parameter_name(code: str, key: str, family: str | None = None) -> str:
    """`US.perception_error`; a policy parameter carries its family: `RU.escalate.k`."""
    return f"{code}.{family}.{key}" if family else f"{code}.{key}"


def priors_for(pair: tuple[str, str], codes: tuple[str, str]) -> tuple[Range, ...]:
    """The prior of one model: each side's behaviour values, then each side's policy parameters."""
    ranges = []
    for code in codes:
        ranges += [Range(parameter_name(code, key), low, high) for key, low, high in SIDE_PRIORS]
    for code, family in zip(codes, pair, strict=True):
        ranges += [
            Range(parameter_name(code, p.name, family), float(p.low), float(p.high), p.integer)
            for p in REGISTRY[family].parameters
        ]
    return tuple(ranges)


def pairs_of(families: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every pair of families, the first side's family varying slowest."""
    return [(a, b) for a in families for b in families]


def policy_spec(family: str, code: str, values: dict[str, float]) -> str:
    parts = []
    for p in REGISTRY[family].parameters:
        value = values[parameter_name(code, p.name, family)]
        parts.append(f"{p.name}={int(value) if p.integer else value:g}")
    return family + (":" + ",".join(parts) if parts else "")


def behaviour_choices(
    pair: tuple[str, str], codes: tuple[str, str], values: dict[str, float], instruments: tuple[Instruments, ...]
) -> tuple[dict[str, str], list[tuple[str, str, object]]]:
    """`policies` and `overrides` for `make_plan` from a particle's used values."""
    from sim.experiments.calibration import delay_weights  # a short chain of module imports

    policies, overrides = {}, []
    for side, (code, family) in enumerate(zip(codes, pair, strict=True)):
        policies[code] = policy_spec(family, code, values)
        chosen = replace(
            instruments[side],
            like=values[parameter_name(code, "like")],
            package=values[parameter_name(code, "package")],
        )
        overrides += [
            (code, "perception_error", values[parameter_name(code, "perception_error")]),
            (code, "delay_weights", delay_weights(values[parameter_name(code, "mean_delay")])),
            (code, "memory_months", values[parameter_name(code, "memory_months")]),
            (code, "notice", values[parameter_name(code, "notice")]),
            (code, "crisis_rate", values[parameter_name(code, "crisis_rate")]),
            (code, "rehire_months", values[parameter_name(code, "rehire_months")]),
            (code, "tour_months", values[parameter_name(code, "tour_months")]),
            (code, "instruments", chosen.spec()),
        ]
    return policies, overrides


def particle_seed(root_seed: int, pair: tuple[str, str], values: dict[str, float]) -> int:
    """The seed of a particle's runs: a hash of the root seed, the pair and the used values."""
    text = f"{root_seed}|{pair_name(pair)}|" + "|".join(f"{k}={values[k]!r}" for k in sorted(values))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


@dataclass(frozen=True)
class Setting:
    """What every simulation of a fit shares: the scenario, the training window's last month, the
    estimated instruments, the replicates per particle, the root seed, and values held fixed
    (`fixed`: (name, value) pairs taken out of every prior, e.g. to test recovery of the others)."""

    scenario: Scenario
    train_last: int
    instruments: tuple[Instruments, Instruments]
    replicates: int
    root_seed: int
    fixed: tuple[tuple[str, float], ...] = ()

    @classmethod
    def make(
        cls,
        scenario: Scenario,
        train_last: int,
        replicates: int,
        root_seed: int,
        fixed: dict[str, float] | None = None,
        gap: tuple[int, int] | None = None,
    ) -> Setting:
        """`gap`: months (first, last) left out of the training window, whose measures the
        instruments' estimate does not read."""
        within = Window(scenario.start, train_last, gap).holds if gap is not None else None
        found = tuple(estimate(scenario.events, side, train_last, within=within) for side in (0, 1))
        return cls(
            scenario, train_last, (found[0], found[1]), replicates, root_seed, tuple(sorted((fixed or {}).items()))
        )

    def priors(self, pair: tuple[str, str]) -> tuple[Range, ...]:
        """The prior of a pair's free values (all but the fixed ones)."""
        held = dict(self.fixed)
        return tuple(r for r in priors_for(pair, self.scenario.codes) if r.name not in held)

    def values(self, pair: tuple[str, str], drawn: dict[str, float]) -> dict[str, float]:
        """Every value a particle is simulated with: the drawn ones rounded, and the fixed ones."""
        held = dict(self.fixed)
        return {
            r.name: held[r.name] if r.name in held else r.value(drawn[r.name])
            for r in priors_for(pair, self.scenario.codes)
        }


@dataclass(frozen=True)
class Simulator:
    """One model of the fit as pyabc calls it: a particle's drawn values in, summary statistics
    of its simulated record (averaged over the replicates) out. Picklable, for pools and Dask.

    `parent`: in a local pool's worker, the process that started the fit; a worker whose parent is
    gone (killed, even with `kill -9`) ends instead of simulating for nobody."""

    pair: tuple[str, str]
    setting: Setting
    record: object  # inference_summaries.Record: the observed record and how to summarise a run
    parent: int | None = None

    def runs(self, drawn: dict[str, float]):
        """The simulated training window of a particle: figures and per-month kind counts."""
        from sim.experiments.calibration import simulate_record

        setting = self.setting
        values = setting.values(self.pair, drawn)
        policies, overrides = behaviour_choices(self.pair, setting.scenario.codes, values, setting.instruments)
        plan = make_plan(
            setting.scenario,
            "behavioural",
            until=month_label(setting.train_last),
            policies=policies,
            overrides=overrides,
        )
        keys = run_keys(particle_seed(setting.root_seed, self.pair, values), setting.replicates)
        figures, counts = simulate_record(setting.scenario, plan, keys)
        return plan, figures, counts

    def __call__(self, drawn) -> dict[str, float]:
        if self.parent is not None and os.getppid() != self.parent:
            os._exit(1)
        plan, figures, counts = self.runs(dict(drawn))
        return self.record.summaries(figures, counts, plan.start)


def mean_values(priors: tuple[Range, ...], rows: list[dict[str, float]], weights: np.ndarray) -> dict[str, float]:
    """The weighted posterior mean of each value (integers rounded to a whole number)."""
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    out = {}
    for r in priors:
        mean = float(np.dot(weights, [row[r.name] for row in rows]))
        out[r.name] = r.value(mean)
    return out
