"""Event-level scores against nulls: acts, matching, metrics, nulls and bootstrap intervals, on
hand-made cases with exact values, and on the 2016-2022 record."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.drivers import simulate_batch
from sim.engines.plan import replay_plan
from sim.experiments.acts import (
    GROUP_SEVERITY,
    HOSTILE_GROUPS,
    HOSTILE_KINDS,
    Act,
    act,
    acts_from_counts,
    acts_from_events,
    package,
    part,
    recorded_acts,
)
from sim.experiments.calibration import simulate_record
from sim.experiments.choices import make_plan
from sim.experiments.nulls import (
    NULLS,
    RecordRates,
    answer_once,
    base_rate,
    expel_only,
    null_simulation,
    record_rates,
)
from sim.experiments.scoring import (
    EVENT_METRICS,
    STAFF_METRICS,
    TOLERANCES,
    Simulation,
    bootstrap,
    match,
    metric_values,
    score,
    tally,
)
from sim.experiments.validation import VALIDATION_COLUMNS, Fold, baseline_rows, mirror_mirror, validation_rows
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import Window, parse_date
from sim.rules.groups import KindGroup
from sim.rules.measures import CATALOGUE, MeasureKind, Role, Shock
from sim.rules.rng import run_keys
from sim.rules.scenario import Observation
from tests.conftest import ROOT, event

G = KindGroup
WINDOW = Window(0, 23)
SCENARIO = ROOT / "scenarios/us_russia_2016_2022.toml"


def values(recorded, runs, window=WINDOW, **kw):
    return metric_values(tally(recorded, Simulation(runs), window, **kw))


# --- kind groups ---------------------------------------------------------------------------------


def test_every_kind_has_a_group_and_hostile_groups_share_one_severity():
    for kind, spec in CATALOGUE.items():
        if kind in HOSTILE_KINDS or (spec.record_only and spec.hostile):  # a record's acts count record-only kinds
            assert spec.group in HOSTILE_GROUPS
            assert abs(spec.severity) == GROUP_SEVERITY[spec.group]
        elif spec.role is Role.SELF:
            assert spec.group is G.OWN_MISSION
        else:
            assert spec.group is G.CONCILIATORY and spec.severity > 0
    assert len(HOSTILE_KINDS) == 10 and len(HOSTILE_GROUPS) == 9
    assert CATALOGUE[MeasureKind.FORCE_DEPARTURE].group is CATALOGUE[MeasureKind.RESTRICT_TRAVEL].group


# --- matching and metrics ------------------------------------------------------------------------


def test_perfect_match_scores_one_everywhere():
    record = [act(0, "expel", 2), act(1, "cap", 3), package(0, 5, ["close_post", "seize_property"])]
    result = values(record, [list(record), list(record)])
    assert all(result[(m, t)] == 1.0 for m in EVENT_METRICS for t in TOLERANCES)


def test_empty_simulation_has_recall_and_precision_zero_and_empty_against_empty_is_one():
    record = [act(0, "expel", 2), act(1, "expel", 4)]
    result = values(record, [[]])
    assert [result[(m, 1)] for m in EVENT_METRICS] == [0.0, 0.0, 0.0, 0.0]
    nothing = values([], [[]])
    assert [nothing[(m, 1)] for m in EVENT_METRICS] == [1.0, 1.0, 1.0, 1.0]
    spurious = values([], [[act(0, "expel", 2)]])
    assert [spurious[(m, 1)] for m in EVENT_METRICS] == [0.0, 0.0, 0.0, 0.0]


def test_a_one_month_shift_scores_zero_at_tolerance_zero_and_one_at_one():
    record = [act(0, "expel", 2), act(1, "close_post", 6)]
    shifted = [act(0, "expel", 3), act(1, "close_post", 5)]
    result = values(record, [shifted])
    assert result[("f1", 0)] == 0.0 and result[("weighted_f1", 0)] == 0.0
    assert result[("f1", 1)] == 1.0 and result[("f1", 3)] == 1.0 and result[("weighted_f1", 1)] == 1.0


def test_actor_and_kind_group_must_match():
    record = [act(0, "expel", 2)]
    assert values(record, [[act(1, "expel", 2)]])[("f1", 3)] == 0.0
    assert values(record, [[act(0, "cap", 2)]])[("f1", 3)] == 0.0


def test_only_acts_inside_the_window_count():
    record = [act(0, "expel", 2), act(0, "expel", 9)]
    simulated = [act(0, "expel", 3), act(0, "expel", 9)]
    result = values(record, [simulated], window=Window(3, 12))
    # the recorded act of month 2 is outside, so the simulated one of month 3 finds no partner
    assert result[("precision", 1)] == 0.5 and result[("recall", 1)] == 1.0


def test_a_package_counts_once_and_its_parts_give_partial_credit():
    record = [package(1, 4, ["close_post", "seize_property", "seize_property"])]  # severities 5 + 4 + 4
    result = values(record, [[act(1, "close_post", 4)]])
    assert result[("precision", 0)] == 1.0 and result[("recall", 0)] == 1.0 and result[("f1", 0)] == 1.0
    # credit 5 of the record's 13: weighted precision 1, recall 5/13, F1 = 2 * 5/13 / (18/13) = 5/9
    assert result[("weighted_f1", 0)] == pytest.approx(5 / 9)
    # two simulated acts in two months cannot both match the one package
    twice = values(record, [[act(1, "close_post", 4), act(1, "seize_property", 5)]])
    assert twice[("precision", 1)] == 0.5 and twice[("recall", 1)] == 1.0


def test_the_record_groups_a_months_measures_into_one_act(toy_file):
    extra = (
        event(date="2020-03-02", actor="UK", kind="close_post", post="cn_consulate")
        + event(date="2020-03-20", actor="UK", kind="seize_property", property="cn_residence")
        + event(date="2020-03-21", actor="UK", kind="expel", size=2)
        + event(date="2020-04-01", actor="CN", kind="expel", size=1)
        + event(date="2020-04-02", actor="CN", kind="restrict_travel", size=40)
        + event(date="2020-05-01", actor="CN", kind="cut_staff", size=1)
        + event(date="2020-06-01", actor="UK", kind="hold_talks")
    )
    acts = recorded_acts(load_scenario(toy_file(extra)))
    march, april = parse_date("2020-03")[0], parse_date("2020-04")[0]
    assert [(a.actor, a.month, [p.group for p in a.parts]) for a in acts] == [
        (1, march, [G.CLOSE_POST, G.SEIZE_PROPERTY, G.EXPEL]),
        (0, april, [G.EXPEL, G.TRAVEL_AND_POSTING]),
    ]
    assert acts[0].weight == 12.0 and acts[0].group is G.CLOSE_POST


def greedy_closest(recorded, simulated, tolerance):
    """Each recorded act in turn takes the closest free simulated act: not optimal."""
    free, pairs = set(range(len(simulated))), []
    for r, a in enumerate(recorded):
        near = [s for s in free if abs(simulated[s].month - a.month) <= tolerance and simulated[s].actor == a.actor]
        if near:
            best = min(near, key=lambda s: abs(simulated[s].month - a.month))
            free.remove(best)
            pairs.append((r, best))
    return pairs


def test_optimal_matching_beats_greedy_by_closest_month():
    record = [act(0, "expel", 2), act(0, "expel", 3)]
    simulated = [act(0, "expel", 2), act(0, "expel", 1)]
    assert len(greedy_closest(record, simulated, 1)) == 1  # month 2 takes month 2; month 3 is left alone
    assert sorted(match(record, simulated, 1)) == [(0, 1), (1, 0)]
    assert values(record, [simulated])[("f1", 1)] == 1.0


def test_matching_is_maximum_on_random_cases():
    """The number of pairs equals scipy's maximum bipartite matching of the same graph."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    rng = np.random.default_rng(0)
    groups = [G.EXPEL, G.CAP, G.CLOSE_POST]

    def draw(n):
        return [
            package(int(rng.integers(2)), int(rng.integers(12)), rng.choice(groups, rng.integers(1, 3)))
            for _ in range(n)
        ]

    for _ in range(200):
        recorded, simulated = draw(int(rng.integers(1, 9))), draw(int(rng.integers(1, 9)))
        tolerance = int(rng.integers(0, 4))
        edges = np.array(
            [
                [
                    r.actor == s.actor and abs(r.month - s.month) <= tolerance and bool(r.groups & s.groups)
                    for s in simulated
                ]
                for r in recorded
            ]
        )
        best = (maximum_bipartite_matching(csr_matrix(edges.astype(int)), perm_type="column") >= 0).sum()
        pairs = match(recorded, simulated, tolerance)
        assert len(pairs) == best and all(edges[r, s] for r, s in pairs)
        assert len({r for r, _ in pairs}) == len({s for _, s in pairs}) == len(pairs)


def test_per_run_scores_are_averaged_over_runs():
    record = [act(0, "expel", 2), act(0, "expel", 8)]
    result = values(record, [list(record), [act(0, "expel", 2)]])
    # run 1: F1 1; run 2: precision 1, recall 1/2, F1 2/3
    assert result[("f1", 0)] == pytest.approx((1 + 2 / 3) / 2)
    assert result[("precision", 0)] == 1.0 and result[("recall", 0)] == 0.75


# --- staff ---------------------------------------------------------------------------------------


def observation(month, value, bound="equal"):
    return Observation(month, 0, "staff_total", value, bound, "confirmed", "all", "test")


def test_staff_error_and_coverage():
    runs = 20
    staff = np.zeros((4, runs, 2))
    staff[1, :, 0] = np.arange(100, 100 + runs)  # 100..119
    staff[2, :, 0] = 99.0
    staff[3, :, 0] = 49.0
    observations = [
        observation(1, 109.0),  # inside the 5-95% range of the runs
        observation(2, 199.0, "upper"),  # simulated 99 is below the upper bound: no error, covered
        observation(3, 99.0),  # simulated 49: |log(50/100)|, not covered
        observation(9, 10.0),  # outside the window
    ]
    simulation = Simulation([[]] * runs, {"staff_total": staff}, start=0)
    result = metric_values(tally([], simulation, Window(0, 3), observations))
    errors = np.abs(np.log((1 + np.arange(100, 120)) / 110.0))
    expected = np.mean([np.median([e, 0.0, np.log(2.0)]) for e in errors])
    assert result[("staff_log_error", None)] == pytest.approx(expected)
    assert result[("staff_coverage90", None)] == pytest.approx(2 / 3)
    lower = metric_values(tally([], simulation, Window(3, 3), [observation(3, 99.0, "lower")]))
    assert lower[("staff_coverage90", None)] == 0.0 and lower[("staff_log_error", None)] == pytest.approx(np.log(2))


def test_no_figures_means_no_staff_scores():
    assert ("staff_log_error", None) not in values([act(0, "expel", 2)], [[]], observations=[observation(1, 5.0)])


# --- nulls ---------------------------------------------------------------------------------------


RATES = RecordRates((0.3, 0.1), tuple(0.5 if g is G.EXPEL else 0.5 if g is G.CAP else 0.0 for g in HOSTILE_GROUPS))


def test_record_rates_count_each_act_once():
    record = [act(0, "expel", 0), package(0, 1, ["close_post", "seize_property", "seize_property"]), act(1, "cap", 2)]
    rates = record_rates(record + [act(1, "cap", 30)], Window(0, 9))
    assert rates.rate == (0.2, 0.1)
    frequency = dict(zip(HOSTILE_GROUPS, rates.frequencies, strict=True))
    assert frequency[G.EXPEL] == pytest.approx(1 / 3) and frequency[G.CAP] == pytest.approx(1 / 3)
    assert frequency[G.CLOSE_POST] == pytest.approx(1 / 6) and frequency[G.SEIZE_PROPERTY] == pytest.approx(1 / 6)


def test_nulls_are_reproducible_and_a_run_does_not_depend_on_the_others():
    months = range(0, 48)
    assert base_rate(RATES, months, 5, seed=3) == base_rate(RATES, months, 5, seed=3)
    assert base_rate(RATES, months, 5, seed=3)[:2] == base_rate(RATES, months, 2, seed=3)
    assert base_rate(RATES, months, 5, seed=3) != base_rate(RATES, months, 5, seed=4)


def test_base_rate_and_expel_only_draw_at_the_documented_rates():
    months, runs = range(0, 120), 200
    drawn = base_rate(RATES, months, runs, seed=1)
    cells = len(months) * runs
    for side, rate in enumerate(RATES.rate):
        count = sum(a.actor == side for run in drawn for a in run)
        assert abs(count / cells - rate) < 4 * np.sqrt(rate * (1 - rate) / cells)
    groups = [a.group for run in drawn for a in run]
    share = groups.count(G.EXPEL) / len(groups)
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / len(groups)) and set(groups) == {G.EXPEL, G.CAP}
    assert all(len(a.parts) == 1 for run in drawn for a in run)
    expel = expel_only(RATES, months, runs, seed=1)
    assert all(a.group is G.EXPEL for run in expel for a in run)
    assert [[(a.actor, a.month) for a in run] for run in expel] == [[(a.actor, a.month) for a in run] for run in drawn]


def test_answer_once_answers_each_act_in_kind_one_month_later():
    record = [act(0, "expel", 2), package(1, 5, ["close_post", "seize_property", "close_post"]), act(0, "cap", 4)]
    shocks = [Shock(actor=1, target=0, month=3, name="s", severity=-5.0), Shock(0, 1, 3, "t", -5.0)]
    runs = answer_once(record, shocks, RATES, range(0, 12), 400, seed=0)
    assert all([(a.actor, a.month) for a in run] == [(1, 3), (0, 4), (1, 4), (1, 5), (0, 6)] for run in runs)
    for run in runs:
        assert run[0].parts == (part(G.EXPEL),) and run[3].parts == (part(G.CAP),)
        assert run[4].parts == (part(G.CLOSE_POST), part(G.SEIZE_PROPERTY))  # in kind, each group once
        assert len(run[1].parts) == len(run[2].parts) == 1  # the shocks, answered by a draw
    share = np.mean([run[1].group is G.EXPEL for run in runs])
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / len(runs)) and {run[2].group for run in runs} == {G.EXPEL, G.CAP}
    assert answer_once(record, shocks, RATES, range(0, 4), 1, seed=0)[0] == [Act(1, 3, (part(G.EXPEL),))]
    # answers falling in one month form one act, naming each group once
    merged = answer_once([act(0, "expel", 2), act(0, "expel", 2), act(0, "cap", 2)], [], RATES, range(12), 1, 0)
    assert merged == [[Act(1, 3, (part(G.EXPEL), part(G.CAP)))]]


# --- bootstrap -----------------------------------------------------------------------------------


def test_bootstrap_intervals_hold_the_value_and_narrow_with_more_runs():
    record = [act(0, "expel", m) for m in (1, 4, 9, 15, 20)] + [act(1, "cap", m) for m in (2, 12)]
    widths = []
    for runs in (20, 400):
        simulated = base_rate(RATES, range(0, 24), runs, seed=5)
        scores = bootstrap(tally(record, Simulation(simulated), WINDOW), resamples=300, seed=1)
        for s in scores:
            assert s.low <= s.value <= s.high, s
        f1 = next(s for s in scores if s.metric == "f1" and s.tolerance_months == 3)
        assert 0.0 < f1.value < 1.0
        widths.append(f1.high - f1.low)
    assert widths[1] < widths[0] / 2


def test_block_bootstrap_resamples_the_record():
    record = [act(0, "expel", m) for m in (1, 7, 13, 19)]
    same = [act(0, "expel", m) for m in (1, 7)]
    counts = tally(record, Simulation([same] * 10), WINDOW)  # four blocks of six months
    assert counts.recorded.tolist() == [1, 1, 1, 1]
    runs = {(s.metric, s.tolerance_months): s for s in bootstrap(counts, resamples=200)}
    blocks = {(s.metric, s.tolerance_months): s for s in bootstrap(counts, method="blocks", resamples=200)}
    assert runs[("recall", 0)].value == 0.5 and (runs[("recall", 0)].low, runs[("recall", 0)].high) == (0.5, 0.5)
    assert blocks[("recall", 0)].low < 0.5 < blocks[("recall", 0)].high
    assert blocks[("precision", 0)].value == 1.0 and blocks[("precision", 0)].high == 1.0


def test_validation_rows_have_the_documented_columns():
    fold = Fold.of("origin-2019-12", "2019-12", "2020-01", "2022-12")
    record = [act(0, "expel", fold.test_from)]
    rows = validation_rows(fold, "fitted", score(record, Simulation([record]), fold.test, resamples=10))
    assert all(tuple(row) == VALIDATION_COLUMNS for row in rows)
    assert rows[0]["train_until"] == "2019-12" and rows[0]["test_until"] == "2022-12"
    assert {row["tolerance_months"] for row in rows} == set(TOLERANCES)
    with pytest.raises(ValueError):
        Fold.of("bad", "2020-01", "2019-12", "2022-12")


# --- the 2016-2022 record ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def record_2022():
    return load_scenario(SCENARIO)


def test_the_replay_log_and_simulated_counts_give_the_same_acts(record_2022):
    scenario = record_2022
    replay = simulate_batch(scenario, replay_plan(scenario), run_keys(1, 1))
    assert acts_from_events(replay.events) == [recorded_acts(scenario)]
    plan = make_plan(scenario, "behavioural", policies={c: "mirror" for c in scenario.codes})
    keys = run_keys(7, 3)
    _, counts = simulate_record(scenario, plan, keys)
    logged = acts_from_events(simulate_batch(scenario, plan, keys).events)
    assert acts_from_counts(counts, plan.start) == logged and any(logged)


def test_the_record_scores_one_against_itself_and_nulls_and_mirror_do_not(record_2022):
    scenario = record_2022
    record = recorded_acts(scenario)
    assert len(record) == 21  # the 31 August 2017 order is one act, not six measures
    whole = Window(scenario.start, scenario.end)
    itself = {(s.metric, s.tolerance_months): s.value for s in score(record, Simulation([record]), whole, resamples=5)}
    assert all(itself[("f1", t)] == 1.0 and itself[("weighted_f1", t)] == 1.0 for t in TOLERANCES)
    fold = Fold.of("2019-12", "2019-12", "2020-01", "2022-12")
    rows = baseline_rows(scenario, fold, runs=20, seed=1, resamples=50)
    f1 = {(r["model"], r["tolerance_months"]): r["value"] for r in rows if r["metric"] == "f1"}
    assert {model for model, _ in f1} == {*NULLS, "mirror_mirror"}
    assert all(value < 1.0 for value in f1.values())
    assert null_simulation("base_rate", scenario, fold.training(scenario), 3, 1).acts == base_rate(
        record_rates(record, fold.training(scenario)), scenario.months, 3, 1
    )
    mirror = mirror_mirror(scenario, 2, 1)
    assert mirror.figures["staff_total"].shape == (len(scenario.months), 2, 2)
    staff = {r["metric"] for r in rows if r["model"] == "mirror_mirror" and r["tolerance_months"] == ""}
    assert staff == {"staff_log_error", "staff_coverage90"}


def test_every_metric_and_null_is_defined_in_the_docs():
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    for name in (*EVENT_METRICS, *STAFF_METRICS, *NULLS, "mirror_mirror", *(g.value for g in KindGroup)):
        assert f"`{name}`" in text, name
    assert "`" + ", ".join(VALIDATION_COLUMNS) + "`" in text


def test_the_table_in_the_docs_is_what_the_script_prints():
    import subprocess
    import sys

    printed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "score_nulls.py")], capture_output=True, text=True, check=True
    ).stdout
    table = [line for line in printed.splitlines() if line.startswith("|")]
    assert len(table) == 14 and "\n".join(table) in (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
