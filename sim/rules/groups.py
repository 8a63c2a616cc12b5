"""Kind groups: the measure kinds as validation compares them.

Two measures "match in kind" when their kinds share a group. Each catalogue entry of
`sim.rules.measures` names its group; this module only names the groups. The hostile groups are
the instruments a host uses against the other side's mission; posting limits and travel limits
form one group (both restrict how the other side's staff serve; the rules with a size of
`sim.rules.kinds_rules` join it), every conciliatory kind forms
another, and what a state does to its own mission (`own_mission`) is never scored.
"""

from __future__ import annotations

from enum import StrEnum


class KindGroup(StrEnum):
    EXPEL = "expel"
    CAP = "cap"
    CLOSE_POST = "close_post"
    SEIZE_PROPERTY = "seize_property"
    VISAS = "visas"
    LOCAL_HIRES = "local_hires"
    TRAVEL_AND_POSTING = "travel_and_posting"
    BANKING = "banking"
    AMBASSADOR = "ambassador"
    CONCILIATORY = "conciliatory"
    OWN_MISSION = "own_mission"
