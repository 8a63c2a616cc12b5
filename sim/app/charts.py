"""Figures for the page, as PNG bytes: the project's own figures (`sim.plots.figures`) drawn from
rows held in memory, and a small chart of a run being stepped."""

from __future__ import annotations

import io
import tempfile
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.app.ensemble import Fan  # noqa: E402
from sim.app.stepper import Stepper  # noqa: E402
from sim.plots.figures import SIDE_COLOURS, fan_figure, staff_figure  # noqa: E402
from sim.rules.calendar import month_label  # noqa: E402

# pyplot keeps global state: the server's sessions draw one figure at a time
_LOCK = threading.RLock()

DPI = 80  # the stepping chart is redrawn every month: small and quick


def _drawn(draw, *args, **keywords) -> bytes:
    """A figure function of `sim.plots` writes a file (safely, as results are written): draw into a
    private folder and return the PNG's bytes."""
    with tempfile.TemporaryDirectory(prefix="tft-page-") as folder:
        path = Path(folder) / "figure.png"
        draw(*args, path, **keywords)
        return path.read_bytes()


def fan_png(fan: Fan, observations: list[dict[str, object]], title: str, marks: list[tuple[str, str]] = ()) -> bytes:
    """The fan chart of `tft run --replicates N` (median, 50% and 90% bands, observations)."""
    with _LOCK:
        return _drawn(fan_figure, fan.rows, _as_text(observations), title, marks=list(marks))


def staff_png(
    trajectories: list[dict[str, object]],
    events: list[dict[str, object]],
    observations: list[dict[str, object]],
    title: str,
) -> bytes:
    """The staff chart of a single run (`staff.png`): both missions, events marked, observations."""
    with _LOCK:
        return _drawn(staff_figure, _as_text(trajectories), _as_text(events), _as_text(observations), title)


def _as_text(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    """Rows as a CSV reader would return them: the figures are drawn from files."""
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def stepped_png(stepper: Stepper) -> bytes:
    """Staff of both missions month by month up to the month reached, on the run's whole time axis."""
    with _LOCK:
        return _stepped(stepper)


def _stepped(stepper: Stepper) -> bytes:
    sides = stepper.model.world.sides
    months = [np.datetime64(label, "M") for label, *_ in stepper.staff]
    start = np.datetime64(month_label(stepper.plan.start), "M")
    end = start + np.timedelta64(stepper.months_total, "M")
    fig, ax = plt.subplots(figsize=(9, 3.2))
    top = 1.0
    for side, code in enumerate(sides):
        values = [row[1 + side] for row in stepper.staff]
        top = max([top, *values])
        ax.step(
            months, values, where="post", lw=2, color=SIDE_COLOURS[side], label=f"{code} mission in {sides[1 - side]}"
        )
    ax.set_xlim(start, end)
    ax.set_ylim(0, top * 1.1)
    ax.set_ylabel("staff (people)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(f"run seed {stepper.key}: {stepper.months_done} of {stepper.months_total} months", fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
