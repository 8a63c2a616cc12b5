"""Behaviour from a posterior: the values of `tft infer`'s draws as a scenario's behaviours, for
one draw or the posterior mean (an ordinary overlay, the same for every run), or one draw per run.

With one draw per run (`draw = "all"`), run i uses the row its own key draws
(`Posterior.draws`), so its values do not depend on the ensemble's size, chunks or workers, and a
sweep's replicate r has the same draw (and key) at every design point. Values are laid on in this
order: the scenario, a `--params` overlay, the posterior, then what the user chose (levers,
`--policy`, `--set`): a choice overrides the drawn value of what it sets, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim.engines.drivers import Ensemble, simulate_mixed
from sim.engines.plan import Plan
from sim.errors import ScenarioError
from sim.files.posterior_file import DRAW_CHOICES, Posterior
from sim.rules.behaviour import Behaviour
from sim.rules.scenario import Scenario
from sim.rules.state import FIGURES

ALL = "all"  # one draw per run
MEAN = "mean"  # the posterior mean of the most probable pair
DRAWS_FILE = "draws.csv"  # which draw each run used


def parse_draw(text: str | int, option: str = "--draw") -> str | int:
    """`mean`, `all` or a particle number."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    value = str(text).strip()
    if value in (ALL, MEAN):
        return value
    if value.isdigit() and len(value) <= 9:
        return int(value)
    raise ScenarioError(option, "", f"{value!r} is not a draw", DRAW_CHOICES)


def check_sides(scenario: Scenario, posterior: Posterior) -> None:
    """Refuse a posterior fitted to other sides (before any run is written)."""
    if set(posterior.codes) != set(scenario.codes):
        raise ScenarioError(
            posterior.path,
            "header",
            f"draws of sides {', '.join(posterior.codes)}, the scenario has {', '.join(scenario.codes)}",
            "a posterior fitted to the scenario's two sides",
        )


def _overlaid(base: tuple[Behaviour, Behaviour], codes: tuple[str, str], values: dict) -> tuple[Behaviour, Behaviour]:
    return (replace(base[0], **values[codes[0]]), replace(base[1], **values[codes[1]]))


def with_draw(scenario: Scenario, posterior: Posterior, draw: str | int) -> Scenario:
    """The scenario with one draw (a particle number) or the posterior mean as its behaviours."""
    check_sides(scenario, posterior)
    values = posterior.mean() if draw == MEAN else posterior.behaviour(posterior.row_of(int(draw)))
    return replace(scenario, behaviours=_overlaid(scenario.behaviours, scenario.codes, values))


def chosen_keys(
    codes: tuple[str, str], policies: dict[str, str], overrides: Iterable[tuple[str, str, object]]
) -> list[set[str]]:
    """Per side, the behaviour keys the user's choices set (`--policy`, `--set`, a sweep's levers)."""
    chosen: list[set[str]] = [set(), set()]
    for side in policies:
        chosen[codes.index(side)].add("policy")
    for side, key, _ in overrides:
        chosen[codes.index(side)].add(key)
    return chosen


def run_behaviours(
    scenario: Scenario,
    plan: Plan,
    posterior: Posterior,
    rows: Iterable[int],
    chosen: Sequence[Iterable[str]],
) -> list[tuple[Behaviour, Behaviour]]:
    """Each run's behaviours: the scenario's, overlaid with its draw (`rows`), then with the plan's
    values of the keys the user chose (`chosen[side]`)."""
    check_sides(scenario, posterior)
    made: dict[int, tuple[Behaviour, Behaviour]] = {}
    out = []
    for row in rows:
        row = int(row)
        if row not in made:
            drawn = _overlaid(scenario.behaviours, scenario.codes, posterior.behaviour(row))
            made[row] = tuple(
                replace(drawn[s], **{k: getattr(plan.behaviours[s], k) for k in chosen[s]}) for s in (0, 1)
            )
        out.append(made[row])
    return out


def unit_draws(scenario: Scenario, plan: Plan, posterior: Posterior, drawn: np.ndarray, unit, chosen) -> tuple:
    """A sweep unit's runs' own behaviours (their draws, then the point's `chosen` values) and particles."""
    rows = drawn[unit.first : unit.first + unit.count]
    return run_behaviours(scenario, plan, posterior, rows, chosen), [posterior.particles[r] for r in rows]


def simulate_draws(
    scenario: Scenario,
    plan: Plan,
    keys: np.ndarray,
    behaviours: Sequence[tuple[Behaviour, Behaviour]],
    *,
    mesa: bool = False,
    log_events: bool = True,
    columns: Sequence[str] | None = FIGURES,
    summary: bool = False,
) -> Ensemble:
    """Runs with their own behaviours: batched by policy families (`columns` and `summary` as for
    `simulate_batch`), or one Mesa model per run (every figure kept)."""
    if not mesa:
        return simulate_mixed(scenario, plan, keys, behaviours, log_events=log_events, columns=columns, summary=summary)
    from sim.engines.drivers import simulate_mesa

    parts = [
        simulate_mesa(scenario, replace(plan, behaviours=b), keys[i : i + 1], log_events)
        for i, b in enumerate(behaviours)
    ]
    figures = {name: np.concatenate([p.figures[name] for p in parts], axis=1) for name in parts[0].figures}
    events = [p.events[0] for p in parts] if log_events else []
    acts = np.concatenate([p.acts for p in parts])
    return Ensemble(plan, np.asarray(keys, dtype=np.uint64), scenario.world(), figures, events, acts)


@dataclass(frozen=True)
class DrawnSimulation:
    """A driver for runs that each draw their behaviour from a posterior by their own key
    (picklable, for worker processes): called as `simulate_batch` is, on any slice of runs."""

    posterior: Posterior
    chosen: Sequence[Iterable[str]]
    mesa: bool = False
    columns: Sequence[str] | None = FIGURES
    summary: bool = False

    def __call__(self, scenario: Scenario, plan: Plan, keys: np.ndarray, log_events: bool = True) -> Ensemble:
        keys = np.asarray(keys, dtype=np.uint64)
        behaviours = run_behaviours(scenario, plan, self.posterior, self.posterior.draws(keys), self.chosen)
        return simulate_draws(
            scenario,
            plan,
            keys,
            behaviours,
            mesa=self.mesa,
            log_events=log_events,
            columns=self.columns,
            summary=self.summary,
        )


def draw_columns(posterior: Posterior, name: str = "run") -> list[str]:
    """The columns of draws.csv: the run (a sweep's replicate), its key, its draw, and the draw's values."""
    names: list[str] = []
    for values in posterior.values:
        names += [n for n in values if n not in names]
    codes = posterior.codes
    return [name, "seed", "particle", "model", *(f"{c}.family" for c in codes), *names]


def draw_rows(posterior: Posterior, rows: np.ndarray, keys: np.ndarray, first: int = 0, name: str = "run"):
    """One row per run: which draw it used and that draw's values."""
    for i, (row, key) in enumerate(zip(rows, keys, strict=True)):
        pair = posterior.pairs[row]
        yield {
            name: first + i,
            "seed": str(int(key)),
            "particle": posterior.particles[row],
            "model": f"{pair[0]}/{pair[1]}",
            **{f"{c}.family": f for c, f in zip(posterior.codes, pair, strict=True)},
            **posterior.values[row],
        }


def describe(posterior: Posterior, draw: str | int) -> dict:
    """The posterior as a manifest records it."""
    return {"path": posterior.path, "sha256": posterior.sha256, "draws": len(posterior), "draw": draw}


def sweep_posterior(sweep, path: str | Path | None, draw: str | int | None) -> tuple[Posterior | None, str | int]:
    """A sweep's posterior (its file's [posterior] table, or `--posterior`) and its draw."""
    from sim.files.posterior_file import load_posterior
    from sim.files.sweep_store import SweepError

    if path is not None and sweep.posterior is not None:
        raise SweepError(f"--posterior: {sweep.path} names a posterior already (allowed: one of the two)")
    if draw is not None and path is None:
        raise SweepError("--draw needs --posterior")
    if path is None and sweep.posterior is None:
        return None, ALL
    if path is None:
        return load_posterior(sweep.posterior), parse_draw(sweep.draw, f"{sweep.path}: posterior.draw")
    return load_posterior(path), parse_draw(ALL if draw is None else draw)
