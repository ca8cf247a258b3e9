"""The geometry of the analytics charts, drawn server-side as inline SVG by
``templates/admin/analytics/_charts.html``: an MRR area chart and a net-new-MRR waterfall
(stacked bars: new, expansion, reactivation up; contraction, churn down; the net as a dot); and
the subscriber page's cancellation reasons (a stacked bar per month,
``templates/admin/analytics/subscribers.html``). The domain gives exact counts and amounts; the
float coordinates are computed here only.

Only presentation: positions in the SVG's own units (the SVG scales to its box, so it reads at
390 px as at 1280), axis ticks on round numbers, labels in major units of the reporting
currency. Every chart has its table below it (the same figures, exact)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.analytics.metrics import Bucket, Period
from domain.analytics_reports.subscriber_metrics import MonthMetrics
from domain.shared.money import Currency
from domain.subscriptions.model import CancellationReason

WIDTH = 720
HEIGHT = 300
LEFT = 76
RIGHT = 12
TOP = 16
BOTTOM = 48
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SERIES = (  # waterfall segments, bottom to top (up) and top to bottom (down)
    ("new", "New"), ("expansion", "Expansion"), ("reactivation", "Reactivation"),
    ("contraction", "Contraction"), ("churn", "Churn"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    ticks: list[Tick]
    xlabels: list[XLabel]
    zero_y: float
    points: list[Point]  # the MRR line (area chart) or the net markers (waterfall)
    segments: list[Segment]  # the waterfall's bars
    line: str  # SVG path of the line ("" when none)
    area: str  # SVG path of the filled area ("" when none)
    empty: bool


def bucket_label(start: date, size: Bucket, *, short: bool = False) -> str:
    if size is Bucket.MONTH:
        return f"{MONTHS[start.month - 1]} {str(start.year)[2:] if short else start.year}"
    return f"{start.day} {MONTHS[start.month - 1]}" + ("" if short else f" {start.year}")


def compact(minor: int | float, currency: Currency) -> str:
    """An axis label: major units, ``12.5k`` / ``1.2M`` beyond a thousand (to the nearest tenth,
    ties to even; whole units below a thousand)."""
    if isinstance(minor, int):  # the charts' points and bars: integer arithmetic only
        return _compact_int(minor, currency.minor_per_major)
    major = Decimal(minor) / currency.minor_per_major
    sign = "-" if major < 0 else ""
    major = abs(major)
    for size, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if major >= size:
            value = (major / size).quantize(Decimal("0.1"))
            text = f"{value:f}".removesuffix(".0")
            return f"{sign}{text}{suffix}"
    return f"{sign}{major.quantize(Decimal(1)):f}"


def _compact_int(minor: int, per_major: int) -> str:
    """``compact`` of whole minor units, as the ``Decimal`` path gives it (ties to even)."""
    sign = "-" if minor < 0 else ""
    units = abs(minor)
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if units >= size * per_major:
            tenths = _half_even(units, size * per_major // 10)
            whole, tenth = divmod(tenths, 10)
            return f"{sign}{whole}{'' if not tenth else f'.{tenth}'}{suffix}"
    return f"{sign}{_half_even(units, per_major)}"


def _half_even(numerator: int, denominator: int) -> int:
    quotient, rest = divmod(numerator, denominator)
    if 2 * rest > denominator or (2 * rest == denominator and quotient % 2):
        quotient += 1
    return quotient


def nice_step(span: float, ticks: int = 4) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _scale(low: float, high: float) -> tuple[float, float, float]:
    step = nice_step(high - low)
    bottom = math.floor(low / step) * step
    top = math.ceil(high / step) * step
    if top == bottom:
        top = bottom + step
    return bottom, top, step


def _xlabels(periods: list[Period], size: Bucket, xs: list[float]) -> list[XLabel]:
    every = max(1, math.ceil(len(periods) / 8))
    return [
        XLabel(x, bucket_label(p.start, size, short=True))
        for i, (p, x) in enumerate(zip(periods, xs, strict=True))
        if i % every == 0 or (i == len(periods) - 1 and len(periods) <= 8)
    ]


def _ticks(bottom: float, top: float, step: float, y: object, currency: Currency) -> list[Tick]:
    out: list[Tick] = []
    value = bottom
    while value <= top + step / 2:
        out.append(Tick(y(value), compact(value, currency)))  # type: ignore[operator]
        value += step
    return out


def mrr_chart(periods: list[Period], size: Bucket, currency: Currency) -> Chart:
    """MRR at each bucket's end: a line over a filled area, a dot per bucket."""
    values = [p.mrr for p in periods]
    bottom, top, step = _scale(0, max([*values, 0]))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return round(TOP + plot_h - (v - bottom) / (top - bottom) * plot_h, 2)

    count = len(periods)
    xs = [round(LEFT + (plot_w * (i + 0.5) / count), 2) for i in range(count)] if count else []
    points = [
        Point(x, y(p.mrr), f"{bucket_label(p.start, size)}: {compact(p.mrr, currency)} "
                           f"{currency.code}")
        for p, x in zip(periods, xs, strict=True)
    ]  # fmt: skip
    line = " ".join(f"{'M' if i == 0 else 'L'}{pt.x},{pt.y}" for i, pt in enumerate(points))
    area = (f"{line} L{points[-1].x},{y(bottom)} L{points[0].x},{y(bottom)} Z"
            if points else "")  # fmt: skip
    return Chart(
        WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, _ticks(bottom, top, step, y, currency),
        _xlabels(periods, size, xs), y(0), points, [], line, area, not any(values),
    )  # fmt: skip


def waterfall_chart(periods: list[Period], size: Bucket, currency: Currency) -> Chart:
    """Net new MRR per bucket: gains stacked up from zero, losses stacked down, a dot at the
    net."""
    ups = [p.new + p.expansion + p.reactivation for p in periods]
    downs = [p.contraction + p.churn for p in periods]
    bottom, top, step = _scale(min([*downs, 0]), max([*ups, 0]))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return round(TOP + plot_h - (v - bottom) / (top - bottom) * plot_h, 2)

    count = len(periods)
    slot = plot_w / count if count else plot_w
    bar = round(min(slot * 0.62, 40), 2)
    xs = [round(LEFT + slot * (i + 0.5), 2) for i in range(count)]
    segments: list[Segment] = []
    points: list[Point] = []
    for p, x in zip(periods, xs, strict=True):
        label = bucket_label(p.start, size)
        up = down = 0
        for kind, name in SERIES:
            amount = getattr(p, kind)
            if not amount:
                continue
            if amount > 0:
                y0, y1 = y(up + amount), y(up)
                up += amount
            else:
                y0, y1 = y(down), y(down + amount)
                down += amount
            segments.append(Segment(kind, round(x - bar / 2, 2), y0, bar, round(y1 - y0, 2),
                                    f"{label} · {name}: {compact(amount, currency)} "
                                    f"{currency.code}"))  # fmt: skip
        points.append(
            Point(
                x,
                y(p.net_new),
                f"{label} · Net new: {compact(p.net_new, currency)} {currency.code}",
            )
        )
    return Chart(
        WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, _ticks(bottom, top, step, y, currency),
        _xlabels(periods, size, xs), y(0), points, segments, "", "", not segments,
    )  # fmt: skip


# -- the cancellation reasons (subscriber metrics) ---------------------------------------------

REASONS_PLOT_WIDTH = 700  # the plot area in SVG user units (the template adds the axes)
REASONS_PLOT_HEIGHT = 180


@dataclass(frozen=True, slots=True)
class BarPiece:
    reason: CancellationReason
    count: int
    y: float  # from the plot's top
    height: float


@dataclass(frozen=True, slots=True)
class ReasonBar:
    month: date
    total: int
    x: float  # the bar's left edge from the plot's left
    width: float
    pieces: list[BarPiece]

    @property
    def top(self) -> float:
        return self.pieces[-1].y if self.pieces else 0.0

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)


def reason_bars(rows: list[MonthMetrics]) -> tuple[list[ReasonBar], int]:
    """A stacked bar per month (reasons in one order, bottom up) on a ``REASONS_PLOT_WIDTH`` x
    ``REASONS_PLOT_HEIGHT`` plot, scaled to the busiest month; and that month's total (the
    axis' top)."""
    busiest = max((r.cancellations for r in rows), default=0)
    scale = busiest or 1
    slot = REASONS_PLOT_WIDTH / max(len(rows), 1)
    bars = []
    for i, r in enumerate(rows):
        pieces, bottom = [], float(REASONS_PLOT_HEIGHT)
        for reason in CancellationReason:
            n = r.reasons.get(reason, 0)
            if n:
                height = round(REASONS_PLOT_HEIGHT * n / scale, 2)
                bottom = round(bottom - height, 2)
                pieces.append(BarPiece(reason, n, bottom, height))
        width = min(round(slot * 0.62, 2), 48.0)
        bars.append(ReasonBar(r.month, r.cancellations, round(i * slot + (slot - width) / 2, 2),
                              width, pieces))  # fmt: skip
    return bars, busiest
