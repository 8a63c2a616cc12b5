"""staff.png is laid out beforehand and drawn once, and whatever it holds stays inside it."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.plots import figures


def rows(top: int, codes=("US", "RU")) -> list[dict[str, str]]:
    months = [f"{year}-{month:02d}" for year in range(2016, 2020) for month in range(1, 13)]
    out = []
    for i, month in enumerate(months):
        out.append(
            {"date": month, "side": codes[0], "host": codes[1], "staff_total": str(top - 10 * i), "posts_open": "5"}
        )
        out.append({"date": month, "side": codes[1], "host": codes[0], "staff_total": str(top // 3), "posts_open": "3"})
    return out


def observation(column: str, side: str = "US") -> dict[str, str]:
    return dict(date="2018-03", side=side, column=column, value="4", bound="equal")


def event(date: str, actor: str, kind: str, size: str, description: str = "") -> dict[str, str]:
    target = {"US": "RU", "RU": "US", "CHN": "USA", "USA": "CHN"}[actor]
    return dict(date=date, actor=actor, target=target, kind=kind, size=size, severity="-7", cause="forced",
                description=description)  # fmt: skip


CASES = {
    "a replay": (rows(1200), [event("2016-12-29", "US", "expel", "35"), event("2019-11-01", "RU", "expel", "60")], []),
    "millions of staff, three-letter codes, a long label in the last month": (
        rows(9_500_000, ("CHN", "USA")),
        [event("2019-12-01", "USA", "shock", "", "A shock whose name runs well past the end of the chart: details")],
        [],
    ),
    "a panel of posts open and a note of observations not drawn": (
        rows(1200),
        [event("2016-12-29", "US", "expel", "35")],
        [observation("posts_open"), *(observation(f"diplomats@post_{i}_with_a_long_name") for i in range(9))],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_figure_is_drawn_once_and_nothing_lies_outside_it(case, tmp_path, monkeypatch):
    trajectories, events, observations = CASES[case]
    draws, drawn = [], []  # the figures drawn; each text drawn, where, and the figure's box then
    draw_figure, draw_text = Figure.draw, Text.draw

    def figure_drawn(fig, renderer):
        strip = fig.axes[-2]  # above the colour key
        marks = [(len(c.get_paths()), c.get_offsets().tolist()) for c in strip.collections]
        draws.append(([t.get_text() for t in strip.get_yticklabels()], marks))
        return draw_figure(fig, renderer)

    def text_drawn(text, renderer):
        if text.get_visible() and text.get_text():
            drawn.append((text.get_text(), text.get_window_extent(renderer), text.get_figure(root=True).bbox.frozen()))
        return draw_text(text, renderer)

    monkeypatch.setattr(Figure, "draw", figure_drawn)
    monkeypatch.setattr(Text, "draw", text_drawn)
    title = "A title much longer than the chart is wide, as a scenario's author may write one; " * 2
    figures.staff_figure(trajectories, events, observations, title.strip(), tmp_path / "staff.png")
    assert len(draws) == 1
    lanes, marks = draws[0]
    codes = list(dict.fromkeys(row["side"] for row in trajectories))
    assert lanes == [f"{code} acts" for code in codes]
    assert [(count, [lane for _, lane in offsets]) for count, offsets in marks] == [
        (len(events), [codes.index(e["actor"]) for e in sorted(events, key=lambda e: e["date"])])
    ]  # one mark per event group, in its actor's lane, all in one collection
    texts = [text for text, _, _ in drawn]
    assert title.strip() in texts
    assert len([t for t in texts if t.startswith(("US: ", "RU: ", "USA: ", "CHN: "))]) == len(events)
    for text, extent, box in drawn:
        inside = box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1
        assert inside, (text, extent.bounds, box.bounds)
    if "millions" in case:  # whole numbers, no "1e6" offset above the axis
        assert "8000000" in texts and not any("e6" in t for t in texts)
    if "note" in case:
        assert "count" in texts and any(t.startswith("Not drawn: 9 observations") for t in texts)
