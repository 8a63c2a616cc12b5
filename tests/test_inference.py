"""Inference by ABC-SMC with model choice: the summaries read only the training window, a particle
re-runs alone, the same seed gives the same posterior, an interrupted fit resumes to the same
result, the outputs are what docs/inference.md says, and a known pair is recovered."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.engines.drivers import simulate_batch
from sim.experiments.acts import HOSTILE_GROUPS, acts_from_events
from sim.experiments.inference import Fit, make_sampling, run_fit
from sim.experiments.inference_model import SIDE_PRIORS, Setting, Simulator, particle_seed, priors_for
from sim.experiments.inference_report import family_rows, run_inference
from sim.experiments.inference_summaries import Record
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label, parse_date
from sim.rules.rng import run_keys
from tests.conftest import ROOT, TOY, event, read_csv

SCENARIO = ROOT / "scenarios/us_russia_2016_2022.toml"
DOCS = ROOT / "docs/inference.md"


def toy_text(end: str = "2021-12") -> str:
    """The toy dyad over two years, a shock of each side every six months, and staff counts every
    three months (the values do not matter where a test replaces the record's statistics)."""
    text = TOY.replace('end = "2020-12"', f'end = "{end}"')
    months = parse_date(end)[0] - 24240 + 1
    for date, actor, severity in (("2020-02-01", "CN", -4.0), ("2020-08-01", "UK", -5.0), ("2021-02-01", "CN", -6.0)):
        if parse_date(date)[0] - 24240 < months:
            text += event(date=date, actor=actor, kind="shock", name=f"crisis {date}", severity=severity)
    for month in range(2, months, 3):
        for side in ("CN", "UK"):
            text += (
                f'\n[[observations]]\ndate = "{month_label(24240 + month)}"\nside = "{side}"\n'
                'column = "staff_total"\nvalue = 80\nbound = "equal"\nconfidence = "confirmed"\n'
                'counts = "all"\nsource = "test"\n'
            )
    return text


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("toy") / "toy.toml"
    path.write_text(toy_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def short_toy(tmp_path_factory) -> Path:
    """One year of the toy dyad: the small fits that test the machinery, not the answer."""
    path = tmp_path_factory.mktemp("toy") / "toy.toml"
    path.write_text(toy_text("2020-12"), encoding="utf-8")
    return path


def documented_table(heading: str) -> list[list[str]]:
    body = DOCS.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [
        [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        for line in body.splitlines()
        if line.startswith("| `")
    ]


def test_every_prior_is_documented_with_its_bounds():
    rows = {row[0]: (float(row[1]), float(row[2])) for row in documented_table("Priors")}
    assert rows == {key: (low, high) for key, low, high in SIDE_PRIORS}
    names = [r.name for r in priors_for(("grit", "escalate"), ("US", "RU"))]
    assert names[: len(SIDE_PRIORS)] == [f"US.{key}" for key, _, _ in SIDE_PRIORS]
    assert names[-3:] == ["US.grit.step", "US.grit.persistence", "RU.escalate.k"]


def test_the_records_summaries_are_its_training_window():
    scenario = load_scenario(SCENARIO)
    last = parse_date("2019-12")[0]
    record = Record.from_scenario(scenario, last)
    observed = record.observed
    assert len(observed) == 55
    expected = {
        "acts.US.expel": 3.0,
        "acts.US.close_post": 2.0,
        "acts.US.seize_property": 3.0,
        "acts.RU.cap": 1.0,
        "acts.RU.visas": 0.0,
        "timing.US.2016-07": 1.0,
        "timing.RU.2017-07": 2.0,
        "timing.RU.2019-07": 0.0,
        "posts_open.RU.2017-12": 5.0,
        "properties_lost.RU.2019-12": 6.0,
        "staff.US.staff_total.2017-01": float(np.log1p(1200)),
        "staff.US.staff_total.2017-09": 0.0,  # an upper bound: 0 is "inside it"
    }
    assert {k: observed[k] for k in expected} == expected
    # nothing after the training window: dropping every later event and observation changes nothing
    earlier = replace(
        scenario,
        events=tuple(e for e in scenario.events if e.month <= last),
        observations=tuple(o for o in scenario.observations if o.month <= last),
    )
    assert Record.from_scenario(earlier, last).observed == observed
    assert Setting.make(earlier, last, 1, 0).instruments == Setting.make(scenario, last, 1, 0).instruments
    dates = {name.split(".")[-1] for name in observed if not name.startswith("acts.")}
    assert min(dates) == "2016-01" and max(dates) == "2019-12"


def test_a_particles_summaries_are_its_runs_acts(toy):
    """The summaries count the acts `sim.experiments.acts` makes of the runs' event logs, and a
    particle re-runs alone with the same result."""
    scenario = load_scenario(toy)
    record = Record.from_scenario(scenario, scenario.end)
    setting = Setting.make(scenario, scenario.end, 3, 11)
    simulator = Simulator(("mirror", "escalate"), setting, record)
    drawn = {r.name: (r.low + r.high) / 2 for r in setting.priors(simulator.pair)}
    drawn["CN.perception_error"] = 0.2
    first = simulator(drawn)
    assert simulator(dict(drawn)) == first
    plan, _, _ = simulator.runs(drawn)
    values = setting.values(simulator.pair, drawn)
    keys = run_keys(particle_seed(11, simulator.pair, values), 3)
    ensemble = simulate_batch(scenario, plan, keys, log_events=True)
    runs = acts_from_events(ensemble.events)
    assert sum(len(r) for r in runs) > 0
    for side, code in enumerate(scenario.codes):
        for group in HOSTILE_GROUPS:
            counted = np.mean([sum(a.actor == side and group in a.groups for a in r) for r in runs])
            assert first[f"acts.{code}.{group.value}"] == pytest.approx(counted)
    staff = ensemble.figures["staff_total"]
    assert first["staff.UK.staff_total.2021-12"] == pytest.approx(np.mean(np.log1p(staff[23, :, 1])))
    other = Simulator(("mirror", "escalate"), replace(setting, root_seed=12), record)
    assert other(drawn) != first  # the root seed reaches the runs


TINY = dict(families=["restraint", "mirror"], population=8, replicates=1, seed=3, predictive=5)


def test_same_seed_same_posterior_and_an_interrupted_fit_resumes_to_it(short_toy, tmp_path, monkeypatch):
    whole, _ = run_inference(short_toy, tmp_path, generations=2, folder_id="whole", **TINY)
    files = ("posterior.csv", "families.csv", "params.toml", "params-draw.toml")
    # stopped part-way through the second generation, then the same command again
    calls = {"n": 0}
    original = Simulator.__call__

    def stopping(self, drawn):
        calls["n"] += 1
        if calls["n"] == 28:  # in the second generation: the first takes 22 calls, the second 12
            raise KeyboardInterrupt
        return original(self, drawn)

    monkeypatch.setattr(Simulator, "__call__", stopping)
    with pytest.raises(KeyboardInterrupt):
        run_inference(short_toy, tmp_path, generations=2, folder_id="stopped", **TINY)
    monkeypatch.setattr(Simulator, "__call__", original)
    stopped = tmp_path / "toy" / "inference-stopped"
    assert not (stopped / "posterior.csv").exists()
    lines = []
    resumed, report = run_inference(
        short_toy, tmp_path, generations=2, folder_id="stopped", progress=lines.append, **TINY
    )
    assert lines[0].startswith("generation 1/2") and lines[0].endswith("(stored)")
    assert lines[1].startswith("generation 2/2") and not lines[1].endswith("(stored)")
    for name in files:
        assert (whole / name).read_bytes() == (resumed / name).read_bytes(), name
    assert report["generations"] == 2
    # a longer fit continues from the stored generations
    lines.clear()
    longer, report = run_inference(
        short_toy, tmp_path, generations=3, folder_id="stopped", progress=lines.append, **TINY
    )
    assert [line.endswith("(stored)") for line in lines] == [True, True, False] and report["generations"] == 3
    assert len(read_csv(longer / "generations.csv")) == 3


def test_the_outputs_are_documented_and_consistent(short_toy, tmp_path):
    folder, report = run_inference(short_toy, tmp_path, generations=1, folder_id="outputs", **TINY)
    posterior = read_csv(folder / "posterior.csv")
    documented = [row[0] for row in documented_table("posterior.csv") if re.fullmatch(r"[a-z_]+", row[0])]
    header = list(posterior[0])
    assert header[: len(documented)] == documented
    expected = ["CN.family", "UK.family"] + [f"CN.{key}" for key, _, _ in SIDE_PRIORS]
    assert header[len(documented) :][: len(expected)] == expected
    assert len(posterior) == 8 and sum(float(r["weight"]) for r in posterior) == pytest.approx(1.0, abs=1e-5)
    families = read_csv(folder / "families.csv")
    assert list(families[0]) == [row[0] for row in documented_table("families.csv")]
    for side in ("CN", "UK"):
        probabilities = [float(r["probability"]) for r in families if r["side"] == side]
        assert len(probabilities) == 2 and sum(probabilities) == pytest.approx(1.0, abs=1e-5)
    pairs = [r for r in families if r["scope"] == "pair"]
    assert [r["family"] for r in pairs][0] == "/".join(report["pair"]) and len(pairs) == 4
    by_pair = {}
    for r in posterior:
        by_pair[r["model"]] = by_pair.get(r["model"], 0.0) + float(r["weight"])
    for r in pairs:
        assert by_pair.get(r["family"], 0.0) == pytest.approx(float(r["probability"]), abs=1e-5)
    assert list(read_csv(folder / "generations.csv")[0]) == [row[0] for row in documented_table("generations.csv")]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["root_seed"] == 3 and manifest["pyabc_version"] == "0.13.0"
    assert manifest["generations"] == {"asked": 1, "done": 1} and manifest["train_until"] == "2020-12"
    assert set(manifest["priors"]) == {"restraint/restraint", "restraint/mirror", "mirror/restraint", "mirror/mirror"}
    for key in manifest:
        assert f"`{key}`" in DOCS.read_text(encoding="utf-8"), key


def test_family_probabilities_are_marginal_sums():
    fit = Fit(("a", "b"), 4, 1, 1, 0)
    particles = [
        {"pair": ("a", "b"), "weight": 0.5},
        {"pair": ("b", "b"), "weight": 0.3},
        {"pair": ("a", "a"), "weight": 0.2},
    ]
    rows = family_rows(fit, ("X", "Y"), particles)
    assert [(r["side"], r["family"], r["probability"]) for r in rows] == [
        ("X", "a", 0.7),
        ("X", "b", 0.3),
        ("Y", "b", 0.8),
        ("Y", "a", 0.2),
        ("X/Y", "a/b", 0.5),
        ("X/Y", "b/b", 0.3),
        ("X/Y", "a/a", 0.2),
        ("X/Y", "b/a", 0.0),
    ]


def test_tft_infer_writes_an_overlay_tft_run_accepts(short_toy, tmp_path):
    runner = CliRunner()
    arguments = ["infer", str(short_toy), "--families", "restraint,mirror", "-p", "8", "-g", "1", "-n", "1"]
    outcome = runner.invoke(cli, [*arguments, "--results", str(tmp_path), "--seed", "4", "--quiet"])
    assert outcome.exit_code == 0, outcome.output
    folder = next((tmp_path / "toy").glob("inference-*"))
    assert "most probable pair" in outcome.stdout and str(folder) in outcome.stdout
    assert (folder / "inference.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for overlay in ("params.toml", "params-draw.toml"):
        run = runner.invoke(
            cli,
            [
                "run",
                str(short_toy),
                "--mode",
                "behavioural",
                "--params",
                str(folder / overlay),
                "--results",
                str(tmp_path),
            ],
        )
        assert run.exit_code == 0, run.output
    # the posterior itself: its mean and its draw are the two overlays' values (delays to the digits written)
    behaviours = {}
    for name, extra in (
        ("mean", ["--posterior", str(folder), "--draw", "mean"]),
        ("params", ["--params", str(folder / "params.toml")]),
        ("all", ["--posterior", str(folder), "-n", "3"]),
    ):
        run = runner.invoke(
            cli, ["run", str(short_toy), "--mode", "behavioural", "--results", str(tmp_path), "--run-id", name, *extra]
        )
        assert run.exit_code == 0, run.output
        behaviours[name] = json.loads((tmp_path / "toy" / name / "manifest.json").read_text())["behaviour"]
    assert len(read_csv(tmp_path / "toy" / "all" / "draws.csv")) == 3
    for code in ("CN", "UK"):
        mean, written = behaviours["mean"][code], behaviours["params"][code]
        assert mean["delay_weights"] == pytest.approx(written.pop("delay_weights"), abs=1e-9)
        assert {k: v for k, v in mean.items() if k != "delay_weights"} == written
    text = (folder / "params.toml").read_text()
    assert re.search(r'^instruments = ".*;like=[0-9.]+;package=[0-9.]+;spread=2"$', text, re.M)
    assert re.search(r"^memory_months = [0-9.]+$", text, re.M) and re.search(r"^notice = [0-9.]+$", text, re.M)


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--families", "mirror,nope"], "--families: unknown policy 'nope' (allowed: restraint, mirror,"),
        (["--families", "mirror,mirror"], "--families: a family is named twice"),
        (["-p", "3"], "--population: 3 particles for 4 pairs of families; give at least one particle per pair"),
        (["-g", "0"], "--generations: 0 (allowed: 1 to 50"),
        (["-n", "1000"], "--replicates: 1,000 (allowed: 1 to 100"),
        (
            ["--train-until", "2021-01"],
            "--train-until: 2021-01 is outside the scenario (allowed: after 2020-01, up to 2020-12",
        ),
        (["--train-until", "soon"], "--train-until: "),
        (["--id", "../x"], "--id: '../x' cannot name a folder"),
        (["--scheduler", "http://x:1"], "--scheduler: 'http://x:1' uses http://"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(options, expected, short_toy, tmp_path):
    base = ["infer", str(short_toy), "--families", "restraint,mirror", "-p", "8", "-g", "1", "--results", str(tmp_path)]
    outcome = CliRunner().invoke(cli, base + options)
    assert outcome.exit_code == 2, outcome.output
    assert expected in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
    assert "Traceback" not in outcome.output


def test_a_folder_resumes_only_the_same_fit(short_toy, tmp_path):
    run_inference(short_toy, tmp_path, generations=1, folder_id="same", **TINY)
    outcome = CliRunner().invoke(
        cli,
        ["infer", str(short_toy), "--families", "restraint,mirror", "-p", "9", "-g", "1", "-n", "1", "--seed", "3"]
        + ["--id", "same", "--results", str(tmp_path)],
    )
    assert outcome.exit_code == 2 and "holds a fit with different population" in outcome.stderr


def weighted_interval(values: np.ndarray, weights: np.ndarray, level: float = 0.9) -> tuple[float, float]:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    tail = (1 - level) / 2
    return float(values[order][np.searchsorted(cumulative, tail)]), float(
        values[order][np.searchsorted(cumulative, 1 - tail)]
    )


@pytest.mark.slow
def test_a_known_pair_is_recovered(toy, tmp_path):
    """A synthetic record made by simulating CN = mirror and UK = escalate:k=3 (perception error
    0.05, the other values fixed and known) on the toy dyad: among mirror, escalate and restraint
    the fit puts the most probability on the true family of each side, and the 90% credible
    interval of k holds 3 and is narrower than the prior's."""
    scenario = load_scenario(toy)
    fixed = {}
    for code, mission in zip(scenario.codes, scenario.missions, strict=True):
        fixed.update({f"{code}.{key}": value for key, value in (("mean_delay", 0.0), ("memory_months", 12.0))})
        fixed.update({f"{code}.{key}": value for key, value in (("notice", 2.0), ("like", 0.7), ("package", 0.2))})
        fixed.update({f"{code}.{key}": value for key, value in (("crisis_rate", 0.0), ("rehire_months", 12.0))})
        fixed[f"{code}.tour_months"] = float(mission.tour_months)  # the scenario's, as the truth's runs have
    truth = Setting.make(scenario, scenario.end, 1, 2024, fixed)
    record = Record.from_scenario(scenario, scenario.end)
    drawn = {"CN.perception_error": 0.05, "UK.perception_error": 0.05, "UK.escalate.k": 3.0}
    record = replace(record, observed=Simulator(("mirror", "escalate"), truth, record)(drawn))
    fit = Fit(("mirror", "escalate", "restraint"), 150, 4, 2, 7)
    setting = Setting.make(scenario, scenario.end, 2, 7, fixed)
    done = run_fit(fit, setting, record, tmp_path, make_sampling(1, None))
    assert len(done) == 4
    from sim.experiments.inference_report import _final_particles

    particles = _final_particles(tmp_path, fit, setting)
    rows = family_rows(fit, scenario.codes, particles)
    top = {side: next(r["family"] for r in rows if r["side"] == side) for side in scenario.codes}
    assert top == {"CN": "mirror", "UK": "escalate"}, rows
    escalating = [r for r in particles if r["pair"][1] == "escalate"]
    k = np.array([r["values"]["UK.escalate.k"] for r in escalating])
    low, high = weighted_interval(k, np.array([r["weight"] for r in escalating]))
    assert low <= 3.0 <= high and high - low < 0.9 * (5.0 - 1.0), (low, high)


@pytest.mark.slow
def test_the_help_example_runs_on_a_pool(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = CliRunner().invoke(cli, ["infer", "--help"]).output
    example = re.search(r"^\s+(tft infer .+)$", text, re.M).group(1)
    arguments = shlex.split(example)[1:] + ["--results", str(tmp_path), "--workers", "2", "--quiet"]
    outcome = CliRunner().invoke(cli, arguments)
    assert outcome.exit_code == 0, outcome.output
    folder = next((tmp_path / "us_russia_2016_2022").glob("inference-*"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["backend"] == "local pool of 2" and manifest["generations"]["done"] == 2


@pytest.mark.slow
def test_the_same_seed_gives_the_same_posterior_here_on_a_pool_and_on_dask(short_toy, tmp_path):
    from distributed import LocalCluster

    here, _ = run_inference(short_toy, tmp_path, generations=2, folder_id="here", **TINY)
    pool, _ = run_inference(short_toy, tmp_path, generations=2, folder_id="pool", workers=2, **TINY)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask, report = run_inference(
            short_toy, tmp_path, generations=2, folder_id="dask", scheduler=cluster.scheduler_address, **TINY
        )
    manifest = json.loads((dask / "manifest.json").read_text())
    assert manifest["backend"] == f"dask {cluster.scheduler_address}" and report["generations"] == 2
    assert json.loads((pool / "manifest.json").read_text())["backend"] == "local pool of 2"
    assert len(read_csv(here / "posterior.csv")) == 8
    for name in ("posterior.csv", "families.csv", "params.toml", "predictive.csv"):
        assert (here / name).read_bytes() == (pool / name).read_bytes() == (dask / name).read_bytes(), name
    simulated = [row["simulated"] for row in read_csv(here / "generations.csv")]
    assert simulated == [row["simulated"] for row in read_csv(dask / "generations.csv")]
