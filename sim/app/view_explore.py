"""Explore one scenario: the ensemble fan of both missions' staff (median, 50% and 90% bands) with
the record's observations and its hostile measures marked, recomputed in a thread whenever a
choice changes; and one run's staff with its events labelled. With a fit as the sides' behaviour,
the fan is `tft run --posterior FIT --draw ...`'s ensemble, and the view says which fit and draw."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass, replace

import solara

from sim.app.charts import fan_png, staff_png
from sim.app.ensemble import Fan, fan_steps, keys_for, one_run, record_marks, title
from sim.app.widgets import ErrorLine, Figure, one_line
from sim.engines.plan import Mode, Plan
from sim.files.posterior_file import Posterior
from sim.files.results import observation_rows
from sim.rules.scenario import Scenario


@dataclass(frozen=True)
class Shown:
    title: str
    fan: Fan | None
    fan_png: bytes | None
    run_png: bytes | None
    seconds: float  # from the change to the fan's picture
    source: str = ""  # the fit and draw the behaviour comes from, if any
    kept: bool = False  # drawn earlier for the same choices, shown again from the cache


KEPT = 32  # figures of this many choices are kept (about 200 kB each), for every session of the server
_kept: OrderedDict[tuple, Shown] = OrderedDict()
_kept_lock = threading.Lock()


def kept(identity: tuple) -> Shown | None:
    with _kept_lock:
        shown = _kept.get(identity)
        if shown is not None:
            _kept.move_to_end(identity)
        return shown


def keep(identity: tuple, shown: Shown) -> None:
    with _kept_lock:
        _kept[identity] = shown
        _kept.move_to_end(identity)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def what_is_shown(
    scenario: Scenario,
    plan: Plan,
    runs: int,
    seed: int | None,
    posterior: Posterior | None = None,
    source: str = "",
) -> tuple:
    """What the figures depend on: a replay is one run whatever the number of runs or the seed, so
    changing those in replay mode recomputes nothing. Runs that draw their own behaviour depend on
    the posterior's file (a mean or a particle is in the plan's behaviours)."""
    if plan.mode is Mode.REPLAY:
        return (scenario.path, scenario.sha256, plan)
    drawn = None if posterior is None else posterior.sha256
    return (scenario.path, scenario.sha256, plan, runs, seed, drawn, source)


@solara.component
def ExploreView(
    scenario: Scenario,
    plan: Plan,
    runs: int,
    seed: int | None,
    pool: Executor | None,
    workers: int,
    posterior: Posterior | None = None,
    source: str = "",
):
    """`posterior`: each run draws its own behaviour from it; `source`: which fit and draw, if any."""
    observations = solara.use_memo(lambda: observation_rows(scenario), [scenario.sha256, scenario.path])
    marks = solara.use_memo(lambda: record_marks(scenario), [scenario.sha256, scenario.path])
    replay = plan.mode is Mode.REPLAY

    identity = what_is_shown(scenario, plan, runs, seed, posterior, source)
    changed = solara.use_memo(time.perf_counter, list(identity))  # when these choices were made

    def work(cancel: threading.Event):
        earlier = kept(identity)
        if earlier is not None:
            yield replace(earlier, seconds=time.perf_counter() - changed, kept=True)
            return
        started = changed  # a computation still running for older choices delays this one: count it
        keys = keys_for(scenario, 1 if replay else runs, seed)
        name = title(scenario, plan, posterior)
        fan, picture, seconds = None, None, 0.0
        if not replay:
            with closing(fan_steps(scenario, plan, keys, pool=pool, workers=workers, posterior=posterior)) as steps:
                for fan in steps:
                    if cancel.is_set():
                        return
                    # a first look only when more than half of the runs are still to come; none of
                    # runs drawn from a posterior, whose chunks hold some pairs of families only
                    first_look = posterior is None and picture is None and 2 * fan.runs < fan.total
                    if fan.complete or first_look:
                        picture = fan_png(fan, observations, name, marks)
                        seconds = time.perf_counter() - started
                        yield Shown(name, fan, picture, None, seconds, source)
        if cancel.is_set():
            return
        trajectories, events = one_run(scenario, plan, keys[0], posterior)
        label = name if replay else f"{name}, run seed {int(keys[0])}"
        shown = Shown(name, fan, picture, staff_png(trajectories, events, observations, label), seconds, source)
        if not cancel.is_set():
            keep(identity, shown)
        yield shown

    result = solara.use_thread(work, dependencies=list(identity), intrusive_cancel=False)
    shown: Shown | None = result.value
    busy = result.state in (solara.ResultState.STARTING, solara.ResultState.WAITING, solara.ResultState.RUNNING)
    solara.ProgressLinear(busy)
    solara.Text("Simulating..." if busy else "Up to date", classes=["tft-status"])
    if source and not replay:
        solara.Text(f"Behaviour from the {source}.", classes=["tft-fit"])
    if result.error is not None:
        ErrorLine(one_line(result.error))
    if shown is None:
        return
    if shown.fan is not None:
        Figure(
            shown.fan_png,
            f"Fan of {shown.title}"
            + (f", behaviour from the {shown.source}" if shown.source else "")
            + f": {shown.fan.caption()}; on the page {shown.seconds:.2f} s after the change"
            + (" (drawn before for the same choices and kept)." if shown.kept else "."),
        )
    if shown.run_png is not None:
        what = "The replay" if replay else "One run (the fan's first)"
        Figure(
            shown.run_png,
            f"{what} of {shown.title}: staff of both missions, its events labelled, observations as markers.",
        )
