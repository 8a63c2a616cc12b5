"""Scenario files: TOML loaded into frozen, validated objects.

Every error names the file, the key path (and the line of the table it sits in, when the file
has one), what was found and what is allowed. This module checks what can be checked without
running the model; `sim.files.columns.load_scenario` also replays the events to prove each one is
possible at its date.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from enum import Enum
from pathlib import Path
from typing import Any

from sim.engines.check import check_events
from sim.errors import ScenarioError, SimError
from sim.rules.behaviour import KEYS as BEHAVIOUR_KEYS
from sim.rules.behaviour import Behaviour, with_values
from sim.rules.calendar import month_label, parse_date
from sim.rules.domain import PostKind, PostStatus, PropertyKind, PropertyStatus, enum_from_name, enum_names
from sim.rules.measures import CATALOGUE, Measure, MeasureKind, Role, Shock, Unit
from sim.rules.scenario import (
    AREA_UNITS,
    BOUNDS,
    CONFIDENCE,
    OBSERVED_COLUMNS,
    MissionSpec,
    Observation,
    PostSpec,
    PropertySpec,
    Scenario,
    Side,
)

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_SIDE = re.compile(r"^[A-Z]{2,3}$")


# --- reading -----------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class _Reader:
    """Reads typed values out of the parsed TOML, raising ScenarioError with the key path."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.lines = self._table_lines(text)

    @staticmethod
    def _table_lines(text: str) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            match = re.match(r"^\s*\[\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]", line)
            if match:
                found.setdefault(match.group(1).replace(" ", ""), []).append(number)
        return found

    def line_of(self, array: str, index: int) -> int | None:
        lines = self.lines.get(array, [])
        return lines[index] if index < len(lines) else None

    def fail(self, where: str, problem: str, allowed: str | None = None, line: int | None = None):
        raise ScenarioError(self.path, where, problem, allowed, line)

    def table(self, parent: dict, key: str, where: str, line: int | None = None, required: bool = True) -> dict:
        if key not in parent:
            if required:
                self.fail(where, f"missing required table [{key}]", line=line)
            return {}
        value = parent[key]
        if not isinstance(value, dict):
            self.fail(where, f"expected a table, found {_type_name(value)}", line=line)
        return value

    def keys(self, table: dict, where: str, allowed: tuple[str, ...], line: int | None = None) -> None:
        for key in table:
            if key not in allowed:
                sep = "." if where else ""
                self.fail(f"{where}{sep}{key}", "unknown key", ", ".join(allowed), line)

    def get(
        self,
        table: dict,
        key: str,
        where: str,
        kind: str,
        line: int | None = None,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        path = f"{where}.{key}" if where else key
        if key not in table:
            if required:
                self.fail(path, "missing required key", line=line)
            return default
        value = table[key]
        ok = {
            "str": isinstance(value, str),
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "list": isinstance(value, list),
        }[kind]
        if not ok:
            expected = {
                "str": "a string",
                "bool": "true or false",
                "int": "an integer",
                "number": "a number",
                "list": "an array of tables",
            }[kind]
            self.fail(path, f"expected {expected}, found {_type_name(value)}", line=line)
        if kind == "number" and not math.isfinite(value):
            self.fail(path, f"expected a finite number, found {value}", line=line)
        return value

    def count(
        self,
        table: dict,
        key: str,
        where: str,
        line: int | None = None,
        required: bool = True,
        default: int | None = None,
        minimum: int = 0,
    ) -> int | None:
        path = f"{where}.{key}"
        if key in table and isinstance(table[key], float) and not isinstance(table[key], bool):
            self.fail(path, f"expected a whole number, found {table[key]}", f"integers >= {minimum}", line)
        value = self.get(table, key, where, "int", line, required, default)
        if value is not None and value < minimum:
            self.fail(path, f"expected an integer >= {minimum}, found {value}", line=line)
        return value

    def number(
        self,
        table: dict,
        key: str,
        where: str,
        low: float,
        high: float | None,
        line: int | None = None,
        required: bool = True,
        default: float | None = None,
    ) -> float | None:
        value = self.get(table, key, where, "number", line, required, default)
        if value is None:
            return None
        if value < low or (high is not None and value > high):
            span = f"{low} to {high}" if high is not None else f">= {low}"
            self.fail(f"{where}.{key}", f"{value} is out of range", span, line)
        return float(value)

    def choice(
        self,
        table: dict,
        key: str,
        where: str,
        options: list[str] | tuple[str, ...],
        line: int | None = None,
        required: bool = True,
        default: str | None = None,
    ) -> str | None:
        value = self.get(table, key, where, "str", line, required, default)
        if value is not None and value not in options:
            self.fail(f"{where}.{key}", f"unknown value '{value}'", ", ".join(options), line)
        return value

    def enum(
        self, table: dict, key: str, where: str, enum: type[Enum], line: int | None = None, default: str | None = None
    ) -> Enum:
        name = self.choice(table, key, where, enum_names(enum), line, default is None, default)
        return enum_from_name(enum, name)

    def date(self, table: dict, key: str, where: str, line: int | None = None) -> tuple[int, int]:
        path = f"{where}.{key}"
        if key not in table:
            self.fail(path, "missing required key", line=line)
        try:
            return parse_date(table[key])
        except ValueError as exc:
            self.fail(path, str(exc), "'YYYY-MM' or 'YYYY-MM-DD'", line)


def parse_scenario(path: str | Path) -> Scenario:
    """Load and check a scenario file (everything but the replay of its events)."""
    path = Path(path)
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file not found") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(shown, "", "file is not UTF-8 text", "a UTF-8 TOML file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"line (\d+)", message)
        line = int(match.group(1)) if match else None
        raise ScenarioError(shown, "", f"TOML syntax error: {message}", "valid TOML", line) from None
    reader = _Reader(shown, text)
    reader.keys(data, "", ("scenario", "run", "sides", "missions", "behaviour", "events", "observations"))

    head = reader.table(data, "scenario", "scenario")
    reader.keys(head, "scenario", ("name", "title", "description"))
    name = reader.get(head, "name", "scenario", "str")
    if not _NAME.match(name):
        reader.fail("scenario.name", f"'{name}' cannot name a results folder", "letters, digits, '_' and '-'")
    title = reader.get(head, "title", "scenario", "str")
    description = reader.get(head, "description", "scenario", "str", required=False, default="")

    run = reader.table(data, "run", "run")
    reader.keys(run, "run", ("start", "end", "seed"))
    start, _ = reader.date(run, "start", "run")
    end, _ = reader.date(run, "end", "run")
    if end < start:
        reader.fail("run.end", f"{month_label(end)} is before run.start {month_label(start)}", "a month >= run.start")
    seed = reader.count(run, "seed", "run")

    sides_table = reader.table(data, "sides", "sides")
    codes = tuple(sides_table)
    if len(codes) != 2:
        reader.fail("sides", f"found {len(codes)} sides ({', '.join(codes) or 'none'})", "exactly two sides")
    sides = []
    for code in codes:
        if not _SIDE.match(code):
            reader.fail(f"sides.{code}", f"'{code}' is not a side code", "2-3 upper-case letters, e.g. US, RU")
        entry = reader.table(sides_table, code, f"sides.{code}")
        reader.keys(entry, f"sides.{code}", ("name",))
        sides.append(Side(code, reader.get(entry, "name", f"sides.{code}", "str")))

    missions_table = reader.table(data, "missions", "missions")
    for code in missions_table:
        if code not in codes:
            reader.fail(f"missions.{code}", f"unknown side '{code}'", ", ".join(codes))
    missions = tuple(_read_mission(reader, missions_table, code) for code in codes)
    post_index = {p.id: i for i, p in enumerate(p for m in missions for p in m.posts)}
    prop_index = {p.id: i for i, p in enumerate(p for m in missions for p in m.properties)}
    seen: set[str] = set()
    for mission in missions:
        for item in (*mission.posts, *mission.properties):
            if item.id in seen:
                reader.fail(f"missions.{mission.side}", f"id '{item.id}' is used twice", "unique post and property ids")
            seen.add(item.id)

    events_raw = reader.get(data, "events", "", "list", required=False, default=[])
    events: list[Measure | Shock] = []
    where: list[tuple[str, int | None]] = []
    for index, entry in enumerate(events_raw):
        key = f"events[{index}]"
        line = reader.line_of("events", index)
        if not isinstance(entry, dict):
            reader.fail(key, f"expected a table, found {_type_name(entry)}", line=line)
        for event in _read_event(reader, entry, key, line, codes, start, end, post_index, prop_index):
            events.append(_with_seq(event, len(where)))
            where.append((key, line))
    events.sort(key=lambda e: (e.month, e.day, e.seq))

    obs_raw = reader.get(data, "observations", "", "list", required=False, default=[])
    observations = []
    for index, entry in enumerate(obs_raw):
        key = f"observations[{index}]"
        line = reader.line_of("observations", index)
        if not isinstance(entry, dict):
            reader.fail(key, f"expected a table, found {_type_name(entry)}", line=line)
        observations.append(_read_observation(reader, entry, key, line, codes, start, end))

    behaviour_table = reader.table(data, "behaviour", "behaviour", required=False)
    for code in behaviour_table:
        if code not in codes:
            reader.fail(f"behaviour.{code}", f"unknown side '{code}'", ", ".join(codes))
    behaviours = []
    for code in codes:
        entry = reader.table(behaviour_table, code, f"behaviour.{code}", required=False)
        reader.keys(entry, f"behaviour.{code}", BEHAVIOUR_KEYS)
        try:
            behaviours.append(with_values(Behaviour(), entry))
        except SimError as exc:
            key = next((k for k in entry if k in str(exc)), "")
            reader.fail(f"behaviour.{code}.{key}" if key else f"behaviour.{code}", str(exc))

    return Scenario(
        path=shown,
        sha256=hashlib.sha256(raw).hexdigest(),
        name=name,
        title=title,
        description=description,
        start=start,
        end=end,
        seed=seed,
        sides=tuple(sides),
        missions=missions,
        events=tuple(events),
        observations=tuple(observations),
        event_where=tuple(where),
        behaviours=tuple(behaviours),
    )


def _with_seq(event: Measure | Shock, seq: int) -> Measure | Shock:
    from dataclasses import replace

    return replace(event, seq=seq)


def _read_mission(reader: _Reader, missions: dict, code: str) -> MissionSpec:
    where = f"missions.{code}"
    table = reader.table(missions, code, where)
    reader.keys(
        table,
        where,
        (
            "tour_months",
            "visa_rate",
            "staff_cap",
            "travel_limit_km",
            "banking",
            "local_hiring",
            "ambassador",
            "source",
            "posts",
            "properties",
        ),
    )
    tour = reader.count(table, "tour_months", where, required=False, default=36, minimum=1)
    if tour > 120:
        reader.fail(f"{where}.tour_months", f"{tour} is out of range", "1 to 120")
    posts_raw = reader.get(table, "posts", where, "list")
    posts = []
    for index, entry in enumerate(posts_raw):
        key = f"{where}.posts[{index}]"
        line = reader.line_of(f"{where}.posts", index)
        if not isinstance(entry, dict):
            reader.fail(key, f"expected a table, found {_type_name(entry)}", line=line)
        reader.keys(entry, key, ("id", "name", "kind", "status", "diplomats", "support", "local", "source"), line)
        posts.append(
            PostSpec(
                id=reader.get(entry, "id", key, "str", line),
                name=reader.get(entry, "name", key, "str", line),
                kind=reader.enum(entry, "kind", key, PostKind, line),
                status=reader.enum(entry, "status", key, PostStatus, line, default="open"),
                diplomats=reader.count(entry, "diplomats", key, line),
                support=reader.count(entry, "support", key, line),
                local=reader.count(entry, "local", key, line),
                source=reader.get(entry, "source", key, "str", line, required=False, default=""),
            )
        )
    embassies = [p for p in posts if p.kind is PostKind.EMBASSY]
    if len(embassies) != 1:
        reader.fail(
            f"{where}.posts", f"found {len(embassies)} posts of kind 'embassy'", "exactly one embassy per mission"
        )
    if embassies[0].status is not PostStatus.OPEN:
        reader.fail(
            f"{where}.posts", f"embassy '{embassies[0].id}' is {embassies[0].status.name.lower()}", "an open embassy"
        )
    for post in posts:
        if post.status is not PostStatus.OPEN and post.diplomats + post.support + post.local:
            reader.fail(
                f"{where}.posts",
                f"post '{post.id}' is {post.status.name.lower()} but has staff",
                "staff only at open posts",
            )
    props_raw = reader.get(table, "properties", where, "list", required=False, default=[])
    props = []
    for index, entry in enumerate(props_raw):
        key = f"{where}.properties[{index}]"
        line = reader.line_of(f"{where}.properties", index)
        if not isinstance(entry, dict):
            reader.fail(key, f"expected a table, found {_type_name(entry)}", line=line)
        reader.keys(entry, key, ("id", "name", "kind", "status", "area", "area_unit", "source"), line)
        area = reader.number(entry, "area", key, 0.0, None, line, required=False)
        unit = reader.choice(entry, "area_unit", key, AREA_UNITS, line, required=area is not None)
        props.append(
            PropertySpec(
                id=reader.get(entry, "id", key, "str", line),
                name=reader.get(entry, "name", key, "str", line),
                kind=reader.enum(entry, "kind", key, PropertyKind, line),
                status=reader.enum(entry, "status", key, PropertyStatus, line, default="in_use"),
                area=area,
                area_unit=unit,
                source=reader.get(entry, "source", key, "str", line, required=False, default=""),
            )
        )
    cap = reader.count(table, "staff_cap", where, required=False)
    total = sum(p.diplomats + p.support + p.local for p in posts)
    if cap is not None and total > cap:
        reader.fail(
            f"{where}.staff_cap",
            f"the mission starts with {total} staff, above its cap of {cap}",
            f"a cap of at least {total}, or fewer staff",
        )
    local_hiring = reader.get(table, "local_hiring", where, "bool", required=False, default=True)
    locals_ = sum(p.local for p in posts)
    if not local_hiring and locals_:
        reader.fail(
            f"{where}.local_hiring",
            f"local hiring is banned but the posts have {locals_} local staff",
            "local = 0 at every post when local_hiring = false",
        )
    return MissionSpec(
        side=code,
        tour_months=tour,
        visa_rate=reader.number(table, "visa_rate", where, 0.0, 1.0, required=False, default=1.0),
        staff_cap=cap,
        travel_limit_km=reader.number(table, "travel_limit_km", where, 0.0, None, required=False),
        banking=reader.get(table, "banking", where, "bool", required=False, default=True),
        local_hiring=local_hiring,
        ambassador=reader.get(table, "ambassador", where, "bool", required=False, default=True),
        posts=tuple(posts),
        properties=tuple(props),
        source=reader.get(table, "source", where, "str", required=False, default=""),
    )


_EVENT_KEYS = (
    "date",
    "actor",
    "target",
    "kind",
    "size",
    "post",
    "property",
    "name",
    "severity",
    "description",
    "source",
)
_KIND_NAMES = [k.label for k in MeasureKind] + ["shock"]


def _read_event(
    reader: _Reader,
    entry: dict,
    key: str,
    line: int | None,
    codes: tuple[str, str],
    start: int,
    end: int,
    post_index: dict[str, int],
    prop_index: dict[str, int],
):
    reader.keys(entry, key, _EVENT_KEYS, line)
    month, day = reader.date(entry, "date", key, line)
    if not start <= month <= end:
        reader.fail(
            f"{key}.date",
            f"{month_label(month)} is outside the run",
            f"{month_label(start)} to {month_label(end)}",
            line,
        )
    kind_name = reader.choice(entry, "kind", key, _KIND_NAMES, line)
    source = reader.get(entry, "source", key, "str", line)
    if not source.strip():
        reader.fail(f"{key}.source", "empty source", "the record entry this event comes from", line)
    description = reader.get(entry, "description", key, "str", line, required=False, default="")
    actor_code = reader.get(entry, "actor", key, "str", line)
    joint_ok = kind_name == MeasureKind.HOLD_TALKS.label
    allowed_actors = (*codes, "both") if joint_ok else codes
    if actor_code not in allowed_actors:
        reader.fail(f"{key}.actor", f"unknown side '{actor_code}'", ", ".join(allowed_actors), line)

    def unused(*names: str) -> None:
        for name in names:
            if name in entry:
                reader.fail(f"{key}.{name}", f"key '{name}' is not used by kind '{kind_name}'", line=line)

    if kind_name == "shock":
        unused("size", "post", "property", "target")
        actor = codes.index(actor_code)
        name = reader.get(entry, "name", key, "str", line)
        severity = reader.number(entry, "severity", key, -10.0, 0.0, line)
        return [
            Shock(
                actor=actor,
                target=1 - actor,
                month=month,
                day=day,
                name=name,
                severity=severity,
                source=source,
                description=description,
            )
        ]

    unused("name", "severity")
    kind = MeasureKind[kind_name.upper()]
    spec = CATALOGUE[kind]
    actors = [0, 1] if actor_code == "both" else [codes.index(actor_code)]
    measures = []
    for actor in actors:
        expected = actor if spec.role is Role.SELF else 1 - actor
        target_code = entry.get("target", codes[expected])
        if "target" in entry:
            reader.get(entry, "target", key, "str", line)
            if target_code not in codes:
                reader.fail(f"{key}.target", f"unknown side '{target_code}'", ", ".join(codes), line)
            if spec.role is not Role.JOINT and target_code != codes[expected]:
                who = "the actor's own mission" if spec.role is Role.SELF else "the other side's mission"
                reader.fail(f"{key}.target", f"'{kind_name}' acts on {who}, not {target_code}'s", codes[expected], line)
        target = codes.index(target_code) if actor_code != "both" else 1 - actor
        size = None
        post = prop = None
        unit = spec.unit
        if unit in (Unit.PEOPLE, Unit.CEILING):
            size = reader.count(entry, "size", key, line, minimum=1 if unit is Unit.PEOPLE else 0)
        elif unit is Unit.RATE:
            size = reader.number(entry, "size", key, 0.0, 1.0, line)
        elif unit is Unit.KM:
            size = reader.number(entry, "size", key, 0.0, None, line)
            if size <= 0:
                reader.fail(f"{key}.size", f"{size} is out of range", "a radius > 0 km", line)
        else:
            unused("size")
        post_ok = unit is Unit.POST or kind in (
            MeasureKind.EXPEL,
            MeasureKind.FORCE_DEPARTURE,
            MeasureKind.CUT_STAFF,
            MeasureKind.ADD_STAFF,
            MeasureKind.HIRE_LOCAL_STAFF,
        )
        if post_ok and ("post" in entry or unit is Unit.POST):
            post_id = reader.get(entry, "post", key, "str", line)
            owned = [p for p, i in post_index.items()]
            if post_id not in post_index:
                reader.fail(f"{key}.post", f"unknown post '{post_id}'", ", ".join(owned), line)
            post = post_index[post_id]
        elif not post_ok:
            unused("post")
        if unit is Unit.PROPERTY:
            prop_id = reader.get(entry, "property", key, "str", line)
            if prop_id not in prop_index:
                reader.fail(f"{key}.property", f"unknown property '{prop_id}'", ", ".join(prop_index), line)
            prop = prop_index[prop_id]
        else:
            unused("property")
        measures.append(
            Measure(
                kind=kind,
                actor=actor,
                target=target,
                month=month,
                day=day,
                size=size,
                post=post,
                prop=prop,
                source=source,
                description=description,
            )
        )
    return measures


def _read_observation(
    reader: _Reader, entry: dict, key: str, line: int | None, codes: tuple[str, str], start: int, end: int
) -> Observation:
    reader.keys(entry, key, ("date", "side", "column", "value", "bound", "confidence", "counts", "source"), line)
    month, _ = reader.date(entry, "date", key, line)
    if not start <= month <= end:
        reader.fail(
            f"{key}.date",
            f"{month_label(month)} is outside the run",
            f"{month_label(start)} to {month_label(end)}",
            line,
        )
    side = reader.choice(entry, "side", key, codes, line)
    return Observation(
        month=month,
        side=codes.index(side),
        column=reader.choice(entry, "column", key, OBSERVED_COLUMNS, line, required=False, default="staff_total"),
        value=reader.number(entry, "value", key, 0.0, None, line),
        bound=reader.choice(entry, "bound", key, BOUNDS, line, required=False, default="equal"),
        confidence=reader.choice(entry, "confidence", key, CONFIDENCE, line, required=False, default="confirmed"),
        counts=reader.get(entry, "counts", key, "str", line, required=False, default=""),
        source=reader.get(entry, "source", key, "str", line),
    )


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file and prove, by replaying it, that every event is possible at its date."""
    scenario = parse_scenario(path)
    check_events(scenario)
    return scenario
