"""Small components the views share: a plain table, a figure, a one-line error."""

from __future__ import annotations

import solara
import solara.lab

from sim.errors import SimError


@solara.component
def Table(rows: list[dict[str, object]], columns: tuple[str, ...] | list[str], label: str = ""):
    """Rows as an HTML table (text only: nothing in a cell is read as markup)."""
    with solara.v.SimpleTable(
        dense=True, class_=f"tft-table tft-table-{label.replace(' ', '-')}" if label else "tft-table"
    ):
        with solara.v.Html(tag="thead"):
            with solara.v.Html(tag="tr"):
                for column in columns:
                    solara.v.Html(tag="th", children=[column])
        with solara.v.Html(tag="tbody"):
            for row in rows:
                with solara.v.Html(tag="tr"):
                    for column in columns:
                        value = row.get(column, "")
                        solara.v.Html(tag="td", children=["" if value is None else str(value)])


@solara.component
def Figure(png: bytes | None, alt: str):
    """A PNG at its own size (narrowed to the page's width by the page's style), and its caption."""
    if png:
        solara.Image(png)
    solara.Text(alt, classes=["tft-caption"])


def one_line(exc: Exception) -> str:
    """What the page shows for an error: a library error's own line, anything else as an internal error."""
    if isinstance(exc, SimError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"


@solara.component
def ErrorLine(message: str):
    if message:
        solara.Error(message, classes=["tft-error"], dense=True)
