"""A fit of `tft infer` as the page's source of the sides' behaviour: the fits the page offers, the
choice of a fit and its draw, a fit of other sides refused in one line, and the fan, the run below
it, a stepped run and the download equal to what `tft run --posterior FIT --draw ...` gives for the
same seed and runs, value for value."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.app.choices import Choices
from sim.app.download import command_for, write_results
from sim.app.ensemble import drawn_chunks, fan_steps, keys_for, one_run, run_plan, runs_differ, title
from sim.app.fit import describe_fit, fit_folders, fit_scenario_file, load_fit
from sim.app.stepper import Stepper
from sim.cli import cli
from sim.errors import ScenarioError, SimError
from sim.experiments.choices import make_plan
from sim.experiments.posterior import with_draw
from sim.experiments.summary import QUANTILE_COLUMNS
from sim.files.results import write_csv
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label
from tests.conftest import SCENARIOS, read_csv
from tests.test_engines import HISTORY
from tests.test_posterior import write_posterior

RUNS, SEED = 30, 11


@pytest.fixture
def toy_path(toy_file) -> Path:
    return toy_file(HISTORY)


@pytest.fixture
def fit(tmp_path) -> Path:
    """Four draws over three pairs of families (grit/mirror, mirror/generous_mirror, mirror/mirror)."""
    return write_posterior(tmp_path / "results" / "toy" / "inference-hand")


def fitted(scenario, fit: Path, draw, **changes) -> Choices:
    return replace(Choices.default(scenario), fit=str(fit), draw=draw, runs=RUNS, seed=SEED, **changes)


def quantiles_text(rows, folder: Path) -> str:
    """Rows as `tft run` writes quantiles.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "fan.csv", QUANTILE_COLUMNS, rows)
    return (folder / "fan.csv").read_text(encoding="utf-8")


def tft_run(path: Path, root: Path, *options: str) -> Path:
    """`tft run PATH --mode behavioural` with `options`; its folder."""
    arguments = ["run", str(path), "--mode", "behavioural", "--results", str(root), "--no-plot", *options]
    outcome = CliRunner().invoke(cli, arguments)
    assert outcome.exit_code == 0, outcome.output
    (folder,) = (root / load_scenario(path).name).iterdir()
    return folder


# --- the choice ---------------------------------------------------------------------------------


def test_the_page_offers_the_fit_folders_under_its_results(tmp_path, fit):
    (tmp_path / "results" / "toy" / "run-1").mkdir()  # a run folder: no posterior.csv
    (tmp_path / "results" / "toy" / "inference-old" / "posterior.csv").mkdir(parents=True)  # not a file
    write_posterior(tmp_path / "results" / "other" / "inference-b")
    assert fit_folders(tmp_path / "results") == [
        str(tmp_path / "results" / "other" / "inference-b"),
        str(fit),
    ]
    elsewhere = str(tmp_path / "fit")
    assert fit_folders(tmp_path / "results", elsewhere)[0] == elsewhere
    assert fit_folders(tmp_path / "nowhere") == []


def test_with_a_fit_the_sides_give_way_and_the_plan_is_tft_runs(toy_path, fit):
    scenario = load_scenario(toy_path)
    chosen = fitted(scenario, fit, "mean")
    # the sidebar's sides are left out: no --policy or --set over the fit's values
    chosen = chosen.with_side(0, chosen.sides[0].with_policy("escalate"))
    assert chosen.arguments(scenario)["policies"] == {} and chosen.arguments(scenario)["overrides"] == []
    posterior = load_posterior_once(fit)
    for draw in ("mean", 2):
        used, drawn = replace(chosen, draw=draw).fitted(scenario)
        assert drawn is None and used == with_draw(scenario, posterior, draw)
        assert replace(chosen, draw=draw).plan(scenario) == make_plan(used, "behavioural")
    used, drawn = replace(chosen, draw="all").fitted(scenario)
    assert used is scenario and drawn is posterior  # read once per version of the file
    assert runs_differ(chosen.plan(scenario), drawn)
    assert (
        title(scenario, chosen.plan(scenario), drawn) == "Toy dyad (behavioural each run's own draw of the posterior)"
    )
    # a replay has no behaviour to take from a fit
    replay = replace(chosen, mode="replay")
    assert not replay.from_fit and replay.fitted(scenario) == (scenario, None)
    assert describe_fit(str(fit), posterior, "all") == (
        f"fit {fit} (4 draws; most probable pair CN grit, UK mirror), one draw per run, by weight from the run's own "
        "seed (--draw all)"
    )


def load_posterior_once(fit: Path):
    first = load_fit(fit)
    assert load_fit(fit) is first
    return first


def test_a_fit_of_other_sides_is_refused_in_one_line(fit, toy_path):
    scenario = load_scenario(SCENARIOS / "us_russia_2016_2025.toml")
    chosen = fitted(scenario, fit, "all")
    with pytest.raises(ScenarioError) as error:
        chosen.plan(scenario)
    assert str(error.value) == (
        f"{fit / 'posterior.csv'}: header: draws of sides CN, UK, the scenario has US, RU "
        "(allowed: a posterior fitted to the scenario's two sides)"
    )
    toy = load_scenario(toy_path)
    with pytest.raises(ScenarioError, match=r"posterior.csv: particle: no particle 9 \(allowed: .*: 0 to 3\)$"):
        fitted(toy, fit, 9).plan(toy)
    with pytest.raises(SimError, match=r"missing: posterior file not found$"):
        fitted(scenario, fit.parent / "missing", "all").plan(scenario)


def test_tft_app_checks_the_fit_before_it_starts(tmp_path, fit):
    outcome = CliRunner().invoke(cli, ["app", "--posterior", str(tmp_path / "missing"), "--port", "0"])
    assert outcome.exit_code == 2 and "missing" in outcome.output and "Traceback" not in outcome.output
    assert len(outcome.output.strip().splitlines()) == 1
    outcome = CliRunner().invoke(cli, ["app", "--posterior", str(fit), "--draw", "9", "--port", "0"])
    assert outcome.exit_code == 2 and "no particle 9" in outcome.output
    outcome = CliRunner().invoke(cli, ["app", "--draw", "mean", "--port", "0"])
    assert outcome.exit_code == 2 and "--draw needs --posterior" in outcome.output
    assert fit_scenario_file(fit) == ""  # a manifest that names no scenario: the page opens its usual one


# --- the fan, exactly tft run's ensemble -----------------------------------------------------------


@pytest.mark.parametrize("draw", ["all", "mean", "2"])
def test_the_fan_is_tft_runs_ensemble_from_the_fit(toy_path, fit, tmp_path, draw):
    scenario = load_scenario(toy_path)
    chosen = fitted(scenario, fit, int(draw) if draw.isdigit() else draw)
    used, posterior = chosen.fitted(scenario)
    fans = list(fan_steps(used, chosen.plan(scenario), keys_for(used, RUNS, SEED), chunk=7, posterior=posterior))
    assert [f.runs for f in fans] == [7, 14, 21, 28, 30] and not fans[-1].identical
    folder = tft_run(
        toy_path, tmp_path / "cli", "-n", str(RUNS), "--seed", str(SEED), "--posterior", str(fit), "--draw", draw
    )
    assert quantiles_text(fans[-1].rows, tmp_path / "page") == (folder / "quantiles.csv").read_text(encoding="utf-8")
    # the run below the fan is run 0 of tft run, with its own draw
    trajectories, events = one_run(used, chosen.plan(scenario), keys_for(used, 1, SEED)[0], posterior)
    counts = ("date", "side", "diplomats", "support", "local", "staff_total", "posts_open", "properties_lost")
    written = [[r[c] for c in counts] for r in read_csv(folder / "trajectories.csv") if r["run"] == "0"]
    assert [[str(r[c]) for c in counts] for r in trajectories] == written
    assert len(events) == sum(r["run"] == "0" for r in read_csv(folder / "events.csv"))


def test_the_draws_make_the_fan_differ_from_one_set_of_values(toy_path, fit, tmp_path):
    scenario = load_scenario(toy_path)
    ends = {}
    for draw in ("all", "mean", 0, 1):
        chosen = fitted(scenario, fit, draw)
        used, posterior = chosen.fitted(scenario)
        (last,) = [f for f in fan_steps(used, chosen.plan(scenario), keys_for(used, RUNS, SEED), posterior=posterior)]
        ends[draw] = quantiles_text(last.rows, tmp_path)
    assert len(set(ends.values())) == 4


def test_chunks_of_drawn_runs_keep_each_pair_of_families_together(toy_path, fit):
    scenario = load_scenario(toy_path)
    posterior = load_fit(fit)
    keys = keys_for(scenario, RUNS, SEED)
    pairs = {int(k): posterior.pairs[r] for k, r in zip(keys, posterior.draws(keys), strict=True)}
    assert len(set(pairs.values())) == 2  # mirror/mirror has no weight
    chunks = drawn_chunks(posterior, keys, 15)
    assert len(chunks) == 2 and sorted(int(k) for c in chunks for k in c) == sorted(int(k) for k in keys)
    owners = {pair: {i for i, c in enumerate(chunks) for k in c if pairs[int(k)] == pair} for pair in pairs.values()}
    # a batch per pair in each chunk: three here (a pair larger than a chunk is split), where cutting
    # the runs in order puts both pairs in both chunks
    assert sum(len(chunk_of) for chunk_of in owners.values()) == 3
    assert len({pairs[int(k)] for k in keys[:15]}) == len({pairs[int(k)] for k in keys[15:]}) == 2
    assert [len(c) for c in drawn_chunks(posterior, keys, RUNS)] == [RUNS]


@pytest.mark.slow
def test_worker_processes_give_the_same_drawn_fan(toy_path, fit):
    from sim.app.ensemble import start_pool

    scenario = load_scenario(toy_path)
    chosen = fitted(scenario, fit, "all")
    used, posterior = chosen.fitted(scenario)
    keys = keys_for(used, RUNS, SEED)
    alone = list(fan_steps(used, chosen.plan(scenario), keys, posterior=posterior))[-1]
    pool = start_pool(2)
    try:
        pooled = list(fan_steps(used, chosen.plan(scenario), keys, pool=pool, workers=2, posterior=posterior))[-1]
    finally:
        pool.shutdown()
    assert pooled.rows == alone.rows


def test_a_stepped_run_has_its_own_draw(toy_path, fit):
    scenario = load_scenario(toy_path)
    chosen = fitted(scenario, fit, "all")
    used, posterior = chosen.fitted(scenario)
    plan = chosen.plan(scenario)
    keys = keys_for(used, 6, SEED)
    rows = posterior.draws(keys)
    assert len(set(rows.tolist())) > 1  # the runs stepped below do not all share one draw
    for key, row in zip(keys, rows, strict=True):
        own = run_plan(used, plan, key, posterior)
        assert (
            own.behaviours == make_plan(with_draw(used, posterior, posterior.particles[row]), "behavioural").behaviours
        )
        stepper = Stepper(used, own, int(key))
        while not stepper.finished:
            stepper.step()
        trajectories, _ = one_run(used, plan, key, posterior)
        staff = {(r["date"], r["side"]): r["staff_total"] for r in trajectories}
        assert [(m, a, b) for m, a, b in stepper.staff] == [
            (month_label(t), staff[(month_label(t), "CN")], staff[(month_label(t), "UK")]) for t in plan.months
        ]


# --- the download -------------------------------------------------------------------------------


def test_the_download_carries_the_draws_as_tft_run_writes_them(toy_path, fit, tmp_path):
    scenario = load_scenario(toy_path)
    chosen = fitted(scenario, fit, "all")
    folder = write_results(scenario, toy_path, chosen, tmp_path / "page")
    command = command_for(chosen, scenario, toy_path)
    assert command[-4:] == ["--posterior", str(fit), "--draw", "all"] and "--policy" not in command
    assert "fan.png" in {p.name for p in folder.iterdir()}
    other = tft_run(toy_path, tmp_path / "cli", *command[5:])
    for name in ("draws.csv", "quantiles.csv", "runs.csv"):
        assert (folder / name).read_bytes() == (other / name).read_bytes(), name
    assert len(read_csv(folder / "draws.csv")) == RUNS
    mean = write_results(scenario, toy_path, replace(chosen, draw="mean"), tmp_path / "page")
    assert not (mean / "draws.csv").exists()


# --- a fit made by tft infer ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_fit(tmp_path_factory) -> tuple[Path, Path]:
    """A fit of the toy dyad with the inference tests' tiny settings (one generation of 8 particles)."""
    from sim.experiments.inference_report import run_inference
    from tests.test_inference import TINY, toy_text

    root = tmp_path_factory.mktemp("fit")
    path = root / "toy.toml"
    path.write_text(toy_text("2020-12"), encoding="utf-8")
    folder, _ = run_inference(path, root / "results", generations=1, folder_id="tiny", **TINY)
    return path, folder


@pytest.mark.slow
@pytest.mark.parametrize("draw", ["all", "mean"])
def test_the_fan_from_a_fit_of_tft_infer_is_tft_runs(tiny_fit, tmp_path, draw):
    path, folder = tiny_fit
    scenario = load_scenario(path)
    assert fit_folders(folder.parents[1]) == [str(folder)] and fit_scenario_file(folder) == "toy.toml"
    chosen = fitted(scenario, folder, draw)
    used, posterior = chosen.fitted(scenario)
    keys = keys_for(used, RUNS, SEED)
    (fan,) = [f for f in fan_steps(used, chosen.plan(scenario), keys, chunk=RUNS, posterior=posterior)]
    written = tft_run(path, tmp_path, "-n", str(RUNS), "--seed", str(SEED), "--posterior", str(folder), "--draw", draw)
    assert quantiles_text(fan.rows, tmp_path / "page") == (written / "quantiles.csv").read_text(encoding="utf-8")
