"""Figures for the page, as PNG bytes: the project's own figures (`sim.plots.figures`) drawn from
rows held in memory, and a small chart of a run being stepped."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.app.ensemble import Fan  # noqa: E402
from sim.app.stepper import Stepper  # noqa: E402
from sim.plots.figures import SIDE_COLOURS, fan_figure, staff_figure  # noqa: E402
from sim.rules.calendar import month_label  # noqa: E402

DPI = 80  # the page shows figures at about their pixel size; the saved files keep the CLI's resolution


def fan_png(fan: Fan, observations: list[dict[str, object]], title: str, marks: list[tuple[str, str]] = ()) -> bytes:
    """The fan chart of `tft run --replicates N` (median, 50% and 90% bands, observations)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"savefig.dpi": DPI}):
        fan_figure(fan.rows, _as_text(observations), title, buffer, list(marks))
    return buffer.getvalue()


def staff_png(
    trajectories: list[dict[str, object]],
    events: list[dict[str, object]],
    observations: list[dict[str, object]],
    title: str,
) -> bytes:
    """The staff chart of a single run (`staff.png`): both missions, events marked, observations."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"savefig.dpi": DPI}):
        staff_figure(_as_text(trajectories), _as_text(events), _as_text(observations), title, buffer)
    return buffer.getvalue()


def _as_text(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    """Rows as a CSV reader would return them: the figures are drawn from files."""
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def stepped_png(stepper: Stepper) -> bytes:
    """Staff of both missions month by month up to the month reached, on the run's whole time axis."""
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
