"""The SVG charts: every value lands in a bucket, the percentile marks are drawn, and data is escaped."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from web.charts import Bucket, Series, bars, buckets, histogram, lines, nice_step
from web.markdown import render


def test_buckets_hold_every_value_once_and_the_largest_in_the_last() -> None:
    values = [Decimal(v) for v in ("0", "0.004", "0.0041", "0.02", "0.5", "1.23")]
    groups = buckets(values)
    assert sum(b.count for b in groups) == len(values)
    assert groups[0].low == 0
    assert groups[-1].low <= max(values) < groups[-1].high
    widths = {b.high - b.low for b in groups}
    assert len(widths) == 1
    assert nice_step(Decimal("1.23"), 12) == Decimal("0.2")
    assert buckets([Decimal(0)] * 3) == [Bucket(Decimal(0), Decimal("0.0001"), 3)]


def test_the_histogram_links_each_bar_and_marks_the_percentiles() -> None:
    values = [Decimal(i) / 100 for i in range(100)]
    svg = histogram(
        values,
        {"p50": Decimal("0.49"), "p95": Decimal("0.94"), "p99": Decimal("0.98")},
        lambda b: f"/drill?min={b.low}&max={b.high}",
        title="Cost per conversation",
    )
    assert svg.count("<a href=") == len(buckets(values))
    for mark in ("p50 $0.49", "p95 $0.94", "p99 $0.98"):
        assert mark in svg
    assert "&amp;max=" in svg  # attribute values are escaped
    assert 'role="group"' in svg
    assert "100 conversations" in svg


def test_labels_from_data_are_escaped() -> None:
    svg = bars([("<script>alert(1)</script>", Decimal("0.5"), "/x?a=1&b=<2>")], title="t", ident="b")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    line = lines(
        [Series('"><img src=x>', [(date(2026, 1, 1), Decimal("0.5"))], lambda d: f"/d/{d}")],
        title="t",
        ident="l",
        y_max=Decimal(1),
        y_label="rate",
    )
    assert "<img" not in line


def test_markdown_keeps_raw_html_as_text_and_drops_script_links() -> None:
    html = render("**bold** <img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](https://ok.example)")
    assert "<strong>bold</strong>" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:" not in html.replace("[a](javascript:alert(1))", "")
    assert 'href="https://ok.example"' in html
    assert render("<b>x</b>", "html") == "<pre>&lt;b&gt;x&lt;/b&gt;</pre>"


def test_bars_are_drawn_at_their_own_size_and_equal_marks_share_a_label() -> None:
    drawn = str(bars([("offline/deskpilot-offline-1", Decimal(0), "/x")] * 2, title="t", ident="b"))
    assert 'viewBox="0 0 480 86"' in drawn, drawn[:120]  # two rows, a real attribute (not escaped quotes)
    chart = str(histogram([Decimal(0)] * 3, {"p50": Decimal(0), "p95": Decimal(0), "p99": Decimal(0)}, str, title="c"))
    assert chart.count('class="mark-label"') == 1
    assert "p50 = p95 = p99 $0.00" in chart


def test_rates_over_time_draw_a_line_through_each_days_figure_with_gaps_left_out() -> None:
    """Deflection and resolution over time (the analytics page's chart): a polyline per series through the days
    that have a figure, each figure a linked point at its height, named with its value; a day without one is a gap."""
    days = [date(2026, 3, d) for d in (1, 2, 3)]
    svg = str(
        lines(
            [
                Series("deflection rate", list(zip(days, [Decimal("0.25"), None, Decimal(1)], strict=True)), str),
                Series("resolution rate", list(zip(days, [Decimal("0.5")] * 3, strict=True)), str),
            ],
            title="Rates",
            ident="r",
            y_max=Decimal(1),
            y_label="rate (0 to 1)",
        )
    )
    polylines = re.findall(r'<polyline class="series s(\d)" points="([^"]+)"/>', svg)
    assert [(n, len(points.split())) for n, points in polylines] == [("0", 2), ("1", 3)]  # the gap day is skipped
    points = dict(re.findall(r'aria-label="([^"]+)"><circle class="dot\d" cx="[\d.]+" cy="([\d.]+)"', svg))
    assert len(points) == 5
    bottom, top = 280 - 44, 24  # HEIGHT - BOTTOM: rate 0; TOP: rate 1
    assert float(points["deflection rate on 2026-03-01: 0.25"]) == bottom - 0.25 * (bottom - top)
    assert float(points["deflection rate on 2026-03-03: 1"]) == top
    assert float(points["resolution rate on 2026-03-02: 0.5"]) == bottom - 0.5 * (bottom - top)
    assert 'href="2026-03-02"' in svg
    assert "deflection rate: 2 days; resolution rate: 3 days" in svg
