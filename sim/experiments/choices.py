"""The plan of a run from the user's choices: mode, months, and each side's behaviour."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from sim.engines.plan import Mode, Plan
from sim.errors import ScenarioError, SimError, input_message
from sim.experiments.limits import MAX_MONTHS
from sim.files.behaviour_values import behaviour_values, initiative_outside
from sim.rules.calendar import month_label, parse_date
from sim.rules.scenario import Scenario

ENGINES = ("batch", "mesa")  # all runs at once over arrays; one Mesa model per run
KEEP = ("auto", "all", "summary")  # what an ensemble keeps: see sim.experiments.run
FOLD_KINDS = ("rolling", "episodes")  # out-of-sample folds: see sim.experiments.folds


class PlanError(SimError):
    """A mode, date range or behaviour choice that does not fit the scenario."""


def _month(text: str, option: str) -> int:
    try:
        return parse_date(text)[0]
    except ValueError as exc:
        raise PlanError(f"{option}: {exc}") from None


def make_plan(
    scenario: Scenario,
    mode: str = "replay",
    *,
    start_from: str | None = None,
    until: str | None = None,
    policies: dict[str, str] | None = None,
    overrides: Iterable[tuple[str, str, object]] = (),
) -> Plan:
    """The plan for a run: mode, months, and each side's behaviour (scenario values, then the
    command line's `--policy` and `--set` choices)."""
    try:
        chosen = Mode(mode)
    except ValueError:
        raise PlanError(f"--mode: unknown mode '{mode}' (allowed: replay, behavioural, project)") from None
    end = scenario.end if until is None else _month(until, "--until")
    if end < scenario.start:
        raise PlanError(f"--until: {month_label(end)} is before the scenario's start {month_label(scenario.start)}")
    if end - scenario.start + 1 > MAX_MONTHS:
        raise PlanError(
            f"--until: the run from {month_label(scenario.start)} to {month_label(end)} would last "
            f"{end - scenario.start + 1} months (allowed: at most {MAX_MONTHS}, see docs/limits.md)"
        )
    if chosen is Mode.REPLAY and end > scenario.end:
        raise PlanError(
            f"--until: a replay ends with the record ({month_label(scenario.end)}); use --mode project to go further"
        )
    if chosen is Mode.PROJECT:
        if start_from is None:
            raise PlanError("--mode project needs --from DATE: the month policies take over")
        active = _month(start_from, "--from")
        if not scenario.start < active <= min(end, scenario.end + 1):
            raise PlanError(
                f"--from: {month_label(active)} must be after {month_label(scenario.start)} and "
                f"no later than {month_label(min(end, scenario.end + 1))}"
            )
    elif start_from is not None:
        raise PlanError("--from applies to --mode project only")
    else:
        active = scenario.start if chosen is Mode.BEHAVIOURAL else end + 1
    behaviours = list(scenario.behaviours)
    codes = scenario.codes
    overrides = list(overrides)
    if chosen is Mode.REPLAY and (policies or overrides):
        raise PlanError("--policy and --set apply only when policies act (allowed with --mode behavioural or project)")
    chosen_values = [("--policy", side, {"policy": spec}) for side, spec in (policies or {}).items()]
    chosen_values += [("--set", side, {key: value}) for side, key, value in overrides]
    for option, side, values in chosen_values:
        if side not in codes:
            raise PlanError(input_message(option, "", f"unknown side '{side}'", ", ".join(codes)))
        try:
            checked = behaviour_values(values, option, (side,))
        except ScenarioError as exc:
            raise PlanError(str(exc)) from None
        behaviours[codes.index(side)] = replace(behaviours[codes.index(side)], **checked)
    if chosen is not Mode.REPLAY:
        for code, behaviour in zip(codes, behaviours, strict=True):
            outside = initiative_outside(behaviour.initiative, active, end)
            if outside:
                raise PlanError(
                    input_message(
                        f"{code}.initiative",
                        "",
                        f"{outside}, outside the months policies act",
                        f"{month_label(active)} to {month_label(end)}",
                    )
                )
    return Plan(chosen, scenario.start, end, active, (behaviours[0], behaviours[1]))
