"""The `tft` command line: parses options, calls the library, turns library errors into one line.
Each command is a thin module here; the library does the work."""

from __future__ import annotations

from sim.cli import app, experiments, export, inspection, robust, run, transfer  # noqa: F401  (the commands register on the group)
from sim.cli.base import cli


def main() -> None:
    cli(prog_name="tft")
