"""`tft infer`: fit the states' behaviour to a scenario's training window by ABC-SMC with model
choice, and write the posterior.

`results/<scenario>/inference-<id>/` holds `history.db` (pyabc's History: every generation, so
the same command resumes an interrupted fit), `inputs.json` (what a resumed fit must share), and,
once the asked generations are done (or the fit stopped early), `posterior.csv`, `families.csv`,
`generations.csv`, `params.toml` (the posterior mean of the most probable pair),
`params-draw.toml` (one particle of that pair, drawn by weight), `predictive.csv` (the posterior
predictive ensemble, `sim.experiments.inference_predictive`) and `manifest.json`. The id is a
hash of the inputs unless `--id` names the folder, so the same command finds the same folder.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from sim import __version__
from sim.experiments.inference import (
    DEFENSIVE,
    HISTORY,
    MAX_SCALE_RATIO,
    MIN_ACCEPTANCE,
    RIDGE,
    Fit,
    Generation,
    InferenceError,
    check_work,
    make_sampling,
    pyabc_module,
    run_fit,
)
from sim.experiments.inference_inputs import INPUTS, check_fixed, check_inputs, family_names, train_last_of
from sim.experiments.inference_model import (
    SIDE_PRIORS,
    Setting,
    behaviour_choices,
    mean_values,
    pair_name,
    particle_seed,
)
from sim.experiments.inference_predictive import PREDICTIVE_COLUMNS, PREDICTIVE_DRAWS, draws_rows, predictive_draws
from sim.experiments.inference_summaries import Record
from sim.experiments.validation import VALIDATION_COLUMNS, VALIDATION_FILE, Fold
from sim.files.folders import RUN_ID, lock_folder
from sim.files.params import params_text
from sim.files.results import manifest_for, utc_now, write_csv, write_json
from sim.files.safe import make_folder, refuse_link, write_text
from sim.files.scenario_file import load_scenario
from sim.rules.calendar import month_label
from sim.rules.policies import REGISTRY

PARAMS_KEYS = (
    "policy",
    "perception_error",
    "delay_weights",
    "memory_months",
    "notice",
    "crisis_rate",
    "rehire_months",
    "tour_months",
    "instruments",
)
POSTERIOR_COLUMNS = ("particle", "model", "weight", "distance", "seed")
FAMILY_COLUMNS = ("scope", "side", "family", "probability")
GENERATION_COLUMNS = (
    "generation",
    "epsilon",
    "accepted",
    "simulated",
    "acceptance_rate",
    "seconds",
    "pairs_alive",
    "ess",
)
DRAW_STREAM = 0xD4A  # spawn key of the single draw written to params-draw.toml


def run_inference(
    path: str | Path,
    results_root: str | Path = "results",
    *,
    train_until: str | None = None,
    families: Sequence[str] = (),
    population: int = 500,
    generations: int = 4,
    replicates: int = 2,
    workers: int = 1,
    scheduler: str | None = None,
    seed: int | None = None,
    folder_id: str | None = None,
    fixed: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    command: Sequence[str] = (),
    predictive: int = PREDICTIVE_DRAWS,
    fold: Fold | None = None,
    folder: Path | None = None,
) -> tuple[Path, dict]:
    """Run (or resume) a fit and write its folder. Returns the folder and a report: family
    probabilities per side, the top pair, its posterior means, generations done, seconds.
    `fixed` holds values out of the priors (by parameter name, e.g. `US.notice`); `predictive`
    is the number of posterior draws in predictive.csv. `fold` (instead of `train_until`) trains
    on the fold's training months and scores its test months; `folder` is where to write, instead
    of results/<scenario>/inference-<id>."""
    started, clock = utc_now(), time.perf_counter()
    scenario = load_scenario(path)
    names = family_names(families)
    check_work(len(names), population, generations, replicates)
    train_last = train_last_of(scenario, train_until) if fold is None else fold.train_until
    gap = fold.training(scenario).gap if fold is not None else None
    root_seed = scenario.seed if seed is None else seed
    pyabc = pyabc_module()
    fit = Fit(names, population, generations, replicates, root_seed)
    inputs = {
        "scenario_sha256": scenario.sha256,
        "train_until": month_label(train_last),
        "families": list(names),
        "population": population,
        "replicates": replicates,
        "seed": root_seed,
        "fixed": dict(sorted(check_fixed(fixed or {}, fit, scenario.codes).items())),
        "package_version": __version__,
        "pyabc_version": pyabc.__version__,
        "kernel_floor": RIDGE,
        "kernel_prior_share": DEFENSIVE,
    }
    if fold is not None:
        inputs["test"] = [month_label(fold.test_from), month_label(fold.test_until)]
        inputs["left_out"] = [month_label(m) for m in gap] if gap is not None else None
    if folder_id is not None and not RUN_ID.fullmatch(folder_id):
        raise InferenceError(
            f"--id: {folder_id!r} cannot name a folder (allowed: letters, digits, '_', '-', '.', at most 64 characters)"
        )
    digest = hashlib.sha256(repr(sorted(inputs.items())).encode()).hexdigest()[:12]
    folder = folder or Path(results_root) / scenario.name / f"inference-{folder_id or digest}"
    check_inputs(folder, inputs)
    make_folder(folder.parent)
    make_folder(folder)
    lock = lock_folder(folder)
    sampling = None
    try:
        check_inputs(folder, inputs)  # again, now that nobody else writes here
        refuse_link(folder / HISTORY)
        write_json(folder / INPUTS, inputs)
        setting = Setting.make(scenario, train_last, replicates, root_seed, fixed, gap)
        record = Record.from_scenario(scenario, train_last, gap)
        sampling = make_sampling(workers, scheduler)
        done = run_fit(fit, setting, record, folder, sampling, progress)
        if not done:
            raise InferenceError(
                f"{folder}: the first generation accepted fewer than {MIN_ACCEPTANCE} of its particles; nothing to "
                "report (try a larger --population)"
            )
        report = _write(folder, fit, setting, record, done, sampling.label, started, clock, command, predictive, fold)
    finally:
        if sampling is not None:
            sampling.close()
        if lock is not None:
            os.close(lock)
    return folder, report


def _final_particles(folder: Path, fit: Fit, setting: Setting) -> list[dict]:
    """The last generation's particles: pair, weight, distance, seed and used values, in a fixed order."""
    history = pyabc_module().History(f"sqlite:///{folder / HISTORY}", create=False)
    population = history.get_population()
    rows = []
    for particle in population.particles:
        pair = fit.pairs[particle.m]
        values = setting.values(pair, dict(particle.parameter))
        rows.append(
            {
                "m": particle.m,
                "pair": pair,
                "weight": float(particle.weight),
                "distance": float(particle.distance),
                "seed": particle_seed(fit.seed, pair, values),
                "values": values,
            }
        )
    rows.sort(key=lambda r: (r["m"], -r["weight"], sorted(r["values"].items())))
    total = sum(r["weight"] for r in rows)
    for r in rows:
        r["weight"] /= total
    return rows


def _columns(fit: Fit, codes: tuple[str, str]) -> list[str]:
    """Every parameter column: each side's behaviour values, then each family's parameters."""
    columns = [f"{code}.{key}" for code in codes for key, _, _ in SIDE_PRIORS]
    for code in codes:
        for family in fit.families:
            columns += [f"{code}.{family}.{p.name}" for p in REGISTRY[family].parameters]
    return columns


def family_rows(fit: Fit, codes: tuple[str, str], particles: list[dict]) -> list[dict]:
    """Posterior probability of each family per side (summed over the other side's) and of each pair."""
    pairs = {pair: 0.0 for pair in fit.pairs}
    for r in particles:
        pairs[r["pair"]] += r["weight"]
    rows = []
    for side, code in enumerate(codes):
        marginal = {family: sum(p for pair, p in pairs.items() if pair[side] == family) for family in fit.families}
        for family, p in sorted(marginal.items(), key=lambda item: (-item[1], fit.families.index(item[0]))):
            rows.append({"scope": "side", "side": code, "family": family, "probability": round(p, 6)})
    for pair, p in sorted(pairs.items(), key=lambda item: (-item[1], fit.pairs.index(item[0]))):
        rows.append({"scope": "pair", "side": "/".join(codes), "family": pair_name(pair), "probability": round(p, 6)})
    return rows


def _behaviours(setting: Setting, pair: tuple[str, str], values: dict[str, float]):
    """The behaviours a particle's values stand for, as an overlay writes them."""
    from sim.experiments.choices import make_plan

    policies, overrides = behaviour_choices(pair, setting.scenario.codes, values, setting.instruments)
    plan = make_plan(setting.scenario, "behavioural", policies=policies, overrides=overrides)
    return plan.behaviours


def _write(folder, fit, setting, record, done: list[Generation], backend, started, clock, command, draws, fold) -> dict:
    scenario = setting.scenario
    codes = scenario.codes
    particles = _final_particles(folder, fit, setting)
    families = family_rows(fit, codes, particles)
    top = next(r for r in families if r["scope"] == "pair")
    pair = tuple(top["family"].split("/"))
    chosen = [r for r in particles if r["pair"] == pair]
    free = mean_values(setting.priors(pair), [r["values"] for r in chosen], np.array([r["weight"] for r in chosen]))
    means = setting.values(pair, free)
    rng = np.random.default_rng(np.random.SeedSequence(fit.seed, spawn_key=(DRAW_STREAM,)))
    weights = np.array([r["weight"] for r in chosen])
    draw = chosen[int(rng.choice(len(chosen), p=weights / weights.sum()))]
    columns = _columns(fit, codes)
    posterior = [
        {
            "particle": i,
            "model": pair_name(r["pair"]),
            "weight": r["weight"],
            "distance": r["distance"],
            "seed": str(r["seed"]),
            **{f"{code}.family": family for code, family in zip(codes, r["pair"], strict=True)},
            **{c: r["values"].get(c, "") for c in columns},
        }
        for i, r in enumerate(particles)
    ]
    header = list(POSTERIOR_COLUMNS) + [f"{code}.family" for code in codes] + columns
    source = (
        f"{scenario.path} (sha256 {scenario.sha256[:12]}), training months {month_label(scenario.start)} to "
        f"{month_label(setting.train_last)}, {len(done)} generations of {fit.population} particles"
    )
    use = "Use with: tft run SCENARIO --mode behavioural --params THIS_FILE"
    mean_text = params_text(
        _behaviours(setting, pair, means),
        codes,
        f"Posterior mean of the most probable pair {pair_name(pair)} (probability {top['probability']:.3f}) "
        f"fitted by tft infer on {source}.\n{use}",
        PARAMS_KEYS,
    )
    draw_text = params_text(
        _behaviours(setting, pair, draw["values"]),
        codes,
        f"One posterior draw (particle {particles.index(draw)}, weight {draw['weight']:.4g}) of the most probable "
        f"pair {pair_name(pair)} fitted by tft infer on {source}.\n{use}",
        PARAMS_KEYS,
    )
    files = ["manifest.json", INPUTS, HISTORY, "posterior.csv", "families.csv", "generations.csv"]
    files += ["params.toml", "params-draw.toml", "predictive.csv", "kinds.csv"]
    write_csv(folder / "posterior.csv", header, posterior)
    write_csv(folder / "families.csv", FAMILY_COLUMNS, families)
    write_csv(
        folder / "generations.csv",
        GENERATION_COLUMNS,
        (
            {
                "generation": g.t,
                "epsilon": g.epsilon,
                "accepted": g.accepted,
                "simulated": g.simulated,
                "acceptance_rate": round(g.acceptance, 6),
                "seconds": round(g.seconds, 1),
                "pairs_alive": g.pairs_alive,
                "ess": round(g.ess, 2),
            }
            for g in done
        ),
    )
    write_text(folder / "params.toml", mean_text)
    write_text(folder / "params-draw.toml", draw_text)
    from sim.experiments import inference_validation as held  # the scorer, imported when a fit is written

    ensemble = predictive_draws(setting, record, particles, fit.seed, draws)
    write_csv(folder / "predictive.csv", PREDICTIVE_COLUMNS, draws_rows(scenario, ensemble))
    write_csv(folder / held.KINDS_FILE, held.KINDS_COLUMNS, held.kinds_rows(scenario, setting.train_last, ensemble))
    fold = fold or held.test_fold(scenario, setting.train_last)
    if fold is not None:
        rows = held.fit_validation_rows(scenario, fold, ensemble, fit.seed)
        write_csv(folder / VALIDATION_FILE, VALIDATION_COLUMNS, rows)
        files.append(VALIDATION_FILE)
    seconds = time.perf_counter() - clock
    manifest = manifest_for(
        scenario,
        seed=fit.seed,
        command=command,
        started=started,
        mode="behavioural",
        engine="batch",
        runs=sum(g.simulated for g in done) * fit.replicates,
        files=files,
        extra=_manifest_extra(fit, setting, record, done, backend, seconds, top, pair, means),
    )
    write_json(folder / "manifest.json", manifest)
    by_side = {code: [(r["family"], r["probability"]) for r in families if r["side"] == code] for code in codes}
    return {
        "families": by_side,
        "pair": pair,
        "probability": top["probability"],
        "means": means,
        "generations": len(done),
        "seconds": seconds,
        "fit_seconds": sum(g.seconds for g in done),
    }


def _manifest_extra(fit, setting, record, done, backend, seconds, top, pair, means) -> dict:
    codes = setting.scenario.codes
    return {
        "title": f"{setting.scenario.title}. Inferred: {pair_name(pair)}",
        "train_until": month_label(setting.train_last),
        "families": list(fit.families),
        "population": fit.population,
        "generations": {"asked": fit.generations, "done": len(done)},
        "replicates": fit.replicates,
        "backend": backend,
        "pyabc_version": pyabc_module().__version__,
        "priors": {
            pair_name(p): [[r.name, r.low, r.high, "integer" if r.integer else "uniform"] for r in setting.priors(p)]
            for p in fit.pairs
        },
        "fixed": dict(setting.fixed),
        "instruments": {code: ins.spec() for code, ins in zip(codes, setting.instruments, strict=True)},
        "summaries": record.names,
        "distance": {
            "kind": "AdaptivePNormDistance",
            "p": 2,
            "scale": "standard deviation over all particles of the previous generation",
            "max_scale_weight_ratio": MAX_SCALE_RATIO,
            "fixed_weights": record.fixed_weights(),
        },
        "kernel": {
            "kind": "multivariate normal, Silverman's bandwidth, mixed with the prior",
            "floor_share_of_prior_width": RIDGE,
            "prior_share": DEFENSIVE,
        },
        "epsilon": "median distance of the previous generation",
        "min_acceptance_rate": MIN_ACCEPTANCE,
        "top_pair": {"pair": pair_name(pair), "probability": top["probability"], "posterior_mean": means},
        "seconds": {"this_command": round(seconds, 1), "generations": [round(g.seconds, 1) for g in done]},
    }
