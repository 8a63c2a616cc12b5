"""Parameter overlay files: `[behaviour.XX]` tables (as in a scenario) that replace a
scenario's behaviour values; `tft calibrate` writes one, `tft run` and `tft sweep` read it with
`--params FILE`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sim.files.behaviour_values import BehaviourModel, initiative_outside
from sim.files.toml_input import read_toml
from sim.files.validation import Strict, shown, validate
from sim.rules.behaviour import Behaviour
from sim.rules.calendar import month_label
from sim.rules.scenario import Scenario


class ParamsModel(Strict):
    behaviour: dict[str, BehaviourModel] = {}


def apply_params(scenario: Scenario, path: str | Path) -> Scenario:
    """The scenario with its behaviours overlaid by the file's values."""
    file = read_toml(path)
    model = validate(ParamsModel, file.data, file.path, file.lines)
    behaviours = list(scenario.behaviours)
    for code, values in model.behaviour.items():
        if code not in scenario.codes:
            file.fail(("behaviour", code), f"unknown side {shown(code)}", ", ".join(scenario.codes))
        given = values.given()
        early = initiative_outside(given.get("initiative", "none"), scenario.start)
        if early:
            file.fail(
                ("behaviour", code, "initiative"),
                f"{early}, before the scenario starts",
                f"months from {month_label(scenario.start)}",
            )
        side = scenario.codes.index(code)
        behaviours[side] = replace(behaviours[side], **given)
    return replace(scenario, behaviours=(behaviours[0], behaviours[1]))


PARAMS_KEYS = ("policy", "perception_error", "delay_weights")


def params_text(
    behaviours: tuple[Behaviour, Behaviour], codes: tuple[str, str], header: str, keys: tuple[str, ...] = PARAMS_KEYS
) -> str:
    """An overlay file for these behaviours: the values of `keys` (by default policy, perception
    error and delays)."""
    lines = [f"# {line}" for line in header.splitlines()] + [""]
    for code, behaviour in zip(codes, behaviours, strict=True):
        lines.append(f"[behaviour.{code}]")
        lines += [f"{key} = {_toml_value(getattr(behaviour, key))}" for key in keys]
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return f"{value:g}"
