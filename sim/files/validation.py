"""Validation of every input (scenario, sweep file, parameter overlay, `--set` and `--policy`
values) with one library, pydantic v2, and one error format.

Why pydantic rather than msgspec: both validate strictly (no `true` read as 1, no "1" read as a
number) and forbid unknown keys, but pydantic reports every error as data (the key path as a
tuple, an error type, the value found, a context) where msgspec gives one formatted string.
Turning errors into `FILE: KEY.PATH (line N): what is wrong (allowed: ...)` needs that data.
Its `allow_inf_nan=False` also refuses nan and inf in every number. Speed, msgspec's strength,
does not matter for files read once per command.

The models here and in the `*_models` modules check the shape and range of each value; the
readers then check what spans several values (ids that must exist, dates inside the run) with
the same error format, and build the frozen objects the rest of the code uses.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from sim.errors import ScenarioError
from sim.files.toml_input import LineIndex, Loc, key_path
from sim.rules.calendar import DATE_FORMS, DateError, parse_date

# Bounds of counts: far above any real mission, far below what int32 totals could overflow.
MAX_COUNT = 1_000_000  # staff of one category at one post; people in one measure; a staff cap
MAX_MISSION = 10_000_000  # a mission's staff at the start plus every person its events can add
MAX_SEED = 2**63 - 1
NAME_LENGTH = 64
NAME = re.compile(rf"[A-Za-z0-9_-]{{1,{NAME_LENGTH}}}")
NAME_ALLOWED = f"1 to {NAME_LENGTH} letters, digits, '_' and '-'"


class Strict(BaseModel):
    """Base of every input model: strict types, no unknown keys, no nan or inf, frozen."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


def problem(text: str, allowed: str | None = None) -> PydanticCustomError:
    """An error raised inside a validator, carrying what is wrong and what is allowed."""
    return PydanticCustomError("input", "{problem}", {"problem": text, "allowed": allowed})


def split_allowed(message: str) -> tuple[str, str | None]:
    """`unknown policy 'x' (allowed: a, b)` -> ("unknown policy 'x'", "a, b")."""
    match = re.search(r" \(allowed: (.*)\)$", message)
    return (message[: match.start()], match.group(1)) if match else (message, None)


def _bound(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else (f"{value:,.0f}" if abs(value) >= 1e5 else str(value))


def _span(low: float, high: float) -> str:
    return f"{_bound(low)} to {_bound(high)}"


def _in_range(low: float, high: float) -> Callable[[float], float]:
    def check(value: float) -> float:
        if not low <= value <= high:
            raise problem(f"{shown(value)} is out of range", _span(low, high))
        return value

    return check


def Number(low: float, high: float) -> Any:  # noqa: N802 - a type, read as one
    """A finite number (an integer is read as a float) between low and high."""
    return Annotated[float, AfterValidator(_in_range(float(low), float(high)))]


def Integer(low: int, high: int) -> Any:  # noqa: N802
    """A whole number between low and high (never a float, never true or false)."""
    return Annotated[int, AfterValidator(_in_range(low, high))]


Count = Integer(0, MAX_COUNT)
Seed = Integer(0, MAX_SEED)


def Choice(options: Sequence[str]) -> Any:  # noqa: N802
    """One of the given strings."""

    def check(value: str) -> str:
        if value not in options:
            raise problem(f"unknown value {shown(value)}", ", ".join(options))
        return value

    return Annotated[str, AfterValidator(check)]


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise problem(f"{shown(value)} cannot name a results folder", NAME_ALLOWED)
    return value


Name = Annotated[str, AfterValidator(_name)]


def _date(value: Any) -> tuple[int, int]:
    if not isinstance(value, str | dt.date):
        raise problem(f"expected a date, found {found(value)}", DATE_FORMS)
    try:
        return parse_date(value)
    except DateError as exc:  # the forms are said once, as what is allowed
        raise problem(exc.problem, DATE_FORMS) from None


Date = Annotated[Any, AfterValidator(_date)]  # -> (month index, day)


def shown(value: Any, limit: int = 60) -> str:
    """A value as it appears in a message: short, quoted if a string."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "..."
        return f"'{text}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"an integer of {len(str(abs(value)))} digits"
    return str(value)


def found(value: Any) -> str:
    """What was found, for 'expected X, found Y'."""
    if isinstance(value, bool):
        return shown(value)
    if isinstance(value, int):
        return shown(value) if abs(value) >= 10**20 else f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {shown(value)}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return f"the date {value}"
    return type(value).__name__


_EXPECTED = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "an array",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "tuple_type": "an array",
}


def _strip(annotation: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            others = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(others) != 1:
                return annotation
            annotation = others[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _annotation_at(root: type[BaseModel], loc: Loc) -> Any:
    """The declared type of the value at `loc` (None where the models do not say)."""
    annotation: Any = root
    for part in loc:
        annotation = _strip(annotation)
        origin = typing.get_origin(annotation)
        if origin in (list, tuple):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        elif _is_model(annotation):
            fields = {f.alias or name: f for name, f in annotation.model_fields.items()}
            if part not in fields:
                return None
            annotation = fields[part].annotation
        else:
            return None
    return _strip(annotation)


def _keys(model: type[BaseModel]) -> str:
    return ", ".join(f.alias or name for name, f in model.model_fields.items())


def _describe(error: dict, root: type[BaseModel], loc: Loc) -> tuple[str, str | None]:
    """What is wrong and what is allowed, for one pydantic error at the key path `loc`."""
    kind, value = error["type"], error.get("input")
    context = error.get("ctx") or {}
    if kind == "input":
        return context["problem"], context.get("allowed")
    if kind == "extra_forbidden":
        holder = _annotation_at(root, error["loc"][:-1])
        return "unknown key", _keys(holder) if _is_model(holder) else None
    if kind == "missing":
        if _is_model(_annotation_at(root, error["loc"])):
            return f"missing required table [{key_path(loc)}]", None
        return "missing required key", None
    if kind == "finite_number":
        return f"expected a finite number, found {value}", None
    if kind == "int_type" and isinstance(value, float) and math.isfinite(value):
        return f"expected a whole number, found {value}", None
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {found(value)}", None
    if kind in ("too_short", "too_long"):
        low, high = context.get("min_length"), context.get("max_length")
        allowed = f"{low or 0} to {high} items" if high is not None else f"at least {low} items"
        return f"found {context.get('actual_length')} items", allowed
    if kind == "value_error":
        return split_allowed(str(context.get("error", error["msg"])))
    return error["msg"], None


def _first(errors: list[dict]) -> dict:
    """The error to report: an unknown key first (a misspelt key also makes one look missing)."""
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    return (unknown or errors)[0]


def validate(
    model: type[Strict], data: Any, source: str, lines: LineIndex | None = None, at: Loc = (), drop: int = 0
) -> Any:
    """`data` validated by `model`; the first problem as a ScenarioError in the one format.

    `at` is the key path of `data` inside its file, for the message and the line; `drop` leaves
    out the first parts of the model's own key path (a value validated as `{key: value}`)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = _first(exc.errors(include_url=False))
        loc = (*at, *error["loc"][drop:])
        text, allowed = _describe(error, model, loc)
        line = lines.line(loc) if lines is not None else None
        raise ScenarioError(source, key_path(loc), text, allowed, line) from None
    except RecursionError:
        raise ScenarioError(source, key_path(at), "values nested too deeply") from None
