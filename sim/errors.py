"""Errors the library raises for bad input; the CLI turns them into one-line messages."""

from __future__ import annotations


class SimError(Exception):
    """Base class: a problem with what the user gave, not a bug."""


class ScenarioError(SimError):
    """A scenario file that cannot be loaded: names the file, where, what is wrong, what is allowed."""

    def __init__(self, path: str, where: str, problem: str, allowed: str | None = None, line: int | None = None):
        self.path = path
        self.where = where
        self.problem = problem
        self.allowed = allowed
        self.line = line
        location = f"{path}:{line}" if line else path
        message = f"{location}: {where}: {problem}" if where else f"{location}: {problem}"
        if allowed:
            message += f" (allowed: {allowed})"
        super().__init__(message)


class ResultsError(SimError):
    """A results directory that is missing or not one this program wrote."""
