"""What every policy shares: parameters with bounds, declared traits, one registry, spec strings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.errors import SimError
from sim.rules.compiled import pick


class PolicyError(SimError):
    """An unknown policy, an unknown parameter or a value out of its bounds."""


@dataclass(frozen=True)
class Parameter:
    """A policy parameter: a real (or integer) number with bounds and a default."""

    name: str
    default: float
    low: float
    high: float
    doc: str
    integer: bool = False

    def check(self, policy: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise PolicyError(f"policy '{policy}': parameter '{self.name}' must be a number, found {value!r}")
        if self.integer and float(value) != int(value):
            raise PolicyError(f"policy '{policy}': parameter '{self.name}' must be a whole number, found {value}")
        if not self.low <= value <= self.high:
            span = f"{self.low:g} to {self.high:g}"
            raise PolicyError(f"policy '{policy}': parameter '{self.name}' = {value} is out of range (allowed: {span})")
        return float(value)


# The catalogue's rules, by number: each is a kernel over one run (`sim.rules.policies.kernel`).
RESTRAINT, MIRROR, TIT_FOR_TWO_TATS, GENEROUS_MIRROR, GRIM_TRIGGER, WIN_STAY_LOSE_SHIFT = range(6)
GRADUAL, CONTRITE_MIRROR, ESCALATE, PARITY, GRIT, TALKS_RESET = range(6, 12)

# What a rule is given of `Seen`: a tuple of its fields in this order (a field the rule does not
# read is an empty array).
HOSTILITY, CONCILIATION, PROVOCATION, OVERTURE, RECIPROCATED, RESTORABLE = range(6)
OWN_LAST, OWN_ERROR, OWN_STAFF, OTHER_STAFF, DRAW = range(6, 11)
NO_KIND = -1  # a rule's answer names no measure kind
NAN = float("nan")  # nor a size


@dataclass
class Seen:
    """What a side saw of the other in the month before it decides, one value per run.

    Magnitudes are non-negative severities on the measures' scale. `provocation` is the part of
    the perceived hostility that does not answer this side's own earlier hostile acts (a
    proportionate answer settles an account; it does not open a new one); `overture` likewise is
    conciliation that does not merely reciprocate this side's own earlier steps, and
    `reciprocated` is the part that does.
    """

    hostility: np.ndarray
    conciliation: np.ndarray
    provocation: np.ndarray
    overture: np.ndarray
    reciprocated: np.ndarray
    restorable: np.ndarray  # bool: this side still holds something of the other's mission to give back
    own_last: np.ndarray  # signed severity this side executed in that month
    own_error: np.ndarray  # bool: that act came from an execution error
    own_staff: np.ndarray
    other_staff: np.ndarray
    draw: np.ndarray  # a uniform number per run for stochastic policies (the match's, not the policy's)

    @classmethod
    def quiet(cls, runs: int) -> Seen:
        zero = np.zeros(runs)
        return cls(zero, zero, zero, zero, zero, np.zeros(runs, bool), zero, np.zeros(runs, bool), zero, zero, zero)


@dataclass
class Response:
    """A policy's decision, one value per run: the desired severity (negative hostile, positive
    conciliatory, 0 none) and, optionally, a preferred measure kind and size (-1 / nan: none)."""

    severity: np.ndarray
    kind: np.ndarray = field(default=None)
    size: np.ndarray = field(default=None)

    def __post_init__(self) -> None:
        runs = len(self.severity)
        if self.kind is None:
            self.kind = np.full(runs, -1, dtype=np.int64)
        if self.size is None:
            self.size = np.full(runs, np.nan)


class Policy:
    """A rule for answering what a side perceived the other did. Subclasses set the class
    attributes and write `decide`; they register with `@register`."""

    name: ClassVar[str]
    code: ClassVar[int | None] = None  # the rule's number in the catalogue's kernel (None: `decide` is the rule)
    reads: ClassVar[tuple[str, ...]] = ()  # the fields of `Seen` the rule reads beyond the first five
    remembers: ClassVar[tuple[str, ...]] = ()  # what the rule keeps from month to month, per run
    title: ClassVar[str]
    source: ClassVar[str]
    memory_depth: ClassVar[float]  # months of history the rule looks at (math.inf: unbounded)
    stochastic: ClassVar[bool] = False
    classic: ClassVar[bool] = False  # also defined in the plain two-move iterated game
    parameters: ClassVar[tuple[Parameter, ...]] = ()

    def __init__(self, **values: float):
        known = {p.name: p for p in self.parameters}
        for key in values:
            if key not in known and not known:
                raise PolicyError(
                    f"policy '{self.name}' takes no parameters, found '{key}' (allowed: '{self.name}' alone)"
                )
            if key not in known:
                raise PolicyError(f"policy '{self.name}': unknown parameter '{key}' (allowed: {', '.join(known)})")
        self.params = {p.name: p.check(self.name, values.get(p.name, p.default)) for p in self.parameters}

    def __repr__(self) -> str:
        return spec_string(self)

    def start(self, runs: int) -> np.ndarray:
        """Fresh memory for `runs` runs (reset): a row per run, a column for each of `remembers`."""
        return np.zeros((runs, len(self.remembers)))

    def decide(self, seen: Seen, memory: np.ndarray) -> Response:
        """The rule's answer in every run; updates `memory`."""
        from sim.rules.policies.kernel import decide_runs  # the catalogue's rules, which import this module

        runs = len(seen.provocation)
        severity, kind, size = np.empty(runs), np.empty(runs, dtype=np.int64), np.empty(runs)
        pick(decide_runs, runs)(self.code, self.values(runs), self.given(seen), memory, severity, kind, size)
        return Response(severity, kind, size)

    def given(self, seen: Seen) -> tuple[np.ndarray, ...]:
        """What the rule is given of `seen`: its fields in order, those it does not read empty
        (so a field computed when first read, as the engine's are, is computed only if read)."""
        if self.code is None:
            raise NotImplementedError(f"policy '{self.name}' has no rule in the catalogue: write its decide")
        return tuple(
            _field(getattr(seen, name), kind) if i < 5 or name in self.reads else np.empty(0, kind)
            for i, (name, kind) in enumerate(SEEN_KINDS.items())
        )

    def values(self, runs: int) -> np.ndarray:
        """The parameters' values in each of `runs` runs, a column each in the order of `parameters`
        (as the rule reads them): a value is one for all runs, or one per run."""
        table = np.empty((runs, len(self.parameters)))
        for column, parameter in enumerate(self.parameters):
            table[:, column] = self.params[parameter.name]
        return table


SEEN_KINDS = {name: bool if name in ("restorable", "own_error") else np.float64 for name in Seen.__dataclass_fields__}


def _field(value: np.ndarray, kind: type) -> np.ndarray:
    return np.ascontiguousarray(value, dtype=kind)


REGISTRY: dict[str, type[Policy]] = {}


def register(cls: type[Policy]) -> type[Policy]:
    REGISTRY[cls.name] = cls
    return cls


def spec_string(policy: Policy) -> str:
    changed = [f"{k}={v:g}" for k, v in policy.params.items()]
    return policy.name + (":" + ",".join(changed) if changed else "")


def parse_policy(spec: str | Policy) -> Policy:
    """A policy from a spec string such as 'generous_mirror:forgiveness=0.3' (or a policy itself)."""
    if isinstance(spec, Policy):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise PolicyError(f"expected a policy spec such as 'mirror' or 'escalate:k=1.5', found {spec!r}")
    name, _, rest = spec.strip().partition(":")
    if name not in REGISTRY:
        raise PolicyError(f"unknown policy '{name}' (allowed: {', '.join(sorted(REGISTRY))})")
    values: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, text = item.partition("=")
        if not sep:
            raise PolicyError(f"policy '{name}': expected key=value, found '{item}'")
        if key.strip() in values:
            raise PolicyError(f"policy '{name}': parameter '{key.strip()}' is given twice")
        try:
            values[key.strip()] = float(text)
        except ValueError:
            raise PolicyError(f"policy '{name}': parameter '{key.strip()}' must be a number, found '{text}'") from None
    return REGISTRY[name](**values)
