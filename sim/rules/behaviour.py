"""How a side behaves when policies act: its policy, misperception, execution error, response
delay, crises it is blamed for, and whether it re-staffs its mission. Declared per side in the
scenario's `[behaviour.XX]` table; every value can be overridden on the command line."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from sim.errors import SimError
from sim.rules.policies import parse_policy


class BehaviourError(SimError):
    """A behaviour parameter that is unknown or out of bounds."""


STOCHASTIC_KEYS = ("perception_error", "misread_sigma", "execution_error", "crisis_rate")


@dataclass(frozen=True)
class Behaviour:
    policy: str = "mirror"
    perception_error: float = 0.0  # probability that a quiet month is read as hostile
    phantom_severity: float = 3.0  # how hostile such a misread month seems (magnitude)
    misread_sigma: float = 0.0  # perceived severity = true severity x exp(sigma x N(0, 1))
    execution_error: float = 0.0  # probability that an intended act comes out wrong
    error_severity: float = 3.0  # magnitude of an unintended hostile act
    delay_weights: tuple[float, ...] = (1.0,)  # P(the answer waits 0, 1, 2, ... further months)
    crisis_rate: float = 0.0  # crises a year attributed to this side (a month sees at most one)
    crisis_severity: tuple[float, float] = (-8.0, -3.0)  # uniform between these
    restaff: bool = True  # re-staff the mission toward its starting size where the host allows
    initiative: str = (
        "none"  # conciliatory measures announced for a month: "return_property@2025-06+reopen_post@2025-09"
    )

    @property
    def initiatives(self) -> tuple[tuple[object, int], ...]:
        """The initiative as (measure kind, month index) pairs."""
        return parse_initiative(self.initiative)

    @property
    def random(self) -> bool:
        """Whether anything in this behaviour draws random numbers."""
        policy = parse_policy(self.policy)
        random_policy = policy.stochastic and 0.0 < policy.params.get("forgiveness", 0.5) < 1.0
        delays_vary = sum(w > 0 for w in self.delay_weights) > 1
        return random_policy or delays_vary or any(getattr(self, k) > 0 for k in STOCHASTIC_KEYS)

    @property
    def delays(self) -> tuple[float, ...]:
        total = sum(self.delay_weights)
        return tuple(w / total for w in self.delay_weights)


BOUNDS: dict[str, tuple[float, float]] = {
    "perception_error": (0.0, 1.0),
    "phantom_severity": (0.0, 10.0),
    "misread_sigma": (0.0, 3.0),
    "execution_error": (0.0, 1.0),
    "error_severity": (0.0, 10.0),
    "crisis_rate": (0.0, 12.0),
}
KEYS = tuple(f.name for f in fields(Behaviour))


def check_value(key: str, value: object) -> object:
    """Validate one behaviour value; returns it in its stored form. Raises BehaviourError."""
    if key not in KEYS:
        raise BehaviourError(f"unknown behaviour key '{key}' (allowed: {', '.join(KEYS)})")
    if key == "policy":
        if not isinstance(value, str):
            raise BehaviourError(f"policy must be a spec string such as 'mirror', found {value!r}")
        parse_policy(value)
        return value
    if key == "initiative":
        if not isinstance(value, str):
            raise BehaviourError(f"initiative must be a string such as 'return_property@2025-06', found {value!r}")
        parse_initiative(value)
        return value
    if key == "restaff":
        if not isinstance(value, bool):
            raise BehaviourError(f"restaff must be true or false, found {value!r}")
        return value
    if key == "delay_weights":
        if not isinstance(value, (list, tuple)) or not value or len(value) > 25:
            raise BehaviourError(
                "delay_weights must be 1 to 25 weights for delays of 0, 1, 2, ... months: [0.2, 0.5, 0.3] in a "
                "scenario, 0.2,0.5,0.3 with --set"
            )
        weights = tuple(_number(key, w) for w in value)
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise BehaviourError("delay_weights must be non-negative with a positive sum")
        return weights
    if key == "crisis_severity":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise BehaviourError(
                "crisis_severity must be two numbers, lowest and highest: [-8, -3] in a scenario, -8,-3 with --set"
            )
        low, high = (_number(key, v) for v in value)
        if not -10.0 <= low <= high <= 0.0:
            raise BehaviourError(f"crisis_severity [{low}, {high}] must satisfy -10 <= lowest <= highest <= 0")
        return (low, high)
    number = _number(key, value)
    low, high = BOUNDS[key]
    if not low <= number <= high:
        raise BehaviourError(f"{key} = {number} is out of range (allowed: {low} to {high})")
    return number


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BehaviourError(f"{key} must be a number, found {value!r}")
    return float(value)


def with_values(behaviour: Behaviour, values: dict[str, object]) -> Behaviour:
    return replace(behaviour, **{k: check_value(k, v) for k, v in values.items()})


def parse_override(text: str, codes: tuple[str, str]) -> tuple[str, str, object]:
    """`US.perception_error=0.05` -> ('US', 'perception_error', 0.05). Lists as `0.2,0.5,0.3`."""
    target, sep, raw = text.partition("=")
    side, dot, key = target.partition(".")
    if not sep or not dot:
        raise BehaviourError(f"--set: expected SIDE.KEY=VALUE such as US.perception_error=0.05, found '{text}'")
    if side not in codes:
        raise BehaviourError(f"--set: unknown side '{side}' in '{text}' (allowed: {', '.join(codes)})")
    if key not in KEYS:
        raise BehaviourError(f"--set {target}: unknown behaviour key '{key}' (allowed: {', '.join(KEYS)})")
    if key in ("policy", "initiative"):
        return side, key, raw
    if key == "restaff":
        if raw.lower() not in ("true", "false"):
            raise BehaviourError(f"--set {target}: restaff must be true or false, found '{raw}'")
        return side, key, raw.lower() == "true"
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise BehaviourError(
            f"--set {target}: expected a number (or numbers separated by commas), found '{raw}'"
        ) from None
    value: object = values if key in ("delay_weights", "crisis_severity") else values[0]
    if key not in ("delay_weights", "crisis_severity") and len(values) != 1:
        raise BehaviourError(f"--set {target}: {key} takes one number, found '{raw}'")
    return side, key, value


def parse_initiative(text: str) -> tuple[tuple[object, int], ...]:
    """'none', or 'KIND@YYYY-MM' joined by '+', where KIND is a conciliatory measure a host takes."""
    from sim.rules.calendar import parse_date
    from sim.rules.measures import CATALOGUE, MeasureKind, Role

    if text.strip() in ("", "none"):
        return ()
    allowed = [k.label for k, spec in CATALOGUE.items() if spec.role is Role.HOST and spec.severity > 0]
    steps = []
    for item in text.split("+"):
        name, at, date = item.strip().partition("@")
        if not at or name not in allowed:
            raise BehaviourError(f"initiative '{item}' must be KIND@YYYY-MM with KIND one of: {', '.join(allowed)}")
        try:
            month = parse_date(date)[0]
        except ValueError as exc:
            raise BehaviourError(f"initiative '{item}': {exc}") from None
        steps.append((MeasureKind[name.upper()], month))
    return tuple(steps)
