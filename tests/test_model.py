"""The Mesa model: one agent per state, decide then commit, a DataCollector row per month and side."""

from __future__ import annotations

import mesa
import pytest

from sim.engines.model import RetaliationModel, StateAgent
from sim.files.scenario_file import load_scenario
from tests.conftest import ROOT, event


def test_two_state_agents_and_data_collection():
    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2022.toml")
    model = RetaliationModel(scenario)
    assert isinstance(model, mesa.Model)
    assert [type(a) for a in model.agents] == [StateAgent, StateAgent]
    assert [a.code for a in model.states] == ["US", "RU"]
    model.run()
    assert model.steps == 84  # one step per month, 2016-01 .. 2022-12
    frame = model.datacollector.get_agent_vars_dataframe()
    assert len(frame) == 168


def test_decisions_are_committed_together_after_both_decide(toy_file):
    """Both sides decide on last month's state; the month's measures then commit in record order."""
    text = event(date="2020-03-05", actor="CN", kind="expel", size=5, post="uk_embassy") + event(
        date="2020-03-01", actor="UK", kind="expel", size=5, post="cn_embassy"
    )
    model = RetaliationModel(load_scenario(toy_file(text)))
    model.step()
    model.step()
    seen = {}
    original_advance = model.advance

    def spying_advance():
        seen["decisions"] = {a.code: [e.kind.label for e in a.decision] for a in model.states}
        seen["staff_before_commit"] = model.state.staff.sum()
        original_advance()

    model.advance = spying_advance
    model.step()
    assert seen["decisions"] == {"CN": ["expel"], "UK": ["expel"]}
    assert seen["staff_before_commit"] == 260  # nothing applied while deciding
    assert [model.world.sides[e.event.actor] for e in model.event_log] == [
        "UK",
        "CN",
    ]  # record order: 1 March before 5 March
    assert model.state.staff.sum() == 250


def test_seed_goes_to_the_model():
    from sim.rules.rng import run_keys

    scenario = load_scenario(ROOT / "scenarios/us_russia_2016_2022.toml")
    model = RetaliationModel(scenario, seed=5)
    assert model.key == int(run_keys(5, 1)[0]) and model._seed == model.key
    assert RetaliationModel(scenario).key == int(run_keys(scenario.seed, 1)[0])
    assert RetaliationModel(scenario, key=12345).key == 12345


def test_agents_see_the_missions_they_keep_and_host_read_only():
    from sim.rules.calendar import parse_date
    from sim.rules.domain import Category, PostStatus, PropertyStatus

    model = RetaliationModel(load_scenario(ROOT / "scenarios/us_russia_2016_2022.toml"))
    us, ru = model.states
    assert us.mission.owner == "US" and us.mission.host == "RU" and us.hosted.owner == "RU"
    assert us.mission.staff_total == 1202 and ru.mission.staff_total == 492
    with pytest.raises(ValueError):
        us.mission.staff[0, 0] = 0  # a view cannot change the model
    while model.month <= parse_date("2017-09")[0]:  # through Russia's cap of 455 and the dacha seizure
        model.step()
    assert us.mission.conditions["staff_cap"] == 455
    assert us.mission.staff_total == 455 == us.figures["staff_total"]
    kept = us.mission
    assert kept.staff_of(Category.LOCAL) + kept.staff_of(Category.DIPLOMATS) + kept.staff_of(Category.SUPPORT) == 455
    assert PropertyStatus.SEIZED in us.mission.property_status.values()
    assert all(status is PostStatus.OPEN for status in ru.hosted.post_status.values())
