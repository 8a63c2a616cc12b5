"""`tft sbc`: simulation-based calibration of `tft infer`'s priors, simulator, summaries and
distance (`sim.experiments.inference_sbc` states the design), written to
`results/<scenario>/sbc-<id>/`: `sbc.csv` (coverage and identification per value),
`sbc_families.csv` (the true family's posterior probability per side), `sbc_records.csv` (every
synthetic record's interval per value), `reference.csv` (each prior draw's values and
statistics: the table's simulations, then the synthetic records) and `manifest.json`; the
figure is `sim.plots.inference_sbc`."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.experiments.executors import make_executor
from sim.experiments.inference import MAX_SCALE_RATIO, InferenceError, check_work
from sim.experiments.inference_model import Setting, pair_name, pairs_of
from sim.experiments.inference_sbc import LEVEL, MIN_FAMILY_SAMPLE, UNIDENTIFIED_RATIO, calibrate
from sim.experiments.inference_summaries import Record
from sim.files.folders import RUN_ID, lock_folder
from sim.files.results import manifest_for, utc_now, write_csv, write_json
from sim.files.safe import make_folder
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label

MAX_REFERENCE = 1_000_000
MAX_RECORDS = 100_000
ACCEPT_SHARE = 20  # by default a record keeps 1 in 20 of the table, as near as 5% acceptance
COVERAGE_COLUMNS = (
    "parameter",
    "records",
    "coverage",
    "coverage_low",
    "coverage_high",
    "median_width_ratio",
    "identified",
)
FAMILY_COLUMNS = ("side", "records", "prior", "mean_probability_of_true_family", "top_family_correct")
RECORD_COLUMNS = ("record", "parameter", "true", "mean", "low", "high", "covered", "width_ratio", "rank", "sample")


def check_sizes(reference: int, records: int, accept: int) -> None:
    for option, value, low, high in (
        ("--reference", reference, 1, MAX_REFERENCE),
        ("--records", records, 1, MAX_RECORDS),
        ("--accept", accept, 1, reference),
    ):
        if not low <= value <= high:
            raise InferenceError(f"{option}: {value:,} (allowed: {low:,} to {high:,}, see docs/inference.md)")


def run_sbc(
    path: str | Path,
    results_root: str | Path = "results",
    *,
    train_until: str | None = None,
    families: Sequence[str] = (),
    reference: int = 2000,
    records: int = 100,
    accept: int | None = None,
    replicates: int = 2,
    workers: int = 1,
    scheduler: str | None = None,
    seed: int | None = None,
    folder_id: str | None = None,
    progress: Callable[[str], None] | None = None,
    command: Sequence[str] = (),
) -> tuple[Path, dict]:
    """Run the calibration and write its folder; returns the folder and the coverage rows."""
    from sim.experiments.inference_inputs import family_names, train_last_of  # the fit's own checks of these options

    started, clock = utc_now(), time.perf_counter()
    scenario = load_scenario(path)
    names = family_names(families)
    check_work(len(names), len(names) ** 2, 1, replicates)
    accept = max(1, reference // ACCEPT_SHARE) if accept is None else accept
    check_sizes(reference, records, accept)
    train_last = train_last_of(scenario, train_until)
    root_seed = scenario.seed if seed is None else seed
    if folder_id is not None and not RUN_ID.fullmatch(folder_id):
        raise InferenceError(
            f"--id: {folder_id!r} cannot name a folder (allowed: letters, digits, '_', '-', '.', at most 64 characters)"
        )
    inputs = (scenario.sha256, month_label(train_last), names, reference, records, accept, replicates, root_seed)
    digest = hashlib.sha256(repr(inputs).encode()).hexdigest()[:12]
    folder = Path(results_root) / scenario.name / f"sbc-{folder_id or digest}"
    make_folder(folder.parent)
    make_folder(folder)
    lock = lock_folder(folder)
    executor = make_executor(workers, scheduler)
    try:
        setting = Setting.make(scenario, train_last, replicates, root_seed)
        record = Record.from_scenario(scenario, train_last)
        pairs = pairs_of(names)
        found = calibrate(setting, record, pairs, reference, records, accept, executor, progress)
        _write(folder, scenario, setting, record, names, found, (reference, records, accept), started, clock, command)
    finally:
        executor.close()
        if lock is not None:
            os.close(lock)
    return folder, {"coverage": found["coverage"], "families": found["family_summary"]}


def _write(folder, scenario, setting, record, names, found, sizes, started, clock, command) -> None:
    reference, records, accept = sizes
    codes = scenario.codes
    draws = found["table_draws"] + found["truths"]
    columns = list(dict.fromkeys(name for d in draws for name in d.values))
    header = ["simulation", "role", "model", *(f"{c}.family" for c in codes), *columns, *record.names]
    roles = ["table"] * len(found["table_draws"]) + ["record"] * len(found["truths"])
    statistics = [*found["table"], *found["observed"]]
    write_csv(
        folder / "reference.csv",
        header,
        (
            {
                "simulation": i,
                "role": role,
                "model": pair_name(d.pair),
                **{f"{c}.family": f for c, f in zip(codes, d.pair, strict=True)},
                **{c: d.values.get(c, "") for c in columns},
                **{n: round(float(v), 6) for n, v in zip(record.names, row, strict=True)},
            }
            for i, (role, d, row) in enumerate(zip(roles, draws, statistics, strict=True))
        ),
    )
    write_csv(folder / "sbc.csv", COVERAGE_COLUMNS, found["coverage"])
    write_csv(folder / "sbc_families.csv", FAMILY_COLUMNS, found["family_summary"])
    write_csv(folder / "sbc_records.csv", RECORD_COLUMNS, found["rows"])
    files = ["manifest.json", "reference.csv", "sbc.csv", "sbc_families.csv", "sbc_records.csv"]
    extra = {
        "title": f"{scenario.title}. Simulation-based calibration of the inference",
        "train_until": month_label(setting.train_last),
        "families": list(names),
        "reference": reference,
        "records": records,
        "accept": accept,
        "replicates": setting.replicates,
        "design": (
            "one reference table from the prior (replicates runs per simulation); each synthetic record a fresh "
            "prior draw simulated once; rejection ABC: the accept nearest simulations under the fit's "
            "first-generation distance"
        ),
        "level": LEVEL,
        "unidentified_ratio": UNIDENTIFIED_RATIO,
        "min_family_sample": MIN_FAMILY_SAMPLE,
        "distance": {"kind": "weighted Euclidean", "max_scale_weight_ratio": MAX_SCALE_RATIO},
        "summaries": record.names,
        "seconds": round(time.perf_counter() - clock, 1),
    }
    manifest = manifest_for(
        scenario,
        seed=setting.root_seed,
        command=command,
        started=started,
        mode="behavioural",
        engine="batch",
        runs=reference * setting.replicates + records,
        files=files,
        extra=extra,
    )
    write_json(folder / "manifest.json", manifest)
