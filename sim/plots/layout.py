"""The layout of staff.png, fixed in inches before it is drawn, so that it is drawn once.

A "tight" bounding box draws a figure twice: once to find the box, once to save it. Here the plot
area keeps the size it had in a 13 in wide figure with matplotlib's default margins, and the
margins are made just large enough for what lies outside it. What varies (tick labels, side
codes, the title, event labels and the note of observations not drawn) is measured from the font
as the figure will draw it, by a one-pixel renderer at the figure's resolution: nothing is drawn.
"""

from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import RendererAgg  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

from sim.files.safe import FIGURE_DPI  # noqa: E402

PLOT_WIDTH = 10.075  # inches: the chart, its panels and the strip below them
PAD = 0.1  # the white border savefig leaves around a tight box
RIGHT = 0.43  # the colour key and its labels, and the border
BOTTOM = 0.51  # the years and the strip's caption, and the border
TOP = 0.31  # the title
BESIDE_TICKS = 0.31  # left of a panel's tick labels: tick, padding and the axis label
BESIDE_LANES = 0.1  # left of the strip's lane labels: tick and padding
LABEL_SIZE = 7.2  # points: the event labels
NOTE_SIZE = 8  # points: the note of observations not drawn
NOTE_LINE = 1.2 * 1.25 * NOTE_SIZE / 72  # inches a line of the note takes, with room to spare


def plot_height(panels: int) -> float:
    """Inches of the plot area: the chart, the strip, and 1.8 in more for a panel of counts."""
    return 0.77 * (7.5 + 1.8 * (panels - 2))


@functools.cache
def _measuring() -> RendererAgg:
    return RendererAgg(1, 1, FIGURE_DPI)


def text_width(text: str, size: float | str) -> float:
    """Inches `text` spans at `size` (points, or a size name such as "medium") as the figure draws it."""
    width, _, _ = _measuring().get_text_width_height_descent(text, FontProperties(size=size), ismath=False)
    return width / FIGURE_DPI


def wrapped(text: str, size: float, width: float) -> list[str]:
    """`text` broken into lines of at most `width` inches at words (a longer word has a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def lay_out(fig, panels: list, lanes: list[str], note: str = "") -> None:
    """Size `fig` around its plot area and place the axes in it: wide enough on the left for the
    widest tick label of `panels` (the axes above the strip) and lane label of the strip, room
    below for `note` (wrapped to the figure's width), the title of the first panel set smaller
    if it is wider than the figure."""
    height = plot_height(len(panels) + 1) + TOP + BOTTOM
    fig.set_size_inches(PLOT_WIDTH + 2, height)  # the height sets the ticks; the width follows their labels
    fig.subplots_adjust(bottom=BOTTOM / height, top=1 - TOP / height)
    ticks = matplotlib.rcParams["ytick.labelsize"]
    widest = max(
        (text_width(t, ticks) for ax in panels for t in ax.yaxis.get_major_formatter().format_ticks(ax.get_yticks())),
        default=0.0,
    )
    left = PAD + max(BESIDE_TICKS + widest, BESIDE_LANES + max(text_width(f"{s} acts", ticks) for s in lanes))
    width = left + PLOT_WIDTH + RIGHT
    lines = wrapped(note, NOTE_SIZE, width - 2 * PAD) if note else []
    bottom = BOTTOM + len(lines) * NOTE_LINE  # the note below the strip's caption
    height = plot_height(len(panels) + 1) + TOP + bottom
    fig.set_size_inches(width, height)
    fig.subplots_adjust(left=left / width, right=1 - RIGHT / width, bottom=bottom / height, top=1 - TOP / height)
    if lines:
        fig.text(PAD / width, PAD / height, "\n".join(lines), fontsize=NOTE_SIZE, ha="left", va="bottom")
    title = panels[0].title
    room = PLOT_WIDTH + 2 * (min(left, RIGHT) - PAD)  # the title is centred on the plot area
    size = title.get_fontsize()
    while size > 1 and (wide := text_width(title.get_text(), size)) > room:
        size *= 0.99 * room / wide  # glyphs keep whole-pixel advances: smaller text is relatively wider
    title.set_fontsize(size)
