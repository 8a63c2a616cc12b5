"""Scenario files: TOML loaded into frozen, validated objects.

The models in `sim.files.scenario_models` check every key's type and range; this module checks
what spans several keys (two sides, one open embassy per mission, unique ids, caps, dates inside
the run) and builds the `Scenario`. `load_scenario` also replays the events to prove each one is
possible at its date. Every error names the file, the key path, the line, what was found and
what is allowed (`sim.files.validation`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sim.engines.check import check_events
from sim.files.behaviour_values import initiative_outside
from sim.files.scenario_events import EventReader
from sim.files.scenario_models import SIDE_CODE, MissionModel, ScenarioModel
from sim.files.scenario_observations import ObservationReader
from sim.files.toml_input import TomlFile, read_toml
from sim.files.validation import MAX_MISSION, shown, validate
from sim.rules.behaviour import Behaviour
from sim.rules.calendar import month_label
from sim.rules.domain import PostKind, PostStatus, PropertyKind, PropertyStatus, enum_from_name
from sim.rules.scenario import MissionSpec, PostSpec, PropertySpec, Scenario, Side


def parse_scenario(path: str | Path) -> Scenario:
    """Load and check a scenario file (everything but the replay of its events)."""
    file = read_toml(path)
    model: ScenarioModel = validate(ScenarioModel, file.data, file.path, file.lines)
    fail = file.fail
    start, end = model.run.start[0], model.run.end[0]
    if end < start:
        fail(("run", "end"), f"{month_label(end)} is before run.start {month_label(start)}", "a month >= run.start")

    codes = tuple(model.sides)
    if len(codes) != 2:
        fail(("sides",), f"found {len(codes)} sides ({', '.join(codes) or 'none'})", "exactly two sides")
    for code in codes:
        if not SIDE_CODE.fullmatch(code):
            fail(("sides", code), f"{shown(code)} is not a side code", "2-3 upper-case letters, e.g. US, RU")
    for table in ("missions", "behaviour"):
        for code in getattr(model, table):
            if code not in codes:
                fail((table, code), f"unknown side {shown(code)}", ", ".join(codes))

    missions = tuple(_mission(file, model.missions, code) for code in codes)
    seen: set[str] = set()
    for mission in missions:
        for item in (*mission.posts, *mission.properties):
            if item.id in seen:
                fail(("missions", mission.side), f"id {shown(item.id)} is used twice", "unique post and property ids")
            seen.add(item.id)
    post_index = {p.id: i for i, p in enumerate(p for m in missions for p in m.posts)}
    prop_index = {p.id: i for i, p in enumerate(p for m in missions for p in m.properties)}
    staff = [sum(p.diplomats + p.support + p.local for p in m.posts) for m in missions]

    post_owner = {p.id: side for side, m in enumerate(missions) for p in m.posts}
    prop_owner = {p.id: side for side, m in enumerate(missions) for p in m.properties}
    reader = EventReader(file, codes, start, end, post_index, prop_index, staff, post_owner, prop_owner)
    events, where = reader.read(model.events)
    events.sort(key=lambda e: (e.month, e.day, e.seq))

    post_ids = [(p.id, side) for side, m in enumerate(missions) for p in m.posts]
    observations = ObservationReader(file, codes, start, end, post_ids).read(model.observations)

    behaviours = []
    for code in codes:
        values = model.behaviour[code].given() if code in model.behaviour else {}
        early = initiative_outside(values.get("initiative", "none"), start)
        if early:
            fail(
                ("behaviour", code, "initiative"),
                f"{early}, before the run starts",
                f"months from {month_label(start)}",
            )
        behaviours.append(replace(Behaviour(), **values))

    return Scenario(
        path=file.path,
        sha256=file.sha256,
        name=model.scenario.name,
        title=model.scenario.title,
        description=model.scenario.description,
        start=start,
        end=end,
        seed=model.run.seed,
        sides=(Side(codes[0], model.sides[codes[0]].name), Side(codes[1], model.sides[codes[1]].name)),
        missions=missions,
        events=tuple(events),
        observations=observations,
        event_where=tuple(where),
        behaviours=(behaviours[0], behaviours[1]),
    )


def _mission(file: TomlFile, missions: dict[str, MissionModel], code: str) -> MissionSpec:
    at = ("missions", code)
    fail = file.fail
    if code not in missions:
        fail(at, f"missing required table [missions.{code}]")
    table = missions[code]
    posts = [
        PostSpec(
            id=p.id,
            name=p.name,
            kind=enum_from_name(PostKind, p.kind),
            status=enum_from_name(PostStatus, p.status),
            diplomats=p.diplomats,
            support=p.support,
            local=p.local,
            source=p.source,
        )
        for p in table.posts
    ]
    embassies = [p for p in posts if p.kind is PostKind.EMBASSY]
    if len(embassies) != 1:
        fail((*at, "posts"), f"found {len(embassies)} posts of kind 'embassy'", "exactly one embassy per mission")
    if embassies[0].status is not PostStatus.OPEN:
        fail((*at, "posts"), f"embassy '{embassies[0].id}' is {embassies[0].status.name.lower()}", "an open embassy")
    for index, post in enumerate(posts):
        if post.status is not PostStatus.OPEN and post.diplomats + post.support + post.local:
            fail(
                (*at, "posts", index),
                f"post '{post.id}' is {post.status.name.lower()} but has staff",
                "staff only at open posts",
            )
    total = sum(p.diplomats + p.support + p.local for p in posts)
    if total > MAX_MISSION:
        fail((*at, "posts"), f"the mission starts with {total:,} staff", f"at most {MAX_MISSION:,} staff per mission")
    props = []
    post_status = {p.id: p.status for p in posts}
    for index, p in enumerate(table.properties):
        if p.area is not None and p.area_unit is None:
            fail((*at, "properties", index, "area_unit"), "missing required key (the unit of area)")
        if p.post is not None and p.post not in post_status:
            fail(
                (*at, "properties", index, "post"),
                f"unknown post {shown(p.post)}",
                f"the posts and bodies of {code}: {', '.join(post_status)}",
            )
        if p.post is not None and p.status == "in_use" and post_status[p.post] is not PostStatus.OPEN:
            fail(
                (*at, "properties", index, "status"),
                f"property '{p.id}' is in use but the post it houses, '{p.post}', is "
                f"{post_status[p.post].name.lower()}",
                "status = 'vacated' or 'seized' for a property of a post not open at the start",
            )
        props.append(
            PropertySpec(
                id=p.id,
                name=p.name,
                kind=enum_from_name(PropertyKind, p.kind),
                status=enum_from_name(PropertyStatus, p.status),
                area=p.area,
                area_unit=p.area_unit,
                source=p.source,
                post=p.post,
            )
        )
    cap = table.staff_cap
    if cap is not None and total > cap:
        fail(
            (*at, "staff_cap"),
            f"the mission starts with {total} staff, above its cap of {cap}",
            f"a cap of at least {total}, or fewer staff",
        )
    locals_ = sum(p.local for p in posts)
    if not table.local_hiring and locals_:
        fail(
            (*at, "local_hiring"),
            f"local hiring is banned but the posts have {locals_} local staff",
            "local = 0 at every post when local_hiring = false",
        )
    return MissionSpec(
        side=code,
        tour_months=table.tour_months,
        visa_rate=table.visa_rate,
        staff_cap=cap,
        travel_limit_km=table.travel_limit_km,
        banking=table.banking,
        local_hiring=table.local_hiring,
        ambassador=table.ambassador,
        visa_term_days=table.visa_term_days,
        posts=tuple(posts),
        properties=tuple(props),
        source=table.source,
    )


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file and prove, by replaying it, that every event is possible at its date."""
    scenario = parse_scenario(path)
    check_events(scenario)
    return scenario
