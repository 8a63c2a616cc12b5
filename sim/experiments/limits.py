"""How much one command may ask for: work and memory are estimated before anything is allocated,
and a request beyond these limits is refused with one line (docs/limits.md lists them).

The limits are far above what the studies here need (the de-escalation sweep is 450 points of
20 replicates over 130 months) and low enough that a typing slip (`-n 10000000000`,
`until = "9999-12"`) fails at once instead of filling memory or the disk for an hour.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from sim.errors import SimError

MAX_MONTHS = 1200  # months in one run: 100 years
MAX_RUNS = 1_000_000  # runs of one `tft run`
CHUNK_RUNS = 10_000  # runs simulated at once by default; memory grows with it, not with the runs
# ... when a chunk keeps only a summary (benchmarks/scale.py: the month's fixed cost in Python is
# shared by more runs; a worker peaked at 252 MB, against 217 MB with 10,000)
SUMMARY_CHUNK_RUNS = 25_000
MAX_POINTS = 100_000  # design points of a sweep
MAX_SWEEP_RUNS = 100_000_000  # points x replicates
MAX_SCREEN = 100_000  # Latin-hypercube points per pair of families in a calibration
MAX_CALIBRATION_RUNS = 100_000_000  # simulated runs of a whole calibration
MEMORY = 2 * 2**30  # bytes the per-month figures of one chunk of runs may take

BYTES_PER_CELL = 16  # one float64 figure per month, for both sides
EVENT_BYTES_PER_MONTH = 256  # logged events of one run, a generous average
ROW_BYTES = 110  # one row of trajectories.csv on disk, a generous average


class LimitError(SimError):
    """A request beyond the documented limits."""


def check_months(months: int, start: str, end: str) -> None:
    if months > MAX_MONTHS:
        raise LimitError(
            f"--until: the run from {start} to {end} would last {months} months "
            f"(allowed: at most {MAX_MONTHS} months, see docs/limits.md)"
        )


def check_runs(runs: int) -> None:
    if runs > MAX_RUNS:
        raise LimitError(f"--replicates: {runs} runs is too many for one tft run (allowed: 1 to {MAX_RUNS:,})")


def chunk_for(chunk: int, months: int, columns: int, events: bool) -> int:
    """The chunk of runs simulated at once: `chunk`, or fewer if their per-month figures and
    event logs would take more than MEMORY (the results do not depend on the chunk)."""
    per_run = months * (columns * BYTES_PER_CELL + (EVENT_BYTES_PER_MONTH if events else 0))
    return max(1, min(chunk, MEMORY // max(per_run, 1)))


def check_disk(folder: Path, runs: int, months: int) -> None:
    """Refuse to start writing every trajectory of an ensemble that cannot fit on the disk."""
    needed = runs * months * 2 * ROW_BYTES
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return
    if needed > free:
        raise LimitError(
            f"--keep all: {runs:,} runs of {months} months need about {needed / 1e9:.1f} GB for "
            f"trajectories.csv, and {existing} has {free / 1e9:.1f} GB free (use --keep summary or fewer runs)"
        )


def design_size(levers: tuple, uncertainties: tuple, design: str, samples: int) -> int:
    """The number of design points, counted without making them."""
    if design in ("sobol", "morris"):
        from sim.files.sweep_design import sensitivity_size

        return sensitivity_size(design, samples, len(levers) + len(uncertainties))
    combos = math.prod(len(values) for _, values in levers)
    if not uncertainties:
        return combos
    if design == "grid":
        return combos * math.prod(points for *_, points in uncertainties)
    return combos * samples


def check_sweep(path: str, levers: tuple, uncertainties: tuple, design: str, samples: int, replicates: int) -> int:
    """The number of design points, if the sweep is within the limits."""
    from sim.files.sweep_file import MAX_REPLICATES  # the sweep file's own bound on its replicates

    points = design_size(levers, uncertainties, design, samples)
    if points > MAX_POINTS:
        where = "design.samples" if design != "grid" and uncertainties else "levers and uncertainties"
        raise LimitError(f"{path}: {where}: the design has {points:,} points (allowed: at most {MAX_POINTS:,})")
    if replicates > MAX_REPLICATES:
        raise LimitError(f"{path}: sweep.replicates: {replicates:,} replicates (allowed: at most {MAX_REPLICATES:,})")
    if points * replicates > MAX_SWEEP_RUNS:
        raise LimitError(
            f"{path}: {points:,} points x {replicates:,} replicates is {points * replicates:,} runs "
            f"(allowed: at most {MAX_SWEEP_RUNS:,})"
        )
    return points


def check_calibration(
    pairs: int, parameters: int, screen: int, refine: int, maxiter: int, popsize: int, replicates: int, months: int
) -> None:
    """Refuse a calibration whose simulated runs or per-evaluation memory exceed the limits."""
    if screen > MAX_SCREEN:
        raise LimitError(f"--screen: {screen:,} points per pair (allowed: at most {MAX_SCREEN:,})")
    per_run = months * (6 * BYTES_PER_CELL + 2 * 26 * 2)  # six figures and the kinds' counts
    if replicates * per_run > MEMORY:
        raise LimitError(
            f"--replicates: {replicates:,} runs of {months} months per candidate need more than "
            f"{MEMORY // 2**30} GiB (allowed: at most {MEMORY // per_run:,})"
        )
    evaluations = pairs * screen + min(refine, pairs) * (maxiter + 1) * popsize * parameters + 4
    runs = evaluations * replicates
    if runs > MAX_CALIBRATION_RUNS:
        raise LimitError(
            f"--screen, --refine, --maxiter and --replicates ask for about {runs:,} simulated runs "
            f"(allowed: at most {MAX_CALIBRATION_RUNS:,}; see docs/limits.md)"
        )
