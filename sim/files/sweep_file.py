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

import hashlib
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError
from sim.rules.behaviour import BOUNDS, KEYS, BehaviourError, check_value
from sim.rules.calendar import parse_date

SWEEP_KEYS = ("name", "scenario", "mode", "from", "until", "replicates", "seed")
NUMERIC = tuple(BOUNDS)  # behaviour keys that can be uncertain


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


def _fail(path: str, where: str, problem: str, allowed: str | None = None):
    raise ScenarioError(path, where, problem, allowed)


def load_sweep(path: str | Path) -> Sweep:
    path = Path(path)
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        _fail(shown, "", "file not found")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        _fail(shown, "", f"not valid TOML: {exc}", "a UTF-8 TOML file")
    for key in data:
        if key not in ("sweep", "design", "levers", "uncertainties"):
            _fail(shown, key, "unknown key", "sweep, design, levers, uncertainties")
    head = data.get("sweep")
    if not isinstance(head, dict):
        _fail(shown, "sweep", "missing required table [sweep]")
    for key in head:
        if key not in SWEEP_KEYS:
            _fail(shown, f"sweep.{key}", "unknown key", ", ".join(SWEEP_KEYS))

    def need(table: dict, key: str, where: str, kind: type, default=None, required=True):
        if key not in table:
            if required:
                _fail(shown, f"{where}.{key}", "missing required key")
            return default
        value = table[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            _fail(shown, f"{where}.{key}", f"expected an integer, found {value!r}")
        if kind is str and not isinstance(value, str):
            _fail(shown, f"{where}.{key}", f"expected a string, found {value!r}")
        return value

    name = need(head, "name", "sweep", str)
    if not re.match(r"^[A-Za-z0-9_-]+$", name):
        _fail(shown, "sweep.name", f"'{name}' cannot name a results folder", "letters, digits, '_' and '-'")
    scenario = (path.parent / need(head, "scenario", "sweep", str)).resolve()
    if not scenario.is_file():
        _fail(shown, "sweep.scenario", f"no scenario file at {scenario}", "a path relative to the sweep file")
    mode = need(head, "mode", "sweep", str, "project", required=False)
    if mode not in ("behavioural", "project"):
        _fail(shown, "sweep.mode", f"unknown value '{mode}'", "behavioural, project")
    dates = {}
    for key in ("from", "until"):
        value = head.get(key)
        if value is not None:
            try:
                parse_date(value)
            except ValueError as exc:
                _fail(shown, f"sweep.{key}", str(exc))
            dates[key] = str(value)
    replicates = need(head, "replicates", "sweep", int, 10, required=False)
    seed = need(head, "seed", "sweep", int, 0, required=False)
    if replicates < 1 or seed < 0:
        _fail(
            shown,
            "sweep.replicates" if replicates < 1 else "sweep.seed",
            "must be positive",
            "replicates >= 1, seed >= 0",
        )

    design_table = data.get("design", {})
    for key in design_table:
        if key not in ("kind", "samples"):
            _fail(shown, f"design.{key}", "unknown key", "kind, samples")
    design = need(design_table, "kind", "design", str, "grid", required=False)
    if design not in ("grid", "lhs"):
        _fail(shown, "design.kind", f"unknown value '{design}'", "grid, lhs")
    if design == "grid" and "samples" in design_table:
        _fail(shown, "design.samples", "a grid takes no samples", 'samples with kind = "lhs" only')
    samples = need(design_table, "samples", "design", int, 20, required=False)
    if samples < 1:
        _fail(shown, "design.samples", f"{samples} is not a number of points", "1 or more")

    levers = []
    for lever, values in data.get("levers", {}).items():
        key = lever.partition(".")[2] or lever
        if key not in KEYS:
            _fail(shown, f"levers.{lever}", f"unknown behaviour key '{key}'", ", ".join(KEYS))
        if not isinstance(values, list) or not values:
            _fail(shown, f"levers.{lever}", "expected a non-empty list of values")
        for value in values:
            try:
                check_value(key, value)
            except Exception as exc:  # BehaviourError or PolicyError
                _fail(shown, f"levers.{lever}", str(exc))
        levers.append((lever, tuple(values)))

    uncertainties = []
    for uncertain, spec in data.get("uncertainties", {}).items():
        key = uncertain.partition(".")[2] or uncertain
        if key not in NUMERIC:
            _fail(shown, f"uncertainties.{uncertain}", f"'{key}' cannot be uncertain", ", ".join(NUMERIC))
        if not isinstance(spec, dict) or set(spec) - {"low", "high", "points"} or not {"low", "high"} <= set(spec):
            _fail(shown, f"uncertainties.{uncertain}", "expected { low = ..., high = ..., points = ... }")
        low, high = float(spec["low"]), float(spec["high"])
        points = spec.get("points", 3)
        try:
            check_value(key, low)
            check_value(key, high)
        except BehaviourError as exc:
            _fail(shown, f"uncertainties.{uncertain}", str(exc))
        if high < low or not isinstance(points, int) or points < 1:
            _fail(shown, f"uncertainties.{uncertain}", "needs low <= high and points >= 1")
        uncertainties.append((uncertain, low, high, points))
    names = [n for n, _ in levers] + [u[0] for u in uncertainties]
    owners: dict[tuple[str, str], str] = {}
    for column in names:
        side, dot, key = column.partition(".")
        for target in [(side, key)] if dot else [("*", column)]:
            for other, first in owners.items():
                same_key = other[1] == target[1] and "*" in (other[0], target[0]) or other == target
                if same_key:
                    _fail(
                        shown,
                        "levers",
                        f"'{first}' and '{column}' both set {target[1]}",
                        "each behaviour value set by one lever or uncertainty",
                    )
            owners[target] = column
    return Sweep(
        path=shown,
        sha256=hashlib.sha256(raw).hexdigest(),
        name=name,
        scenario_path=str(scenario),
        mode=mode,
        start_from=dates.get("from"),
        until=dates.get("until"),
        replicates=replicates,
        seed=seed,
        design=design,
        samples=samples,
        levers=tuple(levers),
        uncertainties=tuple(uncertainties),
    )
