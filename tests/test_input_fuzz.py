"""Property: the shipped scenario, sweep and parameter files, mutated at random (values replaced
by values of any kind, keys dropped, renamed or added, bytes inserted, the text cut short),
either work or are refused with exit status 2 and exactly one line on stderr; never an internal
error, never a traceback."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.files.params import params_text
from sim.files.scenario_file import load_scenario
from tests.conftest import SCENARIOS
from tests.input_files import invoke, leaf_paths, parsed, replaced, toml_text

SCENARIO = SCENARIOS / "us_russia_2016_2022.toml"
SWEEP_FILE = SCENARIOS / "sweeps/deescalation_2025.toml"

# Values of every kind a TOML file can hold. Integers are small (a count that is accepted must
# not make the run long) or far out of every range; dates stay in years a run can reach quickly.
SCALARS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["mirror", "escalate:k=2,k=3", "return_property@2021-06", "2025-04", "1900-01", "US", "RU"]),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(min_value=2**31, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-(2**31)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 0.5]),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _tiny_sweep(scenario: Path) -> dict:
    """The shipped sweep, cut down to two points and one replicate over a few months."""
    data = parsed(SWEEP_FILE.read_text(encoding="utf-8"))
    data["sweep"].update(scenario=str(scenario), replicates=1, until="2025-06")
    data["levers"] = {"US.policy": ["mirror", "grit"], "RU.policy": ["mirror"]}
    data["uncertainties"] = {"perception_error": {"low": 0.0, "high": 0.1, "points": 1}}
    return data


@st.composite
def mutated(draw, data: dict) -> str:
    """TOML text of `data` after a few random mutations of its values, keys or bytes."""
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        paths = leaf_paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "rename", "add"]))
        parent_path, key = path[:-1], path[-1]
        parent = data
        for part in parent_path:
            parent = parent[part]
        if action == "replace":
            data = replaced(data, path, draw(VALUES))
        elif action == "drop" and isinstance(parent, dict):
            data = replaced(data, parent_path, {k: v for k, v in parent.items() if k != key})
        elif action == "rename" and isinstance(parent, dict):
            new = draw(st.text(min_size=1, max_size=8))
            data = replaced(data, parent_path, {(new if k == key else k): v for k, v in parent.items()})
        elif action == "add" and isinstance(parent, dict):
            data = replaced(data, parent_path, {**parent, draw(st.text(min_size=1, max_size=8)): draw(VALUES)})
    text = toml_text(data)
    if draw(st.integers(0, 3)):  # most files keep their TOML intact, so that their values are read
        return text
    cut = draw(st.integers(0, len(text)))
    noise = draw(st.sampled_from(["", "\ufeff", "\x00", "[[", "]", '"', "=", "\n[x]\n", "\\u", "\udc80", "é"]))
    return text[:cut] + noise + (text[cut:] if draw(st.booleans()) else "")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return path


def _assert_clean(code: int, stderr: str, outcome) -> None:
    event(f"exit status {code}")
    lines = stderr.strip().splitlines()
    assert "Traceback" not in outcome.output and "internal error" not in stderr, outcome.output
    assert code in (0, 2), (code, outcome.output)
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("Error: "), stderr


FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),  # the property is the CLI's answer, not the speed of drawing
)


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_mutated_scenarios(data):
    text = data.draw(mutated(parsed(SCENARIO.read_text(encoding="utf-8"))))
    command = data.draw(st.sampled_from(["validate", "run"]))
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), "scenario.toml", text)
        extra = ["--no-plot", "--results", str(Path(folder) / "results")] if command == "run" else []
        code, stderr, outcome = invoke([command, path, *extra])
    _assert_clean(code, stderr, outcome)


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_mutated_sweep_files(data):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        scenario = shutil.copy(SCENARIOS / "us_russia_2016_2025.toml", folder / "scenario.toml")
        path = _write(folder, "sweep.toml", data.draw(mutated(_tiny_sweep(Path(scenario)))))
        code, stderr, outcome = invoke(["sweep", path, "--results", folder / "results", "--workers", "1", "-q"])
    _assert_clean(code, stderr, outcome)


@pytest.mark.slow
@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_mutated_parameter_files(data):
    scenario = load_scenario(SCENARIO)
    shipped = params_text(scenario.behaviours, scenario.codes, "params")
    text = data.draw(mutated(parsed(shipped)))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = _write(folder, "params.toml", text)
        command = ["run", SCENARIO, "--mode", "behavioural", "--no-plot", "--results", folder / "r", "--params", path]
        code, stderr, outcome = invoke(command)
    _assert_clean(code, stderr, outcome)


def test_the_values_cover_every_kind():
    """The strategy reaches nan, inf, huge integers, booleans, dates, arrays and tables."""
    kinds = set()

    def note(value):
        if isinstance(value, float) and not math.isfinite(value):
            kinds.add("nonfinite")
        kinds.add(type(value).__name__ if not (isinstance(value, int) and abs(value) > 2**40) else "huge")
        for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            note(item)

    @settings(max_examples=300, database=None)
    @given(VALUES)
    def collect(value):
        note(value)

    collect()
    assert {"nonfinite", "huge", "bool", "date", "list", "dict", "str", "int", "float"} <= kinds
