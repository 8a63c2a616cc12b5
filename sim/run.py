"""Running a scenario and writing its results directory: the library entry point behind `tft run`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.engine import EVENT_COLUMNS, load_scenario
from sim.model import TRAJECTORY_COLUMNS, RetaliationModel
from sim.plotting import staff_figure
from sim.results import (
    EVENTS,
    MANIFEST,
    OBSERVATION_COLUMNS,
    OBSERVATIONS,
    STAFF_FIGURE,
    TRAJECTORIES,
    manifest_for,
    new_run_id,
    observation_rows,
    read_result,
    read_tables,
    utc_now,
    write_csv,
    write_json,
    write_result,
)
from sim.scenario import Scenario


def simulate(scenario: Scenario, seed: int | None = None) -> RetaliationModel:
    """Run the Mesa model over the scenario's months and return it (trajectories, event log)."""
    model = RetaliationModel(scenario, seed=seed)
    model.run()
    return model


def run_scenario(
    path: str | Path,
    results_root: str | Path = "results",
    *,
    seed: int | None = None,
    run_id: str | None = None,
    plot: bool = True,
    command: Sequence[str] = (),
) -> Path:
    """Load, check and run a scenario; write `results_root/<scenario>/<run-id>/`. Returns the folder."""
    started = utc_now()
    scenario = load_scenario(path)
    root_seed = scenario.seed if seed is None else seed
    model = simulate(scenario, root_seed)
    trajectories = model.trajectories()
    observations = observation_rows(scenario)

    def fill(folder: Path) -> None:
        write_csv(folder / TRAJECTORIES, TRAJECTORY_COLUMNS, trajectories)
        write_csv(folder / EVENTS, EVENT_COLUMNS, model.event_log)
        write_csv(folder / OBSERVATIONS, OBSERVATION_COLUMNS, observations)
        files = [MANIFEST, TRAJECTORIES, EVENTS, OBSERVATIONS]
        if plot:
            # Drawn from the written files, as `tft plot` draws them later.
            traj, events, obs = read_tables(folder)
            staff_figure(traj, events, obs, scenario.title, folder / STAFF_FIGURE)
            files.append(STAFF_FIGURE)
        write_json(
            folder / MANIFEST,
            manifest_for(
                scenario,
                seed=root_seed,
                command=command,
                started=started,
                mode="replay",
                engine="mesa",
                runs=1,
                files=files,
            ),
        )

    return write_result(Path(results_root), scenario.name, run_id or new_run_id(root_seed), fill)


def plot_result(directory: str | Path) -> list[Path]:
    """(Re)draw the figures of a results directory from its files. Returns the figures written."""
    directory = Path(directory)
    manifest, trajectories, events, observations = read_result(directory)
    title = manifest.get("scenario", {}).get("title", directory.name)
    target = directory / STAFF_FIGURE
    temporary = directory / f".{STAFF_FIGURE}.tmp.png"
    staff_figure(trajectories, events, observations, title, temporary)
    temporary.replace(target)
    return [target]
