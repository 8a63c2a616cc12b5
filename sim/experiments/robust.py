"""Robust statements from a finished grid or lhs sweep: for each lever combination (and each value
of each lever, the other levers counted among what it does not control), how much of the
uncertainty space it succeeds in, how often it beats the baseline and every alternative, and its
regret, with 95% intervals. Reads the sweep's files only; never re-runs anything.

Every lever combination of a grid or lhs sweep meets the same uncertainty points, and replicate r
of every point has the same run seed (and, when the sweep drew from a posterior, the same draw),
so the combinations are compared point by point and run by run. docs/sweeps.md defines every
statistic.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import SimError
from sim.files.sweep_store import load_manifest, read_runs, recorded_sweep

BOOKKEEPING = ("point", "replicate", "seed", "error", "draw", "particle")
DRAWS = ("particle", "draw")  # the column naming each run's posterior draw, as tft sweep writes it or by hand
LOWER_IS_BETTER = ("spiral",)  # binary outcomes where 1 is the failure
WITHIN = re.compile(r"(months_to_[a-z_]{1,40})<=(\d{1,4})")
DEFAULT_OUTCOMES = (
    "restored_half",
    "months_to_half<=60",
    "restored_sent_half",
    "restored_three_quarters",
    "talks_hold",
    "spiral",
)
SHARES = ("succeeds", "beats_baseline", "worse_than_baseline", "best")
STATISTICS = (*SHARES, "rate", "regret_mean", "regret_max")
ALL = "all"  # the `lever` of rows about whole lever combinations


class RobustError(SimError):
    """A folder, outcome or choice that robust statements cannot be drawn from."""


@dataclass
class SweepRuns:
    """A finished sweep's runs arranged by lever combination, uncertainty point and replicate."""

    folder: Path
    name: str
    seed: int
    levers: list[tuple[str, tuple[str, ...]]]  # each lever and its values, as the sweep file lists them
    uncertainties: list[str]
    options: list[tuple[str, ...]]  # every lever combination, in the design's order
    scenarios: np.ndarray  # one row per uncertainty point, one column per uncertainty
    rows: np.ndarray  # [option, point, replicate] -> row of `table`
    table: dict[str, np.ndarray]
    parameters: list[str]  # numeric per-run columns besides design and outcomes: drawn parameters
    posterior: bool  # the runs carry a `draw` column

    def label(self, option: tuple[str, ...]) -> str:
        return " / ".join(f"{name}={value}" for (name, _), value in zip(self.levers, option, strict=True))

    def failed(self) -> np.ndarray:
        return self.table["error"][self.rows] != ""


def load_runs(folder: Path) -> SweepRuns:
    """The runs of the finished sweep in `folder`, or a one-line RobustError."""
    if not folder.is_dir():
        raise RobustError(f"{folder}: not a folder (allowed: a folder written by tft sweep, results/<sweep>/<id>/)")
    if not (folder / "inputs.json").is_file() or not (folder / "design.csv").is_file():
        raise RobustError(
            f"{folder}: not a sweep folder (no inputs.json or design.csv; allowed: a folder written by tft sweep)"
        )
    sweep = recorded_sweep(folder, load_manifest(folder))
    if sweep.sensitivity:
        raise RobustError(
            f"{folder}: a {sweep.design} sweep draws levers and uncertainties together, so no two lever "
            "combinations meet the same points (allowed: a grid or lhs sweep; its indices are in sensitivity.csv)"
        )
    levers = [(name, tuple(str(v) for v in values)) for name, values in sweep.levers]
    options = list(itertools.product(*(values for _, values in levers)))
    if len(options) < 2:
        raise RobustError(f"{folder}: the sweep has one lever combination: nothing to compare (allowed: two or more)")
    table = read_runs(folder)
    uncertainties = [u[0] for u in sweep.uncertainties]
    option_of = {option: k for k, option in enumerate(options)}
    keys = list(zip(*(table[name].astype(str) for name, _ in levers), strict=True))
    values = np.column_stack([table[u].astype(float) for u in uncertainties]) if uncertainties else None
    if values is None:
        scenarios, scenario = np.zeros((1, 0)), np.zeros(len(keys), dtype=int)
    else:
        scenarios, first, scenario = np.unique(values, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first)  # points in the order the design lists them
        scenarios, scenario = scenarios[order], np.argsort(order)[scenario.ravel()]
    replicates = int(table["replicate"].max()) + 1
    rows = np.full((len(options), len(scenarios), replicates), -1)
    for i, key in enumerate(keys):
        k = option_of.get(key)
        if k is None:
            raise RobustError(f"{folder / 'runs'}: a run has lever values {key} that the sweep file does not list")
        rows[k, scenario[i], int(table["replicate"][i])] = i
    if (rows < 0).any():
        raise RobustError(f"{folder}: not every lever combination has every point and replicate: cannot compare them")
    draw = next((name for name in DRAWS if name in table), None)
    if draw and (table[draw][rows] != table[draw][rows[:1]]).any():
        raise RobustError(
            f"{folder / 'runs'}: {draw}: replicates of one point use different posterior draws in different "
            "lever combinations, so runs cannot be paired (allowed: one draw per replicate, common to all levers)"
        )
    if draw is not None:
        table = table | drawn_values(folder, table, levers, uncertainties)
    known = set(BOOKKEEPING) | {name for name, _ in levers} | set(uncertainties) | set(_outcome_columns(table))
    parameters = [
        name
        for name, column in table.items()
        if name not in known and column.dtype.kind in "iuf" and np.ptp(column.astype(float)) > 0
    ]
    return SweepRuns(
        folder=folder,
        name=sweep.name,
        seed=sweep.seed,
        levers=levers,
        uncertainties=uncertainties,
        options=options,
        scenarios=scenarios,
        rows=rows,
        table=table,
        parameters=parameters,
        posterior=draw is not None,
    )


def drawn_values(folder: Path, table: dict[str, np.ndarray], levers, uncertainties) -> dict[str, np.ndarray]:
    """The values each run drew from the posterior (draws.csv, one row per replicate), as per-run
    columns: the dimensions besides the uncertainties that PRIM and the Sobol indices search. A
    value a lever or an uncertainty overrides (the family's parameters of a side whose policy is a
    lever, a drawn value the design sets) is left out, as is one that some draws lack."""
    from sim.files.results import read_csv_rows

    path = folder / "draws.csv"
    if not path.is_file():
        return {}
    rows = read_csv_rows(path)
    set_by_design = set(uncertainties) | {name for name, _ in levers}
    sides = {name.split(".")[0] for name, _ in levers if name.endswith(".policy")}
    chosen = {}
    for name in rows[0] if rows else []:
        side, _, key = name.partition(".")
        if name in ("replicate", "run", "seed", "particle", "model") or key == "family" or "." not in name:
            continue
        if name in set_by_design or key in set_by_design or (side in sides and "." in key):
            continue
        cells = [row[name] for row in rows]
        try:
            values = np.array([float(cell) for cell in cells])
        except ValueError:  # empty for draws of another family, or not a number
            continue
        chosen[name] = values
    replicate = table["replicate"].astype(int)
    if len(rows) <= int(replicate.max()):
        raise RobustError(
            f"{path}: {len(rows)} rows for {int(replicate.max()) + 1} replicates (allowed: one per replicate)"
        )
    return {f"drawn.{name}": values[replicate] for name, values in chosen.items()}


def _outcome_columns(table: dict[str, np.ndarray]) -> list[str]:
    from sim.experiments.outcomes import outcome_names

    sides = sorted(name[: -len("_staff_end_share")] for name in table if name.endswith("_staff_end_share"))
    return [name for name in outcome_names(tuple(sides)) if name in table] if len(sides) == 2 else []


def binary_outcomes(runs: SweepRuns) -> list[str]:
    names = _outcome_columns(runs.table)
    found = []
    for name in names:
        values = runs.table[name].astype(float)
        values = values[~np.isnan(values)]
        if len(values) and np.isin(values, (0.0, 1.0)).all():
            found.append(name)
    return found


def success(runs: SweepRuns, spec: str) -> np.ndarray:
    """[option, point, replicate]: 1 where the run succeeds on `spec`, 0 where it fails, nan
    where the run failed. `spec` is a 0/1 outcome (1 is success, but for `spiral`), or
    `months_to_X<=N`: success when X held within N months."""
    table, failed = runs.table, runs.failed()
    match = WITHIN.fullmatch(spec)
    allowed = f"{', '.join(binary_outcomes(runs))}, or months_to_X<=N"
    if match:
        if match.group(1) not in table:
            raise RobustError(f"--outcome: '{match.group(1)}' is not an outcome of this sweep (allowed: {allowed})")
        months = table[match.group(1)].astype(float)[runs.rows]
        good = (np.nan_to_num(months, nan=np.inf) <= int(match.group(2))).astype(float)
    elif spec in binary_outcomes(runs):
        values = table[spec].astype(float)[runs.rows]
        good = 1.0 - values if spec in LOWER_IS_BETTER else values
    else:
        raise RobustError(f"--outcome: '{spec[:60]}' is not a 0/1 outcome of this sweep (allowed: {allowed})")
    return np.where(failed, np.nan, good)


def baseline_option(runs: SweepRuns, chosen: dict[str, str], option_name: str = "--baseline") -> int:
    """The lever combination that `chosen` (LEVER=VALUE) names: the baseline statements compare
    with, or the focus of scenario discovery; a lever not named takes the first value the sweep
    file lists."""
    names = [name for name, _ in runs.levers]
    option = []
    for name, values in runs.levers:
        value = chosen.get(name, values[0])
        if value not in values:
            raise RobustError(
                f"{option_name}: {name}={value[:60]} is not a value of this lever (allowed: {', '.join(values)})"
            )
        option.append(value)
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise RobustError(
            f"{option_name}: '{unknown[0][:60]}' is not a lever of this sweep (allowed: {', '.join(names)})"
        )
    return runs.options.index(tuple(option))


def lever_cells(runs: SweepRuns, lever: int) -> np.ndarray:
    """[value, group]: the option with that value of the lever and that combination of the others."""
    values = runs.levers[lever][1]
    groups = sorted(
        {o[:lever] + o[lever + 1 :] for o in runs.options}, key=lambda g: runs.options.index(_with(g, lever, values[0]))
    )
    index = {o: k for k, o in enumerate(runs.options)}
    return np.array([[index[_with(g, lever, v)] for g in groups] for v in values])


def _with(group: tuple, lever: int, value: str) -> tuple:
    return group[:lever] + (value,) + group[lever:]


def statistics(good: np.ndarray, baseline: int) -> dict[str, dict[str, np.ndarray]]:
    """Per level ('space': a cell is an uncertainty point, its value the share of runs that
    succeed; 'runs': a cell is a run), each statistic of every option. `good` is
    [batch, option, cell, replicate]; results are [batch, option]."""
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p = np.nanmean(good, axis=3)  # [b, k, c]
            space = _compare(p, baseline)
            space["succeeds"] = np.nanmean(np.where(np.isnan(p), np.nan, p > 0.5), axis=2)
            space["rate"] = np.nanmean(p, axis=2)
            runs = good.reshape(good.shape[0], good.shape[1], -1)
            runs = np.where(np.isnan(runs).any(axis=1, keepdims=True), np.nan, runs)  # a run failed: no pair
            level = _compare(runs, baseline)
            level["succeeds"] = level["rate"] = np.nanmean(runs, axis=2)
            level["regret_max"] = np.full_like(level["rate"], np.nan)  # one run: a regret of 0 or 1, no news
    return {"space": space, "runs": level}


def _compare(p: np.ndarray, baseline: int) -> dict[str, np.ndarray]:
    missing = np.isnan(p)
    base = p[:, baseline : baseline + 1, :]
    top = np.nanmax(p, axis=1, keepdims=True)
    regret = top - p

    def share(condition):
        return np.nanmean(np.where(missing, np.nan, condition), axis=2)

    return {
        "beats_baseline": share(p > base),
        "worse_than_baseline": share(p < base),
        "best": share(p >= top),
        "regret_mean": np.nanmean(regret, axis=2),
        "regret_max": np.nanmax(regret, axis=2),
    }


def fold(good: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """[batch, option, point, replicate] -> [batch, value, group x point, replicate] for one lever."""
    picked = good[:, cells]  # [b, value, group, point, replicate]
    b, v, g, s, r = picked.shape
    return picked.reshape(b, v, g * s, r)


CELLS_AT_ONCE = 2 * 10**7  # outcome values a chunk of resamples holds (8 bytes each)


def resamples(runs: SweepRuns, count: int):
    """Bootstrap index arrays in chunks: points resampled, then replicates within each point, the
    same for every option (so the runs stay paired)."""
    rng = np.random.default_rng([runs.seed, 12])
    options, points, replicates = runs.rows.shape
    chunk = max(1, min(50, CELLS_AT_ONCE // (options * points * replicates)))
    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        s = rng.integers(0, points, size=(n, points))
        r = rng.integers(0, replicates, size=(n, points, replicates))
        yield s, r
