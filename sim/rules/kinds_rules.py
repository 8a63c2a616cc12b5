"""Catalogue entries of the rules with a size a host sets on the other side's mission: notice or
approval regimes for travel and meetings, disclosure orders, a shortened visa term, outlets
designated foreign missions; and the measures that undo them.

They remove nobody and close nothing; what they set is kept in the mission's state (`State.
notice_days`, `visa_term_days`, `disclosed`, `designated_outlets`), so that the sizes each side
holds against the other can be compared ("5 days for 5 days", "4 outlets for 4"). They are
record-only kinds: a scenario's events take them, policies do not (see `MeasureSpec.record_only`).
All share the base severity of their kind group, `travel_and_posting` (rules on how the other
side's staff serve); docs/scenarios.md gives the reasons.
"""

from __future__ import annotations

import numpy as np

from sim.rules.domain import NoticeScope
from sim.rules.entries import MeasureKind, MeasureSpec, Role, Unit, entry
from sim.rules.groups import KindGroup

K = MeasureKind
EVERY_SCOPE = tuple(int(s) for s in NoticeScope)


class RecordOnly:
    role = Role.HOST
    record_only = True


def scopes(scope: tuple[int, ...] | None) -> list[int]:
    return list(EVERY_SCOPE if scope is None else scope)


def scope_words(scope: tuple[int, ...] | None) -> str:
    return " and ".join(NoticeScope(s).name.lower() for s in scopes(scope))


def regime_words(days: float, approval: bool) -> str:
    if np.isnan(days):
        return "none"
    return f"{days:g} days' {'approval' if approval else 'notice'}"


@entry
class RequireNotice(RecordOnly, MeasureSpec):
    kind, unit, severity = K.REQUIRE_NOTICE, Unit.DAYS, -2.0
    group = KindGroup.TRAVEL_AND_POSTING
    summary = "require days of notice (or approval) before staff travel or meet officials"
    inverse = K.LIFT_NOTICE
    reasons = {
        1: "a regime of {count} days' {regime} for {scope} does not tighten the one in force ({current})"
        " (allowed: more days than in force, or approval where notice is required; lift_notice to loosen it)"
    }

    def effect(self, world, state, measure, rows, size):
        covered = scopes(measure.scope)
        for s in covered:
            state.notice_days[rows, measure.target, s] = size
            state.notice_approval[rows, measure.target, s] = measure.approval
        return 0, 0, 0.0

    def check(self, world, state, target):
        covered = scopes(target.scope)
        days = state.notice_days[target.rows][:, target.side][:, covered]
        approval = state.notice_approval[target.rows][:, target.side][:, covered]
        size = target.size[:, None]
        # a scope is tightened by more days, or by approval where only notice was required
        tighter = np.isnan(days) | (size > days) | (target.approval & ~approval & (size >= days))
        return np.where(tighter.any(axis=1), 0, 1).astype(np.int8)

    def context(self, world, state, measure, run):
        covered = scopes(measure.scope)
        current = "; ".join(
            f"{NoticeScope(s).name.lower()}: "
            + regime_words(state.notice_days[run, measure.target, s], state.notice_approval[run, measure.target, s])
            for s in covered
        )
        return super().context(world, state, measure, run) | {
            "regime": "approval" if measure.approval else "notice",
            "scope": scope_words(measure.scope),
            "current": current,
        }


@entry
class LiftNotice(RecordOnly, MeasureSpec):
    kind, unit, severity = K.LIFT_NOTICE, Unit.NONE, 2.0
    group = KindGroup.CONCILIATORY
    summary = "lift a notice or approval regime"
    inverse = K.REQUIRE_NOTICE
    reasons = {1: "there is no notice regime for {scope} to lift at that date (allowed: after require_notice)"}

    def effect(self, world, state, measure, rows, size):
        for s in scopes(measure.scope):
            state.notice_days[rows, measure.target, s] = np.nan
            state.notice_approval[rows, measure.target, s] = False
        return 0, 0, 0.0

    def check(self, world, state, target):
        days = state.notice_days[target.rows][:, target.side][:, scopes(target.scope)]
        return np.where(np.isnan(days).all(axis=1), 1, 0).astype(np.int8)

    def context(self, world, state, measure, run):
        return super().context(world, state, measure, run) | {"scope": scope_words(measure.scope)}


@entry
class OrderDisclosure(RecordOnly, MeasureSpec):
    kind, unit, severity = K.ORDER_DISCLOSURE, Unit.ITEMS, -2.0
    group = KindGroup.TRAVEL_AND_POSTING
    summary = "order the mission to disclose people or items (staff lists, property, activities)"
    # What was disclosed cannot be taken back: no inverse.

    def effect(self, world, state, measure, rows, size):
        state.disclosed[rows, measure.target] += size.astype(np.int64)
        return 0, 0, 0.0


@entry
class ShortenVisaTerm(RecordOnly, MeasureSpec):
    kind, unit, severity = K.SHORTEN_VISA_TERM, Unit.DAYS, -2.0
    group = KindGroup.TRAVEL_AND_POSTING
    summary = "cut the term of the staff's visas to a number of days"
    inverse = K.RESTORE_VISA_TERM
    reasons = {
        1: "a visa term of {count} days does not shorten the current term of {term} days (allowed: 1 to {below} days)"
    }

    def effect(self, world, state, measure, rows, size):
        state.visa_term_days[rows, measure.target] = size
        return 0, 0, 0.0

    def check(self, world, state, target):
        term = state.visa_term_days[target.rows, target.side]
        return np.where(~np.isnan(term) & (target.size >= term), 1, 0).astype(np.int8)

    def context(self, world, state, measure, run):
        term = float(state.visa_term_days[run, measure.target])
        return super().context(world, state, measure, run) | {"term": f"{term:g}", "below": f"{term - 1:g}"}


@entry
class RestoreVisaTerm(RecordOnly, MeasureSpec):
    kind, unit, severity = K.RESTORE_VISA_TERM, Unit.DAYS, 2.0
    group = KindGroup.CONCILIATORY
    summary = "lengthen the term of the staff's visas again"
    inverse = K.SHORTEN_VISA_TERM
    reasons = {
        1: "no visa term is set at that date (allowed: after shorten_visa_term, or with visa_term_days in the mission)",
        2: "a visa term of {count} days does not lengthen the current term of {term} days (allowed: above {term})",
    }

    def effect(self, world, state, measure, rows, size):
        state.visa_term_days[rows, measure.target] = size
        return 0, 0, 0.0

    def check(self, world, state, target):
        term = state.visa_term_days[target.rows, target.side]
        return np.where(np.isnan(term), 1, np.where(target.size <= term, 2, 0)).astype(np.int8)

    def context(self, world, state, measure, run):
        term = float(state.visa_term_days[run, measure.target])
        return super().context(world, state, measure, run) | {"term": f"{term:g}"}


@entry
class DesignateOutlets(RecordOnly, MeasureSpec):
    kind, unit, severity = K.DESIGNATE_OUTLETS, Unit.OUTLETS, -2.0
    group = KindGroup.TRAVEL_AND_POSTING
    summary = "designate the other side's state-media outlets foreign missions"
    inverse = K.REVOKE_DESIGNATION

    def effect(self, world, state, measure, rows, size):
        state.designated_outlets[rows, measure.target] += size.astype(np.int64)
        return 0, 0, 0.0


@entry
class RevokeDesignation(RecordOnly, MeasureSpec):
    kind, unit, severity = K.REVOKE_DESIGNATION, Unit.OUTLETS, 2.0
    group = KindGroup.CONCILIATORY
    summary = "revoke the designation of outlets as foreign missions"
    inverse = K.DESIGNATE_OUTLETS
    reasons = {
        1: "no outlets of {side} are designated at that date (allowed: after designate_outlets)",
        2: "cannot revoke the designation of {count} outlets: {designated} designated at that date"
        " (allowed: 1 to {designated})",
    }

    def effect(self, world, state, measure, rows, size):
        state.designated_outlets[rows, measure.target] -= size.astype(np.int64)
        return 0, 0, 0.0

    def check(self, world, state, target):
        designated = state.designated_outlets[target.rows, target.side]
        return np.where(designated == 0, 1, np.where(target.size > designated, 2, 0)).astype(np.int8)

    def context(self, world, state, measure, run):
        return super().context(world, state, measure, run) | {
            "designated": int(state.designated_outlets[run, measure.target])
        }


def rules_held(state, side: int, run: int = 0) -> dict[str, object]:
    """The rules with a size the host holds against `side`'s mission in `run`, each by its figure:
    notice days and whether approval is needed per scope, the visa term, the people or items
    ordered disclosed and the outlets designated (None or 0: none)."""
    figures: dict[str, object] = {}
    for s in NoticeScope:
        days = float(state.notice_days[run, side, s])
        figures[f"notice_{s.name.lower()}"] = regime_words(days, bool(state.notice_approval[run, side, s]))
    term = float(state.visa_term_days[run, side])
    figures["visa_term_days"] = None if np.isnan(term) else term
    figures["disclosed"] = int(state.disclosed[run, side])
    figures["designated_outlets"] = int(state.designated_outlets[run, side])
    return figures


def rules_held_lines(world, state, run: int = 0) -> list[str]:
    """One line per side whose mission the host holds rules with a size against, so that the sides
    can be compared ("4 outlets for 4"); none when no such rule is in force."""
    lines = []
    for side in (0, 1):
        held = rules_held(state, side, run)
        parts = [
            f"{name.removeprefix('notice_')}: {held[name]}"
            for name in ("notice_travel", "notice_meetings")
            if held[name] != "none"
        ]
        if held["visa_term_days"] is not None:
            parts.append(f"visa term {held['visa_term_days']:g} days")
        if held["disclosed"]:
            parts.append(f"{held['disclosed']} people or items disclosed")
        if held["designated_outlets"]:
            parts.append(f"{held['designated_outlets']} outlets designated foreign missions")
        if parts:
            lines.append(f"{world.sides[1 - side]} on {world.sides[side]}'s mission: {'; '.join(parts)}")
    return lines
