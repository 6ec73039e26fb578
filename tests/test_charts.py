"""The dashboard's SVG charts: well-formed, labelled, escaped, CSP-safe, and drawn to scale."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from lotse_server.charts import (
    ROW_HEIGHT,
    WIDTH,
    Bar,
    IntervalBar,
    Progress,
    bar_chart,
    interval_chart,
    nice_ceiling,
    percent_tick,
    progress_chart,
    shorten,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def of_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}{tag}") if cls in (el.get("class") or "").split()]


def width(el: ET.Element) -> float:
    return float(el.get("width", "nan"))


def assert_accessible_and_csp_safe(svg: str, title: str) -> None:
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == title
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == title  # type: ignore[union-attr]
    assert "width" not in root.attrib and "height" not in root.attrib  # scales with CSS
    assert re.fullmatch(r"0 0 \d+ \d+(\.\d)?", root.get("viewBox", ""))
    # The strict CSP forbids inline styles and scripts; presentation attributes are fine.
    assert not re.search(r"<style|\sstyle=|<script|\son[a-z]+=", svg)


# -- bar chart --------------------------------------------------------------------------------


def test_bars_are_scaled_to_the_largest_value_with_their_figures() -> None:
    svg = bar_chart(
        "Swaps per slot",
        [Bar("hero", 40, "40"), Bar("teaser", 10, "10"), Bar("nav-cta", 0, "0")],
    )
    assert_accessible_and_csp_safe(svg, "Swaps per slot")
    root = parse(svg)
    assert [width(bar) for bar in of_class(root, "rect", "bar")] == [WIDTH, WIDTH / 4, 0]
    assert [width(track) for track in of_class(root, "rect", "track")] == [WIDTH] * 3
    assert [t.text for t in of_class(root, "text", "label")] == ["hero", "teaser", "nav-cta"]
    assert [t.text for t in of_class(root, "text", "value")] == ["40", "10", "0"]
    assert root.get("viewBox") == f"0 0 {WIDTH} {3 * ROW_HEIGHT}"


def test_all_zero_bars_draw_empty_tracks_not_a_division_by_zero() -> None:
    root = parse(bar_chart("Nothing yet", [Bar("a", 0, "0"), Bar("b", 0, "0")]))
    assert [width(bar) for bar in of_class(root, "rect", "bar")] == [0, 0]


def test_every_text_from_configuration_is_escaped() -> None:
    hostile = 'x<script>alert("1")</script>&'
    svg = bar_chart(f"title {hostile}", [Bar(hostile, 1, "1 & more")])
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("aria-label") == f"title {hostile}"
    assert [t.text for t in of_class(root, "text", "label")] == [hostile]
    assert [t.text for t in of_class(root, "text", "value")] == ["1 & more"]


def test_a_chart_without_rows_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one row"):
        bar_chart("empty", [])
    with pytest.raises(ValueError):
        interval_chart("empty", [])
    with pytest.raises(ValueError):
        progress_chart("empty", [])


def test_long_labels_are_cut_to_leave_room_for_their_figure() -> None:
    long = "pharmacist.availability.and.ordering.for.pharmacies"
    assert shorten("hero", "12") == "hero"
    cut = shorten(long, "12 (40%)")
    assert cut.endswith("…") and long.startswith(cut[:-1])
    assert len(shorten(long, "10.00% (8.8–11.4%)")) < len(cut)  # a longer figure, less room
    root = parse(bar_chart("Intents", [Bar(long, 3, "3")]))
    assert [t.text for t in of_class(root, "text", "label")] == [shorten(long, "3")]


# -- intervals ------------------------------------------------------------------------------


def test_rates_and_intervals_share_one_axis_from_zero_to_a_round_number() -> None:
    svg = interval_chart(
        "lead per arm",
        [
            IntervalBar("control", 0.10, 0.088, 0.114, "10.00%", control=True),
            IntervalBar("treatment", 0.13, 0.116, 0.146, "13.00%"),
        ],
    )
    assert_accessible_and_csp_safe(svg, "lead per arm")
    root = parse(svg)
    top = 0.2  # the highest end, 14.6 %, rounded up
    bars = of_class(root, "rect", "bar")
    assert [width(bar) for bar in bars] == [pytest.approx(WIDTH * rate / top, abs=0.05)
                                            for rate in (0.10, 0.13)]  # fmt: skip
    assert bars[0].get("fill") != bars[1].get("fill")  # the control stands apart
    whiskers = of_class(root, "line", "whisker")
    ends = [(float(w.get("x1", "nan")), float(w.get("x2", "nan"))) for w in whiskers]
    assert ends == [
        (
            pytest.approx(WIDTH * 0.088 / top, abs=0.05),
            pytest.approx(WIDTH * 0.114 / top, abs=0.05),
        ),
        (
            pytest.approx(WIDTH * 0.116 / top, abs=0.05),
            pytest.approx(WIDTH * 0.146 / top, abs=0.05),
        ),
    ]
    assert len(of_class(root, "line", "cap")) == 4
    assert [t.text for t in of_class(root, "text", "tick")] == ["0%", "5%", "10%", "15%", "20%"]


def test_an_arm_without_an_interval_has_no_whisker() -> None:
    root = parse(
        interval_chart(
            "x",
            [
                IntervalBar("control", 0.0, None, None, "0%"),
                IntervalBar("b", 0.01, 0.0, 0.05, "1%"),
            ],
        )
    )
    assert len(of_class(root, "g", "interval")) == 1
    assert [t.text for t in of_class(root, "text", "tick")][-1] == "5%"


def test_an_interval_reaching_past_the_axis_is_drawn_to_its_end() -> None:
    root = parse(interval_chart("x", [IntervalBar("a", 0.9, 0.7, 1.0, "90%")]))
    (whisker,) = of_class(root, "line", "whisker")
    assert float(whisker.get("x2", "nan")) == WIDTH
    assert [t.text for t in of_class(root, "text", "tick")][-1] == "100%"


# -- progress ---------------------------------------------------------------------------------


def test_progress_fills_towards_the_plan_and_turns_green_when_reached() -> None:
    svg = progress_chart(
        "towards 3,841",
        [
            Progress("control", 1000, 4000, "1,000 of 4,000"),
            Progress("b", 5000, 4000, "5,000 of 4,000"),
            Progress("c", 0, 4000, "0 of 4,000"),
        ],
    )
    assert_accessible_and_csp_safe(svg, "towards 3,841")
    root = parse(svg)
    bars = of_class(root, "rect", "bar")
    assert [width(bar) for bar in bars] == [WIDTH / 4, WIDTH, 0]
    assert [("done" in (bar.get("class") or "")) for bar in bars] == [False, True, False]
    assert bars[0].get("fill") != bars[1].get("fill")


# -- axis helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [
        (0.0, 0.01),
        (-1.0, 0.01),
        (0.0031, 0.005),
        (0.031, 0.05),
        (0.1, 0.1),
        (0.114, 0.2),
        (0.137, 0.2),
        (0.21, 0.25),
        (0.3, 0.5),
        (0.55, 1.0),
        (1.0, 1.0),
        (1.5, 1.0),
    ],
)
def test_nice_ceiling(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0%"), (0.025, "2.5%"), (0.0125, "1.25%"), (0.12, "12%"), (1.0, "100%")],
)
def test_percent_tick(value: float, text: str) -> None:
    assert percent_tick(value) == text
