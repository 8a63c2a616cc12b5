"""Instruments: which kinds of measure a side answers with, apart from how hard it answers.

A policy decides the severity of an answer; the repertoire turns it into measures. With the
`ladder` instruments (the default) the repertoire answers like-for-like, then down a fixed
ladder whose first rung, expulsion, can be sized to any severity; so a simulated state almost
only expels and caps. With propensity instruments a side's hostile answer is drawn:

1. in kind, with probability `like`, when the kind last used against it is feasible;
2. otherwise from its propensities over the hostile kinds, restricted to what is feasible in the
   run, each weighted by how well the kind can carry the answer's severity:
   weight_k x exp(-(reach_k - magnitude)^2 / (2 x spread^2)), where reach_k is the severity the
   kind would have once sized (expulsions, caps and visa cuts are sized to the answer; a closure
   or a seizure has its fixed severity);
3. with probability `package`, a second, different kind is added in the same month (drawn the
   same way), as the record's packages (a consulate closed with its annexes and property, staff
   expelled with a post closed) do.

Spec strings: `ladder`; `record` (propensities estimated from the scenario's own record of the
side's measures before policies act: see `estimate`); or explicit values such as
`expel=5,close_post=2,seize_property=1;like=0.6;package=0.3;spread=2`.

Estimates are posterior means under flat priors (Dirichlet(1, ..., 1) over the kinds;
Beta(1, 1) for `like` and `package`), so a kind the record never shows keeps a small propensity
and a short record does not make a side certain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import SimError
from sim.rules.entries import MeasureKind
from sim.rules.measures import HOSTILE_KINDS

DEFAULT_SPREAD = 2.0
LIKE_WINDOW_MONTHS = 12  # an act is in kind if the other side used that kind that month or in the year before


class InstrumentsError(SimError):
    """An instruments spec that cannot be read."""


@dataclass(frozen=True)
class Instruments:
    """Propensities over the hostile kinds (`weights`, indexed by MeasureKind), the probability of
    answering in kind, of adding a second kind, and how sharply kinds are matched to severity."""

    weights: tuple[float, ...]
    like: float
    package: float
    spread: float = DEFAULT_SPREAD

    def spec(self) -> str:
        parts = ",".join(f"{k.label}={self.weights[k]:.4g}" for k in HOSTILE_KINDS if self.weights[k] > 0)
        return f"{parts};like={self.like:.4g};package={self.package:.4g};spread={self.spread:.4g}"


def parse_instruments(spec: str) -> Instruments | None:
    """None for `ladder` or `record` (resolved against a scenario); else the explicit values."""
    if spec in ("ladder", "record"):
        return None
    weights = [0.0] * len(MeasureKind)
    values = {"like": 0.5, "package": 0.0, "spread": DEFAULT_SPREAD}
    seen: set[str] = set()
    allowed = ", ".join(k.label for k in HOSTILE_KINDS)
    for group in spec.split(";"):
        for item in filter(None, (p.strip() for p in group.split(","))):
            key, sep, text = item.partition("=")
            if not sep:
                raise InstrumentsError(f"instruments: '{item}' is not KEY=VALUE (allowed keys: {allowed}, like, ...)")
            if key in seen:
                raise InstrumentsError(f"instruments: '{key}' is given twice")
            seen.add(key)
            try:
                value = float(text)
            except ValueError:
                raise InstrumentsError(f"instruments: {key} = '{text}' is not a number") from None
            if not np.isfinite(value) or value < 0:
                raise InstrumentsError(f"instruments: {key} = {text} must be a finite number >= 0")
            if key in values:
                if key in ("like", "package") and value > 1:
                    raise InstrumentsError(f"instruments: {key} = {text} is a probability (allowed: 0 to 1)")
                if key == "spread" and value == 0:
                    raise InstrumentsError("instruments: spread must be above 0")
                values[key] = value
                continue
            kind = next((k for k in HOSTILE_KINDS if k.label == key), None)
            if kind is None:
                raise InstrumentsError(f"instruments: unknown kind '{key}' (allowed: {allowed}, like, package, spread)")
            weights[kind] = value
    if sum(weights) <= 0:
        raise InstrumentsError(f"instruments: give a positive propensity to at least one kind ({allowed})")
    return Instruments(tuple(weights), values["like"], values["package"], values["spread"])


def check_instruments(spec: str) -> str:
    parse_instruments(spec)
    return spec


def recorded_acts(events, side: int, last_month: int, within=None) -> dict[int, set[MeasureKind]]:
    """The hostile kinds `side` took against the other's mission, by month, up to `last_month`
    (and only in months `within(month)` accepts, when given)."""
    acts: dict[int, set[MeasureKind]] = {}
    for event in events:
        kind = getattr(event, "kind", None)
        if within is not None and not within(event.month):
            continue
        if kind in HOSTILE_KINDS and event.actor == side and event.month <= last_month:
            acts.setdefault(event.month, set()).add(kind)
    return acts


def estimate(events, side: int, last_month: int, spread: float = DEFAULT_SPREAD, within=None) -> Instruments:
    """A side's instruments from its record up to `last_month` (in the months `within` accepts,
    when given): posterior means under flat priors."""
    mine = recorded_acts(events, side, last_month, within)
    theirs = recorded_acts(events, 1 - side, last_month, within)
    counts = np.zeros(len(MeasureKind))
    for kinds in mine.values():
        for kind in kinds:
            counts[kind] += 1
    weights = [(1.0 + counts[k]) if k in HOSTILE_KINDS else 0.0 for k in MeasureKind]
    in_kind = 0
    for month, kinds in mine.items():
        used_against = set().union(*(v for m, v in theirs.items() if month - LIKE_WINDOW_MONTHS <= m <= month))
        in_kind += bool(kinds & used_against)
    acts = len(mine)
    packages = sum(len(kinds) > 1 for kinds in mine.values())
    like = (1.0 + in_kind) / (2.0 + acts)
    package = (1.0 + packages) / (2.0 + acts)
    return Instruments(tuple(weights), round(like, 4), round(package, 4), spread)
