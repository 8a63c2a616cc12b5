"""Robust statements and scenario discovery: PRIM on data sets with known boxes, every statistic
of a hand-written sweep folder, the posterior draws, and one-line errors."""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.experiments.prim import Box, discover, paste, peel
from tests.robust_folders import MEMORY, synthetic_sweep

pytest.importorskip("pyarrow")


def grid_cases():
    """21 x 21 x 3 integer points; the cases of interest are exactly a >= 12 and b <= 6."""
    g = np.arange(21.0)
    a, b, c = np.meshgrid(g, g, np.arange(3.0), indexing="ij")
    x = np.column_stack([a.ravel(), b.ravel(), c.ravel()])
    return x, ((x[:, 0] >= 12) & (x[:, 1] <= 6)).astype(float)


def test_prim_finds_a_known_box():
    x, y = grid_cases()
    found = discover(x, y, ["a", "b", "c"], threshold=1.0)
    assert found.box.low == (12.0, 0.0, 0.0) and found.box.high == (20.0, 6.0, 2.0)
    assert found.box.restricted == (0, 1)  # c, which does not matter, is left alone
    assert (found.box.coverage, found.box.density) == (1.0, 1.0)
    assert found.box.mass == 9 * 7 / (21 * 21)
    assert found.cases == 1323 and found.of_interest == 189
    assert found.trajectory[0].coverage == 1.0 and found.trajectory[0].density == 189 / 1323
    assert found.trajectory[found.chosen] == found.box  # nothing left to paste
    assert set(found.pvalues) == {0, 1} and max(found.pvalues.values()) < 1e-60


def test_prim_trades_coverage_for_density_under_noise():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(2000, 3))
    y = ((x[:, 0] > 0.5) & (x[:, 2] < 0.4)).astype(float)
    y = np.where(rng.uniform(size=2000) < 0.1, 1 - y, y)  # one case in ten flipped
    found = discover(x, y, ["a", "b", "c"])
    assert found.box.restricted == (0, 2)
    assert round(found.box.low[0], 3) == 0.501 and round(found.box.high[2], 3) == 0.446
    assert round(found.box.density, 4) == 0.8145 and round(found.box.coverage, 4) == 0.6801
    coverage = [b.coverage for b in found.trajectory]
    assert coverage == sorted(coverage, reverse=True)  # peeling never adds cases
    assert min(b.mass for b in found.trajectory) >= 0.05


def test_peeling_a_grid_of_few_values_cuts_a_whole_value():
    x = np.repeat(np.arange(4.0), 10)[:, None]
    y = (x[:, 0] >= 2).astype(float)
    steps = peel(x, y)
    assert [b.low[0] for b in steps] == [0.0, 1.0, 2.0, 3.0]
    assert [b.density for b in steps] == [0.5, 20 / 30, 1.0, 1.0]


def test_pasting_widens_a_box_while_density_holds_and_coverage_grows():
    x = np.arange(20.0)[:, None]
    y = (x[:, 0] >= 10).astype(float)
    pasted = paste(x, y, Box((15.0,), (19.0,), 0.5, 1.0, 0.25, (0,)))
    assert (pasted.low, pasted.high, pasted.coverage, pasted.density) == ((10.0,), (19.0,), 1.0, 1.0)


def rows_of(folder: Path) -> dict[tuple[str, ...], dict[str, str]]:
    with open(folder / "robust.csv", encoding="utf-8") as handle:
        return {(r["outcome"], r["lever"], r["option"], r["level"], r["statistic"]): r for r in csv.DictReader(handle)}


def robust(*args: str):
    return CliRunner().invoke(cli, ["robust", *args])


MM, GM, MG, GG = (
    f"CN.policy={a} / UK.policy={b}"
    for a, b in [("mirror",) * 2, ("grit", "mirror"), ("mirror", "grit"), ("grit",) * 2]
)


def test_statements_of_a_small_sweep(tmp_path):
    folder = synthetic_sweep(tmp_path)
    outcome = robust(str(folder), "--resamples", "50")
    assert outcome.exit_code == 0, outcome.output
    rows = rows_of(folder)

    def value(option, statistic, lever="all", level="space", spec="restored_half"):
        return float(rows[(spec, lever, option, level, statistic)]["value"])

    assert [value(o, "succeeds") for o in (MM, GM, MG, GG)] == [0.0, 0.5, 0.0, 1.0]  # most runs at a point
    assert [value(o, "rate", level="runs") for o in (MM, GM, MG, GG)] == [0.0, 0.625, 0.5, 1.0]
    assert [value(o, "beats_baseline") for o in (MM, GM, MG, GG)] == [0.0, 1.0, 1.0, 1.0]
    assert [value(o, "best") for o in (MM, GM, MG, GG)] == [0.0, 0.5, 0.0, 1.0]
    assert [value(o, "regret_mean") for o in (MM, GM, MG, GG)] == [1.0, 0.375, 0.5, 0.0]
    assert [value(o, "regret_max") for o in (MM, GM, MG, GG)] == [1.0, 0.75, 0.5, 0.0]
    assert value(GM, "beats_baseline", level="runs") == 0.625 and value(MG, "worse_than_baseline") == 0.0
    # a lever's value against the baseline's value, the other lever counted as unknown
    assert value("grit", "succeeds", lever="CN.policy") == 0.75 and value("mirror", "succeeds", lever="CN.policy") == 0
    assert value("grit", "beats_baseline", lever="CN.policy") == 1.0
    assert (
        value("grit", "succeeds", lever="UK.policy") == 0.5 and value("mirror", "succeeds", lever="UK.policy") == 0.25
    )
    # months_to_half<=60 is restored_half here; spiral counts a run without one as a success
    assert value(GM, "rate", level="runs", spec="months_to_half<=60") == 0.625
    assert value(GM, "rate", level="runs", spec="spiral") == 0.625
    # intervals hold the estimate; shares are at least as wide as the exact binomial interval of the count
    interval = rows[("restored_half", "all", GG, "space", "succeeds")]
    assert (float(interval["low"]), float(interval["high"]), interval["units"]) == (0.3976, 1.0, "4")
    assert all(float(r["low"]) <= float(r["value"]) <= float(r["high"]) for r in rows.values() if r["low"] != "")
    # scenario discovery: grit/grit holds talks only where perception error is 0
    boxes = list(csv.DictReader(open(folder / "prim-boxes.csv", encoding="utf-8")))
    assert [(b["outcome"], b["option"], b["dimension"], b["low"], b["high"]) for b in boxes] == [
        ("talks_hold", GG, "perception_error", "0.2", "0.2")
    ]
    assert (boxes[0]["coverage"], boxes[0]["density"], boxes[0]["mass"], boxes[0]["pvalue"]) == (
        "1",
        "1",
        "0.5",
        "0.00391",
    )
    report = (folder / "robust.md").read_text(encoding="utf-8")
    assert f"Most robust: **{GG}**" in report and "Where it fails: it never fails in this sweep." in report
    assert "where perception_error at least 0.2 (of 0 to 0.2; quasi-p 0.0039)" in report
    for name in ("robust-restored_half.png", "robust-months_to_half-within-60.png", "prim-talks_hold.png"):
        assert (folder / name).read_bytes()[:4] == b"\x89PNG"
    assert json.loads((folder / "robust.json").read_text())["baseline"] == MM


def test_a_chosen_baseline_and_outcome(tmp_path):
    folder = synthetic_sweep(tmp_path)
    outcome = robust(
        str(folder),
        "--outcome",
        "restored_half",
        "--baseline",
        "UK.policy=grit",
        "--focus",
        "CN.policy=grit",
        "--resamples",
        "0",
    )
    assert outcome.exit_code == 0, outcome.output
    rows = rows_of(folder)
    assert {key[0] for key in rows} == {"restored_half"}
    assert sorted(p.name for p in folder.glob("*.png")) == ["prim-focus-restored_half.png", "robust-restored_half.png"]
    assert float(rows[("restored_half", "all", GM, "space", "beats_baseline")]["value"]) == 0.5  # than mirror/grit
    assert float(rows[("restored_half", "all", MM, "space", "worse_than_baseline")]["value"]) == 1.0
    # grit/grit never fails; the focus, grit/mirror, fails in 3 of 4 runs where perception error is 0.2
    boxes = list(csv.DictReader(open(folder / "prim-boxes.csv", encoding="utf-8")))
    assert [(b["role"], b["option"], b["dimension"], b["low"], b["density"], b["pvalue"]) for b in boxes] == [
        ("focus", GM, "perception_error", "0.2", "0.75", "0.036")
    ]
    report = (folder / "robust.md").read_text(encoding="utf-8")
    assert "No region of the space searched makes it fail in 80% of its runs" in report
    assert "Where it fails: it never fails in this sweep." in report


def test_posterior_draws_pair_runs_and_join_the_discovery(tmp_path):
    folder = synthetic_sweep(tmp_path, posterior=True)
    assert robust(str(folder), "--resamples", "20", "--outcome", "talks_hold").exit_code == 0
    rows = rows_of(folder)
    assert {key[3] for key in rows} == {"space", "posterior"}
    assert float(rows[("talks_hold", "all", GG, "posterior", "rate")]["value"]) == 0.5
    assert float(rows[("talks_hold", "all", GG, "space", "succeeds")]["value"]) == 0.0  # half the draws is not most
    boxes = list(csv.DictReader(open(folder / "prim-boxes.csv", encoding="utf-8")))
    assert [(b["dimension"], b["low"], b["high"], b["density"], b["coverage"]) for b in boxes] == [
        ("memory_drawn", "24", "36", "1", "1")
    ]
    assert "per-run parameters: memory_drawn" in (folder / "robust.md").read_text(encoding="utf-8")


def unpaired(point, values, found):
    if values["CN.policy"] == "grit":
        found["draw"] = found["draw"][::-1].copy()


def one_line_error(outcome, pattern: str) -> None:
    assert outcome.exit_code == 2, outcome.output
    assert len(outcome.output.strip().splitlines()) == 1 and "Traceback" not in outcome.output
    assert re.search(pattern, outcome.output), outcome.output


def test_one_line_errors(tmp_path):
    folder = synthetic_sweep(tmp_path / "a")
    one_line_error(robust(str(tmp_path / "nowhere")), r"nowhere: not a folder")
    one_line_error(robust(str(tmp_path / "a")), r"not a sweep folder \(no inputs.json or design.csv")
    one_line_error(
        robust(str(folder), "--outcome", "CN_staff_end_share"),
        r"'CN_staff_end_share' is not a 0/1 outcome .*allowed: restored_half, spiral, talks_hold, or months_to_X<=N",
    )
    one_line_error(robust(str(folder), "--outcome", "months_to_posts<=12"), r"'months_to_posts' is not an outcome")
    one_line_error(
        robust(str(folder), "--baseline", "CN.policy=escalate"),
        r"CN.policy=escalate is not a value .*allowed: mirror, grit",
    )
    one_line_error(robust(str(folder), "--baseline", "US.policy=grit"), r"'US.policy' is not a lever of this sweep")
    one_line_error(robust(str(folder), "--baseline", "grit"), r"'grit' is not LEVER=VALUE")
    one_line_error(robust(str(folder), "--focus", "CN.policy=tft"), r"--focus: CN.policy=tft is not a value")
    one_line_error(robust(str(folder), "--threshold", "0"), r"--threshold")
    (folder / "manifest.json").unlink()
    one_line_error(robust(str(folder)), r"no manifest.json: the sweep has not finished")
    other = synthetic_sweep(tmp_path / "b", posterior=True, change=unpaired)
    one_line_error(robust(str(other)), r"draw: replicates of one point use different posterior draws")
    sobol = synthetic_sweep(tmp_path / "c")
    sweep_file = tmp_path / "c" / "synthetic.toml"
    text = sweep_file.read_text().replace('kind = "grid"', 'method = "sobol"\nsamples = 2').replace(", points = 2", "")
    sweep_file.write_text(text)
    manifest = json.loads((sobol / "manifest.json").read_text())
    from sim.files.sweep_file import load_sweep

    manifest["sweep"]["sha256"] = load_sweep(sweep_file).sha256
    (sobol / "manifest.json").write_text(json.dumps(manifest))
    one_line_error(robust(str(sobol)), r"a sobol sweep draws levers and uncertainties together")


def test_help_example_runs(tmp_path, monkeypatch):
    folder = synthetic_sweep(tmp_path)
    text = CliRunner().invoke(cli, ["robust", "--help"]).output
    example = re.search(r"^\s+(tft robust .+)$", text, re.M).group(1)
    args = shlex.split(example.replace("results/robust_2025/<id>", str(folder)))[1:]
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 0, outcome.output


def test_every_statistic_and_column_is_documented():
    from sim.experiments.robust import STATISTICS
    from sim.experiments.robust_depends import DEPENDS_COLUMNS
    from sim.experiments.robust_report import BOX_COLUMNS, ROBUST_COLUMNS, TRAJECTORY_COLUMNS

    text = (Path(__file__).resolve().parents[1] / "docs" / "sweeps.md").read_text(encoding="utf-8")
    for name in (*STATISTICS, *ROBUST_COLUMNS, *TRAJECTORY_COLUMNS, *BOX_COLUMNS, *DEPENDS_COLUMNS):
        assert f"`{name}`" in text, name


def test_restrictions_the_data_do_not_support_are_lifted():
    from sim.experiments.prim import simplify

    x, y = grid_cases()
    box = Box((12.0, 0.0, 0.0), (20.0, 6.0, 1.0), 2 / 3, 1.0, 0.1, (0, 1, 2))  # c <= 1 adds nothing
    lifted = simplify(x, y, box)
    assert (lifted.low, lifted.high, lifted.restricted) == ((12.0, 0.0, 0.0), (20.0, 6.0, 2.0), (0, 1))
    assert (lifted.coverage, lifted.density) == (1.0, 1.0)


def test_a_particle_column_marks_posterior_draws(tmp_path):
    def as_particle(point, values, found):
        found["particle"] = found.pop("draw")

    folder = synthetic_sweep(tmp_path, posterior=True, change=as_particle)
    assert robust(str(folder), "--resamples", "0", "--outcome", "talks_hold", "--no-plot").exit_code == 0
    rows = rows_of(folder)
    assert {key[3] for key in rows} == {"space", "posterior"}
    assert float(rows[("talks_hold", "all", GG, "posterior", "rate")]["value"]) == 0.5


def test_the_values_runs_drew_from_draws_csv_join_the_discovery(tmp_path):
    def drawn_elsewhere(point, values, found):
        found.pop("memory_drawn")

    folder = synthetic_sweep(tmp_path, posterior=True, change=drawn_elsewhere)
    with open(folder / "draws.csv", "w", encoding="utf-8") as handle:
        handle.write("replicate,seed,particle,model,CN.family,UK.family,CN.memory_months,UK.notice,CN.grit.step\n")
        for r, memory in enumerate(MEMORY):
            handle.write(f"{r},{r},{r},grit/mirror,grit,mirror,{memory},2.0,{'' if r else 3.0}\n")
    outcome = robust(str(folder), "--resamples", "0", "--outcome", "talks_hold", "--no-plot")
    assert outcome.exit_code == 0, outcome.output
    boxes = list(csv.DictReader(open(folder / "prim-boxes.csv", encoding="utf-8")))
    assert [(b["dimension"], b["low"], b["high"], b["density"], b["coverage"]) for b in boxes] == [
        ("drawn.CN.memory_months", "24", "36", "1", "1")
    ]
    report = (folder / "robust.md").read_text(encoding="utf-8")
    # a constant draw is no dimension; a family's parameter is the lever's to set, not the draw's
    assert "per-run parameters: drawn.CN.memory_months." in report
    (folder / "draws.csv").write_text("replicate,seed,particle,model,CN.memory_months\n0,0,0,m,6\n", encoding="utf-8")
    one_line_error(robust(str(folder), "--no-plot"), r"draws.csv: 1 rows for 4 replicates")
