"""How a run is driven: the mode, the months, and each side's behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sim.rules.behaviour import Behaviour
from sim.rules.measures import Measure, Shock
from sim.rules.scenario import Scenario


class Mode(StrEnum):
    REPLAY = "replay"  # every scenario event forced; policies silent
    BEHAVIOURAL = "behavioural"  # only shocks forced; policies produce the measures
    PROJECT = "project"  # history forced before `active_from`, policies from then on


@dataclass(frozen=True)
class Plan:
    """How a run is driven: the mode, the months, and each side's behaviour."""

    mode: Mode
    start: int
    end: int
    active_from: int  # first month in which policies act (after `end` in replay)
    behaviours: tuple[Behaviour, Behaviour]

    @property
    def months(self) -> range:
        return range(self.start, self.end + 1)

    def forces(self, event: Measure | Shock) -> bool:
        if self.mode is Mode.REPLAY:
            return True
        if self.mode is Mode.BEHAVIOURAL:
            return isinstance(event, Shock)
        return isinstance(event, Shock) or event.month < self.active_from


def replay_plan(scenario: Scenario) -> Plan:
    return Plan(Mode.REPLAY, scenario.start, scenario.end, scenario.end + 1, scenario.behaviours)
