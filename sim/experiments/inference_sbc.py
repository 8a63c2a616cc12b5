"""Simulation-based calibration (SBC) of the inference: are its 90% credible intervals right, and
which values can a record of this length tell apart at all?

A full ABC-SMC fit per synthetic record is too dear (a default fit simulates thousands of
particles), so the calibration uses one shared reference table (Cook, Gelman and Rubin 2006;
Talts et al. 2018, with rejection ABC as in Pritchard et al. 1999):

1. the reference table: `reference` simulations from the prior of the fit (a pair of families
   drawn uniformly, then every value from its uniform prior), each summarised exactly as a
   particle of `tft infer` is (the statistics of `inference_summaries`, averaged over
   `replicates` runs);
2. `records` synthetic records: fresh draws from the same prior, each simulated once (one run, as
   the real record is one history) and summarised as the record is;
3. per synthetic record, rejection ABC on the table: the `accept` nearest simulations under the
   fit's first-generation distance (weighted Euclidean; fixed block weights times 1 / the standard
   deviation of each statistic over the table, no scale above `MAX_SCALE_RATIO` times the smallest
   non-zero one) form its posterior sample;
4. per value: whether the true value lies in the sample's central 90% interval (coverage; a
   calibrated posterior covers 90% of records), the interval's width as a share of the prior's
   central 90% (0.9 of the prior's range), and the true value's rank in the sample (Talts et al.'s
   SBC rank); per side: the posterior probability of the true family.

What this calibrates is the rejection-ABC posterior on the same priors, simulator, summaries and
distance, not the SMC's later, narrower generations: it checks the summaries, the distance and
the simulator's noise, and says which values the statistics carry information about at all.
A family's parameters are judged only on the accepted simulations of that family on that side,
and only where at least `MIN_FAMILY_SAMPLE` of them were accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from sim.experiments.inference import MAX_SCALE_RATIO
from sim.experiments.inference_model import Range, Setting, Simulator

SBC_STREAM = 0x5BC  # spawn key of the calibration's prior draws, apart from the fit's streams
TABLE, RECORDS = 0, 1  # the two streams of prior draws
LEVEL = 0.9  # the credible interval checked
UNIDENTIFIED_RATIO = 0.8  # median posterior 90% width / prior 90% width above which a value is not identified
MIN_FAMILY_SAMPLE = 10  # accepted draws of a family below which its parameters are not judged for a record


@dataclass(frozen=True)
class Draw:
    """One simulation from the prior: its pair of families and the values it is simulated with."""

    pair: tuple[str, str]
    values: dict[str, float]


def prior_draws(setting: Setting, pairs: list[tuple[str, str]], count: int, seed: int, stream: int) -> list[Draw]:
    """`count` draws from the fit's prior: a pair uniformly, then each free value uniformly."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SBC_STREAM, stream)))
    out = []
    for _ in range(count):
        pair = pairs[int(rng.integers(len(pairs)))]
        drawn = {r.name: float(rng.uniform(*r.support)) for r in setting.priors(pair)}
        out.append(Draw(pair, setting.values(pair, drawn)))
    return out


@dataclass(frozen=True)
class Summariser:
    """A draw in, its summary statistics out (in the record's order); picklable for pools."""

    setting: Setting
    record: object  # inference_summaries.Record

    def __call__(self, draw: Draw) -> list[float]:
        found = Simulator(draw.pair, self.setting, self.record)(draw.values)
        return [found[name] for name in self.record.names]


def simulate(
    draws: list[Draw], summarise: Summariser, executor, progress: Callable[[str], None] | None = None, what: str = ""
) -> np.ndarray:
    """The statistics of every draw, float[draws, statistics], on the executor."""
    from sim.experiments.executors import _Indexed

    out = np.zeros((len(draws), len(summarise.record.names)))
    step = max(len(draws) // 10, 1)
    for done, (i, row) in enumerate(executor.map(list(enumerate(draws)), _Indexed(summarise)), start=1):
        out[i] = row
        if progress and (done % step == 0 or done == len(draws)):
            progress(f"{what}: {done}/{len(draws)} simulated")
    return out


def distance_weights(fixed: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The fit's first-generation weights: fixed weights times 1 / the standard deviation over
    the table (0 where it is 0), no scale above MAX_SCALE_RATIO times the smallest non-zero."""
    sd = table.std(axis=0)
    scale = np.zeros_like(sd)
    scale[~np.isclose(sd, 0)] = 1.0 / sd[~np.isclose(sd, 0)]
    nonzero = scale[scale > 0]
    if nonzero.size:
        scale = np.minimum(scale, MAX_SCALE_RATIO * nonzero.min())
    return fixed * scale


def nearest(table: np.ndarray, observed: np.ndarray, weights: np.ndarray, accept: int) -> np.ndarray:
    """Indices of the `accept` simulations closest to `observed` (ties broken by index)."""
    distance = np.sqrt((((table - observed) * weights) ** 2).sum(axis=1))
    return np.argsort(distance, kind="stable")[:accept]


def interval(sample: np.ndarray) -> tuple[float, float]:
    """The central LEVEL interval of an equally weighted sample."""
    tail = (1 - LEVEL) / 2
    low, high = np.quantile(sample, [tail, 1 - tail])
    return float(low), float(high)


def prior_width(r: Range) -> float:
    """The width of the prior's central LEVEL interval (whole-number values: of their support)."""
    return LEVEL * (r.support[1] - r.support[0])


def record_rows(
    index: int, truth: Draw, table_draws: list[Draw], accepted: np.ndarray, ranges: dict[str, Range], codes
) -> tuple[list[dict], list[dict]]:
    """Per value and per side, how the posterior sample of one synthetic record fares."""
    rows, families = [], []
    chosen = [table_draws[i] for i in accepted]
    for side, code in enumerate(codes):
        share = np.mean([d.pair[side] == truth.pair[side] for d in chosen])
        counts: dict[str, int] = {}
        for d in chosen:
            counts[d.pair[side]] = counts.get(d.pair[side], 0) + 1
        top = max(counts, key=lambda f: (counts[f], f == truth.pair[side]))
        families.append(
            {
                "record": index,
                "side": code,
                "family": truth.pair[side],
                "probability": round(float(share), 6),
                "top_family": top,
            }
        )
    for name, true in truth.values.items():
        if name not in ranges:  # held fixed: nothing to calibrate
            continue
        sample = np.array([d.values[name] for d in chosen if name in d.values])
        if len(name.split(".")) == 3 and len(sample) < MIN_FAMILY_SAMPLE:
            continue
        if not len(sample):
            continue
        low, high = interval(sample)
        rows.append(
            {
                "record": index,
                "parameter": name,
                "true": true,
                "mean": round(float(sample.mean()), 6),
                "low": round(low, 6),
                "high": round(high, 6),
                "covered": int(low <= true <= high),
                "width_ratio": round((high - low) / prior_width(ranges[name]), 6),
                "rank": int((sample < true).sum()),
                "sample": len(sample),
            }
        )
    return rows, families


def wilson(successes: int, n: int, z: float = 1.6449) -> tuple[float, float]:
    """Wilson's 90% interval of a proportion."""
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def coverage_rows(rows: list[dict], order: list[str]) -> list[dict]:
    """Per value: records judged, coverage with its 90% interval, width ratio, identified or not."""
    out = []
    for name in order:
        mine = [r for r in rows if r["parameter"] == name]
        if not mine:
            continue
        covered = sum(r["covered"] for r in mine)
        low, high = wilson(covered, len(mine))
        ratio = float(np.median([r["width_ratio"] for r in mine]))
        out.append(
            {
                "parameter": name,
                "records": len(mine),
                "coverage": round(covered / len(mine), 4),
                "coverage_low": round(low, 4),
                "coverage_high": round(high, 4),
                "median_width_ratio": round(ratio, 4),
                "identified": int(ratio <= UNIDENTIFIED_RATIO),
            }
        )
    return out


def family_summary(families: list[dict], codes, count: int) -> list[dict]:
    """Per side: mean posterior probability of the true family against the prior's 1 / families."""
    out = []
    for code in codes:
        mine = [r for r in families if r["side"] == code]
        out.append(
            {
                "side": code,
                "records": len(mine),
                "prior": round(1 / count, 4),
                "mean_probability_of_true_family": round(float(np.mean([r["probability"] for r in mine])), 4),
                "top_family_correct": round(float(np.mean([r["top_family"] == r["family"] for r in mine])), 4),
            }
        )
    return out


def calibrate(
    setting: Setting,
    record,
    pairs: list[tuple[str, str]],
    reference: int,
    records: int,
    accept: int,
    executor,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Run the calibration: the table, the synthetic records, and every record's posterior."""
    seed = setting.root_seed
    table_draws = prior_draws(setting, pairs, reference, seed, TABLE)
    truths = prior_draws(setting, pairs, records, seed, RECORDS)
    table = simulate(table_draws, Summariser(setting, record), executor, progress, "reference table")
    # one run per synthetic record: a record is one history, as the real one is
    observed = simulate(truths, Summariser(replace(setting, replicates=1), record), executor, progress, "records")
    fixed = np.array([record.fixed_weights()[name] for name in record.names])
    weights = distance_weights(fixed, table)
    codes = setting.scenario.codes
    ranges = {r.name: r for pair in pairs for r in setting.priors(pair)}  # free values only
    rows, families = [], []
    for i, truth in enumerate(truths):
        mine, fams = record_rows(i, truth, table_draws, nearest(table, observed[i], weights, accept), ranges, codes)
        rows += mine
        families += fams
    # each side's values, then each side's family parameters (the first side's first)
    order = sorted(ranges, key=lambda name: (name.count(".") == 2, codes.index(name.split(".")[0])))
    return {
        "table_draws": table_draws,
        "table": table,
        "truths": truths,
        "observed": observed,
        "weights": weights,
        "rows": rows,
        "families": families,
        "coverage": coverage_rows(rows, order),
        "family_summary": family_summary(families, codes, len({p[0] for p in pairs})),
    }
