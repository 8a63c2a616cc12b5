"""Behaviour values that differ from run to run inside one batch.

A posterior ensemble gives every run its own draw of a side's values. The numeric ones are held as
arrays over the runs of a batch (`SideValues`), so a batch of runs with different values is one
`Dynamics`, not one simulation per run; what cannot be an array (the policy's family, the range
of crises' severity, whether a side re-staffs, initiatives, the kinds of instruments) must be the
same for every run of a batch:
`batch_key` says what that is, and `groups` splits runs into batches by it.

A run's values enter its arithmetic exactly as the same values given as scalars do (a comparison
or product per run either way), so a run simulated inside a mixed batch is the same as the run
simulated alone; tests/test_posterior_engine.py proves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from sim.errors import SimError
from sim.rules.behaviour import Behaviour
from sim.rules.policies import Policy, parse_policy

if TYPE_CHECKING:
    from sim.rules.instruments import Instruments

# behaviour values that may differ between the runs of one batch (besides the policy's parameters
# and the instruments' like and package)
VARYING = (
    "perception_error",
    "phantom_severity",
    "misread_sigma",
    "execution_error",
    "error_severity",
    "notice",
    "memory_months",
    "crisis_rate",
    "rehire_months",
    "tour_months",
    "same_month",
)
_BLANK = Behaviour()


class MixedBatchError(SimError):
    """Runs put into one batch that differ in a value the batch cannot hold per run."""


def batch_key(behaviour: Behaviour) -> tuple:
    """What every run of one batch must share for this side: the behaviour with its per-run
    values blanked, the policy's family, and the instruments without like and package."""
    from sim.rules.instruments import parse_instruments  # kept off the engines' chain of module imports

    instruments = parse_instruments(behaviour.instruments)
    shared = replace(
        behaviour,
        **{key: getattr(_BLANK, key) for key in VARYING},
        delay_weights=_BLANK.delay_weights,
        policy=behaviour.policy.partition(":")[0].strip(),
        instruments=behaviour.instruments if instruments is None else "",
    )
    return shared, None if instruments is None else replace(instruments, like=0.0, package=0.0)


def groups(runs: Sequence[tuple[Behaviour, Behaviour]]) -> list[np.ndarray]:
    """The runs (indices, in order) that can share a batch, in the order of their first run."""
    found: dict[tuple, list[int]] = {}
    for i, pair in enumerate(runs):
        found.setdefault((batch_key(pair[0]), batch_key(pair[1])), []).append(i)
    return [np.array(rows, dtype=np.int64) for rows in found.values()]


@dataclass
class SideValues:
    """One side's values in a batch: scalars where every run has the same, else arrays over the runs.
    `cumulative`: the cumulative delay weights, [weights] or, per run, [runs, weights] padded
    with inf; `last_delay`: the longest delay in months (per run, or one for all)."""

    perception_error: float | np.ndarray
    phantom_severity: float | np.ndarray
    misread_sigma: float | np.ndarray
    execution_error: float | np.ndarray
    error_severity: float | np.ndarray
    notice: float | np.ndarray
    memory_months: float | np.ndarray
    crisis_rate: float | np.ndarray
    rehire_months: float | np.ndarray
    tour_months: float | np.ndarray  # nan: the scenario's
    same_month: float | np.ndarray
    cumulative: np.ndarray
    last_delay: int | np.ndarray
    policy: Policy
    instruments: Instruments | None
    delay_depth: int | np.ndarray  # len(delay_weights)


def _number(value: float | None) -> float:
    """A value as a number: None (left to the scenario) is nan."""
    return float("nan") if value is None else value


def side_values(behaviour: Behaviour, instruments: Instruments | None) -> SideValues:
    """The values of a batch whose runs all have `behaviour`."""
    return SideValues(
        **{key: _number(getattr(behaviour, key)) for key in VARYING},
        cumulative=np.cumsum(behaviour.delays),
        last_delay=len(behaviour.delay_weights) - 1,
        policy=parse_policy(behaviour.policy),
        instruments=instruments,
        delay_depth=len(behaviour.delay_weights),
    )


def run_values(behaviours: Sequence[Behaviour], instruments: Instruments | None) -> SideValues:
    """The values of a batch whose run i has `behaviours[i]` (all of one `batch_key`);
    `instruments`: the side's instruments as the batch's first run has them (None: no propensities)."""
    keys = {batch_key(b) for b in behaviours}
    if len(keys) > 1:
        raise MixedBatchError("the runs of one batch differ in a value that cannot vary per run")
    arrays = {key: np.array([_number(getattr(b, key)) for b in behaviours], dtype=float) for key in VARYING}
    widths = np.array([len(b.delay_weights) for b in behaviours], dtype=np.int64)
    cumulative = np.full((len(behaviours), int(widths.max())), np.inf)
    for i, b in enumerate(behaviours):
        cumulative[i, : widths[i]] = np.cumsum(b.delays)
    policies = [parse_policy(b.policy) for b in behaviours]
    policy = parse_policy(behaviours[0].policy.partition(":")[0].strip())
    policy.params = {name: np.array([p.params[name] for p in policies]) for name in policy.params}
    from sim.rules.instruments import parse_instruments

    if instruments is not None and parse_instruments(behaviours[0].instruments) is not None:
        chosen = [parse_instruments(b.instruments) for b in behaviours]
        instruments = replace(
            instruments,
            like=np.array([c.like for c in chosen]),
            package=np.array([c.package for c in chosen]),
        )
    return SideValues(
        **arrays,
        cumulative=cumulative,
        last_delay=widths - 1,
        policy=policy,
        instruments=instruments,
        delay_depth=widths,
    )


def may_wait(values: SideValues) -> bool:
    """Whether some run's answer may wait a month or more."""
    return not (np.ndim(values.last_delay) == 0 and values.last_delay == 0)


def delay_table(values: SideValues, runs: int) -> tuple[np.ndarray, np.ndarray]:
    """The cumulative delay weights as rows (one for all runs, or one per run) and the longest
    delay per run, as `delay_one` reads them."""
    cumulative = np.ascontiguousarray(np.atleast_2d(values.cumulative), dtype=np.float64)
    last = np.ascontiguousarray(np.broadcast_to(values.last_delay, (runs,)), dtype=np.int64)
    return cumulative, last


def instruments_of(values: SideValues, rows: np.ndarray) -> Instruments | None:
    """The side's instruments for the runs `rows`."""
    instruments = values.instruments
    if instruments is None or np.ndim(instruments.like) == 0:
        return instruments
    return replace(instruments, like=instruments.like[rows], package=instruments.package[rows])
