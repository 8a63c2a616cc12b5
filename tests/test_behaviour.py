"""Behaviour the policies must show in the graded game (exact where deterministic, statistical
bounds where not), modes, ensembles and re-running one run alone."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.engines.drivers import simulate_batch, simulate_mesa
from sim.experiments.choices import PlanError, make_plan
from sim.experiments.run import RunOptions, run_scenario
from sim.files.columns import event_row
from sim.files.scenario_file import load_scenario
from sim.plots.result import plot_result
from sim.rules.rng import run_keys
from tests.conftest import ROOT, event, event_table, read_csv


def policy_events(ensemble, run: int = 0, actor: str | None = None) -> list[dict]:
    rows = (event_row(ensemble.world, record) for record in ensemble.events[run])
    return [e for e in rows if e["cause"] in ("policy", "noise") and (actor is None or e["actor"] == actor)]


def run_toy(toy_file, extra: str, mode: str, runs: int = 1, **choices):
    scenario = load_scenario(toy_file(extra))
    plan = make_plan(scenario, mode, **choices)
    return scenario, simulate_batch(scenario, plan, run_keys(3, runs))


def test_mirror_answers_forced_measures_like_for_like_after_the_delay_then_stops(toy_file):
    extra = event(date="2020-02-10", actor="CN", kind="expel", size=2, post="uk_embassy") + event(
        date="2020-02-20", actor="CN", kind="close_post", post="uk_consulate"
    )
    _, ensemble = run_toy(
        toy_file,
        extra,
        "project",
        start_from="2020-03",
        until="2021-12",
        policies={"CN": "mirror", "UK": "mirror"},
        overrides=[("UK", "delay_weights", [0, 0, 1]), ("CN", "delay_weights", [0, 0, 1])],
    )
    answers = policy_events(ensemble)
    # February's two measures are seen in March; answered two months later, with the same kind:
    # a post for a post (the most severe of the month is what is answered).
    assert [(e["date"], e["actor"], e["kind"], e["post"]) for e in answers] == [
        ("2020-05", "UK", "close_post", "cn_consulate")
    ]
    assert answers[0]["severity"] == -5.0


def test_mirror_answers_an_expulsion_with_the_same_number(toy_file):
    extra = event(date="2020-02-10", actor="CN", kind="expel", size=10, post="uk_embassy")
    _, ensemble = run_toy(
        toy_file, extra, "project", start_from="2020-03", until="2021-06", policies={"CN": "mirror", "UK": "mirror"}
    )
    answers = policy_events(ensemble)
    assert [(e["date"], e["actor"], e["kind"], e["size"], e["staff_change"]) for e in answers] == [
        ("2020-03", "UK", "expel", "10", -10)
    ]


def test_restraint_never_answers(toy_file):
    extra = "".join(
        event(date=f"2020-{m:02d}", actor="CN", kind="shock", name="crisis", severity=-6.0) for m in (2, 5, 8)
    )
    _, ensemble = run_toy(
        toy_file,
        extra,
        "behavioural",
        runs=20,
        until="2022-12",
        policies={"UK": "restraint", "CN": "escalate:k=2"},
        overrides=[("CN", "perception_error", 0.2), ("CN", "crisis_rate", 4.0)],
    )
    for run in range(20):
        assert policy_events(ensemble, run, "UK") == []
    assert sum(len(policy_events(ensemble, run, "CN")) for run in range(20)) > 20  # CN's misread months


def test_escalation_grows_until_the_repertoire_runs_out(toy_file):
    extra = event(date="2020-02", actor="CN", kind="shock", name="incident", severity=-3.0)
    scenario, ensemble = run_toy(
        toy_file,
        extra,
        "behavioural",
        until="2023-12",
        policies={"UK": "escalate:k=1.5", "CN": "escalate:k=1.5"},
        overrides=[("UK", "restaff", False), ("CN", "restaff", False)],
    )
    answers = policy_events(ensemble)
    severities = [-e["severity"] for e in answers]
    assert severities[0] < severities[1] < severities[2]
    assert severities[2] > 9  # the answers climb to the top of the scale within three months
    # then every hostile kind gets used up, and the exchange stops because nothing is left
    assert answers[-1]["date"] < "2023-01"
    last = {side: ensemble.figures[name][-1, 0, side] for side in (0, 1) for name in ("staff_total",)}
    assert set(last.values()) == {0}
    assert ensemble.figures["properties_lost"][-1, 0].tolist() == [1, 1]
    assert ensemble.figures["banking"][-1, 0].tolist() == [False, False]
    assert ensemble.figures["posts_closed"][-1, 0].tolist() == [1, 1]


def test_grim_trigger_never_conciliates_after_its_first_hostile_act(toy_file):
    extra = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-4.0)
    _, ensemble = run_toy(
        toy_file,
        extra,
        "behavioural",
        runs=50,
        until="2023-12",
        policies={"UK": "grim_trigger", "CN": "grit"},
        overrides=[("UK", "perception_error", 0.05), ("UK", "misread_sigma", 0.3)],
    )
    triggered = 0
    for run in range(50):
        mine = policy_events(ensemble, run, "UK")
        first = next((i for i, e in enumerate(mine) if e["severity"] < 0), None)
        if first is not None:
            triggered += 1
            assert all(e["severity"] <= 0 for e in mine[first:])
    assert triggered == 50


def test_grit_facing_mirror_restores_the_missions():
    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2025.toml")
    plan = make_plan(
        scenario, "project", start_from="2025-07", until="2035-12", policies={"US": "grit", "RU": "mirror"}
    )
    ensemble = simulate_batch(scenario, plan, run_keys(1, 1))
    figures = {name: values[:, 0, :] for name, values in ensemble.figures.items()}
    start = {side: figures["staff_total"][0, side] for side in (0, 1)}
    july = ensemble.months.index("2025-07")
    # a conciliatory start: the first act after July 2025 is a US step, answered in kind
    answers = policy_events(ensemble)
    assert (answers[0]["date"], answers[0]["actor"], answers[0]["kind"]) == ("2025-07", "US", "return_property")
    reply = next(e for e in answers if e["actor"] == "RU")
    assert (reply["date"], reply["kind"]) == ("2025-08", "return_property")  # like for like
    end = -1
    assert figures["properties_lost"][end].tolist() == [0, 0]
    assert figures["posts_closed"][end].tolist() == [0, 0]
    assert figures["staff_cap"][end].tolist() == [-1, -1]
    assert figures["local_hiring"][end].tolist() == [True, True]
    for side in (0, 1):
        assert figures["staff_total"][july, side] < 0.2 * start[side]
        assert figures["staff_total"][end, side] > 0.6 * start[side]
    assert all(e["severity"] >= 0 for e in policy_events(ensemble))


def test_noise_keeps_mirror_retaliating_longer_than_generous_mirror(toy_file):
    """The classic noise result: with perception error 0.05, over 1,000 runs, mirror against mirror
    spends a larger share of months answering than generous mirror against generous mirror."""
    shares = {}
    for name in ("mirror", "generous_mirror"):
        _, ensemble = run_toy(
            toy_file,
            "",
            "behavioural",
            runs=1000,
            until="2024-12",
            policies={"CN": name, "UK": name},
            overrides=[("CN", "perception_error", 0.05), ("UK", "perception_error", 0.05)],
        )
        months = len(ensemble.months)
        hostile = {
            (run, e["date"], e["actor"])
            for run in range(1000)
            for e in policy_events(ensemble, run)
            if e["severity"] < 0
        }
        shares[name] = len(hostile) / (1000 * months * 2)
    # without forgiveness a misread month starts an echo only another misreading can end
    assert shares["mirror"] > 0.3
    assert shares["generous_mirror"] < 0.5 * shares["mirror"]


def test_batch_and_mesa_give_the_same_runs(toy_file):
    extra = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-5.0)
    scenario = load_scenario(toy_file(extra))
    for policies in (
        {"CN": "mirror", "UK": "generous_mirror"},
        {"CN": "gradual", "UK": "win_stay_lose_shift"},
        {"CN": "parity", "UK": "escalate:k=1.2"},
    ):
        plan = make_plan(
            scenario,
            "behavioural",
            until="2022-12",
            policies=policies,
            overrides=[
                ("CN", "perception_error", 0.1),
                ("UK", "misread_sigma", 0.4),
                ("UK", "execution_error", 0.05),
                ("CN", "crisis_rate", 1.0),
                ("UK", "delay_weights", [0.5, 0.3, 0.2]),
            ],
        )
        keys = run_keys(42, 6)
        batch = simulate_batch(scenario, plan, keys)
        mesa = simulate_mesa(scenario, plan, keys)
        assert event_table(batch) == event_table(mesa)
        for name, values in batch.figures.items():
            np.testing.assert_array_equal(values, mesa.figures[name], err_msg=name)
        split = simulate_batch(scenario, plan, keys[3:])
        assert event_table(split) == event_table(batch)[3:]


def test_ensemble_files_and_rerunning_one_run_alone(tmp_path):
    path = ROOT / "scenarios/us_russia_2016_2022.toml"
    choices = dict(
        mode="behavioural",
        policies={"US": "generous_mirror", "RU": "escalate:k=1.5"},
        overrides=[("US", "perception_error", 0.05), ("RU", "perception_error", 0.05)],
    )
    folder = run_scenario(path, tmp_path, RunOptions(replicates=12, seed=7, run_id="ensemble", **choices)).folder
    plot_result(folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "events.csv",
        "fan.png",
        "manifest.json",
        "observations.csv",
        "quantiles.csv",
        "runs.csv",
        "trajectories.csv",
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs"] == 12 and manifest["engine"] == "batch" and "run_seeds" not in manifest
    assert manifest["behaviour"]["RU"]["policy"] == "escalate:k=1.5"
    rows = read_csv(folder / "trajectories.csv")
    assert list(rows[0])[0] == "run" and len(rows) == 12 * 84 * 2
    assert list(read_csv(folder / "events.csv")[0])[0] == "run"
    pick = 5
    seed = next(r["seed"] for r in read_csv(folder / "runs.csv") if r["run"] == str(pick))
    alone = run_scenario(path, tmp_path, RunOptions(run_seed=int(seed), run_id="alone", **choices)).folder
    by_index = run_scenario(path, tmp_path, RunOptions(run_index=pick, seed=7, run_id="index", **choices))
    assert by_index.manifest["run_seed"] == seed and by_index.manifest["run_index"] == pick
    again = read_csv(alone / "trajectories.csv")
    mine = [{k: v for k, v in r.items() if k != "run"} for r in rows if r["run"] == str(pick)]
    assert again == mine
    assert (by_index.folder / "trajectories.csv").read_bytes() == (alone / "trajectories.csv").read_bytes()
    events = [
        {k: v for k, v in r.items() if k != "run"} for r in read_csv(folder / "events.csv") if r["run"] == str(pick)
    ]
    assert read_csv(alone / "events.csv") == events


def test_plan_errors():
    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2025.toml")
    for kwargs, message in [
        (dict(mode="project"), "needs --from"),
        (dict(mode="project", start_from="2040-01", until="2035-12"), "--from"),
        (dict(mode="replay", until="2030-01"), "use --mode project"),
        (dict(mode="behavioural", start_from="2020-01"), "--from applies to --mode project only"),
        (dict(mode="behavioural", policies={"FR": "mirror"}), "unknown side 'FR'"),
        (dict(mode="behavioural", policies={"US": "tit_for_tat"}), "unknown policy 'tit_for_tat'"),
        (dict(mode="behavioural", overrides=[("US", "perception_error", 2.0)]), "out of range"),
        (dict(mode="behavioural", overrides=[("US", "sneeze", 1.0)]), "--set: US.sneeze: unknown key"),
        (dict(mode="behavioural", until="2016-13"), "--until"),
    ]:
        with pytest.raises(PlanError, match=message):
            make_plan(scenario, **kwargs)


def test_chunks_and_summaries_do_not_change_results(tmp_path):
    """Split into chunks of 5 with only summaries kept, the outcomes and quantiles equal those of one
    chunk with everything kept; the quantiles equal numpy's over the kept trajectories."""
    path = ROOT / "scenarios/us_russia_2016_2022.toml"
    choices = dict(
        mode="behavioural",
        replicates=23,
        seed=3,
        policies={"US": "mirror", "RU": "generous_mirror"},
        overrides=[("US", "perception_error", 0.1), ("RU", "crisis_rate", 1.0)],
    )
    whole = run_scenario(path, tmp_path, RunOptions(run_id="whole", keep="all", **choices)).folder
    split = run_scenario(path, tmp_path, RunOptions(run_id="split", keep="summary", chunk_runs=5, **choices)).folder
    assert not (split / "trajectories.csv").exists() and not (split / "events.csv").exists()
    for name in ("runs.csv", "quantiles.csv"):
        assert (whole / name).read_bytes() == (split / name).read_bytes()
    rows = read_csv(whole / "trajectories.csv")
    staff = np.array(
        [[float(r["staff_total"]) for r in rows if r["run"] == str(run) and r["side"] == "RU"] for run in range(23)]
    )
    quantiles = [r for r in read_csv(whole / "quantiles.csv") if r["side"] == "RU"]
    for q in ("p05", "p25", "p50", "p75", "p95"):
        expected = np.percentile(staff, int(q[1:]), axis=0, method="inverted_cdf")
        assert [float(r[q]) for r in quantiles] == expected.tolist()
    outcomes = [r for r in read_csv(whole / "runs.csv") if r["side"] == "RU"]
    assert [int(r["staff_end"]) for r in outcomes] == staff[:, -1].astype(int).tolist()
    assert [int(r["staff_min"]) for r in outcomes] == staff.min(axis=1).astype(int).tolist()
    hostile = [
        sum(
            1
            for e in read_csv(whole / "events.csv")
            if e["run"] == str(run)
            and e["actor"] == "RU"
            and e["cause"] in ("policy", "noise")
            and float(e["severity"]) < 0
        )
        for run in range(23)
    ]
    assert [int(r["hostile_measures"]) for r in outcomes] == hostile


def test_initiatives_happen_at_their_date_and_are_reciprocated():
    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2025.toml")
    plan = make_plan(
        scenario,
        "project",
        start_from="2025-03",
        until="2026-06",
        policies={"US": "restraint", "RU": "mirror"},
        overrides=[("US", "initiative", "return_property@2025-06+reopen_post@2025-09")],
    )
    events = policy_events(simulate_batch(scenario, plan, run_keys(1, 1)))
    assert [(e["date"], e["actor"], e["kind"]) for e in events] == [
        ("2025-06", "US", "return_property"),
        ("2025-07", "RU", "return_property"),
        ("2025-09", "US", "reopen_post"),
        ("2025-10", "RU", "reopen_post"),
    ]
    with pytest.raises(PlanError, match="initiative 'expel@2025-06' must be KIND@YYYY-MM"):
        make_plan(scenario, "behavioural", overrides=[("US", "initiative", "expel@2025-06")])


def test_one_answer_a_month_and_initiatives_only_of_their_kind(toy_file):
    extra = event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-5.0)
    _, ensemble = run_toy(
        toy_file,
        extra,
        "behavioural",
        runs=50,
        until="2022-12",
        policies={"CN": "mirror", "UK": "escalate:k=1.2"},
        overrides=[
            ("CN", "perception_error", 0.2),
            ("UK", "perception_error", 0.2),
            ("CN", "delay_weights", [0.5, 0.5]),
            ("UK", "delay_weights", [0.3, 0.4, 0.3]),
        ],
    )
    per_month = {}
    for run in range(50):
        for e in policy_events(ensemble, run):
            per_month[(run, e["date"], e["actor"])] = per_month.get((run, e["date"], e["actor"]), 0) + 1
    assert per_month and max(per_month.values()) == 1
    # an initiative whose kind is impossible (nothing seized yet) does nothing in its place
    _, ensemble = run_toy(
        toy_file,
        "",
        "behavioural",
        until="2020-12",
        policies={"CN": "restraint", "UK": "restraint"},
        overrides=[("CN", "initiative", "return_property@2020-03")],
    )
    assert policy_events(ensemble) == []


def test_an_execution_error_drops_an_intended_act_and_never_makes_a_step_hostile(toy_file):
    _, ensemble = run_toy(
        toy_file,
        "",
        "behavioural",
        runs=20,
        until="2021-12",
        policies={"CN": "grit", "UK": "mirror"},
        overrides=[("CN", "execution_error", 1.0)],
    )
    for run in range(20):
        mine = policy_events(ensemble, run, "CN")
        assert all(e["cause"] == "noise" and e["severity"] < 0 for e in mine)  # only errors of quiet months
        assert not [e for e in mine if e["severity"] > 0]


def test_numeric_levers_and_a_failed_run_in_one_part_only(tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    import sim.experiments.sweep
    from sim.experiments.sweep import run_sweep
    from sim.files.sweep_store import read_runs
    from tests.conftest import TOY

    (tmp_path / "toy.toml").write_text(TOY, encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(
        '[sweep]\nname = "s"\nscenario = "toy.toml"\nmode = "behavioural"\nuntil = "2021-12"\n'
        'replicates = 2\nseed = 1\n[levers]\n"CN.execution_error" = [0, 0.1]\n',
        encoding="utf-8",
    )
    original = sim.experiments.sweep.simulate_outcomes

    def flaky(scenario, plan, keys):
        if plan.behaviours[0].execution_error > 0 and len(keys) == 1 and int(keys[0]) == int(run_keys(1, 2)[1]):
            raise RuntimeError("boom")
        if plan.behaviours[0].execution_error > 0 and len(keys) > 1:
            raise RuntimeError("retry one by one")
        return original(scenario, plan, keys)

    monkeypatch.setattr(sim.experiments.sweep, "simulate_outcomes", flaky)
    report = run_sweep(path, tmp_path / "r", workers=1)
    runs = read_runs(report["folder"])
    assert report["failed"] == 1 and list(runs["CN.execution_error"]) == [0.0, 0.0, 0.1, 0.1]
    assert list(runs["error"] != "") == [False, False, False, True]
