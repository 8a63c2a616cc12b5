"""Sweep files: a base scenario and mode, levers kept apart from uncertainties, a design,
replicates and a root seed. TOML, loaded into a frozen, checked object.

    [sweep]
    name = "deescalation_2025"
    scenario = "../us_russia_2016_2025.toml"   # relative to the sweep file
    mode = "project"                            # replay is not a sweep; behavioural or project
    from = "2025-03"
    until = "2035-12"
    replicates = 20
    seed = 2025
    fans = true                                 # also keep each point's fan: point-<n>-quantiles.csv

    [design]
    kind = "grid"                               # grid (full factorial) or lhs (Latin hypercube)
    samples = 50                                # lhs: points drawn per lever combination
    # or, for global sensitivity analysis (sim/files/sweep_design.py):
    # method = "sobol"  samples = 64           # Saltelli base sample (a power of two)
    # method = "morris" samples = 20 levels = 4 # trajectories on a grid of `levels`

    [levers]                                    # what policy makers choose: lists of values
    "US.policy" = ["mirror", "grit"]
    "RU.policy" = ["mirror", "grit"]

    [uncertainties]                             # what nobody chooses: ranges
    perception_error = { low = 0.0, high = 0.2, points = 3 }   # both sides
    "RU.crisis_rate" = { low = 0.0, high = 2.0, points = 3 }   # one side

Every lever combination is crossed with every point of the uncertainty design (grid: `points`
evenly spaced values from low to high per uncertainty, all combinations; lhs: `samples` points
of `scipy.stats.qmc.LatinHypercube` scaled to the ranges, seeded from `seed`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, Field

from sim.engines.plan import Mode
from sim.files.behaviour_values import behaviour_value
from sim.files.sweep_design import SENSITIVITY, samples_of, sensitivity_points
from sim.files.toml_input import read_toml
from sim.files.validation import Choice, Date, Integer, Name, Seed, Strict, problem, shown, validate
from sim.rules.behaviour import BOUNDS, KEYS

SWEEP_KEYS = ("name", "scenario", "mode", "from", "until", "replicates", "seed", "fans")
NUMERIC = tuple(BOUNDS)  # behaviour keys that can be uncertain
MAX_REPLICATES = 1_000_000
MAX_GRID_POINTS = 1_000  # grid points of one uncertainty; lhs samples are bounded by MAX_REPLICATES
MAX_VALUES = 1_000  # values of one lever
SOBOL_SAMPLES = 64  # Saltelli base sample when a sobol design names none


@dataclass(frozen=True)
class Sweep:
    path: str
    sha256: str
    name: str
    scenario_path: str
    mode: str
    start_from: str | None
    until: str | None
    replicates: int
    seed: int
    design: str  # grid, lhs, or a sensitivity method: sobol, morris
    samples: int
    levers: tuple[tuple[str, tuple[object, ...]], ...]  # ("US.policy", ("mirror", "grit"))
    uncertainties: tuple[tuple[str, float, float, int], ...]  # (name, low, high, points)
    levels: int = 4  # morris only: levels of its grid
    fans: bool = False  # keep each point's per-month staff quantiles (point-<n>-quantiles.csv)
    posterior: str | None = None  # a posterior of tft infer (its folder or posterior.csv), or None
    draw: str | int = "all"  # with a posterior: all (one draw per replicate), mean or a particle number

    @property
    def sensitivity(self) -> bool:
        return self.design in SENSITIVITY

    def sensitivity_matrix(self) -> np.ndarray:
        """The SALib samples of a sobol or morris design, one row per design point."""
        return samples_of(self.design, self.levers, self.uncertainties, self.samples, self.levels, self.seed)

    def targets(self, name: str, codes: tuple[str, str]) -> list[tuple[str, str]]:
        """The (side, key) pairs a lever or uncertainty name sets: 'US.key' one side, 'key' both."""
        side, dot, key = name.partition(".")
        return [(side, key)] if dot else [(code, name) for code in codes]

    @property
    def columns(self) -> list[str]:
        return [name for name, _ in self.levers] + [name for name, *_ in self.uncertainties]

    def points(self) -> list[dict[str, object]]:
        """Every design point: lever combinations crossed with the uncertainty design, or (sobol,
        morris) the SALib samples, levers included."""
        if self.sensitivity:
            return sensitivity_points(self.levers, self.uncertainties, self.sensitivity_matrix())
        lever_names = [name for name, _ in self.levers]
        combos = list(itertools.product(*(values for _, values in self.levers))) or [()]
        uncertain = self.uncertainty_points()
        return [dict(zip(lever_names, combo, strict=True)) | u for combo in combos for u in uncertain]

    def uncertainty_points(self) -> list[dict[str, float]]:
        if not self.uncertainties:
            return [{}]
        names = [u[0] for u in self.uncertainties]
        if self.design == "grid":
            axes = [np.linspace(low, high, points) for _, low, high, points in self.uncertainties]
            return [
                {n: round(float(v), 10) for n, v in zip(names, values, strict=True)}
                for values in itertools.product(*axes)
            ]
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(self.seed)).random(self.samples)
        low = np.array([u[1] for u in self.uncertainties])
        high = np.array([u[2] for u in self.uncertainties])
        scaled = qmc.scale(unit, low, high) if np.all(high > low) else low + unit * (high - low)
        return [{n: round(float(v), 10) for n, v in zip(names, row, strict=True)} for row in scaled]


def _path(value: str) -> str:
    if not value.strip() or "\x00" in value:
        raise problem(f"{shown(value)} is not a path", "a path relative to the sweep file")
    return value


class SweepHead(Strict):
    name: Name
    scenario: Annotated[str, AfterValidator(_path)]
    mode: Choice(("behavioural", "project")) = "project"
    start_from: Date = Field(None, alias="from")  # None: not given
    until: Date = None
    replicates: Integer(1, MAX_REPLICATES) = 10
    seed: Seed = 0
    fans: bool = False


class DesignModel(Strict):
    kind: Choice(("grid", "lhs")) = "grid"
    samples: Integer(1, MAX_REPLICATES) = 20
    method: Choice(SENSITIVITY) = None  # None: no sensitivity analysis (kind applies)
    levels: Integer(2, 100) = 4


class UncertaintyModel(Strict):
    low: float
    high: float
    points: Integer(1, MAX_GRID_POINTS) = 3


class PosteriorModel(Strict):
    path: Annotated[str, AfterValidator(_path)]
    draw: Any = "all"  # checked in load_sweep: a text or a whole number


class SweepModel(Strict):
    sweep: SweepHead
    design: DesignModel = DesignModel()
    levers: dict[str, Annotated[list[Any], Field(min_length=1, max_length=MAX_VALUES)]] = {}
    uncertainties: dict[str, UncertaintyModel] = {}
    posterior: PosteriorModel = None


def _key(file, table: str, name: str, allowed: tuple[str, ...]) -> str:
    """The behaviour key a lever or uncertainty sets: 'US.policy' -> 'policy'."""
    key = name.partition(".")[2] or name
    if key not in allowed:
        file.fail((table, name), f"{shown(key)} is not a behaviour key that can be swept", ", ".join(allowed))
    return key


def load_sweep(path: str | Path) -> Sweep:
    file = read_toml(path)
    model: SweepModel = validate(SweepModel, file.data, file.path, file.lines)
    head = model.sweep
    base = Path(file.path).parent
    try:
        scenario = (base / head.scenario).resolve()
        exists = scenario.is_file()
    except (OSError, ValueError, RuntimeError):
        exists = False
    if not exists:
        file.fail(
            ("sweep", "scenario"), f"no scenario file at {base / head.scenario}", "a path relative to the sweep file"
        )
    dates = {key: str(file.data["sweep"][key]) for key in ("from", "until") if key in file.data["sweep"]}
    if head.mode == Mode.PROJECT and "from" not in dates:
        file.fail(("sweep", "from"), "missing required key: project mode replays the record up to this month")
    if head.mode != "project" and "from" in dates:
        file.fail(("sweep", "from"), f"not used in {head.mode} mode", 'from with mode = "project" only')
    design, given = model.design, model.design.model_fields_set
    if design.method is None and design.kind == "grid" and "samples" in given:
        file.fail(("design", "samples"), "a grid takes no samples", 'samples with kind = "lhs" or a method only')
    if design.method is not None and "kind" in given:
        file.fail(("design", "kind"), f"method = {design.method!r} makes its own design", "kind or method, not both")
    if design.method != "morris" and "levels" in given:
        file.fail(("design", "levels"), "only a morris design has levels", 'levels with method = "morris" only')
    posterior = None
    if model.posterior is not None:
        posterior = _existing(base / model.posterior.path)
        if posterior is None:
            file.fail(
                ("posterior", "path"),
                f"no posterior at {base / model.posterior.path}",
                "the folder tft infer wrote, or its posterior.csv, relative to the sweep file",
            )
        draw = model.posterior.draw
        whole = isinstance(draw, int) and not isinstance(draw, bool) and 0 <= draw <= 10**9
        if not (whole or draw in ("all", "mean")):
            file.fail(("posterior", "draw"), f"{shown(draw)} is not a draw", "all, mean or a particle number")
    samples = design.samples
    if design.method == "sobol":
        samples = design.samples if "samples" in given else SOBOL_SAMPLES
        if samples & (samples - 1):
            file.fail(("design", "samples"), f"{samples} is not a power of two", "Sobol samples: 2, 4, 8, ... 1024 ...")

    levers = []
    for lever, values in model.levers.items():
        key = _key(file, "levers", lever, KEYS)
        for index, value in enumerate(values):
            behaviour_value(key, value, file.path, ("levers", lever, index), file.lines)
        levers.append((lever, tuple(values)))

    uncertainties = []
    for name, spec in model.uncertainties.items():
        key = _key(file, "uncertainties", name, NUMERIC)
        for end in ("low", "high"):
            behaviour_value(key, getattr(spec, end), file.path, ("uncertainties", name, end), file.lines)
        if spec.high < spec.low:
            file.fail(("uncertainties", name), f"high {spec.high} is below low {spec.low}", "low <= high")
        if design.method is not None and spec.high == spec.low:
            file.fail(("uncertainties", name), "a range of one value", f"low < high in a {design.method} design")
        if design.method is not None and "points" in spec.model_fields_set:
            file.fail(("uncertainties", name, "points"), f"a {design.method} design takes no points", "low and high")
        uncertainties.append((name, spec.low, spec.high, spec.points))
    names = [("levers", n) for n, _ in levers] + [("uncertainties", u[0]) for u in uncertainties]
    owners: dict[tuple[str, str], str] = {}
    for table, column in names:
        side, dot, key = column.partition(".")
        for target in [(side, key)] if dot else [("*", column)]:
            for other, first in owners.items():
                same_key = other[1] == target[1] and "*" in (other[0], target[0]) or other == target
                if same_key:
                    file.fail(
                        (table, column),
                        f"'{first}' and '{column}' both set {target[1]}",
                        "each behaviour value set by one lever or uncertainty",
                    )
            owners[target] = column
    if design.method is not None and not names:
        file.fail(("design", "method"), "no levers or uncertainties to analyse", "at least one of either")
    return Sweep(
        path=file.path,
        sha256=file.sha256,
        name=head.name,
        scenario_path=str(scenario),
        mode=head.mode,
        start_from=dates.get("from"),
        until=dates.get("until"),
        replicates=head.replicates,
        seed=head.seed,
        design=design.method or design.kind,
        samples=samples,
        levers=tuple(levers),
        uncertainties=tuple(uncertainties),
        levels=design.levels,
        fans=head.fans,
        posterior=posterior,
        draw=model.posterior.draw if model.posterior is not None else "all",
    )


def _existing(path: Path) -> str | None:
    try:
        return str(path.resolve()) if path.exists() else None
    except (OSError, ValueError, RuntimeError):
        return None
