"""Kinds and statuses of the domain, as enums (stored as small integers in the state arrays)."""

from __future__ import annotations

from enum import Enum, IntEnum, StrEnum


class Category(IntEnum):
    """Staff categories of a post. Diplomats and support are sent from home and rotate."""

    DIPLOMATS = 0
    SUPPORT = 1
    LOCAL = 2


SENT = (Category.DIPLOMATS, Category.SUPPORT)


class PostKind(IntEnum):
    EMBASSY = 0
    CONSULATE = 1
    UN_MISSION = 2
    TRADE_MISSION = 3
    # Bodies: a state's presence beside its diplomatic posts, which a host can act on as on a post
    # (accredit, expel, cap, close) but which do not count in the mission's figures.
    MEDIA_BUREAU = 4
    CULTURAL_BODY = 5


BODIES = (PostKind.MEDIA_BUREAU, PostKind.CULTURAL_BODY)


class NoticeScope(IntEnum):
    """What a notification or approval regime covers: the staff's travel, their meetings with the
    host's officials and institutions."""

    TRAVEL = 0
    MEETINGS = 1


class PostStatus(IntEnum):
    OPEN = 0
    SUSPENDED = 1
    CLOSED = 2


class PropertyKind(IntEnum):
    COMPOUND = 0
    RESIDENCE = 1
    DACHA = 2
    WAREHOUSE = 3
    OFFICE = 4


class PropertyStatus(IntEnum):
    IN_USE = 0
    SEIZED = 1
    RETURNED = 2
    # The post the property houses (`PropertySpec.post`) is closed or suspended: still the owner's,
    # standing empty, until the post reopens or the host seizes it.
    VACATED = 3


class Cause(StrEnum):
    """Why a measure or shock happened: forced by the scenario, chosen by a policy, noise, crisis."""

    FORCED = "forced"
    POLICY = "policy"
    NOISE = "noise"
    CRISIS = "crisis"


def enum_name(member: Enum) -> str:
    """The lower-case name used in files and columns: `PostKind.UN_MISSION` -> `un_mission`."""
    return member.name.lower()


def enum_names(enum: type[Enum]) -> list[str]:
    return [enum_name(m) for m in enum]  # type: ignore[arg-type]


def enum_from_name(enum: type[Enum], name: str) -> Enum:
    """Inverse of `enum_name`; raises KeyError for unknown names."""
    return enum[name.upper()]
