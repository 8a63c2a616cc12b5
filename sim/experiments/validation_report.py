"""`tft calibrate --folds`: fit on each fold's training months, score its test months beside the
nulls and mirror/mirror, and write `results/<scenario>/validation-<id>/` with `validation.csv`
(one row per fold x model x tolerance x metric), `fits.csv` (each fold's fitted policy and
instruments per side) and `manifest.json`. The figure is drawn from the folder afterwards
(`sim.plots.validation`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from sim.experiments.choices import FOLD_KINDS, PlanError
from sim.experiments.folds import FitSettings, episode_folds, fold_rows, rolling_folds
from sim.experiments.validation import VALIDATION_COLUMNS, VALIDATION_FILE
from sim.files.folders import write_result
from sim.files.results import MANIFEST, manifest_for, utc_now, write_csv, write_json
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label
from sim.rules.policies import REGISTRY

FITS_FILE = "fits.csv"


def run_validation(
    path: str | Path,
    results_root: str | Path,
    kind: str,
    settings: FitSettings,
    *,
    runs: int = 200,
    seed: int | None = None,
    resamples: int = 1000,
    progress=None,
    command: Sequence[str] = (),
) -> tuple[Path, list[dict[str, object]]]:
    """Validate the fitted behaviour on the folds of `kind` (rolling or episodes). Returns the
    folder and the validation rows."""
    started, clock = utc_now(), time.perf_counter()
    scenario = load_scenario(path)
    if kind not in FOLD_KINDS:
        raise PlanError(f"--folds: unknown kind '{kind}' (allowed: {', '.join(FOLD_KINDS)})")
    families = list(settings.families) or list(REGISTRY)
    for name in families:
        if name not in REGISTRY:
            raise PlanError(f"--policy: unknown policy '{name}' (allowed: {', '.join(REGISTRY)})")
    settings = FitSettings(**{**vars(settings), "families": tuple(families)})
    folds = rolling_folds(scenario) if kind == "rolling" else episode_folds(scenario)
    root_seed = scenario.seed if seed is None else seed
    rows, fits = fold_rows(scenario, folds, settings, runs, root_seed, resamples=resamples, progress=progress)

    def fill(folder: Path) -> None:
        write_csv(folder / VALIDATION_FILE, VALIDATION_COLUMNS, rows)
        write_csv(folder / FITS_FILE, ("fold", "side", "policy", "instruments"), fits)
        extra = {
            "title": f"{scenario.title}: fitted behaviour out of sample ({kind} folds)",
            "folds": [
                {
                    "name": f.name,
                    "train": f"{month_label(f.training(scenario).first)}..{month_label(f.training(scenario).last)}",
                    "test": f"{month_label(f.test_from)}..{month_label(f.test_until)}",
                }
                for f in folds
            ],
            "fit": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(settings).items()},
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
            files=[MANIFEST, VALIDATION_FILE, FITS_FILE],
            extra=extra,
        )
        write_json(folder / MANIFEST, manifest)

    folder = write_result(Path(results_root), scenario.name, f"validation-{kind}-{root_seed}", fill)
    return folder, rows
