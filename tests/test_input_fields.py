"""Every field of every kind of input, given a value of the wrong kind (a string, a boolean, an
array, a table, a huge integer, nan, inf, a negative number): the CLI answers with exit status 2
and one line naming the file (or option) and the key, or accepts the value; never an internal
error, never a traceback."""

from __future__ import annotations

import math

import pytest

from sim.rules.behaviour import KEYS
from tests.input_files import (
    FULL,
    PARAMS,
    SWEEP,
    WRONG,
    assert_one_line_error,
    invoke,
    key_path,
    leaf_paths,
    parsed,
    replaced,
    toml_text,
    write,
)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _must_fail(old: object, new: object) -> bool:
    """Whether no field could accept `new` where `old` was: another kind of value, or a number no
    field allows (nan, inf, one beyond every bound)."""
    if isinstance(new, float) and not math.isfinite(new):
        return True
    if isinstance(new, int) and not isinstance(new, bool) and abs(new) > 2**64:
        return True
    return _kind(old) != _kind(new)


def _check_every_field(tmp_path, name: str, text: str, command) -> int:
    """Feed each wrong value to each key path of `text`; returns how many were refused."""
    data = parsed(text)
    refused = 0
    for path in leaf_paths(data):
        old = data
        for part in path:
            old = old[part]
        for new in WRONG:
            file = write(tmp_path, name, toml_text(replaced(data, path, new)))
            code, stderr, outcome = invoke(command(file))
            where = f"{file}: {key_path(path)}"
            if code == 0 and not _must_fail(old, new):
                continue
            message = assert_one_line_error(code, stderr, str(file))
            if _must_fail(old, new):
                assert message.startswith(f"Error: {where}"), (path, new, message)
            refused += 1
    return refused


@pytest.mark.slow
def test_every_scenario_field(tmp_path):
    refused = _check_every_field(tmp_path, "toy.toml", FULL, lambda file: ["validate", file])
    assert refused > 1000


def test_every_sweep_file_field(tmp_path):
    write(tmp_path, "toy.toml", FULL)
    results = tmp_path / "results"
    refused = _check_every_field(
        tmp_path, "sweep.toml", SWEEP, lambda file: ["sweep", file, "--results", results, "--workers", "1", "-q"]
    )
    assert refused > 150


@pytest.mark.slow
def test_every_params_field(tmp_path):
    scenario = write(tmp_path, "toy.toml", FULL)
    results = tmp_path / "results"
    command = ["run", scenario, "--mode", "behavioural", "--results", results, "--no-plot", "--params"]
    refused = _check_every_field(tmp_path, "params.toml", PARAMS, lambda file: [*command, file])
    assert refused > 80


@pytest.mark.parametrize("key", KEYS)
def test_every_set_value(key, tmp_path):
    scenario = write(tmp_path, "toy.toml", FULL)
    base = ["run", scenario, "--mode", "behavioural", "--results", tmp_path / "results", "--no-plot"]
    for text in ["not valid!", "true", "1,a", "{x = 1}", str(2**70), "nan", "inf", "-1.5", "1e308,1e308", ""]:
        code, stderr, _ = invoke([*base, "--set", f"CN.{key}={text}"])
        if code == 0:
            assert (key, text) in (("restaff", "true"), ("initiative", "")), (key, text)
            continue
        assert_one_line_error(code, stderr, f"Error: --set: CN.{key}")
