"""Charts as SVG drawn on the server: a histogram with percentile marks, horizontal bars, and lines over days.

Real charts (the browser draws vector shapes; no script, no canvas), accessible (``role="group"`` with a title and a
description that says what the figure shows), and every mark is a link to the conversations behind it. Every
piece of text that comes from data (model and tool names) is escaped before it is placed in the markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from web.pages import usd

WIDTH, HEIGHT = 760, 280
BARS_WIDTH = 480
LEFT, RIGHT, TOP, BOTTOM = 56, 20, 24, 44


def _money(value: Decimal) -> str:
    return usd(value)


def nice_step(span: Decimal, bins: int) -> Decimal:
    """A bin width of 1, 2 or 5 times a power of ten that covers ``span`` in at most ``bins`` bins."""
    if span <= 0:
        return Decimal("0.0001")
    raw = span / bins
    power = Decimal(10) ** math.floor(math.log10(float(raw)))
    for factor in (1, 2, 5, 10):
        step = power * factor
        if step * bins >= span:
            return step
    return power * 10


@dataclass(frozen=True)
class Bucket:
    low: Decimal
    high: Decimal  # exclusive
    count: int


def buckets(values: Sequence[Decimal], bins: int = 12) -> list[Bucket]:
    """Equal-width buckets from 0 that hold every value (the highest value falls inside the last one)."""
    top = max(values, default=Decimal(0))
    step = nice_step(top, bins)
    count = max(1, int((top // step) + 1))
    out = []
    for i in range(count):
        low, high = step * i, step * (i + 1)
        out.append(Bucket(low, high, sum(1 for v in values if low <= v < high)))
    return out


def _svg(title: str, description: str, body: list[str], ident: str) -> Markup:
    return Markup(  # noqa: S704 - every data-derived string below went through escape()
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>{"".join(body)}</svg>'
    )


def histogram(
    values: Sequence[Decimal],
    marks: dict[str, Decimal | None],
    link: Callable[[Bucket], str],
    *,
    title: str,
    ident: str = "hist",
) -> Markup:
    """Counts of ``values`` per bucket, ``marks`` (p50, p95, p99) as labelled lines, each bar a link."""
    groups = buckets(values)
    span = groups[-1].high
    tallest = max((b.count for b in groups), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar_w = plot_w / len(groups)

    def x(value: Decimal) -> float:
        return LEFT + float(value / span) * plot_w

    body = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text x="{LEFT - 8}" y="{TOP + 4}" text-anchor="end">{tallest}</text>',
        f'<text x="{LEFT - 8}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">cost per conversation (USD)</text>',
    ]
    for i, b in enumerate(groups):
        h = plot_h * b.count / tallest
        label = f"{b.count} conversation{'s' if b.count != 1 else ''} costing {_money(b.low)} to {_money(b.high)}"
        bar = (
            f'<rect class="bar" x="{LEFT + i * bar_w + 1:.1f}" y="{TOP + plot_h - h:.1f}" '
            f'width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}"/>'
        )
        body.append(f'<a href="{escape(link(b))}" aria-label="{escape(label)}">{bar}<title>{escape(label)}</title></a>')
        if i % max(1, len(groups) // 6) == 0:
            tx = LEFT + i * bar_w
            body.append(f'<text x="{tx:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{_money(b.low)}</text>')
    body.append(f'<text x="{WIDTH - RIGHT:.1f}" y="{TOP + plot_h + 16}" text-anchor="end">{_money(span)}</text>')
    at: dict[Decimal, list[str]] = {}  # marks of equal value share one line and one label (p50 = p95 = p99 $0.00)
    for name, value in marks.items():
        if value is not None:
            at.setdefault(value, []).append(name)
    for row, (value, names) in enumerate(at.items()):
        mx = x(value)
        label = " = ".join(escape(n) for n in names) + " " + _money(value)
        ends = f'x1="{mx:.1f}" y1="{TOP}" x2="{mx:.1f}" y2="{TOP + plot_h}"'
        body.append(f'<line class="mark {escape(names[-1])}" {ends}/>')
        body.append(f'<text class="mark-label" x="{mx + 4:.1f}" y="{TOP + 12 + 14 * row}">{label}</text>')
    shown = ", ".join(f"{k} {_money(v)}" for k, v in marks.items() if v is not None) or "no percentiles"
    description = f"{len(values)} conversations in {len(groups)} buckets up to {_money(span)}; {shown}."
    return _svg(title, description, body, ident)


def bars(rows: Sequence[tuple[str, Decimal, str]], *, title: str, ident: str, unit: str = "$") -> Markup:
    """Horizontal bars: (label, value, link) per row, longest first as given. Drawn ``BARS_WIDTH`` wide: it sits in
    half the page, where a full-width drawing would shrink its text below reading size."""
    row_h = 26
    height = TOP + row_h * max(len(rows), 1) + 10
    largest = max((v for _, v, _ in rows), default=Decimal(0)) or Decimal(1)
    label_w = 200
    plot_w = BARS_WIDTH - label_w - 90
    body: list[str] = []
    for i, (label, value, href) in enumerate(rows):
        y = TOP + i * row_h
        w = max(float(value / largest) * plot_w, 1.0)
        shown = _money(value) if unit == "$" else f"{value}"
        text = f"{label}: {shown}"
        short = label if len(label) <= 28 else label[:27] + "…"
        body.append(
            f'<a href="{escape(href)}" aria-label="{escape(text)}">'
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 8}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{escape(shown)}</text><title>{escape(text)}</title></a>'
        )
    if not rows:
        body.append(f'<text x="{LEFT}" y="{TOP + 14}">nothing in this period</text>')
    svg = _svg(title, f"{len(rows)} bars: " + "; ".join(f"{r[0]} {r[1]}" for r in rows[:10]), body, ident)
    # str first: Markup.replace would escape the new attribute's quotes, leaving the drawing without a viewBox
    box = str(svg).replace(f'viewBox="0 0 {WIDTH} {HEIGHT}"', f'viewBox="0 0 {BARS_WIDTH} {height}"')
    return Markup(box)  # noqa: S704 - the markup of _svg, whose data-derived strings were escaped


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[date, Decimal | None]]
    link: Callable[[date], str]


def lines(series: Sequence[Series], *, title: str, ident: str, y_max: Decimal, y_label: str) -> Markup:
    """Values per day, one line per series (gaps where a day has no value), each point a link."""
    days = sorted({d for s in series for d, _ in s.points})
    plot_w, plot_h = WIDTH - LEFT - RIGHT - 120, HEIGHT - TOP - BOTTOM
    body = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text x="{LEFT - 8}" y="{TOP + 4}" text-anchor="end">{escape(str(y_max))}</text>',
        f'<text x="{LEFT - 8}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">{escape(y_label)} by day (UTC)</text>',
    ]
    if not days:
        body.append(f'<text x="{LEFT + 10}" y="{TOP + 20}">nothing in this period</text>')
        return _svg(title, "no data in this period", body, ident)
    step = plot_w / max(len(days) - 1, 1)
    where = {d: LEFT + i * step for i, d in enumerate(days)}
    for d in (days[0], days[len(days) // 2], days[-1]):
        body.append(f'<text x="{where[d]:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{d:%m-%d}</text>')
    summary = []
    for n, s in enumerate(series):
        ys = [(d, TOP + plot_h - float(v / y_max) * plot_h) for d, v in s.points if v is not None]
        if len(ys) > 1:
            path = " ".join(f"{where[d]:.1f},{y:.1f}" for d, y in ys)
            body.append(f'<polyline class="series s{n}" points="{path}"/>')
        for (d, y), (_, v) in zip(ys, [(d, v) for d, v in s.points if v is not None], strict=True):
            text = f"{s.name} on {d}: {v}"
            body.append(
                f'<a href="{escape(s.link(d))}" aria-label="{escape(text)}">'
                f'<circle class="dot{n}" cx="{where[d]:.1f}" cy="{y:.1f}" r="5"/><title>{escape(text)}</title></a>'
            )
        body.append(
            f'<rect class="dot{n}" x="{LEFT + plot_w + 14}" y="{TOP + 18 * n}" width="12" height="12"/>'
            f'<text x="{LEFT + plot_w + 30}" y="{TOP + 10 + 18 * n}">{escape(s.name)}</text>'
        )
        summary.append(f"{s.name}: {len(ys)} days")
    return _svg(title, "; ".join(summary), body, ident)
