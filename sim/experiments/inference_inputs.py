"""The checks of a fit's options and of a folder it would resume: one-line InferenceErrors."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sim.experiments.inference import HISTORY, Fit, InferenceError
from sim.experiments.inference_model import DEFAULT_FAMILIES, priors_for
from sim.files.results import read_json
from sim.rules.calendar import month_label, parse_date
from sim.rules.policies import REGISTRY
from sim.rules.scenario import Scenario

INPUTS = "inputs.json"


def train_last_of(scenario: Scenario, train_until: str | None) -> int:
    if train_until is None:
        return scenario.end
    try:
        last = parse_date(train_until)[0]
    except ValueError as exc:
        raise InferenceError(f"--train-until: {exc}") from None
    if not scenario.start < last <= scenario.end:
        raise InferenceError(
            f"--train-until: {month_label(last)} is outside the scenario (allowed: after "
            f"{month_label(scenario.start)}, up to {month_label(scenario.end)})"
        )
    return last


def family_names(names: Sequence[str]) -> tuple[str, ...]:
    names = tuple(names) or DEFAULT_FAMILIES
    for name in names:
        if name not in REGISTRY:
            raise InferenceError(f"--families: unknown policy '{name}' (allowed: {', '.join(REGISTRY)})")
    if len(set(names)) != len(names):
        raise InferenceError(f"--families: a family is named twice in {','.join(names)}")
    return names


def check_fixed(fixed: dict[str, float], fit: Fit, codes: tuple[str, str]) -> dict[str, float]:
    known = {r.name: r for pair in fit.pairs for r in priors_for(pair, codes)}
    for name, value in fixed.items():
        if name not in known:
            raise InferenceError(f"fixed: unknown value '{name}' (allowed: {', '.join(sorted(known))})")
        r = known[name]
        if not r.low <= value <= r.high:
            raise InferenceError(f"fixed: {name} = {value} is outside its prior (allowed: {r.low:g} to {r.high:g})")
    return {name: float(value) for name, value in fixed.items()}


def check_inputs(folder: Path, inputs: dict) -> None:
    """A folder may only be resumed by the same fit: scenario, window, families, sizes and seed."""
    path = folder / INPUTS
    if not os.path.lexists(path):
        if os.path.lexists(folder / HISTORY):
            raise InferenceError(f"{folder}: holds a fit of unknown inputs (no {INPUTS}); choose another --id")
        return
    stored = read_json(path, "inputs file")
    changed = [key for key in inputs if stored.get(key) != inputs[key]]
    if changed:
        raise InferenceError(
            f"{folder}: holds a fit with different {', '.join(changed)}; it can only be resumed by the same "
            "scenario, --train-until, --families, --population, --replicates and --seed (choose another --id)"
        )
