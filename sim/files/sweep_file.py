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

    [design]
    kind = "grid"                               # grid (full factorial) or lhs (Latin hypercube)
    samples = 50                                # lhs: points drawn per lever combination

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
from sim.files.toml_input import read_toml
from sim.files.validation import Choice, Date, Integer, Name, Seed, Strict, problem, shown, validate
from sim.rules.behaviour import BOUNDS, KEYS

SWEEP_KEYS = ("name", "scenario", "mode", "from", "until", "replicates", "seed")
NUMERIC = tuple(BOUNDS)  # behaviour keys that can be uncertain
MAX_REPLICATES = 1_000_000
MAX_GRID_POINTS = 1_000  # grid points of one uncertainty; lhs samples are bounded by MAX_REPLICATES
MAX_VALUES = 1_000  # values of one lever


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
    design: str
    samples: int
    levers: tuple[tuple[str, tuple[object, ...]], ...]  # ("US.policy", ("mirror", "grit"))
    uncertainties: tuple[tuple[str, float, float, int], ...]  # (name, low, high, points)

    def targets(self, name: str, codes: tuple[str, str]) -> list[tuple[str, str]]:
        """The (side, key) pairs a lever or uncertainty name sets: 'US.key' one side, 'key' both."""
        side, dot, key = name.partition(".")
        return [(side, key)] if dot else [(code, name) for code in codes]

    @property
    def columns(self) -> list[str]:
        return [name for name, _ in self.levers] + [name for name, *_ in self.uncertainties]

    def points(self) -> list[dict[str, object]]:
        """Every design point: lever combinations crossed with the uncertainty design."""
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


class DesignModel(Strict):
    kind: Choice(("grid", "lhs")) = "grid"
    samples: Integer(1, MAX_REPLICATES) = 20


class UncertaintyModel(Strict):
    low: float
    high: float
    points: Integer(1, MAX_GRID_POINTS) = 3


class SweepModel(Strict):
    sweep: SweepHead
    design: DesignModel = DesignModel()
    levers: dict[str, Annotated[list[Any], Field(min_length=1, max_length=MAX_VALUES)]] = {}
    uncertainties: dict[str, UncertaintyModel] = {}


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
    if model.design.kind == "grid" and "samples" in model.design.model_fields_set:
        file.fail(("design", "samples"), "a grid takes no samples", 'samples with kind = "lhs" only')

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
        design=model.design.kind,
        samples=model.design.samples,
        levers=tuple(levers),
        uncertainties=tuple(uncertainties),
    )
