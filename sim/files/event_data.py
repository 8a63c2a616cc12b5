"""A run's events as coded event data: the rows of events.csv with CAMEO codes or PLOVER event
types (sim.rules.event_codes), actor codes per side, dates and sources (docs/export.md).

An event that gives the date it was announced (the `announced` column of events.csv) is dated by
it, as event data dates an act by the day it is reported, and keeps its date in force in
`in_force`.

Shocks are not measures of a kind: the record names what happened (an election interference
finding, a poisoning) but not in a form a codebook can be applied to, so they are left out and
counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sim.errors import SimError
from sim.rules.entries import MeasureKind
from sim.rules.event_codes import EVENT_CODES, PLOVER_QUADS

FORMATS = ("cameo", "plover")
# ISO 3166-1 alpha-3 country codes (which CAMEO's actor codes use) of the two-letter side codes
# the shipped scenarios and the docs use; SU is the Soviet Union's former code (ISO 3166-3).
COUNTRIES = {
    "CN": "CHN",
    "CZ": "CZE",
    "DE": "DEU",
    "FR": "FRA",
    "GB": "GBR",
    "PL": "POL",
    "RU": "RUS",
    "SU": "SUN",
    "UA": "UKR",
    "UK": "GBR",
    "US": "USA",
}
COUNTRY_CODE = re.compile(r"[A-Z]{3}")
# the columns kept from events.csv, after the codes
KEPT = ("kind", "size", "post", "property", "severity", "cause", "source", "description")
CAMEO_COLUMNS = ("date", "source_actor", "target_actor", "event_code", "root_code", "quad_class", *KEPT)
PLOVER_COLUMNS = ("date", "actor", "actor_type", "recipient", "recipient_type", "event_type", "mode")
PLOVER_COLUMNS += ("context", "quad", *KEPT)
LABELS = {kind.label: kind for kind in MeasureKind}
IN_FORCE = "in_force"  # the date in force, beside `date`, when the events give the date announced


class ExportError(SimError):
    """Events that cannot be coded, or a choice that does not fit them."""


@dataclass(frozen=True)
class Exported:
    columns: tuple[str, ...]
    rows: list[dict[str, object]]
    shocks: int  # shocks left out


def country_codes(sides: tuple[str, str], given: dict[str, str]) -> dict[str, str]:
    """The country code of each side: as given (`--actor US=USA`), else a three-letter side code as
    it is, else the table above."""
    for side, code in given.items():
        if side not in sides:
            allowed = ", ".join(sides)
            raise ExportError(f"--actor {side}={code}: {side} is not a side of these events (allowed: {allowed})")
        if not COUNTRY_CODE.fullmatch(code):
            raise ExportError(f"--actor {side}={code}: expected a three-letter upper-case country code such as USA")
    codes = {}
    for side in sides:
        code = given.get(side) or (side if COUNTRY_CODE.fullmatch(side) else COUNTRIES.get(side))
        if code is None:
            raise ExportError(
                f"side {side} has no known country code; give it with --actor {side}=XXX "
                "(the ISO 3166-1 alpha-3 code CAMEO uses, such as USA)"
            )
        codes[side] = code
    return codes


def export_events(
    rows: Iterable[dict[str, str]], sides: tuple[str, str], form: str, actors: dict[str, str], where: str = "events.csv"
) -> Exported:
    """Code the rows of events.csv (as read from the file) in `form`; `where` names them in errors."""
    if form not in FORMATS:
        raise ExportError(f"--format: {form!r} is not an event-data format (allowed: {', '.join(FORMATS)})")
    countries = country_codes(sides, actors)
    out: list[dict[str, object]] = []
    shocks = 0
    for line, row in enumerate(rows, start=2):
        if row["kind"] == "shock":
            shocks += 1
            continue
        kind = LABELS.get(row["kind"])
        if kind is None or kind not in EVENT_CODES:
            raise ExportError(f"{where}:{line}: kind {row['kind']!r} has no event code (allowed: shock, measure kinds)")
        for column in ("actor", "target"):
            if row[column] not in sides:
                raise ExportError(
                    f"{where}:{line}: {column} {row[column]!r} is not a side (allowed: {', '.join(sides)})"
                )
        out.append(_coded(row, EVENT_CODES[kind], sides, countries, form))
    columns = CAMEO_COLUMNS if form == "cameo" else PLOVER_COLUMNS
    if any(IN_FORCE in row for row in out):
        columns = (columns[0], IN_FORCE, *columns[1:])
    if out and "run" in out[0]:
        columns = ("run", *columns)
    return Exported(columns, out, shocks)


def _coded(row: dict[str, str], code, sides, countries, form: str) -> dict[str, object]:
    actor = row["actor"]
    # a measure on one's own mission (recall, cut, suspend) is taken towards the country it is in
    target = row["target"] if row["target"] != actor else sides[1 - sides.index(actor)]
    kept = {name: row.get(name, "") for name in KEPT}
    first = {"run": row["run"]} if "run" in row else {}
    dated = {"date": row.get("announced") or row["date"]}
    if "announced" in row:
        dated[IN_FORCE] = row["date"]
    if form == "cameo":
        return (
            first
            | dated
            | {
                "source_actor": countries[actor] + "GOV",
                "target_actor": countries[target] + code.target_role,
                "event_code": code.cameo,
                "root_code": code.cameo_root,
                "quad_class": code.quad_class,
            }
            | kept
        )
    return (
        first
        | dated
        | {
            "actor": countries[actor],
            "actor_type": "GOV",
            "recipient": countries[target],
            "recipient_type": code.target_role,
            "event_type": code.plover,
            "mode": code.mode,
            "context": code.context,
            "quad": PLOVER_QUADS[code.plover],
        }
        | kept
    )
