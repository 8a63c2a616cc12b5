"""Output columns are documented once, in docs/outputs.md, and the program writes exactly those."""

from __future__ import annotations

import re

from sim.engines.model import TRAJECTORY_COLUMNS
from sim.files.columns import EVENT_COLUMNS
from sim.files.results import OBSERVATION_COLUMNS
from tests.conftest import ROOT, read_csv


def documented(section: str) -> list[str]:
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_0-9]+)` \|", body, re.M)


def test_trajectory_columns_documented(replay_2022):
    assert documented("trajectories.csv") == list(TRAJECTORY_COLUMNS)
    header = list(read_csv(replay_2022 / "trajectories.csv")[0])
    assert header == list(TRAJECTORY_COLUMNS)


def test_event_columns_documented(replay_2022):
    assert documented("events.csv") == list(EVENT_COLUMNS)
    assert list(read_csv(replay_2022 / "events.csv")[0]) == list(EVENT_COLUMNS)


def test_observation_columns_documented(replay_2022):
    assert documented("observations.csv") == list(OBSERVATION_COLUMNS)
    assert list(read_csv(replay_2022 / "observations.csv")[0]) == list(OBSERVATION_COLUMNS)


def test_required_columns_present():
    required_trajectory = (
        "date side host diplomats support local staff_total staff_cap posts_open properties_held "
        "properties_lost visa_rate travel_limit_km banking ambassador"
    ).split()
    assert set(required_trajectory) <= set(TRAJECTORY_COLUMNS)
    required_events = "date actor target kind size post property severity cause source".split()
    assert set(required_events) <= set(EVENT_COLUMNS)


def test_manifest_keys_documented(replay_2022):
    import json

    manifest = json.loads((replay_2022 / "manifest.json").read_text())
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    for key in manifest:
        assert f"`{key}`" in text, key


def test_readme_replay_table_matches_the_replay(replay_2022):
    """The figures the README quotes are the replay's own."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {(r["date"], r["side"]): r for r in read_csv(replay_2022 / "trajectories.csv")}
    table = re.findall(r"^\| (\d{4}-\d\d) \| ([\d,]+)[^|]* \| (\d) \| ([\d,]+) \| (\d) \| (\d) \| (\d) \|$", text, re.M)
    assert len(table) == 6
    for month, us_staff, us_posts, ru_staff, ru_posts, ru_lost, us_lost in table:
        us, ru = rows[(month, "US")], rows[(month, "RU")]
        assert (us["staff_total"], us["posts_open"], us["properties_lost"]) == (
            us_staff.replace(",", ""),
            us_posts,
            us_lost,
        )
        assert (ru["staff_total"], ru["posts_open"], ru["properties_lost"]) == (
            ru_staff.replace(",", ""),
            ru_posts,
            ru_lost,
        )


def test_the_complete_example_in_the_scenario_docs_runs(tmp_path):
    from sim.experiments.run import RunOptions, run_scenario

    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    folder = run_scenario(path, tmp_path / "results", RunOptions(run_id="x")).folder
    rows = {(r["date"], r["side"]): r for r in read_csv(folder / "trajectories.csv")}
    assert rows[("2024-06", "UK")]["posts_open"] == "1"
    assert rows[("2024-06", "UK")]["local"] == "120"
    assert rows[("2025-03", "UK")]["posts_open"] == "2"
    assert float(rows[("2024-12", "CN")]["staff_total"]) < 155


def test_summary_columns_documented():
    from sim.experiments.summary import QUANTILE_COLUMNS, RUN_COLUMNS

    assert documented("runs.csv") == list(RUN_COLUMNS)
    assert documented("quantiles.csv") == list(QUANTILE_COLUMNS)
