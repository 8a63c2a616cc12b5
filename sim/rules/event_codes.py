"""Event-data codes of each measure kind: the CAMEO event code and the PLOVER event type, mode and
context that `tft export` writes, so that results meet the tools built for coded event data.

One table, keyed by measure kind, so that the codebook mapping can be read and checked against
the codebooks in one place (docs/export.md gives the reason for each row); a test fails when a
kind of the catalogue has no row. CAMEO: the Conflict and Mediation Event Observations event
codebook (Schrodt, version 1.1b3). PLOVER: the Political Language Ontology for Verifiable Event
Records manual of the Open Event Data Alliance; where its modes table and the CAMEO-to-PLOVER
conversion table of the same project differ, the manual is followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.rules.entries import MeasureKind

GOVERNMENT = "GOV"  # the CAMEO role code of a state's government, its diplomats included


@dataclass(frozen=True)
class EventCode:
    cameo: str  # CAMEO event code, with its leading zero ("0842")
    plover: str  # PLOVER event type
    mode: str = ""  # PLOVER mode, where the manual lists one that fits
    context: str = "diplomatic"  # PLOVER context
    target_role: str = GOVERNMENT  # CAMEO role code of the side acted on

    @property
    def cameo_root(self) -> str:
        """The CAMEO root code: the first two digits."""
        return self.cameo[:2]

    @property
    def quad_class(self) -> int:
        """CAMEO's quad class of the root code: 1 verbal and 2 material cooperation, 3 verbal and
        4 material conflict."""
        root = int(self.cameo_root)
        return 1 if root <= 5 else 2 if root <= 8 else 3 if root <= 13 else 4


# PLOVER's quad category of each event type this table uses (from the manual's event types)
PLOVER_QUADS = {
    "CONSULT": "VERBAL COOPERATION",
    "SUPPORT": "VERBAL COOPERATION",
    "CONCEDE": "VERBAL COOPERATION",
    "RETREAT": "MATERIAL COOPERATION",
    "SANCTION": "MATERIAL CONFLICT",
    "COERCE": "MATERIAL CONFLICT",
}

K = MeasureKind
EVENT_CODES: dict[MeasureKind, EventCode] = {
    # the host acts against the other side's mission
    K.EXPEL: EventCode("174", "SANCTION", "expel"),
    K.FORCE_DEPARTURE: EventCode("161", "SANCTION", "expel"),
    K.CAP_STAFF: EventCode("161", "SANCTION", "discontinue"),
    K.CLOSE_POST: EventCode("161", "SANCTION", "discontinue"),
    K.SEIZE_PROPERTY: EventCode("1711", "COERCE", "seize"),
    K.BAN_LOCAL_HIRES: EventCode("172", "SANCTION", "discontinue"),
    K.DENY_VISAS: EventCode("172", "SANCTION", "discontinue"),
    K.RESTRICT_TRAVEL: EventCode("172", "COERCE", "restrict"),
    K.FREEZE_BANKING: EventCode("163", "SANCTION", "discontinue", "economic"),
    K.EXPEL_AMBASSADOR: EventCode("161", "SANCTION", "expel"),
    K.REQUIRE_NOTICE: EventCode("172", "COERCE", "restrict"),
    K.ORDER_DISCLOSURE: EventCode("172", "SANCTION"),
    K.SHORTEN_VISA_TERM: EventCode("172", "SANCTION", "discontinue"),
    K.DESIGNATE_OUTLETS: EventCode("172", "COERCE", "restrict"),
    # the host undoes what it did
    K.RETURN_PROPERTY: EventCode("0842", "RETREAT"),
    K.REOPEN_POST: EventCode("050", "SUPPORT"),
    K.RAISE_CAP: EventCode("081", "CONCEDE"),
    K.LIFT_CAP: EventCode("081", "CONCEDE"),
    K.RESTORE_VISAS: EventCode("081", "CONCEDE"),
    K.LIFT_TRAVEL_LIMIT: EventCode("081", "CONCEDE"),
    K.RESTORE_BANKING: EventCode("085", "RETREAT", "", "economic"),
    K.ALLOW_LOCAL_HIRES: EventCode("081", "CONCEDE"),
    K.ACCEPT_AMBASSADOR: EventCode("050", "SUPPORT"),
    K.HOLD_TALKS: EventCode("046", "CONSULT"),
    K.LIFT_NOTICE: EventCode("081", "CONCEDE"),
    K.RESTORE_VISA_TERM: EventCode("081", "CONCEDE"),
    K.REVOKE_DESIGNATION: EventCode("081", "CONCEDE"),
    # a state acts on its own mission: the other side, whose country it is in, is the target
    K.SUSPEND_POST: EventCode("161", "SANCTION", "withdraw"),
    K.CUT_STAFF: EventCode("161", "SANCTION", "withdraw"),
    K.ADD_STAFF: EventCode("050", "SUPPORT"),
    K.HIRE_LOCAL_STAFF: EventCode("050", "SUPPORT"),
    K.RECALL_AMBASSADOR: EventCode("161", "SANCTION", "withdraw"),
    K.APPOINT_AMBASSADOR: EventCode("050", "SUPPORT"),
    K.DRAW_DOWN: EventCode("161", "SANCTION", "withdraw"),
    K.RETURN_STAFF: EventCode("050", "SUPPORT"),
    K.TRANSFER_STAFF: EventCode("050", "SUPPORT"),
}
del K
