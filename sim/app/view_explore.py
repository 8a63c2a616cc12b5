"""Explore one scenario: the ensemble fan of both missions' staff (median, 50% and 90% bands) with
the record's observations and its hostile measures marked, recomputed in a thread whenever a
choice changes; and one run's staff with its events labelled."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass

import solara

from sim.app.charts import fan_png, staff_png
from sim.app.ensemble import Fan, fan_steps, keys_for, one_run, record_marks, title
from sim.app.widgets import ErrorLine, Figure, one_line
from sim.engines.plan import Mode, Plan
from sim.files.results import observation_rows
from sim.rules.scenario import Scenario


@dataclass(frozen=True)
class Shown:
    title: str
    fan: Fan | None
    fan_png: bytes | None
    run_png: bytes | None
    seconds: float  # from the change to the fan's picture


last = solara.reactive(None)  # (what was shown of, Shown): kept while another tab is open, per session


@solara.component
def ExploreView(scenario: Scenario, plan: Plan, runs: int, seed: int | None, pool: Executor | None):
    observations = solara.use_memo(lambda: observation_rows(scenario), [scenario.sha256, scenario.path])
    replay = plan.mode is Mode.REPLAY

    identity = (scenario.path, scenario.sha256, plan, runs, seed)
    changed = solara.use_memo(time.perf_counter, list(identity))  # when these choices were made

    def work(cancel: threading.Event):
        if last.value is not None and last.value[0] == identity:
            yield last.value[1]
            return
        started = changed  # a computation still running for older choices delays this one: count it
        keys = keys_for(scenario, 1 if replay else runs, seed)
        name = title(scenario, plan)
        fan, picture, seconds = None, None, 0.0
        if not replay:
            with closing(fan_steps(scenario, plan, keys, pool=pool)) as steps:
                for index, fan in enumerate(steps):
                    if cancel.is_set():
                        return
                    if index == 0 or fan.complete:  # a first look, then the whole fan
                        picture = fan_png(fan, observations, name, record_marks(scenario))
                        seconds = time.perf_counter() - started
                        yield Shown(name, fan, picture, None, seconds)
        if cancel.is_set():
            return
        trajectories, events = one_run(scenario, plan, keys[0])
        label = name if replay else f"{name}, run seed {int(keys[0])}"
        shown = Shown(name, fan, picture, staff_png(trajectories, events, observations, label), seconds)
        if not cancel.is_set():
            last.value = (identity, shown)
        yield shown

    result = solara.use_thread(work, dependencies=list(identity), intrusive_cancel=False)
    shown: Shown | None = result.value
    busy = result.state in (solara.ResultState.STARTING, solara.ResultState.WAITING, solara.ResultState.RUNNING)
    solara.ProgressLinear(busy)
    solara.Text("Simulating..." if busy else "Up to date", classes=["tft-status"])
    if result.error is not None:
        ErrorLine(one_line(result.error))
    if shown is None:
        return
    if shown.fan is not None:
        Figure(
            shown.fan_png,
            f"Fan of {shown.title}: {shown.fan.caption()}; on the page {shown.seconds:.2f} s after the change.",
        )
    if shown.run_png is not None:
        what = "The replay" if replay else "One run (the fan's first)"
        Figure(
            shown.run_png,
            f"{what} of {shown.title}: staff of both missions, its events labelled, observations as markers.",
        )
