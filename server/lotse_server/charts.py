"""The dashboard's charts as inline SVG, drawn on the server: pure functions, numbers in, text out.

No script and no ``style`` attribute, so they render under the server's strict
Content-Security-Policy (``style-src 'self'`` forbids inline styles, but SVG
presentation attributes such as ``fill`` and ``width`` are not styles). Each
chart is one ``<svg>`` with a ``viewBox`` and no fixed size: the stylesheet
makes it as wide as its column, a laptop's or a phone's, and the drawing
scales with it. Each has ``role="img"``, an ``aria-label`` and a ``<title>``;
the dashboard puts the same numbers in a table beside every chart, so nobody
has to read them off a picture.

Rows are a label line with the figure at its end, then the bar below it: on a
narrow screen a label never has to share its line with the bar. Every text is
escaped here (labels are ids from the site file).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: The viewBox width; heights follow from the number of rows.
WIDTH = 420
ROW_HEIGHT = 44
_LABEL_BASELINE = 16
_BAR_TOP = 24
_BAR_HEIGHT = 12
_AXIS_HEIGHT = 28
#: Text size in viewBox units. The stylesheet keeps a chart at most about as wide as its
#: viewBox, so this is about 16 px on a laptop and 13 px on a phone, where it is scaled down.
FONT_SIZE = 16
#: An upper bound of the average width of a character at `FONT_SIZE` (system-ui's is
#: about 8.2); labels are cut (with an ellipsis) to what fits beside their
#: figure, so they never run into it. The table beside the chart has them in full.
_CHAR_WIDTH = 8.7
_GAP = 16

# Colours with at least 3:1 contrast against white for every mark (WCAG 1.4.11) and
# 4.5:1 for text; a light bar gets a dark outline, so its edge is what is seen.
_TEXT = "#1a1a1a"
_MUTED_TEXT = "#4a5260"
_BAR = "#1f5fa8"
_BAR_LIGHT = "#b9d0ee"
_CONTROL_LIGHT = "#d5d9de"
_CONTROL_EDGE = "#59616c"
_DONE = "#1e7a46"
_TRACK = "#e6eaf0"
_GRID = "#c3cad3"
_WHISKER = "#0b1f33"


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a bar chart: a count and how to say it (e.g. ``"12 (40%)"``)."""

    label: str
    value: float
    note: str


@dataclass(frozen=True, slots=True)
class IntervalBar:
    """One arm's rate with its confidence interval; `low`/`high` None draws no whisker."""

    label: str
    rate: float
    low: float | None
    high: float | None
    note: str
    control: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    """How far an arm is towards its planned sample."""

    label: str
    done: int
    target: int
    note: str


def bar_chart(title: str, bars: Sequence[Bar]) -> str:
    """Horizontal bars scaled to the largest value."""
    _need_rows(bars)
    top = max(bar.value for bar in bars)
    body = []
    for index, bar in enumerate(bars):
        y = index * ROW_HEIGHT
        width = WIDTH * max(bar.value, 0.0) / top if top > 0 else 0.0
        body += [
            _row_text(y, bar.label, bar.note),
            _rect(0, y + _BAR_TOP, WIDTH, _BAR_HEIGHT, _TRACK, "track"),
            _rect(0, y + _BAR_TOP, width, _BAR_HEIGHT, _BAR, "bar"),
        ]
    return _svg(title, len(bars) * ROW_HEIGHT, body)


def interval_chart(title: str, bars: Sequence[IntervalBar]) -> str:
    """Rates (0..1) as bars with their intervals as whiskers, on one axis with a 0 % origin.

    The axis ends at a round number above the highest interval, so small rates
    (a few per cent) fill the width instead of a sliver of a 0–100 % scale.
    """
    _need_rows(bars)
    top = nice_ceiling(max(max(bar.rate, bar.high or 0.0) for bar in bars))
    plot_height = len(bars) * ROW_HEIGHT
    ticks = [top * step / 4 for step in range(5)]
    body = [_line(_x(tick, top), 0, _x(tick, top), plot_height, _GRID, 1, "grid") for tick in ticks]
    for index, bar in enumerate(bars):
        y = index * ROW_HEIGHT
        fill, edge = (_CONTROL_LIGHT, _CONTROL_EDGE) if bar.control else (_BAR_LIGHT, _BAR)
        body += [
            _row_text(y, bar.label, bar.note),
            _rect(0, y + _BAR_TOP, _x(bar.rate, top), _BAR_HEIGHT, fill, "bar", stroke=edge),
        ]
        if bar.low is not None and bar.high is not None:
            body.append(
                _whisker(_x(bar.low, top), _x(bar.high, top), y + _BAR_TOP + _BAR_HEIGHT / 2)
            )
    body.append(_line(0, plot_height, WIDTH, plot_height, _MUTED_TEXT, 1, "axis"))
    for tick in ticks:
        anchor = "start" if tick == 0 else "end" if tick == top else "middle"
        body.append(
            _text(_x(tick, top), plot_height + 20, percent_tick(tick), anchor, _MUTED_TEXT, "tick")
        )
    return _svg(title, plot_height + _AXIS_HEIGHT, body)


def progress_chart(title: str, rows: Sequence[Progress]) -> str:
    """Each arm's sessions against the plan; a full bar (in green) once the plan is reached."""
    _need_rows(rows)
    body = []
    for index, row in enumerate(rows):
        y = index * ROW_HEIGHT
        share = min(row.done / row.target, 1.0) if row.target > 0 else 1.0
        reached = row.done >= row.target
        body += [
            _row_text(y, row.label, row.note),
            _rect(0, y + _BAR_TOP, WIDTH, _BAR_HEIGHT, _TRACK, "track"),
            _rect(
                0,
                y + _BAR_TOP,
                WIDTH * max(share, 0.0),
                _BAR_HEIGHT,
                _DONE if reached else _BAR,
                "bar done" if reached else "bar",
            ),
        ]
    return _svg(title, len(rows) * ROW_HEIGHT, body)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`, at most 1.

    For the end of a rate axis: 0.137 -> 0.2, 0.031 -> 0.05, 0 -> 0.01.
    """
    if value <= 0:
        return 0.01
    if value >= 1:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        # A hair of tolerance: 0.3 / 0.1 is 2.9999999999999996 in floating point.
        if mantissa * power >= value * (1 - 1e-9):
            return min(mantissa * power, 1.0)
    return 1.0  # unreachable: 10 x power is always above value


def percent_tick(value: float) -> str:
    """An axis label: ``0%``, ``2.5%``, ``12%``, ``0.25%``: as many decimals as it needs."""
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def shorten(label: str, note: str) -> str:
    """`label` cut to what fits on a row's line beside `note` at its end."""
    limit = max(int((WIDTH - _GAP - len(note) * _CHAR_WIDTH) / _CHAR_WIDTH), 4)
    return label if len(label) <= limit else label[: limit - 1] + "…"


# -- SVG pieces ---------------------------------------------------------------------------


def _need_rows(rows: Sequence[object]) -> None:
    if not rows:
        raise ValueError("a chart needs at least one row; say 'none yet' in words instead")


def _svg(title: str, height: float, body: list[str]) -> str:
    label = escape(title)
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
        f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" '
        f'font-size="{FONT_SIZE}">'
        f"<title>{label}</title>{''.join(body)}</svg>"
    )


def _x(rate: float, top: float) -> float:
    return WIDTH * min(max(rate, 0.0), top) / top


def _row_text(y: float, label: str, note: str) -> str:
    return _text(0, y + _LABEL_BASELINE, shorten(label, note), "start", _TEXT, "label") + _text(
        WIDTH, y + _LABEL_BASELINE, note, "end", _TEXT, "value"
    )


def _text(x: float, y: float, text: str, anchor: str, fill: str, cls: str) -> str:
    return (
        f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def _rect(
    x: float, y: float, width: float, height: float, fill: str, cls: str, *, stroke: str = ""
) -> str:
    outline = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    return (
        f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" '
        f'height="{_n(height)}" fill="{fill}"{outline}/>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float, cls: str) -> str:
    return (
        f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{stroke}" stroke-width="{_n(width)}"/>'
    )


def _whisker(low: float, high: float, middle: float) -> str:
    """The interval: a line with end caps taller than the bar, so both ends stand out."""
    cap = _BAR_HEIGHT / 2 + 4
    return (
        '<g class="interval">'
        + _line(low, middle, high, middle, _WHISKER, 2, "whisker")
        + _line(low, middle - cap, low, middle + cap, _WHISKER, 2, "cap")
        + _line(high, middle - cap, high, middle + cap, _WHISKER, 2, "cap")
        + "</g>"
    )


def _n(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zeros (shorter SVG)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
