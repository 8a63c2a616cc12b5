"""`tft export`: events as CAMEO and PLOVER coded event data, with exact rows for a small scenario,
a code for every measure kind of the catalogue, and one-line errors for bad input."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.files.event_data import COUNTRIES, ExportError, export_events
from sim.rules.event_codes import EVENT_CODES, PLOVER_QUADS
from sim.rules.measures import CATALOGUE
from tests.conftest import ROOT, event

EVENTS = (
    event(date="2020-02-10", actor="UK", kind="expel", size=3)
    + event(date="2020-03", actor="CN", kind="shock", name="incident", severity=-6.0)
    + event(date="2020-04-02", actor="CN", kind="seize_property", property="uk_compound", source="a note")
    + event(date="2020-05", actor="UK", kind="recall_ambassador")
    + event(date="2020-06-15", actor="both", kind="hold_talks")
    + event(date="2020-07", actor="CN", kind="return_property", property="uk_compound")
)
CAMEO = [
    "date,source_actor,target_actor,event_code,root_code,quad_class,kind,size,post,property,severity,cause,source,description",
    "2020-02-10,GBRGOV,CHNGOV,174,17,4,expel,3,,,-4.431,forced,test,",
    "2020-04-02,CHNGOV,GBRGOV,1711,17,4,seize_property,,,uk_compound,-4,forced,a note,",
    "2020-05,GBRGOV,CHNGOV,161,16,4,recall_ambassador,,,,0,forced,test,",
    "2020-06-15,CHNGOV,GBRGOV,046,04,1,hold_talks,,,,1,forced,test,",
    "2020-06-15,GBRGOV,CHNGOV,046,04,1,hold_talks,,,,1,forced,test,",
    "2020-07,CHNGOV,GBRGOV,0842,08,2,return_property,,,uk_compound,4,forced,test,",
]
PLOVER = [
    "date,actor,actor_type,recipient,recipient_type,event_type,mode,context,quad,"
    "kind,size,post,property,severity,cause,source,description",
    "2020-02-10,GBR,GOV,CHN,GOV,SANCTION,expel,diplomatic,MATERIAL CONFLICT,expel,3,,,-4.431,forced,test,",
    "2020-04-02,CHN,GOV,GBR,GOV,COERCE,seize,diplomatic,MATERIAL CONFLICT,"
    "seize_property,,,uk_compound,-4,forced,a note,",
    "2020-05,GBR,GOV,CHN,GOV,SANCTION,withdraw,diplomatic,MATERIAL CONFLICT,recall_ambassador,,,,0,forced,test,",
    "2020-06-15,CHN,GOV,GBR,GOV,CONSULT,,diplomatic,VERBAL COOPERATION,hold_talks,,,,1,forced,test,",
    "2020-06-15,GBR,GOV,CHN,GOV,CONSULT,,diplomatic,VERBAL COOPERATION,hold_talks,,,,1,forced,test,",
    "2020-07,CHN,GOV,GBR,GOV,RETREAT,,diplomatic,MATERIAL COOPERATION,return_property,,,uk_compound,4,forced,test,",
]


def test_every_measure_kind_has_event_codes():
    """A new kind in the catalogue needs its row in sim/rules/event_codes.py and docs/export.md."""
    missing = [kind.label for kind in CATALOGUE if kind not in EVENT_CODES]
    assert missing == [], f"measure kinds without event codes: {missing}"
    docs = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    for kind, code in EVENT_CODES.items():
        assert f"| `{kind.label}` | {code.cameo} |" in docs, kind.label
        assert code.plover in PLOVER_QUADS
        assert code.cameo.isdigit() and len(code.cameo) in (3, 4)


@pytest.mark.parametrize(("form", "expected"), [("cameo", CAMEO), ("plover", PLOVER)])
def test_a_scenarios_events_as_coded_event_data(toy_file, tmp_path, form, expected):
    out = tmp_path / f"toy-{form}.csv"
    outcome = CliRunner().invoke(cli, ["export", str(toy_file(EVENTS)), "--format", form, "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert out.read_text(encoding="utf-8").splitlines() == expected
    assert outcome.output == f"6 events coded in {form.upper()} to {out}; 1 shock left out\n"


def test_a_result_folder_exports_the_same_rows_to_stdout(toy_file, tmp_path):
    scenario = toy_file(EVENTS)
    run = CliRunner().invoke(cli, ["run", str(scenario), "--results", str(tmp_path), "--run-id", "r", "--no-plot"])
    assert run.exit_code == 0, run.output
    folder = tmp_path / "toy" / "r"
    outcome = CliRunner().invoke(cli, ["export", str(folder), "--format", "cameo", "--actor", "UK=GBR"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.splitlines() == CAMEO


def test_an_ensembles_events_keep_their_run():
    rows = [
        {"run": "0", "date": "2020-01", "actor": "US", "target": "RU", "kind": "expel", "source": "s"},
        {"run": "1", "date": "2020-02", "actor": "RU", "target": "RU", "kind": "cut_staff", "source": "s"},
    ]
    exported = export_events(rows, ("US", "RU"), "plover", {})
    assert exported.columns[:3] == ("run", "date", "actor")
    picked = [(r["run"], r["actor"], r["recipient"], r["event_type"], r["mode"]) for r in exported.rows]
    assert picked == [("0", "USA", "RUS", "SANCTION", "expel"), ("1", "RUS", "USA", "SANCTION", "withdraw")]


def test_actor_codes(toy_file):
    assert COUNTRIES["US"] == "USA" and COUNTRIES["RU"] == "RUS" and COUNTRIES["UK"] == "GBR"
    rows = [{"date": "2020-01", "actor": "AAA", "target": "BBB", "kind": "expel", "size": "1"}]
    exported = export_events(rows, ("AAA", "BBB"), "cameo", {"BBB": "CZE"})
    assert (exported.rows[0]["source_actor"], exported.rows[0]["target_actor"]) == ("AAAGOV", "CZEGOV")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "gdelt"], "Error: Invalid value for '--format': 'gdelt' is not one of 'cameo', 'plover'."),
        (["--format", "cameo", "--actor", "UK"], "Error: Invalid value for '--actor': 'UK' is not SIDE=CODE"),
        (["--format", "cameo", "--actor", "XX=ABC"], "Error: --actor XX=ABC: XX is not a side of these events"),
        (["--format", "cameo", "--actor", "UK=gb"], "Error: --actor UK=gb: expected a three-letter upper-case"),
    ],
)
def test_bad_choices_are_one_line_errors(toy_file, arguments, message):
    outcome = CliRunner().invoke(cli, ["export", str(toy_file(EVENTS)), *arguments])
    assert outcome.exit_code == 2
    assert outcome.output.startswith(message) and outcome.output.count("\n") == 1


def test_bad_input_is_a_one_line_error(toy_file, tmp_path):
    scenario = toy_file(EVENTS.replace('"2020-02-10"', '"2020-02-31"'))
    outcome = CliRunner().invoke(cli, ["export", str(scenario), "--format", "plover"])
    assert outcome.exit_code == 2 and outcome.output.count("\n") == 1 and "2020-02-31" in outcome.output
    run = CliRunner().invoke(cli, ["run", str(toy_file(EVENTS)), "--results", str(tmp_path), "--run-id", "r"])
    assert run.exit_code == 0
    events = tmp_path / "toy" / "r" / "events.csv"
    text = events.read_text(encoding="utf-8").replace(",seize_property,", ",annex,")
    events.write_text(text, encoding="utf-8")
    outcome = CliRunner().invoke(cli, ["export", str(events.parent), "--format", "cameo"])
    assert outcome.exit_code == 2
    assert outcome.output == f"Error: {events}:4: kind 'annex' has no event code (allowed: shock, measure kinds)\n"
    with pytest.raises(ExportError, match=r"^side XX has no known country code; give it with --actor XX=XXX"):
        export_events([], ("XX", "UK"), "cameo", {})


def test_stdout_is_csv_a_tool_can_read(toy_file):
    outcome = CliRunner().invoke(cli, ["export", str(toy_file(EVENTS)), "--format", "plover"])
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    assert [r["event_type"] for r in rows] == ["SANCTION", "COERCE", "SANCTION", "CONSULT", "CONSULT", "RETREAT"]
