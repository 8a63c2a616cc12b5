"""Observations of more than a whole mission: one post or body, some posts together, some staff
categories, the open posts among some posts. Each names a figure of its own, which the replay,
the scores, the calibration, the inference and the figures read like a column of
trajectories.csv."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import TOY, event, read_csv, refusal

# A cultural body of CN beside its mission: counted when an observation names it, never otherwise.
BODY = """
[[missions.CN.posts]]
id = "cn_institute"
name = "Cultural institute"
kind = "cultural_body"
diplomats = 0
support = 2
local = 3
"""


def observation(**keys: object) -> str:
    lines = ["", "[[observations]]"]
    for key, value in {"source": "test", **keys}.items():
        text = f"{value!r}" if isinstance(value, str | list) else f"{value}"
        lines.append(f"{key} = {text}".replace("'", '"'))
    return "\n".join(lines) + "\n"


OBSERVED = (
    TOY
    + BODY
    + event(date="2020-03", actor="UK", kind="expel", size=5, post="cn_embassy")
    + event(date="2020-04", actor="CN", kind="close_post", post="uk_consulate")
    + observation(date="2020-05", side="CN", column="diplomats", post="cn_embassy", value=35)
    + observation(date="2020-05", side="CN", categories=["support", "diplomats"], value=70, bound="upper")
    + observation(date="2020-05", side="CN", posts=["cn_institute", "cn_embassy"], value=90, bound="lower")
    + observation(date="2020-05", side="UK", column="posts_open", posts=["uk_embassy", "uk_consulate"], value=1)
    + observation(date="2020-05", side="UK", column="diplomats", value=44)
    + observation(date="2020-05", side="UK", column="posts_open", value=2)
    + observation(date="2020-05", side="CN", categories=["diplomats", "support", "local"], value=115)
)
COLUMNS = [
    "diplomats@cn_embassy",
    "diplomats+support",
    "staff_total@cn_embassy+cn_institute",
    "posts_open@uk_embassy+uk_consulate",
    "diplomats",
    "posts_open",
    "staff_total",
]
# The replay at the end of May 2020: 5 diplomats expelled from the embassy (40 -> 35); the
# consulate closed, its sent staff moved to the embassy (the UK's diplomats stay 30 + 6 + 8).
REPLAYED = [35, 35 + 20 + 10 + 5, 35 + 20 + 30 + 0 + 2 + 3, 1, 44, 2, 35 + 20 + 30 + 10 + 5 + 15]


@pytest.fixture
def observed(toy_file):
    from sim.files.scenario_file import load_scenario

    return load_scenario(toy_file(text=OBSERVED, name="observed.toml"))


def test_each_observation_names_the_figure_it_counts(observed):
    from sim.rules.domain import Category

    assert [o.column for o in observed.observations] == COLUMNS
    counted = observed.counted_figures
    assert list(counted) == COLUMNS[:4]
    assert counted["diplomats@cn_embassy"].posts == (0,)
    assert counted["diplomats+support"].posts is None
    assert counted["diplomats+support"].categories == (Category.DIPLOMATS, Category.SUPPORT)
    assert counted["staff_total@cn_embassy+cn_institute"].posts == (0, 2)
    assert counted["posts_open@uk_embassy+uk_consulate"].categories is None
    # the whole mission in one category, or in all three, is a column of trajectories.csv
    assert [o.counted for o in observed.observations[4:]] == [None, None, None]


def test_the_replay_gives_each_figure(observed):
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan

    ensemble = simulate_batch(observed, make_plan(observed, "replay"), [1])
    values = [int(ensemble.figures[o.column][o.month - observed.start, 0, o.side]) for o in observed.observations]
    assert values == REPLAYED
    # a figure of one side's posts is 0 for the other side
    assert int(ensemble.figures["diplomats@cn_embassy"][4, 0, 1]) == 0
    # the mission's own columns leave the body out
    assert int(ensemble.figures["staff_total"][4, 0, 0]) == 115


def test_scores_read_the_figures_of_posts_and_categories(observed):
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan
    from sim.experiments.scoring import Simulation, Window, score, tally

    ensemble = simulate_batch(observed, make_plan(observed, "replay"), [1, 2])
    simulation = Simulation([[], []], ensemble.figures, observed.start)
    window = Window(observed.start, observed.end)
    counts = tally([], simulation, window, observed.observations)
    assert counts.staff.tolist() == [REPLAYED, REPLAYED]
    assert counts.observed.tolist() == [35, 70, 90, 1, 44, 2, 115]
    assert counts.bound == ("equal", "upper", "lower", "equal", "equal", "equal", "equal")
    # every observation is met: the replay is inside each bound and on each count
    scores = {s.metric: s.value for s in score([], simulation, window, observed.observations, resamples=10)}
    assert scores["staff_log_error"] == 0.0
    assert scores["staff_coverage90"] == 1.0


def test_a_missed_observation_of_a_post_is_scored_like_a_missed_count(tmp_path):
    from sim.engines.drivers import simulate_batch
    from sim.experiments.choices import make_plan
    from sim.experiments.scoring import Simulation, Window, score
    from sim.files.scenario_file import load_scenario

    path = tmp_path / "missed.toml"
    path.write_text(TOY + observation(date="2020-05", side="CN", post="cn_consulate", value=59), encoding="utf-8")
    scenario = load_scenario(path)
    ensemble = simulate_batch(scenario, make_plan(scenario, "replay"), [1])
    simulation = Simulation([[]], ensemble.figures, scenario.start)
    window = Window(scenario.start, scenario.end)
    scores = {s.metric: s.value for s in score([], simulation, window, scenario.observations)}
    # the consulate has 10 + 5 + 15 = 30: |log 31 - log 60|
    assert scores["staff_log_error"] == pytest.approx(abs(np.log1p(30) - np.log1p(59)))
    assert scores["staff_coverage90"] == 0.0


def test_calibration_and_inference_read_them_too(observed):
    from sim.engines.plan import replay_plan
    from sim.experiments.calibration import simulate_record
    from sim.experiments.inference_summaries import Record
    from sim.rules.calendar import parse_date

    plan = replay_plan(observed)
    figures, counts = simulate_record(observed, plan, np.array([1], dtype=np.uint64))
    assert [float(figures[o.column][o.month - plan.start, 0, o.side]) for o in observed.observations] == REPLAYED
    record = Record.from_scenario(observed, parse_date("2020-06")[0])
    summaries = record.summaries(figures, counts, plan.start)
    assert summaries["staff.CN.diplomats@cn_embassy.2020-05"] == pytest.approx(np.log1p(35))
    assert summaries["staff.UK.posts_open@uk_embassy+uk_consulate.2020-05"] == pytest.approx(np.log1p(1))
    assert summaries["staff.CN.diplomats+support.2020-05"] == 0.0  # inside its upper bound


def test_observations_csv_and_the_figure(tmp_path):
    path = tmp_path / "observed.toml"
    path.write_text(OBSERVED, encoding="utf-8")
    outcome = CliRunner().invoke(cli, ["run", str(path), "--results", str(tmp_path / "r"), "--run-id", "one"])
    assert outcome.exit_code == 0, outcome.output
    folder = tmp_path / "r" / "toy" / "one"
    assert [r["column"] for r in read_csv(folder / "observations.csv")] == COLUMNS
    assert (folder / "staff.png").stat().st_size > 10_000


def test_the_figure_draws_what_trajectories_hold_and_names_the_rest(observed):
    from sim.files.results import observation_rows
    from sim.plots.figures import not_drawn_note, sort_observations
    from sim.rules.state import TRAJECTORY_COLUMNS

    rows = [{k: str(v) for k, v in row.items()} for row in observation_rows(observed)]
    people, counts, undrawn = sort_observations(rows, dict.fromkeys(TRAJECTORY_COLUMNS, ""))
    assert list(people) == [("CN", "diplomats+support"), ("UK", "diplomats"), ("CN", "staff_total")]
    assert list(counts) == [("UK", "posts_open")]
    assert [o["column"] for o in undrawn] == COLUMNS[0:1] + COLUMNS[2:4]
    assert not_drawn_note(undrawn, "why") == (
        "Not drawn: 3 observations (CN diplomats@cn_embassy 2020-05; CN staff_total@cn_embassy+cn_institute "
        "2020-05; UK posts_open@uk_embassy+uk_consulate 2020-05): why."
    )
    assert not_drawn_note(undrawn[:1] * 6, "why") == (
        "Not drawn: 6 observations (CN diplomats@cn_embassy 2020-05; CN diplomats@cn_embassy 2020-05; "
        "CN diplomats@cn_embassy 2020-05; CN diplomats@cn_embassy 2020-05; and 2 more): why."
    )
    assert not_drawn_note([], "why") == ""


def test_a_crafted_folder_with_a_bad_cell_under_an_observation_gives_one_line(tmp_path):
    path = tmp_path / "observed.toml"
    path.write_text(OBSERVED, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(path), "--results", str(tmp_path / "r"), "--run-id", "one"]).exit_code == 0
    trajectories = tmp_path / "r" / "toy" / "one" / "trajectories.csv"
    lines = trajectories.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = lines[1].split(",")
    cells[head.index("support")] = "many"
    trajectories.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    outcome = runner.invoke(cli, ["plot", str(tmp_path / "r" / "toy" / "one")])
    assert outcome.exit_code == 2
    assert outcome.stderr.strip() == f"Error: {trajectories}: line 2: support: expected a number, found 'many'"


def test_long_names_are_cut_and_stay_distinct():
    from sim.rules.domain import Category
    from sim.rules.observed import NAME_LIMIT, Counted, counted_name

    ids = tuple(f"post_with_a_long_identifier_number_{i}" for i in range(4))
    first, second = Counted((0, 1, 2), (Category.LOCAL,)), Counted((0, 1, 3), (Category.LOCAL,))
    taken: dict = {}
    one = counted_name(first, ids, taken)
    taken[one] = first
    two = counted_name(second, ids, taken)
    assert len(one) == len(two) == NAME_LIMIT
    assert one.startswith("local@post_with_a_long_identifier_number_0+") and one[-9] == "~"
    assert one != two
    assert counted_name(first, ids, taken) == one  # the same figure keeps its name


def test_the_name_limit_is_the_one_result_tables_allow():
    from sim.files.tables import MAX_NAME
    from sim.rules.observed import NAME_LIMIT

    assert NAME_LIMIT == MAX_NAME


BAD = {
    "post of the other side": (
        observation(date="2020-05", side="CN", post="uk_embassy", value=1),
        "observations[0].post (line 79): post 'uk_embassy' is UK's, not CN's "
        "(allowed: the posts and bodies of CN: cn_embassy, cn_consulate)",
    ),
    "unknown post in a list": (
        observation(date="2020-05", side="UK", posts=["uk_embassy", "uk_nowhere"], value=1),
        "observations[0].posts[1] (line 79): unknown post 'uk_nowhere' "
        "(allowed: the posts and bodies of UK: uk_embassy, uk_un, uk_consulate)",
    ),
    "post and posts": (
        observation(date="2020-05", side="UK", post="uk_un", posts=["uk_embassy"], value=1),
        "observations[0].posts (line 80): both post and posts given "
        "(allowed: post (one post or body) or posts (several))",
    ),
    "categories of a category": (
        observation(date="2020-05", side="UK", column="local", categories=["local"], value=1),
        "observations[0].categories (line 80): categories given with column 'local' "
        "(allowed: categories with column = 'staff_total' (the default), or one category as the column)",
    ),
    "categories of open posts": (
        observation(date="2020-05", side="UK", column="posts_open", categories=["local"], value=1),
        "observations[0].categories (line 80): categories given with column 'posts_open' "
        "(allowed: categories with column = 'staff_total' (the default), or one category as the column)",
    ),
    "a post of lost properties": (
        observation(date="2020-05", side="UK", column="properties_lost", post="uk_embassy", value=1),
        "observations[0].post (line 80): column 'properties_lost' counts a whole mission "
        "(allowed: post with column staff_total, diplomats, support, local or posts_open)",
    ),
    "a category twice": (
        observation(date="2020-05", side="UK", categories=["local", "local"], value=1),
        "observations[0].categories (line 79): local named twice "
        "(allowed: each of diplomats, support, local at most once)",
    ),
    "no category": (
        observation(date="2020-05", side="UK", categories=[], value=1),
        "observations[0].categories (line 79): an empty list (allowed: one or more of diplomats, support, local)",
    ),
    "an unknown category": (
        observation(date="2020-05", side="UK", categories=["guards"], value=1),
        "observations[0].categories[0] (line 79): unknown value 'guards' (allowed: diplomats, support, local)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_observations_give_one_line(case, tmp_path):
    text, expected = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text(TOY + text, encoding="utf-8")
    assert refusal(path) == f"Error: {path}: {expected}"


def test_the_examples_of_the_docs_are_observations_of_the_dyads():
    import tomllib

    from tests.conftest import ROOT, SCENARIOS

    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    block = text.split("An observation counts the side's whole mission", 1)[1].split("```toml\n", 1)[1]
    examples = tomllib.loads(block.split("```", 1)[0])["observations"]
    assert len(examples) == 2
    observed = [
        o
        for name in ("cz_russia_2021", "germany_russia_2022")
        for o in tomllib.loads((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"))["observations"]
    ]
    for example in examples:
        assert any(all(o.get(k) == v for k, v in example.items()) for o in observed), example
