"""The `tft` command line: parses options, calls the library, turns library errors into one line.
Each command is a thin module here; the library does the work."""

from __future__ import annotations

from sim.cli.base import LazyCommands, cli, quiet_start

# The module of each command, imported only when the command runs or the commands are listed:
# a replay must not pay for importing what sweeps, fits or the page use.
cli.commands = LazyCommands(
    {
        "app": "sim.cli.app",
        "calibrate": "sim.cli.experiments",
        "export": "sim.cli.export",
        "infer": "sim.cli.experiments",
        "plot": "sim.cli.inspection",
        "policies": "sim.cli.inspection",
        "robust": "sim.cli.robust",
        "run": "sim.cli.run",
        "sbc": "sim.cli.calibration_check",
        "sweep": "sim.cli.experiments",
        "transfer": "sim.cli.transfer",
        "validate": "sim.cli.inspection",
    }
)


def main() -> None:
    quiet_start()
    cli(prog_name="tft")
