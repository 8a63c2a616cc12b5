"""Step through one run of the Mesa model month by month, with the controls of Mesa's SolaraViz
(reset, play/pause, step, the play interval): the month's measures and both missions' posts,
properties and conditions."""

from __future__ import annotations

import time

import solara
import solara.lab

from sim.app.charts import stepped_png
from sim.app.stepper import CONDITION_COLUMNS, MEASURE_COLUMNS, POST_COLUMNS, PROPERTY_COLUMNS, Stepper
from sim.app.widgets import Figure, Table
from sim.engines.plan import Plan
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario

kept = solara.reactive(None)  # (what the run is of, its Stepper), per browser session


@solara.component
def StepView(scenario: Scenario, plan: Plan, runs: int, seed: int | None, plan_of=None):
    """`plan_of(key)`: the plan of the run with that key, when runs differ in behaviour (each its
    own draw of a posterior); by default every run has `plan`."""
    run, set_run = solara.use_state(0)
    run = min(run, max(runs - 1, 0))
    key = int(run_keys(scenario.seed if seed is None else seed, 1, first=run)[0])
    plan = plan if plan_of is None else plan_of(key)
    identity = (scenario.path, scenario.sha256, plan, key)
    if kept.value is None or kept.value[0] != identity:  # the run survives a visit to another tab
        kept.value = (identity, Stepper(scenario, plan, key))
    stepper = kept.value[1]
    tick = solara.use_reactive(0)  # bumped after every change to the run, to redraw
    playing = solara.use_reactive(False)
    interval = solara.use_reactive(300)

    def play() -> None:
        while playing.value and not stepper.finished:
            time.sleep(interval.value / 1000)
            if not playing.value:
                break
            stepper.step()
            tick.value += 1
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value, stepper], prefer_threaded=True)

    def step() -> None:
        stepper.step()
        tick.value += 1

    def reset() -> None:
        playing.value = False
        stepper.reset()
        tick.value += 1

    picture = solara.use_memo(lambda: stepped_png(stepper), [stepper, tick.value])
    with solara.Card("Controls"):
        with solara.Row():
            solara.Button("Reset", color="primary", on_click=reset)
            solara.Button(
                "❚❚" if playing.value else "▶",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=stepper.finished,
            )
            solara.Button("Step", color="primary", on_click=step, disabled=playing.value or stepper.finished)
        solara.SliderInt("Play interval (ms)", value=interval, min=50, max=1000, step=50)
        solara.InputInt(
            f"Run (0 to {runs - 1}, as numbered in the fan)",
            value=run,
            on_value=lambda n: set_run(min(max(int(n or 0), 0), max(runs - 1, 0))),
        )
        state = "finished" if stepper.finished else "running"
        solara.Text(
            f"Month {stepper.month}: {stepper.months_done} of {stepper.months_total} months done ({state}); "
            f"run seed {key}",
            classes=["tft-month"],
        )
    Figure(picture, "Staff of both missions so far.")
    with solara.Card(f"Measures and shocks in {stepper.month}"):
        if stepper.measures:
            Table(stepper.measures, MEASURE_COLUMNS, label="measures")
        else:
            solara.Text("None this month." if stepper.months_done else "Press Step or ▶ to start.")
    with solara.Card("Conditions each host sets"):
        Table(stepper.conditions(), CONDITION_COLUMNS, label="conditions")
    with solara.Card("Posts"):
        Table(stepper.posts(), POST_COLUMNS, label="posts")
    with solara.Card("Properties"):
        Table(stepper.properties(), PROPERTY_COLUMNS, label="properties")
