"""The sidebar: the scenario (shipped or uploaded), the mode and dates, a fit of `tft infer` as the
sides' behaviour, each side's behaviour, and the download of the results folder, in the order of
Mesa's SolaraViz sidebar (what to run, then its parameters)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import reacton.ipywidgets as widgets
import solara

from sim.app.choices import INITIATIVE_KINDS, MAX_DELAY, MODES, NO_INITIATIVE, Choices, SideChoice
from sim.app.download import replicates, write_results, zip_folder
from sim.app.fit import DRAW_MODES, NO_FIT, PARTICLE, draw_mode
from sim.app.widgets import ErrorLine, one_line
from sim.rules.behaviour import BOUNDS
from sim.rules.calendar import month_label
from sim.rules.policies import REGISTRY
from sim.rules.scenario import Scenario

PERCEPTION_TOP = 0.5  # the slider's range; any value up to BOUNDS is allowed in files and on the command line
CRISIS_TOP = 4.0
MAX_RUNS = 20_000


@solara.component
def ScenarioCard(
    names: list[str],
    chosen: str,
    scenario: Scenario | None,
    error: str,
    on_choose: Callable[[str], None],
    on_upload: Callable[[str, bytes], None],
):
    with solara.Card("Scenario"):
        solara.Select("Scenario file", values=names, value=chosen if chosen in names else None, on_value=on_choose)

        def uploaded(files) -> None:
            if files:
                on_upload(files[0]["name"], bytes(files[0]["content"]))

        widgets.FileUpload(
            accept=".toml", multiple=False, description="Upload a scenario file (.toml)", on_value=uploaded
        ).meta(ref="upload")
        ErrorLine(error)
        if scenario is not None:
            solara.Text(
                f"{scenario.title}: {month_label(scenario.start)} to {month_label(scenario.end)}, "
                f"{' and '.join(f'{s.code} ({s.name})' for s in scenario.sides)}, {len(scenario.events)} events, "
                f"{len(scenario.observations)} observations"
            )


@solara.component
def SettingsCard(scenario: Scenario, choices: Choices, on_choices: Callable[[Choices], None]):
    with solara.Card("Model parameters"):
        solara.ToggleButtonsSingle(
            value=choices.mode, values=list(MODES), on_value=lambda mode: on_choices(choices.with_mode(scenario, mode))
        )
        if choices.mode == "replay":
            solara.Text("Replay: every event of the record is forced; the policies are silent.")
        elif choices.mode == "behavioural":
            solara.Text("Behavioural: only shocks are forced; the policies choose every measure.")
        else:
            solara.Text("Project: the record is replayed up to 'from', then the policies act.")
        if choices.mode == "project":
            solara.InputText(
                "Policies act from (YYYY-MM)",
                value=choices.start_from,
                on_value=lambda text: on_choices(replace(choices, start_from=text.strip())),
            )
        if choices.mode != "replay":
            solara.InputText(
                "Until (YYYY-MM; empty: record's end)",
                value=choices.until,
                on_value=lambda text: on_choices(replace(choices, until=text.strip())),
            )
            solara.InputInt(
                "Runs in the fan",
                value=choices.runs,
                on_value=lambda n: on_choices(replace(choices, runs=min(max(int(n or 1), 1), MAX_RUNS))),
            )
        solara.InputInt(
            "Seed (empty: the scenario's)",
            value=choices.seed,
            optional=True,
            on_value=lambda seed: on_choices(replace(choices, seed=None if seed is None else max(int(seed), 0))),
        )


NO_FIT_LABEL = "none: the sides below"


@solara.component
def FitCard(choices: Choices, folders: list[str], particles: tuple[int, ...], on_choices: Callable[[Choices], None]):
    """A fit folder (`tft infer`'s, with a posterior.csv) as the sides' behaviour, and its draw as
    `tft run --draw` takes it; `particles`: the chosen fit's particle numbers (empty: not read)."""
    with solara.Card("Behaviour from a fit"):
        values = [NO_FIT_LABEL, *folders]

        def choose(label: str) -> None:
            on_choices(replace(choices, fit=NO_FIT if label == NO_FIT_LABEL else label))

        solara.Select("Fit (tft infer)", values=values, value=choices.fit or NO_FIT_LABEL, on_value=choose)
        if not choices.fit:
            solara.Text(f"Fits are the folders under the results folder with a posterior.csv ({len(folders)} found).")
            return
        if choices.mode == "replay":
            solara.Text("A replay forces every event: the fit applies in behavioural and project modes.")
            return

        def choose_mode(mode: str) -> None:
            if mode == PARTICLE:
                first = particles[0] if particles else 0
                on_choices(replace(choices, draw=choices.draw if isinstance(choices.draw, int) else first))
            else:
                on_choices(replace(choices, draw=mode))

        solara.ToggleButtonsSingle(value=draw_mode(choices.draw), values=list(DRAW_MODES), on_value=choose_mode)
        if isinstance(choices.draw, int):
            shown = f" ({min(particles)} to {max(particles)})" if particles else ""
            solara.InputInt(
                f"Particle{shown}",
                value=choices.draw,
                on_value=lambda n: on_choices(replace(choices, draw=max(int(n or 0), 0))),
            )
        solara.Text(
            "all: each run draws its own values by weight from its own seed; mean: the posterior mean of the "
            "most probable pair; particle: one draw for every run. The sides below give way to the fit.",
            classes=["tft-note"],
        )


@solara.component
def PolicyPicker(code: str, side: SideChoice, on_side: Callable[[SideChoice], None], disabled: bool = False):
    """A policy from the registry and its parameters, each within its declared bounds."""
    solara.Select(
        f"{code} policy",
        values=list(REGISTRY),
        value=side.policy,
        on_value=lambda name: on_side(side.with_policy(name)),
        disabled=disabled,
    )
    values = dict(side.params)
    for parameter in REGISTRY[side.policy].parameters:
        label = f"{code} {parameter.name}: {values[parameter.name]:g}"
        if parameter.integer:
            solara.SliderInt(
                label,
                value=int(values[parameter.name]),
                min=int(parameter.low),
                max=int(parameter.high),
                on_value=lambda v, name=parameter.name: on_side(side.with_param(name, float(v))),
                disabled=disabled,
            )
        else:
            solara.SliderFloat(
                label,
                value=values[parameter.name],
                min=parameter.low,
                max=parameter.high,
                step=0.05 if parameter.high <= 1 else 0.1,
                on_value=lambda v, name=parameter.name: on_side(side.with_param(name, round(float(v), 4))),
                disabled=disabled,
            )


@solara.component
def SideCard(code: str, name: str, side: SideChoice, on_side: Callable[[SideChoice], None], disabled: bool):
    with solara.Card(f"{code}: {name}"):
        solara.Text(
            "Perception error: the chance a quiet month is read as hostile; delay: mean months before an "
            "answer is carried out; crises: a year, blamed on this side; initiative: a conciliatory step it "
            "announces for a month.",
            classes=["tft-note"],
        )
        PolicyPicker(code, side, on_side, disabled)
        solara.SliderFloat(
            f"{code} perception error: {side.perception_error:g}",
            value=side.perception_error,
            min=BOUNDS["perception_error"][0],
            max=PERCEPTION_TOP,
            step=0.01,
            on_value=lambda v: on_side(replace(side, perception_error=round(float(v), 4))),
            disabled=disabled,
        )
        solara.SliderFloat(
            f"{code} mean delay (months): {side.delay:g}",
            value=side.delay,
            min=0.0,
            max=MAX_DELAY,
            step=0.25,
            on_value=lambda v: on_side(replace(side, delay=round(float(v), 4))),
            disabled=disabled,
        )
        solara.SliderFloat(
            f"{code} crises a year: {side.crisis_rate:g}",
            value=side.crisis_rate,
            min=BOUNDS["crisis_rate"][0],
            max=CRISIS_TOP,
            step=0.1,
            on_value=lambda v: on_side(replace(side, crisis_rate=round(float(v), 4))),
            disabled=disabled,
        )
        solara.Select(
            f"{code} initiative",
            values=[NO_INITIATIVE, *INITIATIVE_KINDS],
            value=side.initiative,
            on_value=lambda kind: on_side(replace(side, initiative=kind)),
            disabled=disabled,
        )
        if side.initiative != NO_INITIATIVE:
            solara.InputText(
                f"{code} initiative month (YYYY-MM)",
                value=side.initiative_month,
                on_value=lambda text: on_side(replace(side, initiative_month=text.strip())),
                disabled=disabled,
            )


@solara.component
def DownloadCard(scenario: Scenario, path: Path, choices: Choices, results: Path, ready: bool):
    written, set_written = solara.use_state("")
    error, set_error = solara.use_state("")

    def archive() -> bytes:
        set_error("")
        try:
            folder = write_results(scenario, path, choices, results)
        except Exception as exc:  # noqa: BLE001 - shown on the page, the server goes on
            set_error(one_line(exc))
            raise
        set_written(str(folder))
        return zip_folder(folder)

    with solara.Card("Results folder"):
        runs = replicates(choices)
        solara.Text(
            f"Writes {results}/{scenario.name}/<run-id>/ as tft run does ({runs:,} run{'s' if runs > 1 else ''}"
            + (", per-run outcomes and quantiles" if runs > 1 else "")
            + (", the draw each run used" if choices.from_fit and choices.draw == "all" else "")
            + ", figures) and downloads it as a zip archive."
        )
        if ready:
            solara.FileDownload(
                archive, filename=f"{scenario.name}-{choices.mode}.zip", label="Download the results folder (.zip)"
            )
        ErrorLine(error)
        if written:
            solara.Text(f"wrote {written}", classes=["tft-written"])
