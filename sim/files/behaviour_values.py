"""Behaviour values wherever they are given: a scenario's or overlay's `[behaviour.XX]` table, a
sweep's levers and uncertainties, `--set SIDE.KEY=VALUE` and `--policy SIDE=POLICY`. One model
checks them all, against the bounds `sim.rules.behaviour` declares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator

from sim.errors import ScenarioError
from sim.files.toml_input import LineIndex, Loc, key_path
from sim.files.validation import Number, Strict, problem, shown, split_allowed, validate
from sim.rules.behaviour import (
    BOUNDS,
    CRISIS_SEVERITY,
    KEYS,
    MAX_DELAY_MONTHS,
    MAX_WEIGHT,
    Behaviour,
    BehaviourError,
    parse_initiative,
)
from sim.rules.calendar import month_label
from sim.rules.instruments import InstrumentsError, check_instruments
from sim.rules.policies import PolicyError, parse_policy

_DEFAULT = Behaviour()
LIST_KEYS = ("delay_weights", "crisis_severity")


def _policy(value: str) -> str:
    try:
        parse_policy(value)
    except PolicyError as exc:
        raise problem(*split_allowed(str(exc))) from None
    return value


def _initiative(value: str) -> str:
    try:
        parse_initiative(value)
    except BehaviourError as exc:
        raise problem(*split_allowed(str(exc))) from None
    return value


def _instruments(value: str) -> str:
    try:
        check_instruments(value)
    except InstrumentsError as exc:
        raise problem(*split_allowed(str(exc))) from None
    return value


def _delays(weights: list[float]) -> tuple[float, ...]:
    if not 1 <= len(weights) <= MAX_DELAY_MONTHS + 1:
        raise problem(
            f"found {len(weights)} weights",
            f"1 to {MAX_DELAY_MONTHS + 1} weights for delays of 0, 1, 2, ... months: [0.2, 0.5, 0.3] in a file, "
            "0.2,0.5,0.3 with --set",
        )
    if sum(weights) <= 0:
        raise problem("the weights sum to 0", "non-negative weights with a positive sum")
    return tuple(weights)


def _crisis(values: list[float]) -> tuple[float, float]:
    if len(values) != 2:
        raise problem(
            f"found {len(values)} numbers", "two numbers, lowest and highest: [-8, -3] in a file, -8,-3 with --set"
        )
    low, high = values
    if low > high:
        raise problem(f"lowest {low} is above highest {high}", f"{CRISIS_SEVERITY[0]} <= lowest <= highest <= 0")
    return (low, high)


class BehaviourModel(Strict):
    """One side's behaviour values; only the keys given are used (`given`)."""

    policy: Annotated[str, AfterValidator(_policy)] = _DEFAULT.policy
    perception_error: Number(*BOUNDS["perception_error"]) = _DEFAULT.perception_error
    phantom_severity: Number(*BOUNDS["phantom_severity"]) = _DEFAULT.phantom_severity
    misread_sigma: Number(*BOUNDS["misread_sigma"]) = _DEFAULT.misread_sigma
    execution_error: Number(*BOUNDS["execution_error"]) = _DEFAULT.execution_error
    error_severity: Number(*BOUNDS["error_severity"]) = _DEFAULT.error_severity
    delay_weights: Annotated[list[Number(0.0, MAX_WEIGHT)], AfterValidator(_delays)] = _DEFAULT.delay_weights
    crisis_rate: Number(*BOUNDS["crisis_rate"]) = _DEFAULT.crisis_rate
    crisis_severity: Annotated[list[Number(*CRISIS_SEVERITY)], AfterValidator(_crisis)] = _DEFAULT.crisis_severity
    restaff: bool = _DEFAULT.restaff
    initiative: Annotated[str, AfterValidator(_initiative)] = _DEFAULT.initiative
    instruments: Annotated[str, AfterValidator(_instruments)] = _DEFAULT.instruments
    memory_months: Number(*BOUNDS["memory_months"]) = _DEFAULT.memory_months
    notice: Number(*BOUNDS["notice"]) = _DEFAULT.notice
    rehire_months: Number(*BOUNDS["rehire_months"]) = _DEFAULT.rehire_months
    tour_months: Number(*BOUNDS["tour_months"]) | None = _DEFAULT.tour_months
    same_month: Number(*BOUNDS["same_month"]) = _DEFAULT.same_month

    def given(self) -> dict[str, object]:
        return {key: getattr(self, key) for key in KEYS if key in self.model_fields_set}


def behaviour_values(values: Any, source: str, at: Loc = (), lines: LineIndex | None = None) -> dict[str, object]:
    """The given behaviour values, checked and in their stored form (floats, tuples)."""
    if isinstance(values, dict):
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    return validate(BehaviourModel, values, source, lines, at).given()


def behaviour_value(key: str, value: Any, source: str, at: Loc, lines: LineIndex | None = None) -> object:
    """One behaviour value written at `at` (a lever's value, an uncertainty's bound), checked."""
    if key not in KEYS:
        raise ScenarioError(source, key_path(at), f"unknown behaviour key {shown(key)}", ", ".join(KEYS))
    return validate(BehaviourModel, {key: value}, source, lines, at, drop=1).given()[key]


def initiative_outside(initiative: str, first: int, last: int | None = None) -> str | None:
    """The first step of an initiative dated outside `first`..`last`, as a problem to report."""
    for item, (_, month) in zip(initiative.split("+"), parse_initiative(initiative), strict=False):
        if month < first or (last is not None and month > last):
            return f"{shown(item.strip())} is dated {month_label(month)}"
    return None


def _from_text(key: str, raw: str) -> object:
    """A `--set` value from its text: numbers, comma-separated lists, true/false, or the text."""

    def number(text: str) -> object:
        try:
            return float(text)
        except ValueError:
            return text

    if key in LIST_KEYS:
        parts = [number(p) for p in raw.split(",")]
        return parts if all(isinstance(p, float) for p in parts) else raw
    if key in ("policy", "initiative", "instruments"):
        return raw
    if key == "restaff":
        return {"true": True, "false": False}.get(raw.strip().lower(), raw)
    return number(raw)


def parse_override(text: str, codes: Iterable[str]) -> tuple[str, str, object]:
    """`US.perception_error=0.05` -> ('US', 'perception_error', 0.05); lists as `0.2,0.5,0.3`."""
    codes = tuple(codes)
    target, sep, raw = text.partition("=")
    side, dot, key = target.partition(".")
    if not sep or not dot:
        raise ScenarioError(
            "--set", "", f"expected SIDE.KEY=VALUE, found {shown(text)}", "e.g. US.perception_error=0.05"
        )
    if side not in codes:
        raise ScenarioError("--set", target, f"unknown side {shown(side)}", ", ".join(codes))
    values = behaviour_values({key: _from_text(key, raw)}, "--set", (side,))
    return side, key, values[key]
