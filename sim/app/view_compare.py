"""Compare two policy pairs side by side on the same run seeds: the outcome table (share of runs
that restore both missions to half their start size, months to get there, spirals) and each
pair's fan. The sidebar's misperception, delays, crises and initiatives apply to both pairs."""

from __future__ import annotations

from dataclasses import replace

import solara
import solara.lab

from sim.app.charts import fan_png
from sim.app.choices import Choices, default_dates
from sim.app.ensemble import COMPARE_COLUMNS, COMPARE_RUNS, PairResult, compare_pair, keys_for
from sim.app.view_controls import PolicyPicker
from sim.app.widgets import ErrorLine, Figure, Table, one_line
from sim.files.results import observation_rows
from sim.rules.scenario import Scenario

DEFAULT_PAIRS = (("mirror", "mirror"), ("grit", "mirror"))
PAIR_NAMES = ("A", "B")


@solara.component
def CompareView(scenario: Scenario, choices: Choices):
    codes = scenario.codes
    pairs = solara.use_reactive(
        [
            tuple(side.with_policy(name) for side, name in zip(choices.sides, names, strict=True))
            for names in DEFAULT_PAIRS
        ]
    )
    dates = solara.use_reactive(default_dates(scenario, "project"))
    runs = solara.use_reactive(COMPARE_RUNS)

    def set_side(pair: int, side: int, value) -> None:
        updated = list(pairs.value)
        chosen = list(updated[pair])
        chosen[side] = value
        updated[pair] = tuple(chosen)
        pairs.value = updated

    @solara.lab.use_task(dependencies=None)  # run on the button only
    def compare() -> list[tuple[PairResult, bytes]]:
        keys = keys_for(scenario, runs.value, choices.seed)
        observations = observation_rows(scenario)
        results = []
        for name, pair in zip(PAIR_NAMES, pairs.value, strict=True):
            # the sidebar's noise and initiatives with this pair's policies, projected from the chosen month
            sides = tuple(
                replace(side, policy=p.policy, params=p.params) for side, p in zip(choices.sides, pair, strict=True)
            )
            chosen = Choices("project", sides, dates.value["start_from"], dates.value["until"])
            label = f"{name}: " + " vs ".join(f"{code} {side.spec}" for code, side in zip(codes, pair, strict=True))
            result = compare_pair(scenario, label, chosen.plan(scenario), keys)
            results.append((result, fan_png(result.fan, observations, f"{scenario.title}: {label}")))
        return results

    solara.Text(
        "Both pairs run on the same seeds (common random numbers), replaying the record up to 'from' and "
        "projecting to 'until', with the sidebar's misperception, delays, crises and initiatives. "
        "restored_half: share of runs in which both missions get back to half their start size; "
        "months_to_half: median months to get there (runs that do); spiral: share of runs with six or more "
        "months of hostile measures in a row that end below where the projection began "
        "(definitions in docs/sweeps.md)."
    )
    with solara.Row():
        solara.InputText(
            "From (YYYY-MM)",
            value=dates.value["start_from"],
            on_value=lambda t: dates.set({**dates.value, "start_from": t.strip()}),
        )
        solara.InputText(
            "Until (YYYY-MM)",
            value=dates.value["until"],
            on_value=lambda t: dates.set({**dates.value, "until": t.strip()}),
        )
        solara.InputInt("Runs per pair", value=runs, on_value=lambda n: runs.set(min(max(int(n or 1), 1), 5000)))
    with solara.Columns([1, 1]):
        for index, pair in enumerate(pairs.value):
            with solara.Card(f"Pair {PAIR_NAMES[index]}"):
                for side, code in enumerate(codes):
                    PolicyPicker(
                        f"{PAIR_NAMES[index]} {code}",
                        pair[side],
                        lambda value, i=index, s=side: set_side(i, s, value),
                    )
    solara.Button("Compare on the same seeds", color="primary", on_click=compare, disabled=compare.pending)
    solara.ProgressLinear(compare.pending)
    if compare.error:
        ErrorLine(one_line(compare.exception))
    if compare.value:
        _Results(scenario, compare.value)


@solara.component
def _Results(scenario: Scenario, results: list[tuple[PairResult, bytes]]):
    columns = list(COMPARE_COLUMNS) + [f"{code}_staff_end_share" for code in scenario.codes]
    Table([result.row for result, _ in results], columns, label="comparison")
    with solara.Columns([1, 1]):
        for result, picture in results:
            Figure(picture, f"Pair {result.label}: {result.fan.caption()}")
