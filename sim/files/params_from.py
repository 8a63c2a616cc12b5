"""One dyad's fitted side applied to another state: `--policy-from TARGET=SOURCE` takes the
`[behaviour.SOURCE]` table of a parameter overlay (the params.toml that `tft calibrate` writes
for one dyad) and applies it to side TARGET of another scenario, so behaviour learned on one
record runs on another without refitting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from sim.errors import ScenarioError
from sim.files.behaviour_values import initiative_outside
from sim.files.params import ParamsModel
from sim.files.toml_input import read_toml
from sim.files.validation import shown, validate
from sim.rules.calendar import month_label
from sim.rules.scenario import Scenario

OPTION = "--policy-from"


def apply_params_from(scenario: Scenario, path: str | Path, sides: Mapping[str, str]) -> Scenario:
    """The scenario with, for each TARGET=SOURCE of `sides`, the overlay's `[behaviour.SOURCE]`
    values applied to side TARGET; sides not named keep their behaviour."""
    file = read_toml(path)
    model = validate(ParamsModel, file.data, file.path, file.lines)
    behaviours = list(scenario.behaviours)
    for target, source in sides.items():
        if target not in scenario.codes:
            raise ScenarioError(
                OPTION,
                f"{target}={source}",
                f"{shown(target)} is not a side of {scenario.name}",
                ", ".join(scenario.codes),
            )
        if source not in model.behaviour:
            raise ScenarioError(
                OPTION,
                f"{target}={source}",
                f"{file.path} has no [behaviour.{source}] table",
                ", ".join(model.behaviour) or f"a side with a [behaviour.XX] table in {file.path}; it has none",
            )
        given = model.behaviour[source].given()
        early = initiative_outside(given.get("initiative", "none"), scenario.start)
        if early:
            file.fail(
                ("behaviour", source, "initiative"),
                f"{early}, before {scenario.name} starts",
                f"months from {month_label(scenario.start)}",
            )
        side = scenario.codes.index(target)
        behaviours[side] = replace(behaviours[side], **given)
    return replace(scenario, behaviours=(behaviours[0], behaviours[1]))
