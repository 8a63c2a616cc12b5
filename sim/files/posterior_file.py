"""Posterior files: the weighted draws `tft infer` writes (`posterior.csv`, with the fit's
`manifest.json` beside it), read back as behaviour values that `tft run`, `tft sweep` and the page
use: one draw, the posterior mean of the most probable pair, or one draw per run.

Each row is a particle: each side's policy family and its parameters, perception error, mean
delay, memory, notice, and the probabilities of answering in kind (`like`) and of a package
(`package`), with its weight. A row stands for each side's behaviour values as the fit simulated
them: `policy` (family and parameters), `perception_error`, `delay_weights` (from the mean delay,
as the fit turns it), `memory_months`, `notice` and `instruments` (the kinds the fit estimated,
from its manifest, with the row's `like` and `package`).

The file may come from anywhere, so everything is checked before any run: the size, the columns,
every value against the engine's bounds, the weights. A problem is one line: the file, the column,
the line, what is wrong and what is allowed (docs/inference.md)."""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim.errors import ResultsError, ScenarioError
from sim.files.results import read_json
from sim.files.safe import read_bounded
from sim.rules.behaviour import BOUNDS, MAX_DELAY_MONTHS, delay_weights
from sim.rules.instruments import InstrumentsError, parse_instruments
from sim.rules.policies import REGISTRY
from sim.rules.rng import SLOT_POSTERIOR, uniform

POSTERIOR = "posterior.csv"
MANIFEST = "manifest.json"
MAX_BYTES = 64 * 2**20  # a posterior file read whole: at most this many bytes
MAX_DRAWS = 100_000  # rows (tft infer writes at most its population, 20,000)
MAX_COLUMNS = 1_000
DRAW_CHOICES = "mean, all, or a particle number"

# (key, low, high) of every side's values in a row: the engine's bounds, not the fit's priors, so a
# posterior from a wider prior (or edited by hand) is accepted if the engine can run it
SIDE_VALUES: tuple[tuple[str, float, float], ...] = (
    ("perception_error", *BOUNDS["perception_error"]),
    ("mean_delay", 0.0, float(MAX_DELAY_MONTHS)),
    ("memory_months", *BOUNDS["memory_months"]),
    ("notice", *BOUNDS["notice"]),
    ("like", 0.0, 1.0),
    ("package", 0.0, 1.0),
)
# the mechanics a fit infers since they became behaviour values: read where a posterior has them
# (a side's column may be missing in a posterior from a fit that held them at the scenario's)
MECHANICS: tuple[tuple[str, float, float], ...] = tuple(
    (key, *BOUNDS[key]) for key in ("crisis_rate", "rehire_months", "tour_months")
)


@dataclass(frozen=True)
class Posterior:
    """Checked draws: per row its particle number, pair of families, weight (all rows sum to 1) and
    values (column -> number; a family's parameters only for the row's family)."""

    path: str
    sha256: str
    codes: tuple[str, str]
    particles: tuple[int, ...]
    pairs: tuple[tuple[str, str], ...]
    weights: np.ndarray
    values: tuple[dict[str, float], ...]
    instruments: tuple[str, str]  # each side's estimated kinds, as the fit's manifest gives them

    def __len__(self) -> int:
        return len(self.particles)

    def row_of(self, particle: int) -> int:
        if particle not in self.particles:
            shown = f"{min(self.particles)} to {max(self.particles)}"
            raise ScenarioError(self.path, "particle", f"no particle {particle}", f"{DRAW_CHOICES}: {shown}")
        return self.particles.index(particle)

    def behaviour(self, row: int) -> dict[str, dict[str, object]]:
        """Each side's behaviour values of row `row` (side code -> key -> value)."""
        return self._values(self.pairs[row], self.values[row])

    def top_pair(self) -> tuple[str, str]:
        """The most probable pair of families (the first in file order among equals)."""
        totals: dict[tuple[str, str], float] = {}
        for pair, weight in zip(self.pairs, self.weights, strict=True):
            totals[pair] = totals.get(pair, 0.0) + float(weight)
        return max(totals, key=lambda pair: totals[pair])

    def mean(self) -> dict[str, dict[str, object]]:
        """The weighted posterior mean of the most probable pair's values (whole-number parameters
        rounded, every value to 4 decimals, as the fit's params.toml)."""
        pair = self.top_pair()
        rows = [i for i, p in enumerate(self.pairs) if p == pair]
        weights = self.weights[rows] / self.weights[rows].sum()
        means = {}
        for name in self.values[rows[0]]:
            mean = float(np.dot(weights, [self.values[i][name] for i in rows]))
            means[name] = float(round(mean)) if name in _integers(pair, self.codes) else round(mean, 4)
        return self._values(pair, means)

    def draws(self, keys: np.ndarray) -> np.ndarray:
        """The row each run uses: drawn with the weights from the run's own key (a counter-based
        number of its own slot), so a run's draw does not depend on the other runs."""
        if not len(keys):
            return np.zeros(0, dtype=np.int64)
        cumulative = np.cumsum(self.weights)
        u = uniform(np.asarray(keys, dtype=np.uint64), 0, 0, SLOT_POSTERIOR) * cumulative[-1]
        return np.minimum(np.searchsorted(cumulative, u, side="right"), len(self) - 1)

    def _values(self, pair: tuple[str, str], values: dict[str, float]) -> dict[str, dict[str, object]]:
        out = {}
        for side, (code, family) in enumerate(zip(self.codes, pair, strict=True)):
            params = []
            for p in REGISTRY[family].parameters:
                value = values[f"{code}.{family}.{p.name}"]
                params.append(f"{p.name}={int(value) if p.integer else value:g}")
            instruments = parse_instruments(self.instruments[side])
            like, package = values[f"{code}.like"], values[f"{code}.package"]
            out[code] = {
                "policy": family + (":" + ",".join(params) if params else ""),
                "perception_error": values[f"{code}.perception_error"],
                "delay_weights": tuple(delay_weights(values[f"{code}.mean_delay"])),
                "memory_months": values[f"{code}.memory_months"],
                "notice": values[f"{code}.notice"],
                "instruments": _with(instruments, like, package),
                **{key: values[f"{code}.{key}"] for key, *_ in MECHANICS if f"{code}.{key}" in values},
            }
        return out


def _with(instruments, like: float, package: float) -> str:
    return replace(instruments, like=like, package=package).spec()


def _integers(pair: tuple[str, str], codes: tuple[str, str]) -> set[str]:
    return {
        f"{code}.{family}.{p.name}"
        for code, family in zip(codes, pair, strict=True)
        for p in REGISTRY[family].parameters
        if p.integer
    }


def posterior_path(path: str | Path) -> Path:
    """posterior.csv in a fit's folder, or the file itself."""
    path = Path(path)
    return path / POSTERIOR if path.is_dir() else path


def load_posterior(path: str | Path) -> Posterior:
    """The checked draws of a posterior file (or a fit's folder)."""
    path = posterior_path(path)
    raw = read_bounded(path, MAX_BYTES, "posterior file")
    where = str(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(where, "", "not UTF-8 text", "the posterior.csv tft infer writes") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ScenarioError(where, "", "empty file", "the posterior.csv tft infer writes")
    if len(header) > MAX_COLUMNS or len(set(header)) != len(header):
        raise ScenarioError(where, "header", "too many or repeated columns", f"at most {MAX_COLUMNS}, each once")
    codes = tuple(c[: -len(".family")] for c in header if c.endswith(".family") and c.count(".") == 1)
    if len(codes) != 2:
        raise ScenarioError(where, "header", f"{len(codes)} SIDE.family columns", "two, one per side")
    needed = ["particle", "model", "weight"] + [f"{c}.{k}" for c in codes for k, *_ in SIDE_VALUES]
    for column in needed:
        if column not in header:
            raise ScenarioError(where, column, "missing column", "the columns of docs/inference.md's posterior.csv")
    manifest_file = path.parent / MANIFEST
    instruments = _instruments(manifest_file, codes)
    particles, pairs, weights, values = [], [], [], []
    for number, cells in enumerate(reader, start=2):
        if len(particles) >= MAX_DRAWS:
            raise ScenarioError(where, "", f"more than {MAX_DRAWS} rows", f"at most {MAX_DRAWS} draws")
        if not cells:
            continue
        if len(cells) != len(header):
            raise ScenarioError(where, "", f"{len(cells)} cells", f"{len(header)}, one per column", number)
        row = dict(zip(header, cells, strict=True))
        particle = _number(where, "particle", row["particle"], number, 0, 10**9)
        if particle != int(particle) or int(particle) in particles:
            raise ScenarioError(
                where, "particle", f"{row['particle']!r} again or not whole", "distinct whole numbers", number
            )
        pair = (row[f"{codes[0]}.family"], row[f"{codes[1]}.family"])
        for code, family in zip(codes, pair, strict=True):
            if family not in REGISTRY:
                raise ScenarioError(
                    where, f"{code}.family", f"unknown policy {family!r}", ", ".join(sorted(REGISTRY)), number
                )
        if row["model"] != f"{pair[0]}/{pair[1]}":
            raise ScenarioError(
                where, "model", f"{row['model']!r} is not the row's families", f"{pair[0]}/{pair[1]}", number
            )
        drawn = {}
        for code in codes:
            for key, low, high in SIDE_VALUES:
                drawn[f"{code}.{key}"] = _number(where, f"{code}.{key}", row[f"{code}.{key}"], number, low, high)
            for key, low, high in MECHANICS:
                if f"{code}.{key}" in row:
                    drawn[f"{code}.{key}"] = _number(where, f"{code}.{key}", row[f"{code}.{key}"], number, low, high)
        for code, family in zip(codes, pair, strict=True):
            for p in REGISTRY[family].parameters:
                column = f"{code}.{family}.{p.name}"
                if column not in row:
                    raise ScenarioError(where, column, "missing column", f"a column for {family}'s {p.name}", number)
                value = _number(where, column, row[column], number, p.low, p.high)
                if p.integer and value != int(value):
                    raise ScenarioError(
                        where, column, f"{row[column]} is not a whole number", f"{p.low:g} to {p.high:g}", number
                    )
                drawn[column] = value
        particles.append(int(particle))
        pairs.append(pair)
        weights.append(_number(where, "weight", row["weight"], number, 0.0, math.inf))
        values.append(drawn)
    if not particles:
        raise ScenarioError(where, "", "no draws", "at least one row")
    total = math.fsum(weights)
    if not total > 0 or not math.isfinite(total):
        raise ScenarioError(where, "weight", "the weights do not sum to a positive number", "weights >= 0, not all 0")
    return Posterior(
        path=where,
        sha256=hashlib.sha256(raw).hexdigest(),
        codes=(codes[0], codes[1]),
        particles=tuple(particles),
        pairs=tuple(pairs),
        weights=np.array(weights) / total,
        values=tuple(values),
        instruments=instruments,
    )


def _number(where: str, column: str, text: str, line: int, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise ScenarioError(
            where, column, f"{text!r} is not a number from {low:g} to {high:g}", f"{low:g} to {high:g}", line
        )
    return value


def _instruments(manifest_file: Path, codes: tuple[str, ...]) -> tuple[str, str]:
    """Each side's estimated kinds, from the fit's manifest beside the posterior."""
    where = str(manifest_file)
    if not manifest_file.is_file():
        raise ScenarioError(
            where, "", "missing: a posterior needs its fit's manifest beside it", "the folder tft infer wrote"
        )
    try:
        kinds = read_json(manifest_file)["instruments"]
    except KeyError:
        raise ScenarioError(where, "instruments", "missing key", "the manifest tft infer writes") from None
    except ResultsError as exc:
        raise ScenarioError(where, "", str(exc).removeprefix(f"{where}: "), "the manifest tft infer writes") from None
    found = []
    for code in codes:
        spec = kinds.get(code) if isinstance(kinds, dict) else None
        try:
            if not isinstance(spec, str) or parse_instruments(spec) is None:
                raise InstrumentsError(f"{spec!r} is not a side's estimated kinds")
        except InstrumentsError as exc:
            raise ScenarioError(where, f"instruments.{code}", str(exc), "KIND=WEIGHT,...;like=..;package=..") from None
        found.append(spec)
    return found[0], found[1]
