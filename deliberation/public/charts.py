"""Horizontal bar charts as geometry for an inline SVG (templates/public/_chart.html).

No chart library: a chart is a list of rows, each row one bar per series. The template draws
the SVG from these numbers and prints the same numbers as a table; every bar carries its value
in `data-value` and in a <title>, so a test can compare the picture with the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

WIDTH = 360          # viewBox width; the SVG scales to the screen
PLOT = 280           # the longest bar; the rest is room for the value at its end
LABEL_H = 28         # a row's label line
BAR_H = 22
BAR_GAP = 4
ROW_GAP = 14
COLOURS = ("#b3261e", "#6d6772", "#1e6b34")


@dataclass(frozen=True)
class Bar:
    series: str
    value: float | None
    text: str            # the value as shown (table and SVG alike)
    x: float
    y: float
    width: float
    colour: str


@dataclass(frozen=True)
class Row:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    series: list[str]
    rows: list[Row]
    height: float
    width: int = WIDTH
    bar_h: int = BAR_H

    @property
    def summary(self) -> str:
        """A one-line reading for screen readers (the table below has every number)."""
        # The punctuation is the reader's: an English screen reader reads "Title. A: x, y; B: ..."
        parts = [f"{r.label}{_('：')}" + _("，").join(f"{b.series} {b.text}" for b in r.bars)
                 for r in self.rows]
        return f"{self.title}{_('。')}" + _("；").join(parts)


def show(value: float | None, decimals: int) -> str:
    if value is None:
        return "—"
    return f"{value:.{decimals}f}" if decimals else str(round(value))


def bar_chart(chart_id: str, title: str, series: list[str],
              rows: list[tuple[str, list[float | None]]], *, decimals: int = 0) -> Chart:
    """`rows` = [(label, [value per series])]; values may be None (no data: no bar)."""
    values = [v for _label, vs in rows for v in vs if v is not None]
    top = max(values, default=0) or 1
    out, y = [], 0.0
    for label, vs in rows:
        label_y = y + LABEL_H - 8
        y += LABEL_H
        bars = []
        for i, (name, value) in enumerate(zip(series, vs, strict=True)):
            # The value shown is what the bar measures: round first, then scale.
            shown = round(value, decimals) if value is not None else None
            width = 0.0 if shown is None else round(PLOT * shown / top, 2)
            bars.append(Bar(name, shown, show(shown, decimals), 0, y, width,
                            COLOURS[i % len(COLOURS)]))
            y += BAR_H + BAR_GAP
        out.append(Row(label, label_y, bars))
        y += ROW_GAP
    return Chart(chart_id, title, list(series), out, height=max(y, 1))
