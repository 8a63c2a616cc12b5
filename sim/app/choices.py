"""What a person chooses on the page (a scenario, a mode, each side's behaviour) turned into the
library's inputs: a scenario loaded with its one-line errors, and a plan from `make_plan`."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from sim.app.fit import load_fit
from sim.engines.plan import Plan
from sim.errors import SimError
from sim.experiments.calibration import delay_weights
from sim.experiments.choices import make_plan
from sim.experiments.posterior import ALL, check_sides, with_draw
from sim.files.posterior_file import Posterior
from sim.files.scenario_file import load_scenario
from sim.rules.behaviour import Behaviour, parse_initiative
from sim.rules.calendar import month_label
from sim.rules.measures import CATALOGUE, Role
from sim.rules.policies import REGISTRY, parse_policy
from sim.rules.policies.base import spec_string
from sim.rules.scenario import Scenario

MODES = ("replay", "behavioural", "project")
NO_INITIATIVE = "none"
# Conciliatory measures a host can announce as an initiative (the kinds `parse_initiative` accepts).
INITIATIVE_KINDS = tuple(
    k.label for k, spec in CATALOGUE.items() if spec.role is Role.HOST and spec.severity > 0 and not spec.record_only
)
MAX_DELAY = 6.0  # months: the range calibration searches
PROJECT_YEARS = 10  # a projection runs this long past the record by default
UPLOAD_LIMIT = 2_000_000  # bytes: scenario files are a few dozen kilobytes


class UploadError(SimError):
    """An uploaded file that is not a scenario file."""


@dataclass(frozen=True)
class SideChoice:
    """One side's behaviour as the page shows it: a policy with its parameters, misperception,
    a mean response delay, a crisis rate and at most one initiative."""

    policy: str = "mirror"
    params: tuple[tuple[str, float], ...] = ()  # every parameter of the policy, in declared order
    perception_error: float = 0.0
    delay: float = 0.0  # mean months before an answer is carried out
    crisis_rate: float = 0.0  # crises a year this side is blamed for
    initiative: str = NO_INITIATIVE  # a conciliatory measure kind, or "none"
    initiative_month: str = ""  # YYYY-MM

    @classmethod
    def from_behaviour(cls, behaviour: Behaviour) -> SideChoice:
        policy = parse_policy(behaviour.policy)
        steps = behaviour.initiatives
        kind, month = (steps[0][0].label, month_label(steps[0][1])) if steps else (NO_INITIATIVE, "")
        return cls(
            policy=policy.name,
            params=tuple(policy.params.items()),
            perception_error=behaviour.perception_error,
            delay=mean_delay(behaviour),
            crisis_rate=behaviour.crisis_rate,
            initiative=kind,
            initiative_month=month,
        )

    def with_policy(self, name: str) -> SideChoice:
        """Another policy, with its default parameters."""
        return replace(self, policy=name, params=tuple((p.name, p.default) for p in REGISTRY[name].parameters))

    def with_param(self, name: str, value: float) -> SideChoice:
        return replace(self, params=tuple((k, value if k == name else v) for k, v in self.params))

    @property
    def spec(self) -> str:
        """The policy spec string, as `tft run --policy` takes it: 'grit:step=3,persistence=2'."""
        return spec_string(REGISTRY[self.policy](**dict(self.params)))

    @property
    def initiative_text(self) -> str:
        if self.initiative == NO_INITIATIVE:
            return NO_INITIATIVE
        return f"{self.initiative}@{self.initiative_month}"

    def overrides(self, code: str, base: Behaviour) -> list[tuple[str, str, object]]:
        """The `--set` values that differ from the scenario's behaviour for this side."""
        out: list[tuple[str, str, object]] = []
        if self.perception_error != base.perception_error:
            out.append((code, "perception_error", self.perception_error))
        if self.crisis_rate != base.crisis_rate:
            out.append((code, "crisis_rate", self.crisis_rate))
        if abs(self.delay - mean_delay(base)) > 1e-9:
            out.append((code, "delay_weights", delay_weights(self.delay)))
        if self.initiative_text != base.initiative and parse_initiative(self.initiative_text) != base.initiatives:
            out.append((code, "initiative", self.initiative_text))
        return out


def mean_delay(behaviour: Behaviour) -> float:
    return round(sum(i * w for i, w in enumerate(behaviour.delays)), 6)


@dataclass(frozen=True)
class Choices:
    """Everything the page's controls set: mode, dates, both sides, the number of runs, the seed,
    and a fit of `tft infer` with its draw (`fit`: the fit's folder, '' for the sidebar's sides)."""

    mode: str
    sides: tuple[SideChoice, SideChoice]
    start_from: str = ""
    until: str = ""
    runs: int = 1000
    seed: int | None = None
    fit: str = ""
    draw: str | int = ALL  # as tft run --draw: all, mean or a particle number

    @property
    def from_fit(self) -> bool:
        """Whether a fit, not the sidebar's sides, gives the behaviour (a replay has none)."""
        return bool(self.fit) and self.mode != "replay"

    @classmethod
    def default(cls, scenario: Scenario, mode: str = "behavioural") -> Choices:
        sides = tuple(SideChoice.from_behaviour(b) for b in scenario.behaviours)
        return cls(mode=mode, sides=sides, **default_dates(scenario, mode))

    def with_mode(self, scenario: Scenario, mode: str) -> Choices:
        return replace(self, mode=mode, **default_dates(scenario, mode))

    def with_side(self, index: int, side: SideChoice) -> Choices:
        sides = list(self.sides)
        sides[index] = side
        return replace(self, sides=(sides[0], sides[1]))

    def arguments(self, scenario: Scenario) -> dict[str, object]:
        """The keyword arguments of `make_plan` and `run_scenario` for these choices. With a fit the
        sides are the fit's: no `--policy` or `--set` is laid over its values."""
        acting = self.mode != "replay"
        sides = acting and not self.from_fit
        policies = {code: side.spec for code, side in zip(scenario.codes, self.sides, strict=True)}
        overrides = [
            item
            for code, side, base in zip(scenario.codes, self.sides, scenario.behaviours, strict=True)
            for item in side.overrides(code, base)
        ]
        return {
            "mode": self.mode,
            "start_from": (self.start_from or None) if self.mode == "project" else None,
            "until": (self.until or None) if acting else None,
            "policies": policies if sides else {},
            "overrides": overrides if sides else [],
        }

    def fitted(self, scenario: Scenario) -> tuple[Scenario, Posterior | None]:
        """The scenario the runs use and, when each run draws its own values, the posterior, as
        `tft run --posterior FIT --draw` takes them: the mean or a particle laid on the scenario's
        behaviours, or the scenario itself and the posterior (draw `all`). A fit of other sides, or a
        folder that is not a fit, raises the loader's one-line SimError."""
        if not self.from_fit:
            return scenario, None
        posterior = load_fit(self.fit)
        check_sides(scenario, posterior)
        if self.draw == ALL:
            return scenario, posterior
        return with_draw(scenario, posterior, self.draw), None

    def plan(self, scenario: Scenario) -> Plan:
        """The plan of these choices (of the scenario `fitted` gives); a choice that does not fit
        raises PlanError or ScenarioError (one line)."""
        return make_plan(self.fitted(scenario)[0], **self.arguments(scenario))


def default_dates(scenario: Scenario, mode: str) -> dict[str, str]:
    """Projections start after the record and run ten years; other modes keep the record's months."""
    if mode == "project":
        return {
            "start_from": month_label(scenario.end + 1),
            "until": month_label(scenario.end + 12 * PROJECT_YEARS),
        }
    return {"start_from": "", "until": ""}


def shipped_scenarios(folder: Path) -> list[Path]:
    """The scenario files in a folder (not its sub-folders: sweep files live there)."""
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def load_upload(name: str, data: bytes, folder: Path | None = None) -> tuple[Scenario, Path]:
    """Save an uploaded scenario file under its own name in a private folder and load it.

    Errors are the loader's one-line messages, naming the file as it was uploaded."""
    base = Path(name).name
    if not base.endswith(".toml"):
        raise UploadError(f"{base}: scenario files are TOML files ending in .toml (see docs/scenarios.md)")
    if len(data) > UPLOAD_LIMIT:
        raise UploadError(f"{base}: {len(data):,} bytes is too large for a scenario file (allowed: up to 2 MB)")
    folder = Path(tempfile.mkdtemp(prefix="tft-upload-", dir=folder))
    path = folder / base
    path.write_bytes(data)
    try:
        return load_scenario(path), path
    except SimError as exc:
        raise UploadError(str(exc).replace(str(path), base)) from None
