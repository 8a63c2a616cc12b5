"""Simulation-based calibration of the inference (`tft sbc`): the nearest-neighbour posterior and
its coverage on a process whose answer is known, and the command's folder on a toy dyad."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.inference_model import Range
from sim.experiments.inference_sbc import (
    Draw,
    coverage_rows,
    distance_weights,
    nearest,
    record_rows,
    wilson,
)
from tests.conftest import ROOT, read_csv
from tests.test_inference import toy_text

DOCS = ROOT / "docs/inference.md"


@pytest.fixture(scope="module")
def short_toy(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("toy") / "toy.toml"
    path.write_text(toy_text("2020-12"), encoding="utf-8")
    return path


def test_distance_weights_are_the_fits_first_generation():
    table = np.array([[0.0, 1.0, 5.0, 0.0], [2.0, 1.0, 5.0, 100.0], [4.0, 1.0, 5.0, 0.0], [6.0, 1.0, 5.0, 0.0]])
    # standard deviations: sqrt(5), 0, 0, sqrt(1875); a constant statistic gets no weight
    weights = distance_weights(np.array([1.0, 1.0, 1.0, 0.5]), table)
    assert weights == pytest.approx([1 / np.sqrt(5), 0.0, 0.0, 0.5 / np.sqrt(1875)])
    # a statistic nearly every simulation gets right is capped at 20 times the smallest scale
    table[:, 1] = [0.0, 0.0, 0.0, 1e-4]
    weights = distance_weights(np.ones(4), table)
    assert weights[1] == pytest.approx(20 / np.sqrt(1875))


def test_nearest_keeps_the_closest_simulations_ties_by_index():
    table = np.array([[3.0], [1.0], [-1.0], [0.0], [2.0]])
    assert nearest(table, np.array([0.0]), np.array([1.0]), 3).tolist() == [3, 1, 2]


def test_wilson_interval():
    low, high = wilson(90, 100)
    assert (round(low, 4), round(high, 4)) == (0.8396, 0.9393)  # centre 0.8895, half-width 0.0498
    assert wilson(0, 5)[0] == pytest.approx(0.0, abs=1e-12)


def test_a_calibrated_posterior_covers_ninety_percent_and_an_uninformed_value_is_flagged():
    """Two values, one seen through a noisy statistic, one not at all: rejection on a prior table
    covers each near 90%, narrows the first and leaves the second as wide as its prior."""
    rng = np.random.default_rng(7)
    ranges = {"X.a": Range("X.a", 0.0, 1.0), "X.b": Range("X.b", 0.0, 1.0)}

    def simulate(values: dict[str, float]) -> np.ndarray:
        return np.array([values["X.a"] + rng.normal(0, 0.05), rng.normal()])

    def draw() -> Draw:
        return Draw(("f", "f"), {"X.a": float(rng.uniform()), "X.b": float(rng.uniform())})

    table_draws = [draw() for _ in range(2000)]
    table = np.array([simulate(d.values) for d in table_draws])
    weights = distance_weights(np.array([1.0, 0.0]), table)
    rows = []
    for i in range(200):
        truth = draw()
        accepted = nearest(table, simulate(truth.values), weights, 100)
        rows += record_rows(i, truth, table_draws, accepted, ranges, ("X", "Y"))[0]
    coverage = {r["parameter"]: r for r in coverage_rows(rows, ["X.a", "X.b"])}
    for name in ("X.a", "X.b"):
        assert coverage[name]["records"] == 200
        assert coverage[name]["coverage_low"] <= 0.9 <= coverage[name]["coverage_high"], coverage[name]
    assert coverage["X.a"]["median_width_ratio"] < 0.4 and coverage["X.a"]["identified"] == 1
    assert coverage["X.b"]["median_width_ratio"] > 0.9 and coverage["X.b"]["identified"] == 0


def test_family_rows_give_the_true_familys_share():
    table_draws = [Draw(("a", "b"), {}), Draw(("a", "a"), {}), Draw(("b", "a"), {}), Draw(("a", "a"), {})]
    _, families = record_rows(0, Draw(("a", "a"), {}), table_draws, np.array([0, 1, 2, 3]), {}, ("X", "Y"))
    assert families == [
        {"record": 0, "side": "X", "family": "a", "probability": 0.75, "top_family": "a"},
        {"record": 0, "side": "Y", "family": "a", "probability": 0.75, "top_family": "a"},
    ]


def documented_columns(heading: str) -> list[str]:
    body = DOCS.read_text(encoding="utf-8").split(f"### {heading}\n", 1)[1].split("\n#", 1)[0]
    return [line.split("|")[1].strip().strip("`") for line in body.splitlines() if line.startswith("| `")]


@pytest.mark.slow
def test_tft_sbc_writes_its_folder_and_the_same_seed_gives_the_same_tables(short_toy, tmp_path):
    arguments = ["sbc", str(short_toy), "--families", "restraint,mirror", "--reference", "12", "--records", "3"]
    arguments += ["--accept", "4", "-n", "1", "--seed", "5", "--quiet"]
    first = CliRunner().invoke(cli, [*arguments, "--results", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    folder = next((tmp_path / "a" / "toy").glob("sbc-*"))
    assert "coverage" in first.stdout and "true family's probability" in first.stdout
    for name, heading in (("sbc.csv", "sbc.csv"), ("sbc_families.csv", "sbc_families.csv")):
        assert list(read_csv(folder / name)[0]) == documented_columns(heading)
    assert list(read_csv(folder / "sbc_records.csv")[0]) == documented_columns("sbc_records.csv")
    reference = read_csv(folder / "reference.csv")
    assert [r["role"] for r in reference] == ["table"] * 12 + ["record"] * 3
    coverage = read_csv(folder / "sbc.csv")
    assert [r["parameter"] for r in coverage][:2] == ["CN.perception_error", "CN.mean_delay"]
    assert all(r["records"] == "3" for r in coverage[:12])
    sides = [r["parameter"].split(".")[0] for r in coverage[12:]]
    assert sides == sorted(sides, key=["CN", "UK"].index)
    assert (folder / "sbc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["reference"] == 12 and manifest["records"] == 3 and manifest["accept"] == 4
    assert "sbc.png" in manifest["files"]
    for key in manifest:
        assert f"`{key}`" in DOCS.read_text(encoding="utf-8"), key
    second = CliRunner().invoke(cli, [*arguments, "--results", str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    again = next((tmp_path / "b" / "toy").glob("sbc-*"))
    for name in ("reference.csv", "sbc.csv", "sbc_records.csv", "sbc_families.csv"):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--accept", "30"], "--accept: 30 (allowed: 1 to 12"),
        (["--records", "0"], "--records: 0 (allowed: 1 to 100,000"),
        (["--families", "mirror,nope"], "--families: unknown policy 'nope'"),
    ],
)
def test_bad_sbc_input_is_one_line_and_exit_2(options, expected, short_toy, tmp_path):
    base = ["sbc", str(short_toy), "--families", "restraint,mirror", "--reference", "12", "--results", str(tmp_path)]
    outcome = CliRunner().invoke(cli, base + options)
    assert outcome.exit_code == 2, outcome.output
    assert expected in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr


def test_a_fit_writes_its_posterior_predictive_fan(short_toy, tmp_path):
    from sim.experiments.inference_report import run_inference
    from sim.plots.inference import plot_inference
    from tests.test_inference import TINY

    folder, _ = run_inference(short_toy, tmp_path, generations=1, folder_id="fan", **TINY)
    rows = read_csv(folder / "predictive.csv")
    body = DOCS.read_text(encoding="utf-8").split("## predictive.csv and predictive.png\n", 1)[1].split("\n## ", 1)[0]
    assert list(rows[0]) == [
        line.split("|")[1].strip().strip("`") for line in body.splitlines() if line.startswith("| `")
    ]
    # twelve months of the toy, two sides, two statistics
    assert len(rows) == 12 * 2 * 2 and {r["draws"] for r in rows} == {"5"}
    for r in rows:
        quantiles = [float(r[c]) for c in ("q05", "q25", "q50", "q75", "q95")]
        assert quantiles == sorted(quantiles)
    acts = [r for r in rows if r["statistic"] == "acts" and r["side"] == "CN"]
    assert [float(r["record"]) for r in acts] == sorted(float(r["record"]) for r in acts)  # acts so far only grow
    staff = [r for r in rows if r["statistic"] == "staff_total"]
    assert all(float(r["record"]) > 0 for r in staff)
    assert [p.name for p in plot_inference(folder)] == ["inference.png", "predictive.png"]
    assert "predictive.png" in json.loads((folder / "manifest.json").read_text())["files"]


def test_a_fit_is_scored_on_the_months_after_its_window(short_toy, tmp_path):
    from sim.experiments.inference_report import run_inference
    from sim.experiments.validation import BASELINES
    from sim.plots.inference import plot_inference
    from tests.test_inference import TINY

    folder, _ = run_inference(short_toy, tmp_path, generations=1, folder_id="held", train_until="2020-06", **TINY)
    rows = read_csv(folder / "validation.csv")
    assert {(r["fold"], r["train_until"], r["test_from"], r["test_until"]) for r in rows} == {
        ("to 2020-06", "2020-06", "2020-07", "2020-12")
    }
    assert {r["model"] for r in rows} == {"fitted", *BASELINES}
    f1 = {(r["model"], r["tolerance_months"]): r for r in rows if r["metric"] == "f1"}
    assert {t for _, t in f1} == {"0", "1", "3"}
    for r in rows:
        if r["low"] != "":
            assert float(r["low"]) <= float(r["value"]) <= float(r["high"]), r
    # the toy's test months hold staff observations: the ensemble's staff is scored too
    assert any(r["model"] == "fitted" and r["tolerance_months"] == "" for r in rows)
    assert "validation.csv" in json.loads((folder / "manifest.json").read_text())["files"]
    assert [p.name for p in plot_inference(folder)] == ["inference.png", "predictive.png", "validation.png"]
    whole, _ = run_inference(short_toy, tmp_path, generations=1, folder_id="whole", **TINY)
    assert not (whole / "validation.csv").exists()
    # kinds.csv: every hostile kind, the record's use of it and the share of draws that take it
    from sim.experiments.acts import is_hostile
    from sim.files.scenario_file import load_scenario
    from sim.rules.measures import HOSTILE_KINDS, Measure

    kinds = read_csv(folder / "kinds.csv")
    body = DOCS.read_text(encoding="utf-8").split("## kinds.csv\n", 1)[1].split("\n## ", 1)[0]
    assert list(kinds[0]) == [
        line.split("|")[1].strip().strip("`") for line in body.splitlines() if line.startswith("| `")
    ]
    # the policies' ten hostile kinds; record-only kinds only where the record has them (the toy has none)
    assert [r["kind"] for r in kinds] == [k.name.lower() for k in HOSTILE_KINDS]
    assert len(HOSTILE_KINDS) == 10 and all(is_hostile(k) for k in HOSTILE_KINDS)
    events = [e for e in load_scenario(short_toy).events if isinstance(e, Measure) and is_hostile(e.kind)]
    assert sum(int(r["recorded"]) for r in kinds) == len(events)
    assert all(0 <= float(r["share_of_draws"]) <= 1 for r in kinds)
    # the toy's policies answer with something: some kind is taken by some draw
    assert any(float(r["share_of_draws"]) > 0 for r in kinds)
