"""The page: a sidebar with the scenario and everyone's choices (as Mesa's SolaraViz puts a model's
parameters, a fit of `tft infer` among them), and four views: explore the fan, step through a run,
compare two policy pairs, browse a sweep folder. Each browser session keeps its own choices (Solara scopes reactive
variables to the session)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import solara
import solara.lab

from sim.app.choices import Choices, load_upload, shipped_scenarios
from sim.app.config import config, pool, pool_workers
from sim.app.ensemble import run_plan
from sim.app.fit import NO_FIT, describe_fit, fit_folders, fit_scenario_file, load_fit
from sim.app.view_compare import CompareView
from sim.app.view_controls import DownloadCard, FitCard, ScenarioCard, SettingsCard, SideCard
from sim.app.view_explore import ExploreView
from sim.app.view_step import StepView
from sim.app.view_sweep import SweepView
from sim.app.widgets import ErrorLine, one_line
from sim.errors import SimError
from sim.files.scenario_file import load_scenario
from sim.rules.scenario import Scenario

PREFERRED = "us_russia_2016_2025.toml"  # the worked example, when it is there
CSS = """
.solara-content-main img { max-width: 100%; height: auto; }
/* the main area starts 400px from the left: keep the sidebar to that width */
nav.v-navigation-drawer { max-width: 400px !important; overflow-x: hidden; }
nav.v-navigation-drawer .v-btn-toggle .v-btn { min-width: 0; padding: 0 10px; }
/* the upload button's label in full, not cut to "Upload a scenari..." */
.widget-upload { width: auto !important; max-width: 100%; }
.tft-caption { font-size: 0.9em; color: #444; display: block; margin: 4px 0 12px 0; }
.tft-note { font-size: 0.8em; color: #555; display: block; }
.tft-table td, .tft-table th { font-size: 0.8em !important; }
.tft-heatmap td, .tft-heatmap th { padding: 2px !important; font-size: 0.8em !important; }
"""


@dataclass(frozen=True)
class Loaded:
    scenario: Scenario
    path: Path
    label: str  # the file's name as the page shows it


loaded = solara.reactive(None)  # Loaded | None
load_error = solara.reactive("")
choices = solara.reactive(None)  # Choices | None
uploads = solara.reactive({})  # label -> Loaded, for the uploaded files of this session


def _use(item: Loaded) -> None:
    previous = choices.value
    mode = previous.mode if previous is not None and previous.mode != "project" else "behavioural"
    # the fit stays chosen from one scenario to the next (refused on the page if its sides differ)
    fit, draw = (previous.fit, previous.draw) if previous is not None else (config().posterior, config().draw)
    loaded.set(item)
    choices.set(replace(Choices.default(item.scenario, mode), fit=fit, draw=draw))
    load_error.set("")


def choose_file(label: str) -> None:
    if label in uploads.value:
        _use(uploads.value[label])
        return
    path = config().scenarios / label
    try:
        _use(Loaded(load_scenario(path), path, label))
    except SimError as exc:
        load_error.set(one_line(exc))


def upload_file(name: str, data: bytes) -> None:
    try:
        scenario, path = load_upload(name, data)
    except SimError as exc:
        load_error.set(one_line(exc))
        return
    label = f"uploaded: {Path(name).name}"
    item = Loaded(scenario, path, label)
    uploads.set({**uploads.value, label: item})
    _use(item)


def _start() -> None:
    if loaded.value is not None:
        return
    names = [p.name for p in shipped_scenarios(config().scenarios)]
    if names:
        fitted = fit_scenario_file(config().posterior) if config().posterior else ""
        first = fitted if fitted in names else PREFERRED  # `tft app --posterior FIT` opens the fit's own scenario
        choose_file(first if first in names else names[0])


def _particles(fit: str) -> tuple[int, ...]:
    """The particle numbers of a fit (none if it cannot be read: the page shows why above the views)."""
    if fit == NO_FIT:
        return ()
    try:
        return load_fit(fit).particles
    except SimError:
        return ()


@solara.component
def Page():
    settings = config()
    solara.use_effect(_start, [])
    solara.Style(CSS)
    solara.Title("tft: diplomatic tit-for-tat")
    with solara.AppBar():
        solara.AppBarTitle("tft: diplomatic tit-for-tat")
    item: Loaded | None = loaded.value
    chosen: Choices | None = choices.value
    names = [p.name for p in shipped_scenarios(settings.scenarios)] + list(uploads.value)
    # the fits there are when the page is opened (a reload finds new ones)
    folders = solara.use_memo(lambda: fit_folders(settings.results, settings.posterior), [])
    plan, plan_error, used, posterior, source = None, "", None, None, ""
    if item is not None and chosen is not None:
        try:
            used, posterior = chosen.fitted(item.scenario)
            plan = chosen.plan(item.scenario)
            if chosen.from_fit:
                source = describe_fit(chosen.fit, load_fit(chosen.fit), chosen.draw)
        except SimError as exc:
            plan_error = one_line(exc)
    with solara.Sidebar():
        ScenarioCard(
            names,
            item.label if item else "",
            item.scenario if item else None,
            load_error.value,
            choose_file,
            upload_file,
        )
        if item is not None and chosen is not None:
            SettingsCard(item.scenario, chosen, choices.set)
            FitCard(chosen, folders, _particles(chosen.fit), choices.set)
            for index, side in enumerate(item.scenario.sides):
                SideCard(
                    side.code,
                    side.name,
                    chosen.sides[index],
                    lambda value, i=index: choices.set(choices.value.with_side(i, value)),
                    disabled=chosen.mode == "replay" or chosen.from_fit,
                )
            DownloadCard(item.scenario, item.path, chosen, settings.results, ready=plan is not None)
    if item is None:
        solara.Info(f"Choose or upload a scenario file (none found in {settings.scenarios}/).")
        return
    ErrorLine(plan_error)
    # lazy: only the open view works (a closed tab does not simulate behind the one in use)
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("Explore"):
            if plan is not None:
                ExploreView(used, plan, chosen.runs, chosen.seed, pool(), pool_workers(), posterior, source)
        with solara.lab.Tab("Step through a run"):
            if plan is not None:
                StepView(used, plan, chosen.runs, chosen.seed, lambda key: run_plan(used, plan, key, posterior))
        with solara.lab.Tab("Compare two policy pairs"):
            CompareView(item.scenario, chosen).key(f"compare-{item.path}")
        with solara.lab.Tab("Sweep folder"):
            SweepView(settings.results)
