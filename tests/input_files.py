"""Input files for the validation tests: a toy scenario that uses every key, a sweep and a
parameter overlay on it, a TOML writer for mutated copies, and the CLI's answer to each."""

from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path

from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import TOY, event

# The toy dyad with every optional key and one event of each unit of size.
FULL = (
    TOY.replace("visa_rate = 1.0", 'visa_rate = 1.0\nstaff_cap = 500\ntravel_limit_km = 80.0\nsource = "inventory"')
    .replace("[missions.UK]", "[missions.UK]\nbanking = true\nlocal_hiring = true\nambassador = true")
    .replace('name = "toy"', 'name = "toy"\ndescription = "every key"')
    + event(date="2020-02-03", actor="UK", kind="expel", size=2, post="cn_embassy", description="two")
    + event(date="2020-02", actor="UK", kind="cap_staff", size=400, target="CN")
    + event(date="2020-03", actor="UK", kind="deny_visas", size=0.5)
    + event(date="2020-03", actor="CN", kind="restrict_travel", size=25.0)
    + event(date="2020-04", actor="UK", kind="close_post", post="cn_consulate")
    + event(date="2020-04", actor="CN", kind="seize_property", property="uk_compound")
    + event(date="2020-05", actor="CN", kind="shock", name="incident", severity=-4.0)
    + event(date="2020-06", actor="both", kind="hold_talks")
    + event(date="2020-06", actor="UK", kind="add_staff", size=3)
    + """
[[observations]]
date = "2020-06"
side = "CN"
column = "staff_total"
value = 100
bound = "equal"
confidence = "confirmed"
counts = "all staff"
source = "count"

[[observations]]
date = "2020-06"
side = "CN"
post = "cn_embassy"
categories = ["diplomats", "support"]
value = 50
source = "count"

[[observations]]
date = "2020-06"
side = "UK"
column = "posts_open"
posts = ["uk_embassy", "uk_consulate"]
value = 2
source = "count"

[behaviour.CN]
policy = "escalate:k=1.5"
perception_error = 0.05
phantom_severity = 3.0
misread_sigma = 0.1
execution_error = 0.01
error_severity = 2.0
delay_weights = [0.5, 0.5]
crisis_rate = 0.5
crisis_severity = [-8.0, -3.0]
restaff = true
initiative = "return_property@2020-09"
"""
)

SWEEP = """
[sweep]
name = "toy_sweep"
scenario = "toy.toml"
mode = "project"
from = "2020-06"
until = "2020-12"
replicates = 1
seed = 3

[design]
kind = "lhs"
samples = 1

[levers]
"CN.policy" = ["mirror"]
"UK.perception_error" = [0.1]

[uncertainties]
crisis_rate = { low = 0.0, high = 1.0, points = 1 }
"""

PARAMS = """
[behaviour.CN]
policy = "grit"
perception_error = 0.05
phantom_severity = 3.0
misread_sigma = 0.1
execution_error = 0.01
error_severity = 2.0
delay_weights = [0.5, 0.5]
crisis_rate = 0.5
crisis_severity = [-8.0, -3.0]
restaff = false
initiative = "return_property@2020-09"
"""

# Values of the wrong kind for any field: a string, a boolean, an array, a table, an integer too
# large for any count, nan, inf and a negative number.
WRONG = ["not valid!", True, [1, "a"], {"x": 1}, 2**70, math.nan, math.inf, -1.5]


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value == math.inf else ("-inf" if value < 0 and math.isinf(value) else repr(value)))
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))


def toml_text(data: dict) -> str:
    """TOML for parsed data: every top-level key on one line, tables inline."""
    return "".join(f"{_key(key)} = {_value(value)}\n" for key, value in data.items())


def leaf_paths(data: object, path: tuple = ()) -> list[tuple]:
    """Every key path in the data: tables, arrays, their items and every value."""
    found = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += leaf_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += leaf_paths(value, (*path, index))
    return found


def replaced(data: object, path: tuple, value: object) -> object:
    """A copy of `data` with the value at `path` replaced."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {k: (replaced(v, rest, value) if k == head else v) for k, v in data.items()}
    return [replaced(v, rest, value) if i == head else v for i, v in enumerate(data)]


def key_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parsed(text: str) -> dict:
    return tomllib.loads(text)


def invoke(args: list[str]):
    """The CLI's exit status and stderr for these arguments."""
    outcome = CliRunner().invoke(cli, [str(a) for a in args])
    return outcome.exit_code, outcome.stderr, outcome


def assert_one_line_error(code: int, stderr: str, *parts: str) -> str:
    """Exit status 2, one line on stderr, no traceback, no internal error; returns the line."""
    message = stderr.strip()
    assert code == 2, stderr
    assert len(message.splitlines()) == 1 and message.startswith("Error: "), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    for part in parts:
        assert part in message, (part, message)
    return message


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
