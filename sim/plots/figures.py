"""Figures: staff levels of both missions over time, events marked, observations as markers."""

from __future__ import annotations

import functools
import itertools
import warnings
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.markers import MarkerStyle  # noqa: E402
from matplotlib.transforms import IdentityTransform  # noqa: E402

from sim.files.safe import save_figure  # noqa: E402
from sim.plots.layout import LABEL_SIZE, PAD, PLOT_WIDTH, RIGHT, lay_out, text_width  # noqa: E402
from sim.rules.state import FIGURES  # noqa: E402

SIDE_COLOURS = ("#1f4e99", "#b5262b", "#2b8a3e", "#7b3f99")
BOUND_MARKERS = {"equal": "o", "upper": "v", "lower": "^"}
BOUND_WORDS = {"equal": "about", "upper": "at most", "lower": "at least"}
# An event group is labelled on the chart when it is at least this hostile or conciliatory.
MAJOR_HOSTILE = -5.0
MAJOR_CONCILIATORY = 3.0
SEVERITY_COLOURS = colormaps["RdYlGn"]  # red: hostile, green: conciliatory


def plain_text(draw):
    """Draw with every label as plain text: a '$' in a title or a description is a dollar sign,
    not TeX, whatever the user's matplotlibrc says; matplotlib's warnings (a glyph the font
    lacks) are not the user's business."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return draw(*args, **kwargs)

    return wrapper


def _month(label: str) -> np.datetime64:
    return np.datetime64(label[:7], "M")


STAFF_PARTS = ("staff_total", "diplomats", "support", "local")
LINE_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))  # one per observed figure of a panel
NOT_DRAWN_SHOWN = 4  # observations named in a figure's note; the rest are counted


def drawn_from(column: str, available) -> tuple[str, ...] | None:
    """The columns of trajectories.csv whose sum an observation's `column` is (`diplomats+support`:
    diplomats and support), or None when they do not hold it: a figure of some posts only
    (`diplomats@ru_embassy_prague`) or a column the table lacks."""
    parts = tuple(column.split("+"))
    if "@" in column or not all(part in available and part in FIGURES for part in parts):
        return None
    if len(parts) > 1 and not all(part in STAFF_PARTS for part in parts):
        return None
    return parts


def sort_observations(observations: list[dict[str, str]], available) -> tuple[dict, dict, list]:
    """The observations by the panel they are drawn on: people (staff of a whole mission) and
    other counts (posts open, properties lost), each by (side, column); and those not drawn."""
    people: dict[tuple[str, str], list[dict[str, str]]] = {}
    counts: dict[tuple[str, str], list[dict[str, str]]] = {}
    undrawn = []
    for obs in observations:
        parts = drawn_from(obs["column"], available)
        if parts is None:
            undrawn.append(obs)
            continue
        panel = people if all(part in STAFF_PARTS for part in parts) else counts
        panel.setdefault((obs["side"], obs["column"]), []).append(obs)
    return people, counts, undrawn


def not_drawn_note(undrawn: list[dict[str, str]], why: str) -> str:
    """The line a figure carries about the observations it does not draw, and why."""
    if not undrawn:
        return ""
    named = [f"{o['side']} {o['column']} {o['date'][:7]}" for o in undrawn[:NOT_DRAWN_SHOWN]]
    more = len(undrawn) - len(named)
    listed = "; ".join(named) + (f"; and {more} more" if more else "")
    noun = "observation" if len(undrawn) == 1 else "observations"
    return f"Not drawn: {len(undrawn)} {noun} ({listed}): {why}."


def _value(row: dict[str, str], parts: tuple[str, ...]) -> float:
    cells = [row[part] for part in parts]
    return float("nan") if "" in cells else sum(float(cell) for cell in cells)


def _markers(ax, observations: list[dict[str, str]], colour: str) -> None:
    """A marker per observation, by its bound; consecutive ones with the same marker are one line,
    which draws them in the same order as one line each would (and is much faster to make)."""
    for marker, run in itertools.groupby(observations, key=lambda obs: BOUND_MARKERS.get(obs["bound"], "o")):
        run = list(run)
        ax.plot(
            np.array([_month(obs["date"]) for obs in run]) + np.timedelta64(0, "D"),
            [float(obs["value"]) for obs in run],
            marker=marker,
            ms=8,
            mfc="white",
            mec=colour,
            mew=2,
            ls="none",
            zorder=5,
        )


def _observed_lines(ax, trajectories, observed: dict, colour: dict[str, str], host: dict[str, str]) -> None:
    """Each observed figure of a side (but staff_total, drawn already) as a thin dashed line, with
    its observations as markers."""
    styles = {}
    for (side, column), observations in observed.items():
        if column != "staff_total":
            style = styles.setdefault(column, LINE_STYLES[len(styles) % len(LINE_STYLES)])
            rows = [r for r in trajectories if r["side"] == side]
            parts = drawn_from(column, rows[0])
            x = np.array([_month(r["date"]) for r in rows])
            y = np.array([_value(r, parts) for r in rows])
            ax.step(
                x,
                y,
                where="post",
                color=colour[side],
                lw=1.2,
                ls=style,
                label=f"{side} mission in {host[side]}: {column}",
            )
        _markers(ax, observations, colour[side])


def _group_events(events: list[dict[str, str]]) -> list[dict]:
    """Group the events of one month by actor and kind: 'US expel 60'."""
    groups: dict[tuple, dict] = defaultdict(lambda: {"size": 0.0, "severity": 0.0, "count": 0})
    for event in events:
        if event["cause"] not in ("forced", "policy", "crisis", "noise"):
            continue
        key = (event["date"][:7], event["actor"], event["target"], event["kind"])
        group = groups[key]
        group["count"] += 1
        group["size"] += float(event["size"]) if event["size"] not in ("", None) else 0.0
        severity = float(event["severity"]) if event["severity"] else 0.0
        group["severity"] = min(group["severity"], severity) if severity < 0 else max(group["severity"], severity)
        group["description"] = event.get("description", "")
    out = []
    for (month, actor, target, kind), group in groups.items():
        out.append({"month": month, "actor": actor, "target": target, "kind": kind, **group})
    return sorted(out, key=lambda g: g["month"])


def _label(group: dict) -> str:
    kind = group["kind"]
    if kind == "shock":
        name = group["description"].split(":")[0]
        return f"{group['actor']}: {name}"
    words = kind.replace("_", " ")
    if kind in ("expel", "force_departure", "cut_staff", "add_staff"):
        return f"{group['actor']} {words} {int(group['size'])}"
    if kind == "cap_staff":
        return f"{group['actor']} caps {group['target']} at {int(group['size'])}"
    if kind in ("close_post", "seize_property", "suspend_post", "reopen_post", "return_property"):
        count = group["count"]
        noun = "post" if "post" in kind else "propert"
        plural = ("s" if count > 1 else "") if noun == "post" else ("ies" if count > 1 else "y")
        return f"{group['actor']} {kind.split('_')[0]}s {count} {noun}{plural}"
    return f"{group['actor']} {words}"


def _annotate_major(ax, groups: list[dict], colour: dict[str, str]) -> None:
    """Label the major event groups, one label per actor and month, stacked so none overlap; a label
    that would run past the figure's right edge ends at its month's line instead of starting there."""
    major = [g for g in groups if g["severity"] <= MAJOR_HOSTILE or g["severity"] >= MAJOR_CONCILIATORY]
    merged: dict[tuple[str, str], list[str]] = defaultdict(list)
    for group in major:
        merged[(group["month"], group["actor"])].append(_label(group).split(" ", 1)[1])
    left, right = ax.get_xlim()
    span_days = right - left  # matplotlib dates count days
    days_per_char = span_days / 190.0
    days_per_inch = span_days / PLOT_WIDTH
    last_day = right + (RIGHT - PAD) * days_per_inch  # where the figure's border begins
    levels = 9
    taken: list[list[tuple[float, float]]] = [[] for _ in range(levels)]  # days each level's labels cover
    top = ax.get_ylim()[1]
    for (month, actor), parts in sorted(merged.items()):
        text = f"{actor}: " + "; ".join(parts)
        x = _month(month)
        x_days = mdates.date2num(x.astype("datetime64[D]"))
        ax.axvline(x, color="0.8", lw=0.8, zorder=0)
        room = len(text) * days_per_char
        ends_here = x_days + (text_width(text, LABEL_SIZE) + 0.02) * days_per_inch > last_day
        start, stop = (x_days - room, x_days) if ends_here else (x_days, x_days + room)
        level = next(
            (i for i in range(levels) if all(stop + 20 <= a or b + 20 <= start for a, b in taken[i])),
            None,
        )
        if level is None:  # no room left: the event stays marked by its line and in the strip below
            continue
        taken[level].append((start, stop))
        ax.annotate(
            text,
            (x, top * (0.985 - 0.062 * level)),
            fontsize=LABEL_SIZE,
            ha="right" if ends_here else "left",
            va="top",
            color=colour.get(actor, "0.2"),
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
        )


def _strip_marks(strip, groups: list[dict], sides: list[str]) -> None:
    """Every event group in its actor's lane: a triangle down (hostile) or up (conciliatory), a
    square (neither), a star (a shock), coloured by severity. One collection of one path per mark,
    in the groups' order, as one scatter call per mark would draw them (and much faster to make)."""
    lanes = {side: i for i, side in enumerate(sides)}
    shown = [g for g in groups if g["actor"] in lanes]
    if not shown:
        return
    paths, faces = [], []
    for group in shown:
        severity = group["severity"]
        style = MarkerStyle(
            "*" if group["kind"] == "shock" else ("v" if severity < 0 else ("^" if severity > 0 else "s"))
        )
        paths.append(style.get_path().transformed(style.get_transform()))
        faces.append("black" if group["kind"] == "shock" else SEVERITY_COLOURS((severity + 10) / 20))
    x = mdates.date2num(np.array([_month(g["month"]) for g in shown]).astype("datetime64[D]"))
    marks = PathCollection(
        paths,
        sizes=[60],
        offsets=np.column_stack([x, [lanes[g["actor"]] for g in shown]]),
        offset_transform=strip.transData,
        facecolors=faces,
        edgecolors="0.2",
        linewidths=0.5,
        zorder=3,
    )
    marks.set_transform(IdentityTransform())
    strip.add_collection(marks)


@plain_text
def staff_figure(
    trajectories: list[dict[str, str]],
    events: list[dict[str, str]],
    observations: list[dict[str, str]],
    title: str,
    path: Path,
) -> None:
    """staff_total of both missions per month; major events annotated; observations as markers on
    the line of the figure they count (a category, sent staff, posts open: a panel of their own
    for counts other than people); a note names those trajectories.csv cannot show."""
    sides = list(dict.fromkeys(row["side"] for row in trajectories))
    colour = {side: SIDE_COLOURS[i % len(SIDE_COLOURS)] for i, side in enumerate(sides)}
    people, counts, undrawn = sort_observations(
        [obs for obs in observations if obs["side"] in colour], trajectories[0] if trajectories else {}
    )
    undrawn += [obs for obs in observations if obs["side"] not in colour]
    panels = 3 if counts else 2
    ratios = [4, 1.6, 1.1] if counts else [4, 1.1]
    fig = Figure(figsize=(13, 7.5 + 1.8 * (panels - 2)))
    axes = fig.subplots(
        panels,
        1,
        sharex=True,
        gridspec_kw={"height_ratios": ratios, "hspace": 0.06},
    )
    ax, strip = axes[0], axes[-1]
    host = {}
    for side in sides:
        rows = [r for r in trajectories if r["side"] == side]
        x = np.array([_month(r["date"]) for r in rows])
        y = np.array([float(r["staff_total"]) for r in rows])
        host[side] = rows[0]["host"]
        ax.step(x, y, where="post", color=colour[side], lw=2.2, label=f"{side} mission in {host[side]}: staff_total")
    _observed_lines(ax, trajectories, people, colour, host)
    if counts:
        _observed_lines(axes[1], trajectories, counts, colour, host)
        axes[1].set_ylabel("count")
        axes[1].set_ylim(bottom=0)
        axes[1].grid(alpha=0.3)
        axes[1].legend(loc="center right", fontsize=8, framealpha=0.9)
    handles, labels = ax.get_legend_handles_labels()
    for bound, marker in BOUND_MARKERS.items():
        handles.append(Line2D([], [], marker=marker, ls="none", mfc="white", mec="0.3", mew=2, ms=8))
        labels.append(f"observed ({BOUND_WORDS[bound]})")
    ax.legend(handles, labels, loc="center right", fontsize=9, framealpha=0.9)
    ax.set_ylabel("staff (people)")
    ax.set_ylim(bottom=0)
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)  # whole people, no "1e6" above the axis
    ax.grid(alpha=0.3)
    # placed, not moved: nothing is drawn above the chart, and matplotlib would measure every tick to be sure
    ax.set_title(title, fontsize=12, y=1.0)

    groups = _group_events(events)
    _annotate_major(ax, groups, colour)

    _strip_marks(strip, groups, sides)
    colour_key = fig.colorbar(
        ScalarMappable(norm=Normalize(-10, 10), cmap=SEVERITY_COLOURS),
        ax=strip,
        orientation="vertical",
        fraction=0.02,
        pad=0.01,
    )
    colour_key.set_label("severity", fontsize=8)
    colour_key.ax.tick_params(labelsize=7)
    strip.set_yticks(range(len(sides)), [f"{s} acts" for s in sides])
    strip.set_ylim(-0.6, len(sides) - 0.4)
    strip.grid(axis="x", alpha=0.3)
    strip.set_xlabel(
        "month (triangles: measures, down = hostile, up = conciliatory; squares: own mission; stars: shocks)",
        fontsize=8,
    )
    strip.xaxis.set_major_locator(mdates.YearLocator())
    strip.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    note = not_drawn_note(
        undrawn, "trajectories.csv has no line of them (it counts whole missions, not posts or bodies)"
    )
    lay_out(fig, list(axes[:-1]), sides, note)
    save_figure(fig, path, tight=False)


@plain_text
def fan_figure(
    quantiles: list[dict[str, str]],
    observations: list[dict[str, str]],
    title: str,
    path: Path,
    marks: list[tuple[str, str]] = (),
) -> None:
    """Each side's median staff_total over the runs, with the 50% and 90% bands, and the observations;
    `marks` (month, side) are drawn as ticks along the bottom (e.g. the record's measures by side)."""
    sides = list(dict.fromkeys(row["side"] for row in quantiles))
    fig = Figure(figsize=(13, 6))
    ax = fig.subplots()
    runs = quantiles[0]["runs"] if quantiles else "0"
    for i, side in enumerate(sides):
        rows = [r for r in quantiles if r["side"] == side]
        x = np.array([_month(r["date"]) for r in rows])
        level = {q: np.array([float(r[q]) for r in rows]) for q in ("p05", "p25", "p50", "p75", "p95")}
        colour = SIDE_COLOURS[i % len(SIDE_COLOURS)]
        host = rows[0]["host"]
        ax.fill_between(
            x, level["p05"], level["p95"], step="post", color=colour, alpha=0.15, lw=0, label=f"{side}: 90% of runs"
        )
        ax.fill_between(
            x, level["p25"], level["p75"], step="post", color=colour, alpha=0.3, lw=0, label=f"{side}: 50% of runs"
        )
        ax.step(x, level["p50"], where="post", color=colour, lw=2.2, label=f"{side} mission in {host}: median")
        _markers(ax, [o for o in observations if o["side"] == side and o["column"] == "staff_total"], colour)
    for i, side in enumerate(sides):
        months = [_month(m) for m, who in marks if who == side]
        if months:
            ax.plot(
                months,
                [0] * len(months),
                marker="|",
                ms=14,
                mew=2,
                ls="none",
                clip_on=False,
                zorder=6,
                color=SIDE_COLOURS[i % len(SIDE_COLOURS)],
                label=f"{side}: recorded hostile measure",
            )
    undrawn = [o for o in observations if o["column"] != "staff_total" or o["side"] not in sides]
    note = not_drawn_note(undrawn, "the bands are of staff_total only")
    if note:
        fig.text(0.01, 0.005, note, fontsize=8, ha="left", va="top", wrap=True)
    ax.set_title(f"{title}: staff_total over {runs} runs", fontsize=12)
    ax.set_ylabel("staff (people)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.9)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    save_figure(fig, path)
