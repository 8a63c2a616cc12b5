"""`tft calibrate`: fit, score out of sample, compare with baselines, and write the report."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.experiments.calibration import (
    POPSIZE,
    Candidate,
    Evaluator,
    Targets,
    Window,
    bounds_for,
    calibrate,
    simulate_record,
)
from sim.experiments.choices import PlanError
from sim.experiments.limits import check_calibration
from sim.experiments.summary import QUANTILE_COLUMNS, StaffQuantiles
from sim.files.params import params_text
from sim.files.results import QUANTILES_FILE, manifest_for, utc_now, write_csv, write_json, write_result
from sim.files.safe import write_text
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import date_label, month_label, parse_date
from sim.rules.measures import MeasureKind
from sim.rules.policies import REGISTRY
from sim.rules.rng import run_keys

BASELINE_PAIRS = (("restraint", "restraint"), ("mirror", "mirror"))


def run_calibration(
    path: str | Path,
    results_root: str | Path = "results",
    *,
    families: Sequence[str] = (),
    train_until: str | None = None,
    replicates: int = 8,
    seed: int | None = None,
    screen: int = 8,
    refine: int = 3,
    maxiter: int = 6,
    workers: int = 1,
    scheduler: str | None = None,
    tolerance: int = 3,
    progress=None,
    command: Sequence[str] = (),
) -> tuple[Path, dict]:
    started = utc_now()
    clock = time.perf_counter()
    scenario = load_scenario(path)
    families = list(families) or list(REGISTRY)
    for name in families:
        if name not in REGISTRY:
            raise PlanError(f"--policy: unknown policy '{name}' (allowed: {', '.join(REGISTRY)})")
    end = scenario.end
    if train_until is not None:
        try:
            end = parse_date(train_until)[0]
        except ValueError as exc:
            raise PlanError(f"--train-until: {exc}") from None
        if not scenario.start < end < scenario.end:
            raise PlanError(f"--train-until: must fall inside the scenario, before {month_label(scenario.end)}")
    pairs = [(a, b) for a in families for b in families]
    check_calibration(
        len(pairs),
        max(len(bounds_for(pair)) for pair in pairs),
        screen,
        refine,
        maxiter,
        POPSIZE,
        replicates,
        scenario.end - scenario.start + 1,
    )
    train = Window(scenario.start, end)
    test = Window(end + 1, scenario.end) if end < scenario.end else None
    root_seed = scenario.seed if seed is None else seed
    keys = run_keys(root_seed, replicates)
    targets = Targets.from_scenario(scenario)
    evaluator = Evaluator(scenario, targets, keys, train, tolerance)
    fitted, ranking = calibrate(
        evaluator,
        families,
        screen=screen,
        refine=refine,
        maxiter=maxiter,
        seed=root_seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    candidates = {"fitted": fitted}
    for pair in BASELINE_PAIRS:
        defaults = [v for name in pair for v in (p.default for p in REGISTRY[name].parameters)]
        candidates[f"baseline {pair[0]} / {pair[1]}"] = Candidate(pair, (0.0, 0.0, 0.0, 0.0, *defaults))
    scores = []
    for label, candidate in candidates.items():
        row = {"candidate": label, "policies": " / ".join(candidate.policies)}
        for name, window in (("train", train), ("test", test)):
            result = evaluator.run(candidate, window) if window else {}
            for part in ("loss", "staff", "measures", "holdings", "matched_share"):
                row[f"{name}_{part}"] = round(result[part], 4) if result else ""
        scores.append(row)
    behaviours = fitted.behaviours(scenario.behaviours)
    plan = evaluator.plan(fitted)
    figures, acts = simulate_record(scenario, plan, keys)

    def fill(folder: Path) -> None:
        header = (
            f"Fitted by tft calibrate on {scenario.path} (sha256 {scenario.sha256[:12]}), training months "
            f"{month_label(train.first)} to {month_label(train.last)}, training loss {ranking[0]['loss']:.4f}.\n"
            "Use with: tft run SCENARIO --mode behavioural --params THIS_FILE"
        )
        write_text(folder / "params.toml", params_text(behaviours, scenario.codes, header))
        write_csv(folder / "scores.csv", list(scores[0]), scores)
        write_csv(
            folder / "ranking.csv",
            ["rank", "side_a", "policy_a", "side_b", "policy_b", "loss"],
            (
                {
                    "rank": i + 1,
                    "side_a": scenario.codes[0],
                    "policy_a": r["policies"][0],
                    "side_b": scenario.codes[1],
                    "policy_b": r["policies"][1],
                    "loss": round(r["loss"], 4),
                }
                for i, r in enumerate(ranking)
            ),
        )
        write_csv(
            folder / "observations.csv",
            [
                "date",
                "side",
                "column",
                "observed",
                "bound",
                "confidence",
                "simulated_p05",
                "simulated_p50",
                "simulated_p95",
                "window",
            ],
            (_observation_row(o, figures, plan, scenario, train) for o in scenario.observations),
        )
        write_csv(
            folder / "measures.csv",
            ["date", "actor", "kind", "matched_share", "window"],
            _measure_rows(targets, acts, plan, scenario, train, tolerance),
        )
        quantiles = StaffQuantiles([month_label(m) for m in plan.months], scenario.codes)
        quantiles.add(figures["staff_total"].astype(np.int64))
        write_csv(folder / QUANTILES_FILE, QUANTILE_COLUMNS, quantiles.rows())
        write_json(
            folder / "manifest.json",
            manifest_for(
                scenario,
                seed=root_seed,
                command=command,
                started=started,
                mode="behavioural",
                engine="batch",
                runs=replicates,
                files=[
                    "manifest.json",
                    "params.toml",
                    "scores.csv",
                    "ranking.csv",
                    "observations.csv",
                    "measures.csv",
                    QUANTILES_FILE,
                ],
                extra={
                    "title": f"{scenario.title}. Fitted: {' / '.join(fitted.policies)}",
                    "families": families,
                    "train_until": month_label(train.last),
                    "tolerance_months": tolerance,
                    "screen": screen,
                    "refine": refine,
                    "maxiter": maxiter,
                    "fitted": {code: vars(b) for code, b in zip(scenario.codes, behaviours, strict=True)},
                    "seconds": round(time.perf_counter() - clock, 1),
                },
            ),
        )

    folder = write_result(Path(results_root), scenario.name, f"calibration-{root_seed}-{int(time.time())}", fill)
    return folder, {"scores": scores, "fitted": behaviours, "seconds": time.perf_counter() - clock}


def _observation_row(obs, figures, plan, scenario, train) -> dict:
    values = figures[obs.figure][obs.month - plan.start, :, obs.side]
    p05, p50, p95 = np.percentile(values, [5, 50, 95])
    return {
        "date": date_label(obs.month, obs.day),
        "side": scenario.codes[obs.side],
        "column": obs.column,
        "observed": obs.value,
        "bound": obs.bound,
        "confidence": obs.confidence,
        "simulated_p05": round(p05, 1),
        "simulated_p50": round(p50, 1),
        "simulated_p95": round(p95, 1),
        "window": "train" if train.holds(obs.month) else "test",
    }


def _measure_rows(targets, acts, plan, scenario, train, tolerance):
    for actor, kind, month in targets.measures:
        lo = max(month - tolerance - plan.start, 0)
        hi = min(month + tolerance - plan.start, acts.shape[0] - 1)
        share = float((acts[lo : hi + 1, :, actor, kind].sum(axis=0) > 0).mean())
        yield {
            "date": month_label(month),
            "actor": scenario.codes[actor],
            "kind": MeasureKind(kind).label,
            "matched_share": round(share, 3),
            "window": "train" if train.holds(month) else "test",
        }
