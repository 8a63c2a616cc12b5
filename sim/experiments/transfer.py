"""`tft transfer`: behaviour fitted on one dyad, run on another without refitting and scored
beside the same nulls.

A parameter overlay's sides are applied to the scenario's (`--policy-from TARGET=SOURCE`,
`sim.files.params_from`), the scenario is run in behavioural mode (only its shocks forced), and
its acts and staff figures are scored on the whole record with the metrics of validation.csv,
beside the nulls and mirror/mirror (`sim.experiments.validation`). The nulls take their rates
from the whole record they are scored on, while the transferred behaviour saw none of it: the
comparison favours the nulls. Writes `results/<scenario>/transfer-<seed>/` with `transfer.csv`
(the columns of validation.csv; fold `whole record`) and `manifest.json`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from sim.engines.drivers import simulate_batch
from sim.experiments.acts import acts_from_events, recorded_acts
from sim.experiments.choices import make_plan
from sim.experiments.scoring import Simulation, score
from sim.experiments.validation import VALIDATION_COLUMNS, Fold, baseline_rows, validation_rows
from sim.files.folders import write_result
from sim.files.params_from import apply_params_from
from sim.files.results import MANIFEST, manifest_for, utc_now, write_csv, write_json
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label
from sim.rules.rng import run_keys
from sim.rules.scenario import Scenario

TRANSFER_FILE = "transfer.csv"
TRANSFERRED = "transferred"


def whole_record(scenario: Scenario) -> Fold:
    """Scored on every month of the record; the nulls learn from the same months."""
    return Fold("whole record", scenario.end, scenario.start, scenario.end)


def transfer_rows(scenario: Scenario, runs: int, seed: int, resamples: int = 1000) -> list[dict[str, object]]:
    """validation.csv rows of the scenario's behaviour (as overlaid) and of the baselines."""
    fold = whole_record(scenario)
    plan = make_plan(scenario, "behavioural")
    ensemble = simulate_batch(scenario, plan, run_keys(seed, runs))
    simulation = Simulation(acts_from_events(ensemble.events), ensemble.figures, plan.start)
    scores = score(
        recorded_acts(scenario), simulation, fold.test, scenario.observations, resamples=resamples, seed=seed
    )
    return validation_rows(fold, TRANSFERRED, scores) + baseline_rows(scenario, fold, runs, seed, resamples=resamples)


def run_transfer(
    path: str | Path,
    params: str | Path,
    sides: Mapping[str, str],
    results_root: str | Path,
    *,
    runs: int = 200,
    seed: int | None = None,
    resamples: int = 1000,
    command: Sequence[str] = (),
) -> tuple[Path, list[dict[str, object]]]:
    """Run the overlay's behaviour (its sides mapped by `sides`, TARGET=SOURCE; by default each
    side of the scenario takes the overlay's side of the same code) on the scenario and score it.
    Returns the folder and the rows."""
    started, clock = utc_now(), time.perf_counter()
    scenario = load_scenario(path)
    scenario = apply_params_from(scenario, params, sides or {code: code for code in scenario.codes})
    root_seed = scenario.seed if seed is None else seed
    rows = transfer_rows(scenario, runs, root_seed, resamples)

    def fill(folder: Path) -> None:
        write_csv(folder / TRANSFER_FILE, VALIDATION_COLUMNS, rows)
        extra = {
            "title": f"{scenario.title}: behaviour from {Path(params).name}, not refitted",
            "params": str(params),
            "policy_from": dict(sides),
            "policies": {code: b.policy for code, b in zip(scenario.codes, scenario.behaviours, strict=True)},
            "scored": f"{month_label(scenario.start)}..{month_label(scenario.end)}",
            "seconds": round(time.perf_counter() - clock, 1),
        }
        manifest = manifest_for(
            scenario,
            seed=root_seed,
            command=command,
            started=started,
            mode="behavioural",
            engine="batch",
            runs=runs,
            files=[MANIFEST, TRANSFER_FILE],
            extra=extra,
        )
        write_json(folder / MANIFEST, manifest)

    folder = write_result(Path(results_root), scenario.name, f"transfer-{root_seed}", fill)
    return folder, rows
