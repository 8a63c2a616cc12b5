"""`tft infer --folds rolling|episodes`: the inference validated out of sample, one fit per fold.

Each fold is a whole `tft infer` fit (`inference_report.run_inference`) in its own folder
under the folds' folder, trained on the fold's training months only (rolling origin: up to the
origin; leave one episode out: every month but the episode's, whose acts, observations,
holdings and measures neither the summaries nor the instruments' estimate read) and scored on
its test months by its posterior predictive ensemble beside the nulls and mirror/mirror
(`inference_validation`). The folds' folder gathers every fold's rows: validation.csv,
families.csv (with a `fold` column) and validation.png. An interrupted run resumes: each fold's
fit resumes from its stored generations, and a finished fold is only re-read.

The folds are those of `sim.experiments.folds` (and of `tft calibrate --folds`): rolling origins
2017-06, 2017-12, 2018-06, 2019-12 and 2021-06, each tested to the next origin (the last to the
scenario's end), and the episodes 2016, 2017, 2018, 2020-21 and 2022.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sim import __version__
from sim.experiments.folds import episode_folds, rolling_folds
from sim.experiments.inference import InferenceError
from sim.experiments.validation import VALIDATION_COLUMNS, VALIDATION_FILE
from sim.files.folders import RUN_ID, lock_folder
from sim.files.results import manifest_for, read_csv_rows, utc_now, write_csv, write_json
from sim.files.safe import make_folder
from sim.files.scenario_file import load_scenario

KINDS = ("rolling", "episodes")


def fold_slug(name: str) -> str:
    """A fold's folder name: 'to 2017-06' -> 'to-2017-06', 'without 2020-21' -> 'without-2020-21'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def run_folds(
    path: str | Path,
    kind: str,
    results_root: str | Path = "results",
    *,
    folder_id: str | None = None,
    progress: Callable[[str], None] | None = None,
    command: Sequence[str] = (),
    **options,
) -> tuple[Path, list[dict]]:
    """Fit and score every fold of `kind`; returns the folds' folder and its validation rows.
    `options` are run_inference's (families, population, generations, replicates, workers,
    scheduler, seed, predictive)."""
    from sim.experiments.inference_report import FAMILY_COLUMNS, run_inference  # the fit, a level up

    if kind not in KINDS:
        raise InferenceError(f"--folds: '{kind}' (allowed: {', '.join(KINDS)})")
    if folder_id is not None and not RUN_ID.fullmatch(folder_id):
        raise InferenceError(
            f"--id: {folder_id!r} cannot name a folder (allowed: letters, digits, '_', '-', '.', at most 64 characters)"
        )
    started, clock = utc_now(), time.perf_counter()
    scenario = load_scenario(path)
    folds = rolling_folds(scenario) if kind == "rolling" else episode_folds(scenario)
    shown = {key: options[key] for key in sorted(options) if key not in ("workers", "scheduler")}
    digest = hashlib.sha256(repr((scenario.sha256, kind, shown, __version__)).encode()).hexdigest()[:12]
    parent = Path(results_root) / scenario.name / f"inference-{kind}-{folder_id or digest}"
    make_folder(parent.parent)
    make_folder(parent)
    validation, families, seconds = [], [], {}
    for i, fold in enumerate(folds):
        if progress:
            progress(f"fold {i + 1}/{len(folds)}: {fold.name}")
        folder, report = run_inference(
            path,
            results_root,
            fold=fold,
            folder=parent / fold_slug(fold.name),
            progress=progress,
            command=command,
            **options,
        )
        validation += read_csv_rows(folder / VALIDATION_FILE)
        families += [{"fold": fold.name} | row for row in read_csv_rows(folder / "families.csv")]
        seconds[fold.name] = round(report["fit_seconds"], 1)
    lock = lock_folder(parent)
    try:
        write_csv(parent / VALIDATION_FILE, VALIDATION_COLUMNS, validation)
        write_csv(parent / "families.csv", ("fold", *FAMILY_COLUMNS), families)
        manifest = manifest_for(
            scenario,
            seed=options.get("seed") if options.get("seed") is not None else scenario.seed,
            command=command,
            started=started,
            mode="behavioural",
            engine="batch",
            runs=0,
            files=["manifest.json", VALIDATION_FILE, "families.csv"],
            extra={
                "folds": kind,
                "fits": {fold.name: fold_slug(fold.name) for fold in folds},
                "fit_seconds": seconds,
                "seconds": round(time.perf_counter() - clock, 1),
            },
        )
        write_json(parent / "manifest.json", manifest)
    finally:
        if lock is not None:
            os.close(lock)
    return parent, validation
