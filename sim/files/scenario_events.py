"""The `[[events]]` of a scenario file: each table checked by the model of its kind (from the
measure catalogue), then its sides, posts, properties and date checked against the scenario."""

from __future__ import annotations

from sim.files.scenario_models import EVENT_KEYS, EVENT_MODELS, JOINT_KINDS, SHOCK, SIDE_CODE
from sim.files.toml_input import TomlFile
from sim.files.validation import MAX_MISSION, found, shown, validate
from sim.rules.calendar import date_label, month_label
from sim.rules.domain import Category, NoticeScope, enum_from_name
from sim.rules.measures import CATALOGUE, Measure, MeasureKind, Role, Shock

# Measures that add people to a mission: their sizes count toward the mission's bound.
_ADDING = (MeasureKind.ADD_STAFF, MeasureKind.HIRE_LOCAL_STAFF)


class EventReader:
    """Reads the events of one scenario file, in file order."""

    def __init__(
        self,
        file: TomlFile,
        codes: tuple[str, str],
        start: int,
        end: int,
        post_index: dict[str, int],
        prop_index: dict[str, int],
        staff: list[int],
        post_owner: dict[str, int] | None = None,
        prop_owner: dict[str, int] | None = None,
    ):
        self.file = file
        self.codes = codes
        self.start = start
        self.end = end
        self.post_index = post_index
        self.prop_index = prop_index
        self.post_owner = post_owner or {}
        self.prop_owner = prop_owner or {}
        self.staff = list(staff)  # each mission's starting staff plus what the events so far add

    def read(self, tables: list[dict]) -> tuple[list[Measure | Shock], list[tuple[str, int | None]]]:
        """The events (numbered in file order by `seq`) and each one's key path and line."""
        events: list[Measure | Shock] = []
        where: list[tuple[str, int | None]] = []
        lines = self.file.lines.table_lines("events", len(tables))
        for index, table in enumerate(tables):
            at = ("events", index)
            for event in self._event(table, at):
                events.append(_with_seq(event, len(where)))
                where.append((f"events[{index}]", lines[index]))
        return events, where

    def _event(self, table: dict, at: tuple) -> list[Measure | Shock]:
        fail = self.file.fail
        kind_name = table.get("kind")
        if "kind" not in table:
            fail((*at, "kind"), "missing required key", ", ".join(EVENT_MODELS))
        if not isinstance(kind_name, str):
            fail((*at, "kind"), f"expected a string, found {found(kind_name)}")
        if kind_name not in EVENT_MODELS:
            fail((*at, "kind"), f"unknown value {shown(kind_name)}", ", ".join(EVENT_MODELS))
        model = EVENT_MODELS[kind_name]
        for key in table:
            if key in EVENT_KEYS and key not in model.model_fields:
                fail((*at, key), f"key '{key}' is not used by kind '{kind_name}'", ", ".join(model.model_fields))
        entry = validate(model, table, self.file.path, self.file.lines, at)
        month, day = entry.date
        if not self.start <= month <= self.end:
            fail(
                (*at, "date"),
                f"{month_label(month)} is outside the run",
                f"{month_label(self.start)} to {month_label(self.end)}",
            )
        announced = self._announced(entry.announced, (month, day), at)
        actors = (*self.codes, "both") if kind_name in JOINT_KINDS else self.codes
        if entry.actor == "both" and kind_name not in JOINT_KINDS:
            joint = " and ".join(JOINT_KINDS)
            fail(
                (*at, "actor"), f"'both' takes only {joint} (both sides at once), not '{kind_name}'", ", ".join(actors)
            )
        if entry.actor not in actors:
            fail((*at, "actor"), f"unknown side {shown(entry.actor)}", ", ".join(actors))
        if kind_name == SHOCK:
            actor = self.codes.index(entry.actor)
            if entry.party is not None and (entry.party in self.codes or not SIDE_CODE.fullmatch(entry.party)):
                fail(
                    (*at, "party"),
                    f"{shown(entry.party)} is not a third party",
                    f"the 2-3 upper-case letters of a country other than {' and '.join(self.codes)}, e.g. UK",
                )
            return [
                Shock(
                    actor=actor,
                    target=1 - actor,
                    month=month,
                    day=day,
                    announced=announced,
                    name=entry.name,
                    severity=entry.severity,
                    source=entry.source,
                    description=entry.description,
                    denied=entry.denied,
                    party=entry.party or "",
                )
            ]
        kind = MeasureKind[kind_name.upper()]
        role = CATALOGUE[kind].role
        actors_ = [0, 1] if entry.actor == "both" else [self.codes.index(entry.actor)]
        measures = []
        for actor in actors_:
            expected = actor if role is Role.SELF else 1 - actor
            if CATALOGUE[kind].owner_may_take and actor == self._owner_named(entry):
                expected = actor  # a state reopening its own post
            if entry.target is not None:
                if entry.target not in self.codes:
                    fail((*at, "target"), f"unknown side {shown(entry.target)}", ", ".join(self.codes))
                if role is not Role.JOINT and entry.target != self.codes[expected]:
                    who = "the actor's own mission" if role is Role.SELF else "the other side's mission"
                    fail(
                        (*at, "target"),
                        f"'{kind_name}' acts on {who}, not {entry.target}'s",
                        self.codes[expected],
                    )
            target = 1 - actor if entry.actor == "both" else self.codes.index(entry.target or self.codes[expected])
            keep_local = getattr(entry, "local", None) == "keep"
            if keep_local and actor != target:
                fail(
                    (*at, "local"),
                    f"a host closing {self.codes[target]}'s post does not keep its local staff employed",
                    "local = 'keep' with suspend_post, or with close_post on one's own post",
                )
            size = getattr(entry, "size", None)
            if kind in _ADDING:
                self.staff[target] += size
                if self.staff[target] > MAX_MISSION:
                    fail(
                        (*at, "size"),
                        f"with this event {self.codes[target]}'s mission could reach {self.staff[target]:,} staff",
                        f"at most {MAX_MISSION:,} staff per mission, at the start plus every person events add",
                    )
            measures.append(
                Measure(
                    kind=kind,
                    actor=actor,
                    target=target,
                    month=month,
                    day=day,
                    announced=announced,
                    size=size,
                    post=self._post(entry, at, kind, actor, target),
                    prop=self._property(entry, at, target),
                    categories=_categories(entry),
                    posts=self._posts(entry, at, kind, actor, target),
                    home=getattr(entry, "staff", None) == "home",
                    keep_local=keep_local,
                    scope=_scope(entry),
                    approval=getattr(entry, "approval", False),
                    from_post=self._post(entry, at, kind, actor, target, "from_post"),
                    source=entry.source,
                    description=entry.description,
                )
            )
        return measures

    def _announced(self, announced: tuple[int, int] | None, date: tuple[int, int], at: tuple):
        """The date announced, on or before the date in force and inside the run."""
        if announced is None:
            return None
        (month, day), (in_force, in_force_day) = announced, date
        later = month > in_force or (month == in_force and day and in_force_day and day > in_force_day)
        if later:
            self.file.fail(
                (*at, "announced"),
                f"{date_label(month, day)} is after the date in force {date_label(in_force, in_force_day)}",
                "a date on or before the event's date",
            )
        if month < self.start:
            self.file.fail(
                (*at, "announced"),
                f"{date_label(month, day)} is before the run starts",
                f"{month_label(self.start)} to the event's date",
            )
        return announced

    def _owner_named(self, entry) -> int | None:
        """The side whose post the event names, or whose mission `target` names."""
        if entry.target in self.codes:
            return self.codes.index(entry.target)
        return self.post_owner.get(getattr(entry, "post", None))

    def _posts_allowed(self, kind: MeasureKind, actor: int, target: int) -> str:
        """The posts an event may name: the target's, and for a measure a state may also take on
        its own post, the actor's."""

        def of(side: int) -> str:
            return ", ".join(p for p in self.post_index if self.post_owner.get(p) == side)

        allowed = f"the posts and bodies of {self.codes[target]}: {of(target)}"
        if CATALOGUE[kind].owner_may_take and actor != target:
            verb = kind.label.removesuffix("_post")
            allowed += f"; or, to {verb} one of its own, those of {self.codes[actor]}: {of(actor)}"
        return allowed

    def _post(self, entry, at: tuple, kind: MeasureKind, actor: int, target: int, key: str = "post") -> int | None:
        post_id = getattr(entry, key, None)
        if post_id is None:
            return None
        if post_id not in self.post_index:
            self.file.fail((*at, key), f"unknown post {shown(post_id)}", self._posts_allowed(kind, actor, target))
        return self.post_index[post_id]

    def _posts(self, entry, at: tuple, kind: MeasureKind, actor: int, target: int) -> tuple[int, ...] | None:
        ids = getattr(entry, "posts", None)
        if ids is None:
            return None
        if getattr(entry, "post", None) is not None:
            self.file.fail((*at, "posts"), "both post and posts given", "post (one post or body) or posts (several)")
        for index, post_id in enumerate(ids):
            if post_id not in self.post_index:
                allowed = self._posts_allowed(kind, actor, target)
                self.file.fail((*at, "posts", index), f"unknown post {shown(post_id)}", allowed)
        return tuple(sorted(self.post_index[p] for p in ids))

    def _property(self, entry, at: tuple, target: int) -> int | None:
        prop_id = getattr(entry, "property", None)
        if prop_id is None:
            return None
        if prop_id not in self.prop_index:
            self.file.fail((*at, "property"), f"unknown property {shown(prop_id)}", self._properties_allowed(target))
        return self.prop_index[prop_id]

    def _properties_allowed(self, target: int) -> str:
        code = self.codes[target]
        ids = [p for p in self.prop_index if self.prop_owner.get(p) == target]
        if not ids:
            return f"a property listed under [[missions.{code}.properties]]; there are none"
        return f"the properties of {code}: {', '.join(ids)}"


def _categories(entry) -> tuple[int, ...] | None:
    names = getattr(entry, "categories", None)
    return None if names is None else tuple(sorted(int(enum_from_name(Category, n)) for n in names))


def _scope(entry) -> tuple[int, ...] | None:
    name = getattr(entry, "scope", "both")
    return None if name == "both" else (int(enum_from_name(NoticeScope, name)),)


def _with_seq(event: Measure | Shock, seq: int) -> Measure | Shock:
    from dataclasses import replace

    return replace(event, seq=seq)
