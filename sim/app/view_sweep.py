"""Browse a finished sweep folder: the heatmap of any outcome over any two design columns (click a
cell to pick its design points), the robustness chart, and a fan for the chosen point."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import solara
import solara.lab

from sim.app.sweep_folder import Heatmap, SweepFolder, sweep_folders
from sim.app.widgets import ErrorLine, Figure, Table, one_line

KEY_STATS = ("mean", "p05", "p50", "p95")


def _colour(value: float, low: float, high: float) -> tuple[str, str]:
    """Background (viridis, as the heatmap figure) and a readable text colour for a cell."""
    if math.isnan(value):
        return "#dddddd", "#333333"
    share = 0.5 if high == low else (value - low) / (high - low)
    red, green, blue, _ = matplotlib.colormaps["viridis"](share)
    text = "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "#ffffff"
    return matplotlib.colors.to_hex((red, green, blue)), text


@solara.component
def HeatmapGrid(heatmap: Heatmap, chosen: tuple[str, str] | None, on_cell):
    """The heatmap as a grid of buttons: rows are the values of y (highest on top), columns those of x."""
    low, high = heatmap.low, heatmap.high
    with solara.v.SimpleTable(dense=True, class_="tft-heatmap"):
        with solara.v.Html(tag="tbody"):
            for row in reversed(heatmap.cells):
                with solara.v.Html(tag="tr"):
                    solara.v.Html(tag="th", children=[f"{heatmap.y} = {row[0].y}"])
                    for cell in row:
                        background, text = _colour(cell.value, low, high)
                        picked = chosen == (cell.x, cell.y)
                        label = "none" if math.isnan(cell.value) else f"{cell.value:.2f}"
                        with solara.v.Html(tag="td"):
                            solara.Button(
                                label,
                                on_click=lambda c=cell: on_cell(c),
                                style={
                                    "background-color": background,
                                    "color": text,
                                    "min-width": "90px",
                                    "border": "3px solid #ff6d00" if picked else "none",
                                },
                                attributes={"title": f"{heatmap.x} = {cell.x}, {heatmap.y} = {cell.y}"},
                                classes=["tft-cell"],
                            )
            with solara.v.Html(tag="tr"):
                solara.v.Html(tag="th", children=[""])
                for x in heatmap.xs:
                    solara.v.Html(tag="th", children=[f"{heatmap.x} = {x}"])


def _open(folder: str) -> tuple[SweepFolder | None, str]:
    try:
        return SweepFolder(folder), ""
    except Exception as exc:  # noqa: BLE001 - shown on the page
        return None, one_line(exc)


@solara.component
def SweepView(results: Path):
    refresh = solara.use_reactive(0)
    folders = solara.use_memo(lambda: [str(p) for p in sweep_folders(results)], [str(results), refresh.value])
    chosen = solara.use_reactive(folders[0] if folders else "")
    with solara.Row():
        if folders:
            solara.Select(
                "Sweep folder",
                values=folders,
                value=chosen.value if chosen.value in folders else None,
                on_value=chosen.set,
            )
        else:
            solara.Text(f"No finished sweep folders under {results}/.")
        solara.InputText("...or a folder path", value="", on_value=lambda text: chosen.set(text.strip()))
        solara.Button("Reload", on_click=lambda: refresh.set(refresh.value + 1), text=True)
    sweep, error = solara.use_memo(
        lambda: _open(chosen.value) if chosen.value else (None, ""), [chosen.value, refresh.value]
    )
    if not chosen.value:
        solara.Text("Run a sweep (tft sweep FILE) and choose its folder here.")
        return
    ErrorLine(error)
    if sweep is not None:
        _Sweep(sweep).key(f"{sweep.folder}-{refresh.value}")


@solara.component
def _Sweep(sweep: SweepFolder):
    default_outcome = "restored_half" if "restored_half" in sweep.outcomes else sweep.outcomes[0]
    outcome = solara.use_reactive(default_outcome)
    x = solara.use_reactive(sweep.columns[-1] if sweep.columns else "")
    y = solara.use_reactive(sweep.columns[-2] if len(sweep.columns) > 1 else "")
    cell = solara.use_reactive(None)
    point = solara.use_reactive(None)
    solara.Text(f"{sweep.name}: {len(sweep.summary)} design points, columns {', '.join(sweep.columns)}")
    with solara.Row():
        solara.Select("Outcome", values=sweep.outcomes, value=outcome)
        solara.Select("Columns (x)", values=sweep.columns, value=x)
        solara.Select("Rows (y)", values=sweep.columns, value=y)
    try:
        heatmap = sweep.heatmap(outcome.value, x.value, y.value)
    except Exception as exc:  # noqa: BLE001 - shown on the page
        ErrorLine(one_line(exc))
        return

    def pick(chosen) -> None:
        cell.set((chosen.x, chosen.y))
        point.set(chosen.points[0] if chosen.points else None)

    solara.Text(
        f"{outcome.value}: mean over the runs where it is defined and over the other design columns. "
        "Click a cell to see its design points."
    )
    HeatmapGrid(heatmap, cell.value, pick)
    if cell.value is not None:
        here = next((c for row in heatmap.cells for c in row if (c.x, c.y) == cell.value), None)
        if here is not None and len(here.points) > 1:
            with solara.Row():
                solara.Text(f"{len(here.points)} points in this cell:")
                for p in here.points:
                    solara.Button(f"point {p}", on_click=lambda p=p: point.set(p), text=p != point.value)
    if point.value is not None:
        _Point(sweep, point.value).key(f"point-{point.value}")
    _Robustness(sweep)


@solara.component
def _Point(sweep: SweepFolder, point: int):
    row = sweep.point(point)
    design = {name: row[name] for name in sweep.columns}
    stats = [
        {"outcome": name, **{stat: row.get(f"{name}_{stat}", "") for stat in KEY_STATS}} for name in sweep.outcomes
    ]

    def draw() -> tuple[bytes, str] | None:
        if not sweep.has_fan(point):
            return None
        return sweep.point_fan_png(point), f"read from {sweep.fan_file(point).name}"

    fan = solara.use_thread(draw, dependencies=[str(sweep.folder), point], intrusive_cancel=False)
    with solara.Card(f"Point {point}: " + ", ".join(f"{k} = {v}" for k, v in design.items())):
        Table(stats, ("outcome", *KEY_STATS), label="point outcomes")
        if fan.error is not None:
            ErrorLine(one_line(fan.error))
        elif fan.state is not solara.ResultState.FINISHED:
            solara.ProgressLinear(True)
        elif fan.value is None:
            solara.Warning(sweep.missing_fan(point), classes=["tft-no-fan"])
        else:
            Figure(fan.value[0], f"Fan of point {point}: {fan.value[1]}.")


@solara.component
def _Robustness(sweep: SweepFolder):
    chart = solara.use_thread(sweep.robustness_png, dependencies=[str(sweep.folder)], intrusive_cancel=False)
    with solara.Card("Robustness"):
        if chart.error is not None:
            ErrorLine(one_line(chart.error))
        elif chart.value is None:
            solara.ProgressLinear(True)
        else:
            picture, ranked = chart.value
            best = f" Most robust: {ranked[0][0]} ({ranked[0][1]:.0%})." if ranked else ""
            Figure(picture, f"Robustness of each lever combination across the uncertainties.{best}")
