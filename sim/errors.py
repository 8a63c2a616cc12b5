"""Errors the library raises for bad input; the CLI turns them into one-line messages."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Text with its control characters escaped, so that a message stays on one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def input_message(source: str, where: str, problem: str, allowed: str | None = None, line: int | None = None) -> str:
    """The one format of every input error: `SOURCE: KEY.PATH (line N): what is wrong (allowed: ...)`.

    SOURCE is a file, or a command-line option such as `--set`; the key path and line are left
    out when unknown."""
    head = source + (f": {where}" if where else "") + (f" (line {line})" if line else "")
    message = f"{head}: {problem}"
    if allowed:
        message += f" (allowed: {allowed})"
    return one_line(message)


class SimError(Exception):
    """Base class: a problem with what the user gave, not a bug."""


class ScenarioError(SimError):
    """An input file (scenario, sweep file, parameter overlay) or command-line value that cannot be
    used: names the file or option, the key path, the line, what is wrong and what is allowed."""

    def __init__(self, path: str, where: str, problem: str, allowed: str | None = None, line: int | None = None):
        self.path = path
        self.where = where
        self.problem = problem
        self.allowed = allowed
        self.line = line
        super().__init__(input_message(path, where, problem, allowed, line))


class ResultsError(SimError):
    """A results directory that is missing or not one this program wrote."""


class CapacityError(SimError):
    """A run that grew past what the engine can count (a mission of more than 2**30 staff)."""
