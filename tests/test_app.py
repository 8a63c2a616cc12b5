"""The page's library side: choices become the same plans as the command line's options, the fan
is the ensemble's quantiles whatever the chunks or workers, a stepped Mesa run shows the run the
batched engine gives, a sweep folder is read back, and a download is the folder `tft run` writes."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from sim.app.choices import Choices, SideChoice, UploadError, load_upload, shipped_scenarios
from sim.app.download import command_for, write_results, zip_folder
from sim.app.ensemble import compare_pair, fan_steps, keys_for, record_marks, runs_differ
from sim.app.stepper import Stepper
from sim.cli import cli
from sim.engines.drivers import simulate_batch
from sim.experiments.choices import PlanError, make_plan
from sim.experiments.outcomes import simulate_outcomes
from sim.experiments.summary import StaffQuantiles
from sim.files.columns import event_rows, trajectory_rows
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label
from tests.conftest import SCENARIOS, TOY, event, read_csv

SHOCKS = "".join(
    event(date=date, actor=actor, kind="shock", name="incident", severity=-6.0)
    for date, actor in (("2020-02", "CN"), ("2020-05", "UK"), ("2020-08", "CN"))
)


@pytest.fixture
def toy(toy_file):
    return load_scenario(toy_file(SHOCKS))


def noisy(scenario, **changes) -> Choices:
    choices = Choices.default(scenario)
    for index in (0, 1):
        choices = choices.with_side(index, replace(choices.sides[index], perception_error=0.2, **changes))
    return choices


# --- choices ------------------------------------------------------------------------------------


def test_default_choices_are_the_scenarios_behaviour(toy):
    choices = Choices.default(toy)
    assert choices.mode == "behavioural" and choices.runs == 1000
    assert choices.sides[0] == SideChoice("mirror", (), 0.0, 0.0, 0.0, "none", "")
    assert choices.arguments(toy)["overrides"] == []
    assert choices.plan(toy) == make_plan(toy, "behavioural", policies={"CN": "mirror", "UK": "mirror"})


def test_changed_values_become_the_command_lines_policy_and_set_options(toy):
    side = replace(
        SideChoice.from_behaviour(toy.behaviours[0]).with_policy("grit").with_param("step", 4.0),
        perception_error=0.05,
        delay=1.5,
        crisis_rate=2.0,
        initiative="reopen_post",
        initiative_month="2020-06",
    )
    assert side.spec == "grit:step=4,persistence=2"
    choices = Choices.default(toy).with_side(0, side)
    arguments = choices.arguments(toy)
    assert arguments["policies"] == {"CN": "grit:step=4,persistence=2", "UK": "mirror"}
    assert arguments["overrides"] == [
        ("CN", "perception_error", 0.05),
        ("CN", "crisis_rate", 2.0),
        ("CN", "delay_weights", [0.0, 0.5, 0.5]),
        ("CN", "initiative", "reopen_post@2020-06"),
    ]
    plan = choices.plan(toy)
    assert plan.behaviours[0].delay_weights == (0.0, 0.5, 0.5)
    assert plan.behaviours[0].initiative == "reopen_post@2020-06"
    assert plan.behaviours[1] == toy.behaviours[1]


def test_replay_takes_no_policies_and_project_gets_dates(toy):
    replay = Choices.default(toy, "replay").with_side(0, SideChoice().with_policy("grit"))
    assert replay.arguments(toy)["policies"] == {} and replay.plan(toy).mode.value == "replay"
    project = Choices.default(toy).with_mode(toy, "project")
    assert (project.start_from, project.until) == ("2021-01", "2030-12")
    assert project.plan(toy).active_from == toy.end + 1


def test_a_bad_date_is_the_plans_one_line_error(toy):
    choices = replace(Choices.default(toy).with_mode(toy, "project"), start_from="2019-13")
    with pytest.raises(PlanError) as error:
        choices.plan(toy)
    assert str(error.value) == "--from: '2019-13' has month 13; months run 01-12"


def test_uploads_are_loaded_or_refused_in_one_line(tmp_path):
    scenario, path = load_upload("toy.toml", TOY.encode(), tmp_path)
    assert scenario.codes == ("CN", "UK") and path.name == "toy.toml"
    broken = TOY.replace('start = "2020-01"', 'start = "2020-13"').encode()
    with pytest.raises(UploadError) as error:
        load_upload("../../broken.toml", broken, tmp_path)
    message = str(error.value)
    assert message.startswith("broken.toml") and "run.start" in message and "\n" not in message
    assert str(tmp_path) not in message
    with pytest.raises(UploadError, match=r"^notes.txt: scenario files are TOML files ending in \.toml"):
        load_upload("notes.txt", b"x", tmp_path)


def test_shipped_scenarios_are_the_top_level_files():
    names = [p.name for p in shipped_scenarios(SCENARIOS)]
    assert "us_russia_2016_2025.toml" in names and all(n.endswith(".toml") for n in names)
    assert not any("deescalation" in n for n in names)


# --- the fan and the comparison -----------------------------------------------------------------


def quantiles_of(scenario, plan, keys) -> list[dict]:
    quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
    quantiles.add(simulate_batch(scenario, plan, keys, log_events=False).figures["staff_total"])
    return list(quantiles.rows())


def test_the_fan_is_the_ensembles_quantiles_chunk_by_chunk(toy):
    plan = noisy(toy).plan(toy)
    assert runs_differ(plan)
    keys = keys_for(toy, 40)
    fans = list(fan_steps(toy, plan, keys, chunk=15))
    assert [f.runs for f in fans] == [15, 30, 40] and [f.complete for f in fans] == [False, False, True]
    assert fans[0].rows == quantiles_of(toy, plan, keys[:15])
    assert fans[-1].rows == quantiles_of(toy, plan, keys)
    assert fans[-1].rows[0]["runs"] == 40 and not fans[-1].identical
    assert fans[-1].caption().startswith("40 of 40 runs in ")


def test_one_chunk_per_worker_and_what_a_view_depends_on(toy):
    from sim.app.ensemble import chunk_runs
    from sim.app.view_explore import what_is_shown

    assert [chunk_runs(1000, w) for w in (1, 2, 3)] == [1000, 500, 334]
    assert [chunk_runs(n, 2) for n in (1, 7, 5000)] == [1, 4, 1000]
    plan = noisy(toy).plan(toy)
    assert what_is_shown(toy, plan, 1000, None) != what_is_shown(toy, plan, 999, None)
    replay = Choices.default(toy, "replay").plan(toy)
    assert what_is_shown(toy, replay, 1000, None) == what_is_shown(toy, replay, 10, 5)  # a replay is one run


def test_identical_runs_are_simulated_once_and_counted_for_all(toy):
    plan = Choices.default(toy).plan(toy)
    assert not runs_differ(plan)
    keys = keys_for(toy, 25)
    (only,) = fan_steps(toy, plan, keys)
    assert only.identical and only.rows == quantiles_of(toy, plan, keys)
    assert "every run is the same" in only.caption()


@pytest.mark.slow
def test_worker_processes_give_the_same_fan(toy):
    from sim.app.ensemble import start_pool

    plan = noisy(toy).plan(toy)
    keys = keys_for(toy, 60)
    pool = start_pool(2)
    try:
        pooled = list(fan_steps(toy, plan, keys, chunk=20, pool=pool))
    finally:
        pool.shutdown()
    assert [f.runs for f in pooled] == [20, 40, 60]
    assert pooled[-1].rows == quantiles_of(toy, plan, keys)


def test_pairs_are_compared_on_the_same_runs(toy):
    keys = keys_for(toy, 30)
    choices = noisy(toy, crisis_rate=1.0)
    plan = choices.with_side(0, choices.sides[0].with_policy("grit")).plan(toy)
    result = compare_pair(toy, "grit vs mirror", plan, keys)
    outcomes = simulate_outcomes(toy, plan, keys)
    assert result.row["runs"] == 30
    assert result.row["restored_half"] == f"{outcomes['restored_half'].mean():.0%}"
    assert result.row["spiral"] == f"{outcomes['spiral'].mean():.0%}"
    assert result.row["hostile_measures"] == f"{outcomes['hostile_measures'].mean():.1f}"
    assert result.row["CN_staff_end_share"] == f"{np.median(outcomes['CN_staff_end_share']):.2f}"
    assert result.fan.rows == quantiles_of(toy, plan, keys)


def test_the_records_hostile_measures_are_marked():
    scenario = load_scenario(SCENARIOS / "us_russia_2016_2022.toml")
    marks = record_marks(scenario)
    assert marks[:5] == [("2016-06", "US"), ("2016-07", "RU"), ("2016-12", "US"), ("2016-12", "US"), ("2017-01", "US")]
    assert ("2017-08", "RU") in marks and all(side in ("US", "RU") for _, side in marks)


# --- stepping a run -----------------------------------------------------------------------------


def test_a_stepped_mesa_run_is_the_batched_engines_run(toy):
    plan = noisy(toy, crisis_rate=2.0).plan(toy)
    key = int(keys_for(toy, 3)[2])
    stepper = Stepper(toy, plan, key)
    batch = simulate_batch(toy, plan, [key])
    staff = batch.figures["staff_total"][:, 0, :]
    events = list(event_rows(batch, False))
    assert stepper.months_done == 0 and stepper.month == "2020-01" and not stepper.finished
    for t, month in enumerate(plan.months):
        stepper.step()
        label = month_label(month)
        assert stepper.staff[-1] == (label, int(staff[t, 0]), int(staff[t, 1]))
        expected = [{k: r[k] for k in stepper.measures[0]} for r in events if r["date"][:7] == label]
        assert stepper.measures == expected
    assert stepper.finished and stepper.months_done == 12
    stepper.step()
    assert stepper.months_done == 12
    stepper.reset()
    assert stepper.months_done == 0 and stepper.measures == []


def test_the_stepped_missions_match_the_replays_trajectories():
    scenario = load_scenario(SCENARIOS / "us_russia_2016_2022.toml")
    plan = Choices.default(scenario, "replay").plan(scenario)
    stepper = Stepper(scenario, plan, 1)
    rows = {(r["date"], r["side"]): r for r in trajectory_rows(simulate_batch(scenario, plan, [1]), False)}
    while stepper.month != "2021-08":
        stepper.step()
    for row in stepper.conditions():
        expected = rows[("2021-08", row["mission"])]
        assert row["staff_total"] == expected["staff_total"]
        assert row["local_hiring"] == ("yes" if expected["local_hiring"] else "no")
    posts = stepper.posts()
    for code in ("US", "RU"):
        open_posts = sum(p["status"] == "open" for p in posts if p["mission"] == code)
        assert open_posts == rows[("2021-08", code)]["posts_open"]
        staff = sum(p["diplomats"] + p["support"] + p["local"] for p in posts if p["mission"] == code)
        assert staff == rows[("2021-08", code)]["staff_total"]
    lost = sum(p["status"] == "seized" for p in stepper.properties() if p["mission"] == "RU")
    assert lost == rows[("2021-08", "RU")]["properties_lost"] == 6


# --- download -----------------------------------------------------------------------------------


def test_the_download_is_the_folder_tft_run_writes(toy_file, tmp_path):
    path = toy_file(SHOCKS)
    scenario = load_scenario(path)
    choices = replace(noisy(scenario), runs=12, seed=5)
    choices = choices.with_side(1, replace(choices.sides[1], delay=0.5).with_policy("escalate"))
    folder = write_results(scenario, path, choices, tmp_path / "page")
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    command = command_for(choices, scenario, path)
    assert command[:2] == ["tft", "run"] and "--set" in command and "UK=escalate:k=1.5" in " ".join(command)
    assert all(part in manifest for part in command[2:])
    # the recorded command line writes the same runs
    again = CliRunner().invoke(cli, [*command[1:], "--results", str(tmp_path / "cli"), "--no-plot"])
    assert again.exit_code == 0, again.output
    (other,) = (tmp_path / "cli" / "toy").iterdir()
    assert read_csv(folder / "quantiles.csv") == read_csv(other / "quantiles.csv")
    assert read_csv(folder / "runs.csv") == read_csv(other / "runs.csv")
    with zipfile.ZipFile(io.BytesIO(zip_folder(folder))) as archive:
        names = set(archive.namelist())
    assert {f"{folder.name}/{n}" for n in ("manifest.json", "quantiles.csv", "runs.csv", "fan.png")} <= names


def test_a_replay_download_has_one_run_and_its_staff_figure(toy_file, tmp_path):
    path = toy_file(SHOCKS)
    scenario = load_scenario(path)
    folder = write_results(scenario, path, Choices.default(scenario, "replay"), tmp_path)
    assert {"trajectories.csv", "events.csv", "staff.png"} <= {p.name for p in folder.iterdir()}
    assert command_for(Choices.default(scenario, "replay"), scenario, path) == [
        "tft",
        "run",
        str(path),
        "--mode",
        "replay",
    ]


# --- a sweep folder -----------------------------------------------------------------------------

SWEEP = """
[sweep]
name = "toy_sweep"
scenario = "toy.toml"
mode = "behavioural"
replicates = 4
seed = 3

[design]
kind = "grid"

[levers]
"CN.policy" = ["mirror", "grit"]

[uncertainties]
perception_error = { low = 0.0, high = 0.2, points = 2 }
"UK.crisis_rate" = { low = 0.0, high = 2.0, points = 2 }
"""


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    pytest.importorskip("pyarrow")
    from sim.experiments.sweep import run_sweep

    root = tmp_path_factory.mktemp("sweep")
    (root / "toy.toml").write_text(TOY + SHOCKS, encoding="utf-8")
    (root / "toy_sweep.toml").write_text(SWEEP, encoding="utf-8")
    return run_sweep(root / "toy_sweep.toml", root / "results", workers=1)["folder"]


def test_a_sweep_folder_is_read_back(sweep_folder):
    from sim.app.sweep_folder import SweepBrowseError, SweepFolder, sweep_folders
    from sim.plots.sweep import heatmap_grid

    assert sweep_folders(sweep_folder.parent.parent) == [sweep_folder]
    sweep = SweepFolder(sweep_folder)
    assert sweep.columns == ["CN.policy", "perception_error", "UK.crisis_rate"]
    assert sweep.outcomes[:2] == ["CN_staff_end_share", "CN_staff_min"] and "restored_half" in sweep.outcomes
    heatmap = sweep.heatmap("hostile_measures", "perception_error", "CN.policy")
    assert heatmap.xs == ["0", "0.2"] and heatmap.ys == ["grit", "mirror"]
    _, _, grid = heatmap_grid(sweep.summary, "hostile_measures", "perception_error", "CN.policy")
    assert [[c.value for c in row] for row in heatmap.cells] == grid.tolist()
    assert sorted(p for row in heatmap.cells for c in row for p in c.points) == list(range(8))
    corner = heatmap.cells[1][0]  # mirror, no misperception: the two crisis rates
    assert [sweep.design[p]["CN.policy"] for p in corner.points] == ["mirror", "mirror"]
    assert {sweep.design[p]["perception_error"] for p in corner.points} == {"0"}
    with pytest.raises(SweepBrowseError, match="both axes are 'CN.policy'"):
        sweep.heatmap("spiral", "CN.policy", "CN.policy")
    with pytest.raises(SweepBrowseError, match=r"^outcome 'wealth' is not in this sweep \(allowed: CN_staff"):
        sweep.heatmap("wealth", "CN.policy", "perception_error")
    with pytest.raises(SweepBrowseError, match="no design.csv"):
        SweepFolder(sweep_folder.parent)


def test_a_points_fan_is_read_from_its_quantiles_file_never_re_run(sweep_folder):
    from sim.app.sweep_folder import SweepBrowseError, SweepFolder
    from sim.experiments.sweep_points import write_point_quantiles

    sweep = SweepFolder(sweep_folder)
    point = 5
    sweep.fan_file(point).unlink(missing_ok=True)
    assert not sweep.has_fan(point)
    with pytest.raises(SweepBrowseError) as missing:
        sweep.point_fan_png(point)
    assert str(missing.value) == (
        f"{sweep_folder}: no fan of point 5 (point-5-quantiles.csv): this sweep kept each run's outcomes, not its "
        "months. Set fans = true under [sweep] in the sweep file to keep every point's fan, or write this one "
        f"with: tft plot {sweep_folder} --point 5"
    )
    assert not sweep.has_fan(point)  # nothing was simulated
    write_point_quantiles(sweep_folder, point)  # what `tft plot --point 5` does
    rows = read_csv(sweep.fan_file(point))
    assert rows[0]["runs"] == "4" and len(rows) == 2 * 12
    assert sweep.point_fan_png(point)[:8] == b"\x89PNG\r\n\x1a\n"
    chart, ranked = sweep.robustness_png()
    assert chart[:8] == b"\x89PNG\r\n\x1a\n" and sorted(pair for pair, _ in ranked) == ["CN grit", "CN mirror"]


def test_tft_app_without_its_extra_says_so(monkeypatch):
    import builtins

    real = builtins.__import__

    def missing(name, *args, **kwargs):
        if name == "solara":
            raise ImportError("No module named 'solara'", name="solara")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", missing)
    outcome = CliRunner().invoke(cli, ["app", "--port", "0"])
    assert outcome.exit_code == 2
    assert "tft app needs the app extra: pip install 'tft-sim[app]' (missing: solara)" in outcome.output


def test_the_pages_figures_are_pngs(toy):
    from sim.app.charts import fan_png, staff_png, stepped_png
    from sim.app.ensemble import one_run
    from sim.files.results import observation_rows

    plan = noisy(toy).plan(toy)
    keys = keys_for(toy, 10)
    (*_, fan) = fan_steps(toy, plan, keys)
    trajectories, events = one_run(toy, plan, keys[0])
    stepper = Stepper(toy, plan, int(keys[0]))
    stepper.step()
    for picture in (
        fan_png(fan, observation_rows(toy), "a fan", record_marks(toy)),
        staff_png(trajectories, events, observation_rows(toy), "one run"),
        stepped_png(stepper),
    ):
        assert picture[:8] == b"\x89PNG\r\n\x1a\n" and len(picture) > 5000


def test_tft_app_on_a_taken_port_says_so():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        outcome = CliRunner().invoke(cli, ["app", "--port", str(port)])
    assert outcome.exit_code == 2
    assert f"--host 127.0.0.1 --port {port}: cannot listen there (Address already in use)" in outcome.output
