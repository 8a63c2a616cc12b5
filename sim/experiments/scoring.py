"""Event-level and staff scores of simulated runs against the record, with bootstrap intervals.

Definitions (docs/validation.md states them in full):

- Acts are matched one to one (a maximum matching, `scipy.optimize.linear_sum_assignment`): a
  recorded and a simulated act can be paired when they have the same actor, months at most
  `tolerance` apart, and a kind group in common (a package matches an act of any of its groups).
  Only acts inside the scoring window take part, on both sides.
- Per run: precision = matched / simulated, recall = matched / recorded, F1 their harmonic mean.
  An empty side scores 0 against a non-empty one (so an empty simulation has precision 0 and
  recall 0), and 1 when both are empty; F1 is 0 when precision and recall are both 0.
- weighted_f1: the same with acts weighed by severity, and parts giving partial credit. A pair's
  credit is the sum over kind groups of the smaller of the two acts' severities in that group;
  the pairs are a maximum-credit matching; weighted precision = credit / simulated severity,
  weighted recall = credit / recorded severity.
- staff_log_error: per run, the median over the window's observations of
  |log(1 + simulated) - log(1 + observed)|, counted only above an `upper` bound and only below a
  `lower` one; staff_coverage90: the share of those observations inside the 5-95% range of the
  runs (for an `upper` bound, the 5% quantile at or below it; for a `lower` one, the 95% quantile
  at or above it).
- Every per-run score is averaged over the runs. Intervals are percentile bootstraps, over runs
  (`method="runs"`: the simulation's spread) or over blocks of `block_months` consecutive months
  of the window (`method="blocks"`: the record's own sampling, each block taking its recorded
  acts, the simulated acts and the observations in it; matches are made once, on the whole
  window, and a pair counts in the block of each of its acts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from sim.experiments.acts import HOSTILE_GROUPS, Act
from sim.rules.calendar import Window
from sim.rules.libm import log1p_of
from sim.rules.scenario import Observation

TOLERANCES = (0, 1, 3)
EVENT_METRICS = ("precision", "recall", "f1", "weighted_f1")
STAFF_METRICS = ("staff_log_error", "staff_coverage90")
METHODS = ("runs", "blocks")
BLOCK_MONTHS = 6
COVERAGE = (0.05, 0.95)


def _arrays(acts: Sequence[Act]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Actors, months and severity per kind group ([acts, groups]) of a list of acts."""
    weights = np.array([[a.weight_of(g) for g in HOSTILE_GROUPS] for a in acts], dtype=float)
    return (
        np.array([a.actor for a in acts], dtype=np.int64),
        np.array([a.month for a in acts], dtype=np.int64),
        weights.reshape(len(acts), len(HOSTILE_GROUPS)),
    )


def _pairs(recorded: Sequence[Act], simulated: Sequence[Act], tolerance: int, weighted: bool) -> list:
    """A maximum one-to-one matching as (recorded index, simulated index, credit) triples; the
    credit is 1 per pair unless `weighted`."""
    if not recorded or not simulated:
        return []
    ra, rm, rw = _arrays(recorded)
    sa, sm, sw = _arrays(simulated)
    near = (ra[:, None] == sa[None, :]) & (np.abs(rm[:, None] - sm[None, :]) <= tolerance)
    if weighted:
        gain = np.minimum(rw[:, None, :], sw[None, :, :]).sum(axis=2)
    else:
        gain = ((rw[:, None, :] > 0) & (sw[None, :, :] > 0)).any(axis=2).astype(float)
    gain = np.where(near, gain, 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return [(int(r), int(c), float(gain[r, c])) for r, c in zip(rows, cols, strict=True) if gain[r, c] > 0]


def match(recorded: Sequence[Act], simulated: Sequence[Act], tolerance: int) -> list[tuple[int, int]]:
    """The pairs of a maximum matching (same actor, a kind group in common, months within `tolerance`)."""
    return [(r, s) for r, s, _ in _pairs(recorded, simulated, tolerance, weighted=False)]


def match_weighted(recorded: Sequence[Act], simulated: Sequence[Act], tolerance: int) -> list[tuple[int, int, float]]:
    """The pairs of a maximum-credit matching, with each pair's credit."""
    return _pairs(recorded, simulated, tolerance, weighted=True)


def precision_recall_f1(matched_sim, matched_rec, simulated, recorded):
    """Precision, recall and F1 from matched and total amounts (counts or severities); arrays
    broadcast. Empty against non-empty scores 0, empty against empty scores 1."""
    matched_sim, matched_rec = np.asarray(matched_sim, float), np.asarray(matched_rec, float)
    simulated, recorded = np.asarray(simulated, float), np.asarray(recorded, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(simulated > 0, matched_sim / simulated, np.where(recorded > 0, 0.0, 1.0))
        recall = np.where(recorded > 0, matched_rec / recorded, np.where(simulated > 0, 0.0, 1.0))
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return precision, recall, f1


@dataclass(frozen=True)
class Simulation:
    """Simulated acts per run and, when there are any, the runs' per-month figures
    (`figures[column]`: [months, runs, 2], the first month being `start`)."""

    acts: Sequence[Sequence[Act]]
    figures: Mapping[str, np.ndarray] | None = None
    start: int | None = None

    @property
    def runs(self) -> int:
        return len(self.acts)


@dataclass(frozen=True)
class Tally:
    """Everything the metrics need, per tolerance [T], run [R], block [B] and observation [O].
    Matched amounts are counted in the block of the recorded act (`_rec`) and of the simulated
    act (`_sim`)."""

    tolerances: tuple[int, ...]
    matched_rec: np.ndarray  # [T, R, B]
    matched_sim: np.ndarray  # [T, R, B]
    credit_rec: np.ndarray  # [T, R, B]
    credit_sim: np.ndarray  # [T, R, B]
    simulated: np.ndarray  # [R, B] acts
    simulated_weight: np.ndarray  # [R, B] severity
    recorded: np.ndarray  # [B]
    recorded_weight: np.ndarray  # [B]
    staff: np.ndarray  # [R, O] simulated values at the observations
    observed: np.ndarray  # [O]
    bound: tuple[str, ...]  # [O]
    observation_block: np.ndarray  # [O]

    @property
    def runs(self) -> int:
        return self.simulated.shape[0]

    @property
    def blocks(self) -> int:
        return self.simulated.shape[1]


def _staff(observations: Sequence[Observation], simulation: Simulation, window: Window):
    figures, start = simulation.figures, simulation.start
    if figures is None or start is None:
        return [], np.zeros((simulation.runs, 0))
    kept, values = [], []
    for obs in observations:
        months = figures[obs.figure].shape[0] if obs.figure in figures else 0
        if window.holds(obs.month) and 0 <= obs.month - start < months:
            kept.append(obs)
            values.append(figures[obs.figure][obs.month - start, :, obs.side])
    return kept, np.array(values, dtype=float).T.reshape(simulation.runs, len(kept))


def tally(
    recorded: Sequence[Act],
    simulation: Simulation,
    window: Window,
    observations: Sequence[Observation] = (),
    *,
    tolerances: Sequence[int] = TOLERANCES,
    block_months: int = BLOCK_MONTHS,
) -> Tally:
    """Match every run's acts with the record's inside `window`, at each tolerance."""
    blocks = (window.last - window.first) // block_months + 1

    def block(month: int) -> int:
        return (month - window.first) // block_months

    recorded = [a for a in recorded if window.holds(a.month)]
    runs, shape = simulation.runs, (len(tolerances), simulation.runs, blocks)
    matched_rec, matched_sim, credit_rec, credit_sim = (np.zeros(shape) for _ in range(4))
    simulated, simulated_weight = np.zeros((runs, blocks)), np.zeros((runs, blocks))
    recorded_n, recorded_weight = np.zeros(blocks), np.zeros(blocks)
    for a in recorded:
        recorded_n[block(a.month)] += 1
        recorded_weight[block(a.month)] += a.weight
    for run, acts in enumerate(simulation.acts):
        acts = [a for a in acts if window.holds(a.month)]
        for a in acts:
            simulated[run, block(a.month)] += 1
            simulated_weight[run, block(a.month)] += a.weight
        for t, tolerance in enumerate(tolerances):
            for weighted, on_rec, on_sim in ((False, matched_rec, matched_sim), (True, credit_rec, credit_sim)):
                for r, s, gain in _pairs(recorded, acts, tolerance, weighted):
                    on_rec[t, run, block(recorded[r].month)] += gain
                    on_sim[t, run, block(acts[s].month)] += gain
    kept, staff = _staff(observations, simulation, window)
    return Tally(
        tuple(tolerances),
        matched_rec,
        matched_sim,
        credit_rec,
        credit_sim,
        simulated,
        simulated_weight,
        recorded_n,
        recorded_weight,
        staff,
        np.array([o.value for o in kept], dtype=float),
        tuple(o.bound for o in kept),
        np.array([block(o.month) for o in kept], dtype=np.int64),
    )


def _staff_values(t: Tally, runs: np.ndarray, blocks: np.ndarray) -> dict[tuple[str, int | None], float]:
    if t.staff.shape[1] == 0:
        return {}
    chosen = np.concatenate([np.flatnonzero(t.observation_block == b) for b in blocks] + [np.zeros(0, np.int64)])
    if len(chosen) == 0:
        return {(m, None): float("nan") for m in STAFF_METRICS}
    staff, observed = t.staff[np.ix_(runs, chosen)], t.observed[chosen]
    upper = np.array([t.bound[i] == "upper" for i in chosen])
    lower = np.array([t.bound[i] == "lower" for i in chosen])
    gap = log1p_of(staff) - log1p_of(observed)
    gap = np.where(upper, np.maximum(gap, 0.0), np.where(lower, np.minimum(gap, 0.0), gap))
    low, high = np.quantile(staff, COVERAGE, axis=0)
    inside = np.where(upper, low <= observed, np.where(lower, high >= observed, (low <= observed) & (observed <= high)))
    return {
        ("staff_log_error", None): float(np.median(np.abs(gap), axis=1).mean()),
        ("staff_coverage90", None): float(inside.mean()),
    }


def metric_values(
    t: Tally, runs: np.ndarray | None = None, blocks: np.ndarray | None = None
) -> dict[tuple[str, int | None], float]:
    """Every metric, keyed by (metric, tolerance; None for staff metrics), over the given runs
    and blocks (indices; repeats allowed, as a bootstrap draws them), all of them by default."""
    runs = np.arange(t.runs) if runs is None else np.asarray(runs)
    blocks = np.arange(t.blocks) if blocks is None else np.asarray(blocks)
    every = np.arange(len(t.tolerances))

    def picked(amounts: np.ndarray) -> np.ndarray:
        return amounts[np.ix_(every, runs, blocks)].sum(axis=2)  # [T, runs]

    simulated = t.simulated[np.ix_(runs, blocks)].sum(axis=1)
    simulated_weight = t.simulated_weight[np.ix_(runs, blocks)].sum(axis=1)
    recorded, recorded_weight = t.recorded[blocks].sum(), t.recorded_weight[blocks].sum()
    precision, recall, f1 = precision_recall_f1(picked(t.matched_sim), picked(t.matched_rec), simulated, recorded)
    weighted = precision_recall_f1(picked(t.credit_sim), picked(t.credit_rec), simulated_weight, recorded_weight)[2]
    out: dict[tuple[str, int | None], float] = {}
    for i, tolerance in enumerate(t.tolerances):
        for name, values in zip(EVENT_METRICS, (precision, recall, f1, weighted), strict=True):
            out[(name, tolerance)] = float(np.mean(values[i]))
    out.update(_staff_values(t, runs, blocks))
    return out


@dataclass(frozen=True)
class Score:
    """A metric's value with its bootstrap interval."""

    metric: str
    tolerance_months: int | None
    value: float
    low: float
    high: float


def bootstrap(
    t: Tally, *, method: str = "runs", resamples: int = 1000, level: float = 0.95, seed: int = 0
) -> list[Score]:
    """Every metric with a percentile bootstrap interval at `level`, resampling runs or blocks."""
    if method not in METHODS:
        raise ValueError(f"bootstrap method '{method}' is unknown (allowed: {', '.join(METHODS)})")
    point = metric_values(t)
    rng = np.random.default_rng(seed)
    draws: dict[tuple[str, int | None], list[float]] = {key: [] for key in point}
    for _ in range(resamples):
        if method == "runs":
            values = metric_values(t, runs=rng.integers(0, t.runs, t.runs))
        else:
            values = metric_values(t, blocks=rng.integers(0, t.blocks, t.blocks))
        for key in point:
            draws[key].append(values[key])
    tail = (1.0 - level) / 2.0
    scores = []
    for (metric, tolerance), value in point.items():
        sample = np.array(draws[(metric, tolerance)])
        sample = sample[~np.isnan(sample)]
        low, high = np.quantile(sample, (tail, 1.0 - tail)) if len(sample) else (np.nan, np.nan)
        scores.append(Score(metric, tolerance, value, float(low), float(high)))
    return scores


def score(
    recorded: Sequence[Act],
    simulation: Simulation,
    window: Window,
    observations: Sequence[Observation] = (),
    *,
    tolerances: Sequence[int] = TOLERANCES,
    method: str = "runs",
    resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    block_months: int = BLOCK_MONTHS,
) -> list[Score]:
    """Every metric of `simulation` against the record inside `window`, with bootstrap intervals.
    Staff metrics are there when the simulation has figures and the window has observations."""
    counts = tally(recorded, simulation, window, observations, tolerances=tolerances, block_months=block_months)
    return bootstrap(counts, method=method, resamples=resamples, level=level, seed=seed)
