"""Messages of bad input, pinned whole: one line saying the file, the key, what is wrong and what
is allowed, exit status 2. Each case was once a message that said "(allowed: none)", listed both
sides' posts or properties where only one side's may be named, repeated the forms of a date, or
refused `both` without saying which kinds take it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import TOY, event

NO_CN_PROPERTY = TOY.replace(
    '[[missions.CN.properties]]\nid = "cn_residence"\nname = "Residence"\nkind = "residence"\n', ""
)

SCENARIOS = {
    "both for a kind one side takes": (
        TOY + event(date="2020-03", actor="both", kind="expel", size=2),
        "events[0].actor (line 78): 'both' takes only hold_talks (both sides at once), not 'expel' (allowed: CN, UK)",
    ),
    "a date that is not one": (
        TOY.replace('start = "2020-01"', 'start = "January"'),
        "run.start (line 7): 'January' is not a date (allowed: 'YYYY-MM' or 'YYYY-MM-DD')",
    ),
    "a month without its zero": (
        TOY + event(date="2020-3", actor="UK", kind="expel", size=2),
        "events[0].date (line 77): '2020-3' is not a date (allowed: 'YYYY-MM' or 'YYYY-MM-DD')",
    ),
    "an unknown post of a host measure": (
        TOY + event(date="2020-03", actor="UK", kind="expel", size=2, post="cn_nowhere"),
        "events[0].post (line 81): unknown post 'cn_nowhere' "
        "(allowed: the posts and bodies of CN: cn_embassy, cn_consulate)",
    ),
    "an unknown post of a measure on one's own mission": (
        TOY + event(date="2020-03", actor="UK", kind="suspend_post", post="uk_nowhere"),
        "events[0].post (line 80): unknown post 'uk_nowhere' "
        "(allowed: the posts and bodies of UK: uk_embassy, uk_un, uk_consulate)",
    ),
    "an unknown post of a closure a state may also take on its own post": (
        TOY + event(date="2020-03", actor="UK", kind="close_post", post="nowhere"),
        "events[0].post (line 80): unknown post 'nowhere' (allowed: the posts and bodies of CN: cn_embassy, "
        "cn_consulate; or, to close one of its own, those of UK: uk_embassy, uk_un, uk_consulate)",
    ),
    "an unknown post in a cap's list": (
        TOY + event(date="2020-03", actor="CN", kind="cap_staff", size=50, posts=["uk_embassy", "nowhere"]),
        "events[0].posts[1] (line 81): unknown post 'nowhere' "
        "(allowed: the posts and bodies of UK: uk_embassy, uk_un, uk_consulate)",
    ),
    "a post of the other side": (
        TOY + event(date="2020-03", actor="UK", kind="expel", size=1, post="uk_consulate"),
        "events[0] (line 75): post 'uk_consulate' is UK's, but with 'expel' the host acts on the other side's "
        "posts (allowed: the posts and bodies of CN: cn_embassy, cn_consulate)",
    ),
    "an unknown property": (
        TOY + event(date="2020-03", actor="UK", kind="seize_property", property="palace"),
        "events[0].property (line 80): unknown property 'palace' (allowed: the properties of CN: cn_residence)",
    ),
    "an unknown property of a mission that lists none": (
        NO_CN_PROPERTY + event(date="2020-03", actor="UK", kind="seize_property", property="palace"),
        "events[0].property (line 76): unknown property 'palace' "
        "(allowed: a property listed under [[missions.CN.properties]]; there are none)",
    ),
    "a property of the other side, when the target lists none": (
        NO_CN_PROPERTY + event(date="2020-03", actor="UK", kind="seize_property", property="uk_compound"),
        "events[0] (line 71): property 'uk_compound' is UK's, not CN's "
        "(allowed: a property of CN's mission; it lists none)",
    ),
    "a parameter of a policy that has none": (
        TOY + '\n[behaviour.CN]\npolicy = "mirror:k=2"\n',
        "behaviour.CN.policy (line 76): policy 'mirror' takes no parameters, found 'k' (allowed: 'mirror' alone)",
    ),
}


def one_line(args: list[str]) -> str:
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output
    message = outcome.stderr.strip()
    assert "\n" not in message, message
    return message


@pytest.mark.parametrize("case", sorted(SCENARIOS))
def test_scenario_messages(case, tmp_path):
    text, expected = SCENARIOS[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert one_line(["validate", str(path)]) == f"Error: {path}: {expected}"
    results = tmp_path / "results"
    assert one_line(["run", str(path), "--results", str(results)]) == f"Error: {path}: {expected}"
    assert not results.exists()


def test_a_policy_option_with_a_parameter_the_policy_has_not(toy_file, tmp_path):
    args = ["run", str(toy_file()), "--mode", "behavioural", "--policy", "CN=mirror:k=3"]
    assert one_line([*args, "--results", str(tmp_path / "r")]) == (
        "Error: --policy: CN.policy: policy 'mirror' takes no parameters, found 'k' (allowed: 'mirror' alone)"
    )


def test_policy_from_an_overlay_without_behaviour_tables(toy_file, tmp_path):
    params = tmp_path / "params.toml"
    params.write_text("", encoding="utf-8")
    args = ["transfer", str(toy_file()), "--params", str(params), "--policy-from", "CN=US"]
    assert one_line([*args, "--results", str(tmp_path / "r")]) == (
        f"Error: --policy-from: CN=US: {params} has no [behaviour.US] table "
        f"(allowed: a side with a [behaviour.XX] table in {params}; it has none)"
    )


def test_a_date_option_keeps_its_form():
    from sim.rules.calendar import DateError, parse_date

    with pytest.raises(DateError) as caught:
        parse_date("2020-3")
    assert str(caught.value) == "'2020-3' is not a date; expected 'YYYY-MM' or 'YYYY-MM-DD'"
    assert caught.value.problem == "'2020-3' is not a date"
