"""The rules' exponentials and logarithms (sim.rules.libm) are the C library's, compiled and as
Python alike, with numpy's answers where the C library would raise; and an ensemble that uses them
all has the same numbers whether numpy computes with its AVX-512 routines or not."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from sim.rules import libm
from sim.rules.compiled import pick
from tests.conftest import ROOT
from tests.test_kernels import jit

EDGES = [0.0, -0.0, -1.0, 1.0, 10.0, 1e-300, 5e-324, 1e300, math.inf, -math.inf, math.nan]


def _values() -> np.ndarray:
    rng = np.random.default_rng(7)
    return np.concatenate([rng.uniform(1e-9, 1.0, 4000), rng.uniform(1.0, 5000.0, 4000), np.arange(1.0, 2001.0)])


def _libm(fn, values) -> np.ndarray:
    return np.array([fn(float(v)) for v in values])


@pytest.mark.parametrize("mode", ["0", "1"])  # TFT_JIT: as Python, compiled
def test_each_function_is_the_c_librarys(mode):
    x = _values()
    np.testing.assert_array_equal(jit(mode, libm.log10_of, x), _libm(math.log10, x))
    np.testing.assert_array_equal(jit(mode, libm.log1p_of, x - 0.5), _libm(math.log1p, x - 0.5))
    exponents = np.concatenate([-x[:4000] * 700.0, x[:4000] * 5.0])
    np.testing.assert_array_equal(jit(mode, libm.exp_of, exponents), _libm(math.exp, exponents))
    powers = np.linspace(-12.0, 12.0, 4001)
    np.testing.assert_array_equal(jit(mode, libm.pow10_of, powers), _libm(lambda v: 10.0**v, powers))
    u1, u2 = 1.0 - x[:4000], x[4000:8000] / 5000.0
    pairs = zip(u1, u2, strict=True)
    expected = np.array([math.sqrt(-2.0 * math.log(a)) * math.cos(2.0 * math.pi * b) for a, b in pairs])
    np.testing.assert_array_equal(jit(mode, libm.normal_of, u1, u2), expected)


@pytest.mark.parametrize("mode", ["0", "1"])
def test_where_the_c_library_raises_the_answer_is_numpys(mode):
    edges = np.array(EDGES)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(jit(mode, libm.log10_of, edges), np.log10(edges))
        np.testing.assert_array_equal(jit(mode, libm.log1p_of, edges), np.log1p(edges))
        big = np.array([libm.EXP_MAX, math.nextafter(libm.EXP_MAX, math.inf), 1000.0, *EDGES])
        np.testing.assert_array_equal(jit(mode, libm.exp_of, big), np.exp(big))
        tens = np.array([libm.POW10_MAX, math.nextafter(libm.POW10_MAX, math.inf), 400.0, *EDGES])
        np.testing.assert_array_equal(jit(mode, libm.pow10_of, tens), np.power(10.0, tens))
    assert math.isfinite(math.exp(libm.EXP_MAX)) and math.isfinite(10.0**libm.POW10_MAX)
    assert jit(mode, libm.normal_of, np.array([0.0]), np.array([0.0])).tolist() == [math.inf]


def test_shapes_and_numbers_are_kept():
    assert libm.log10_of(100.0) == 2.0 and isinstance(libm.log10_of(100.0), float)
    grid = np.arange(1.0, 7.0).reshape(2, 3)
    assert libm.exp_of(grid).shape == (2, 3)
    np.testing.assert_array_equal(libm.pow10_of(np.log10(grid)).shape, (2, 3))


ENSEMBLE = """
import hashlib, sys
import numpy as np
from pathlib import Path
from sim.engines.drivers import simulate_batch
from sim.experiments.choices import make_plan
from sim.files.scenario_file import load_scenario
from sim.rules.rng import run_keys
scenario = load_scenario(Path(sys.argv[1]) / "scenarios" / "us_russia_2016_2025.toml")
values = {"perception_error": 0.1, "misread_sigma": 0.4, "crisis_rate": 1.5, "instruments": "record"}
overrides = [(side, key, value) for side in scenario.codes for key, value in values.items()]
plan = make_plan(scenario, "behavioural", policies={c: "escalate:k=1.5" for c in scenario.codes}, overrides=overrides)
ensemble = simulate_batch(scenario, plan, run_keys(5, 40))
digest = hashlib.sha256()
for name in sorted(ensemble.figures):
    digest.update(np.ascontiguousarray(ensemble.figures[name]).tobytes())
for run in ensemble.events:
    digest.update(repr(run).encode())
# numpy's own log10, to tell whether its AVX-512 routines ran
print(hashlib.sha256(np.log10(np.arange(1.0, 5000.0)).tobytes()).hexdigest(), digest.hexdigest())
"""
# numpy 2's names for its AVX-512 routines, and numpy 1's
WITHOUT_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL"


@pytest.mark.slow
def test_an_ensemble_is_the_same_with_and_without_numpys_avx512_routines():
    runs = {}
    for name, disabled in (("as is", None), ("without", WITHOUT_AVX512)):
        env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
        if disabled:
            env["NPY_DISABLE_CPU_FEATURES"] = disabled
        done = subprocess.run(
            [sys.executable, "-c", ENSEMBLE, str(ROOT)], env=env, capture_output=True, text=True, check=True
        )
        runs[name] = done.stdout.split()
    if runs["as is"][0] == runs["without"][0]:
        pytest.skip("numpy computes with the C library here either way (no AVX-512 routines to turn off)")
    assert runs["as is"][1] == runs["without"][1]


@pytest.mark.parametrize("mode", ("0", "1"))
def test_a_row_adds_up_in_numpys_order(mode, monkeypatch):
    """`row_sum` adds a row as numpy's `sum` along it does (pairwise in eights from 8 on), so a
    kernel that draws by cumulative weights picks what numpy picked: the sum in turn differs."""
    monkeypatch.setenv("TFT_JIT", mode)
    rng = np.random.default_rng(5)
    differs = 0
    for n in [*range(1, 41), 64, 100, 128]:
        rows = rng.uniform(0, 1, (50, n)) * rng.choice([1e-20, 1.0, 1e3, 1e9], size=(50, n))
        rows[0] = -0.0
        rows[1] = rng.uniform(-1e9, 1e9, n)
        out = np.empty(50)
        pick(libm.row_sums, 50)(rows, out)
        want = rows.sum(axis=1)
        np.testing.assert_array_equal(out, want)
        assert np.signbit(out).tolist() == np.signbit(want).tolist()
        differs += sum(sum(row.tolist()) != total for row, total in zip(rows, want, strict=True))
    assert differs > 100  # adding in turn would not do
