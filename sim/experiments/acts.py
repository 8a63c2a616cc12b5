"""Acts as data, for scoring simulated behaviour against the record.

An act is what one side does to the other's mission in one month: every hostile measure a host
takes against the other side's mission in a month is one act, with one part per measure. The
record's packages are single acts (the 31 August 2017 order closing a consulate and two annexes,
with the properties that went with them, is one US act of September 2017 with six parts); so
are a month's measures in a simulated run. Only hostile measures taken by the host count: self
measures change holdings but are not aggression, and conciliation is scored elsewhere.

Each part carries its kind group (`sim.rules.groups`, named by the catalogue entry) and a
nominal severity: the catalogue's base severity of its kind, as a magnitude. The base severity is
used, not the severity a measure had in one run, because every source of acts (the record, event
logs, per-month counts, null models) knows the kind but not always what a measure did; all the
kinds of a hostile group share one base severity, so a group's severity is well defined. The
record-only kinds (rules with a size) count as acts of their group, though no policy takes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.rules.groups import KindGroup
from sim.rules.measures import CATALOGUE, HOSTILE_KINDS, EventRecord, Measure, MeasureKind, Role, Shock
from sim.rules.scenario import Scenario

HOSTILE_GROUPS: tuple[KindGroup, ...] = tuple(
    group for group in KindGroup if any(CATALOGUE[kind].group is group for kind in HOSTILE_KINDS)
)
GROUP_SEVERITY: dict[KindGroup, float] = {
    group: max(abs(CATALOGUE[kind].severity) for kind in HOSTILE_KINDS if CATALOGUE[kind].group is group)
    for group in HOSTILE_GROUPS
}


@dataclass(frozen=True)
class Part:
    """One measure of an act: its kind group and its (positive) severity."""

    group: KindGroup
    severity: float


@dataclass(frozen=True)
class Act:
    """What `actor` (a side index) did to the other side's mission in `month`, in one or more parts."""

    actor: int
    month: int
    parts: tuple[Part, ...]

    @property
    def groups(self) -> frozenset[KindGroup]:
        return frozenset(part.group for part in self.parts)

    @property
    def group(self) -> KindGroup:
        """The group of the most severe part (the first of the most severe, in part order)."""
        return max(self.parts, key=lambda part: part.severity).group

    @property
    def weight(self) -> float:
        return sum(part.severity for part in self.parts)

    def weight_of(self, group: KindGroup) -> float:
        return sum(part.severity for part in self.parts if part.group is group)


def part(group: KindGroup, severity: float | None = None) -> Part:
    """A part of `group`, with the group's nominal severity unless one is given."""
    return Part(group, GROUP_SEVERITY[group] if severity is None else float(severity))


def act(actor: int, group: KindGroup | str, month: int, severity: float | None = None) -> Act:
    """A one-part act."""
    return Act(actor, month, (part(KindGroup(group), severity),))


def package(actor: int, month: int, groups: Iterable[KindGroup | str]) -> Act:
    """An act of several parts, one per group listed (a group may repeat), at nominal severities."""
    return Act(actor, month, tuple(part(KindGroup(g)) for g in groups))


def is_hostile(kind: MeasureKind) -> bool:
    spec = CATALOGUE[kind]
    return spec.role is Role.HOST and spec.severity < 0


def _packages(measures: Iterable[Measure]) -> list[Act]:
    """One act per actor and month, parts in the order given; acts ordered by month, then actor."""
    parts: dict[tuple[int, int], list[Part]] = {}
    for measure in measures:
        if is_hostile(measure.kind):
            parts.setdefault((measure.month, measure.actor), []).append(part(CATALOGUE[measure.kind].group))
    return [Act(actor, month, tuple(p)) for (month, actor), p in sorted(parts.items())]


def recorded_acts(scenario: Scenario) -> list[Act]:
    """The record's hostile acts: its host measures with a negative base severity, one act per
    actor and month."""
    return _packages(e for e in scenario.events if isinstance(e, Measure))


def recorded_shocks(scenario: Scenario) -> list[Shock]:
    return [e for e in scenario.events if isinstance(e, Shock)]


def acts_from_events(runs: Sequence[Sequence[EventRecord]]) -> list[list[Act]]:
    """Acts of each run from its event log (`Ensemble.events`). Every hostile host measure
    counts, whatever its cause: in project mode the forced history is in the log too, so score
    such runs in a window that starts when policies take over."""
    return [_packages(r.event for r in records if isinstance(r.event, Measure)) for records in runs]


def acts_from_counts(counts: np.ndarray, start: int) -> list[list[Act]]:
    """Acts of each run from per-month counts of measures, `counts[months, runs, 2, kinds]` (the
    form `simulate_record` returns), the first month being `start`."""
    counts = np.asarray(counts)
    months, runs = counts.shape[:2]
    hostile = np.zeros(counts.shape[-1], dtype=bool)
    hostile[[int(k) for k in HOSTILE_KINDS]] = True
    out: list[list[Act]] = [[] for _ in range(runs)]
    for t, run, actor in zip(*np.nonzero(counts[..., hostile].sum(axis=-1)), strict=True):
        parts = []
        for kind in HOSTILE_KINDS:
            parts += [part(CATALOGUE[kind].group)] * int(counts[t, run, actor, int(kind)])
        # nonzero walks months first, so each run's acts come in month order, then actor order
        out[run].append(Act(int(actor), start + int(t), tuple(parts)))
    return out
