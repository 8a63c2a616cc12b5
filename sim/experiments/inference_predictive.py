"""The posterior predictive ensemble of a fit: `PREDICTIVE_DRAWS` particles of the last generation,
drawn by weight (with the root seed), each simulated once in behavioural mode over the whole
scenario, its training window and after, with the instruments estimated from the training window.
Written as `predictive.csv`: per month, side and statistic, quantiles over the draws beside the
record, so that `sim.plots.inference` can draw the fan without simulating.

Statistics: `staff_total` (the mission's staff; the record is the replay of the scenario's
events) and `acts` (hostile acts so far, counted from the scenario's start; the record is the
recorded acts, a package counting once). Months after the training window are read by nobody but
this ensemble: the fit never sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.engines.drivers import simulate_batch
from sim.experiments.acts import recorded_acts
from sim.experiments.choices import make_plan
from sim.experiments.inference_model import Setting, Simulator
from sim.experiments.inference_summaries import groups_from_counts
from sim.rules.calendar import month_label
from sim.rules.rng import run_keys

PREDICTIVE_DRAWS = 100
PREDICTIVE_STREAM = 0x9D1  # spawn key of the draws, apart from the fit's other streams
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
PREDICTIVE_COLUMNS = ("date", "side", "statistic", "q05", "q25", "q50", "q75", "q95", "record", "draws")


@dataclass(frozen=True)
class Draws:
    """The posterior predictive ensemble: `figures[column]` [months, draws, 2] and `counts`
    [months, draws, 2, kinds] of the policies' measures, from the scenario's first month."""

    figures: dict[str, np.ndarray]
    counts: np.ndarray
    start: int

    @property
    def size(self) -> int:
        return self.counts.shape[1]


def predictive_draws(
    setting: Setting, record, particles: list[dict], seed: int, draws: int = PREDICTIVE_DRAWS
) -> Draws:
    """`draws` particles of the last generation, chosen by weight, each simulated once in
    behavioural mode over the whole scenario (its training window and after)."""
    scenario = setting.scenario
    whole = replace(setting, train_last=scenario.end, replicates=1)
    weights = np.array([p["weight"] for p in particles], dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PREDICTIVE_STREAM,)))
    chosen = rng.choice(len(particles), size=draws, p=weights / weights.sum())
    months = scenario.end - scenario.start + 1
    figures: dict[str, list[np.ndarray]] = {}
    counts = []
    for i in chosen:
        particle = particles[int(i)]
        _, found, kinds = Simulator(particle["pair"], whole, record).runs(particle["values"])
        for column, values in found.items():
            figures.setdefault(column, []).append(values[:months, 0, :])
        counts.append(kinds[:months, 0])
    return Draws(
        {column: np.stack(values, axis=1) for column, values in figures.items()},
        np.stack(counts, axis=1),
        scenario.start,
    )


def draws_rows(scenario, found: Draws) -> list[dict]:
    """The rows of predictive.csv from a predictive ensemble."""
    months = scenario.end - scenario.start + 1
    draws = found.size
    staff = np.moveaxis(found.figures["staff_total"], 1, 0)  # [draws, months, 2]
    acts = np.cumsum(np.moveaxis(groups_from_counts(found.counts).any(axis=3), 1, 0), axis=1)
    replay = simulate_batch(scenario, make_plan(scenario, "replay"), run_keys(scenario.seed, 1), log_events=False)
    recorded = np.zeros((months, 2))
    for act in recorded_acts(scenario):
        if scenario.start <= act.month <= scenario.end:
            recorded[act.month - scenario.start :, act.actor] += 1
    rows = []
    for statistic, values, truth in (
        ("staff_total", staff, replay.figures["staff_total"][:months, 0, :]),
        ("acts", acts, recorded),
    ):
        levels = np.quantile(values, QUANTILES, axis=0)  # [quantiles, months, 2]
        for m in range(months):
            for side, code in enumerate(scenario.codes):
                rows.append(
                    {
                        "date": month_label(scenario.start + m),
                        "side": code,
                        "statistic": statistic,
                        **{
                            f"q{round(q * 100):02d}": round(float(levels[k, m, side]), 3)
                            for k, q in enumerate(QUANTILES)
                        },
                        "record": round(float(truth[m, side]), 3),
                        "draws": draws,
                    }
                )
    return rows
