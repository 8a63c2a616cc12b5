"""Parameter overlay files: `[behaviour.XX]` tables (as in a scenario) that replace a
scenario's behaviour values; `tft calibrate` writes one, `tft run` and `tft sweep` read it with
`--params FILE`."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

from sim.errors import ScenarioError, SimError
from sim.rules.behaviour import Behaviour, check_value
from sim.rules.scenario import Scenario


def apply_params(scenario: Scenario, path: str | Path) -> Scenario:
    """The scenario with its behaviours overlaid by the file's values."""
    path = Path(path)
    shown = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(shown, "", f"TOML syntax error: {exc}", "valid TOML") from None
    for key in data:
        if key != "behaviour":
            raise ScenarioError(shown, key, "unknown key", "behaviour")
    behaviours = list(scenario.behaviours)
    for code, values in data.get("behaviour", {}).items():
        if code not in scenario.codes:
            raise ScenarioError(shown, f"behaviour.{code}", f"unknown side '{code}'", ", ".join(scenario.codes))
        side = scenario.codes.index(code)
        updated = vars(behaviours[side]).copy()
        for key, value in values.items():
            try:
                updated[key] = check_value(key, value)
            except SimError as exc:
                raise ScenarioError(shown, f"behaviour.{code}.{key}", str(exc)) from None
        behaviours[side] = Behaviour(**updated)
    return replace(scenario, behaviours=(behaviours[0], behaviours[1]))


def params_text(behaviours: tuple[Behaviour, Behaviour], codes: tuple[str, str], header: str) -> str:
    """An overlay file for these behaviours (policy, perception error, delays)."""
    lines = [f"# {line}" for line in header.splitlines()] + [""]
    for code, behaviour in zip(codes, behaviours, strict=True):
        weights = ", ".join(f"{w:g}" for w in behaviour.delay_weights)
        lines += [
            f"[behaviour.{code}]",
            f'policy = "{behaviour.policy}"',
            f"perception_error = {behaviour.perception_error:g}",
            f"delay_weights = [{weights}]",
            "",
        ]
    return "\n".join(lines)
