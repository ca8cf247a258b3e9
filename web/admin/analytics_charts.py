"""The geometry of the analytics charts, drawn server-side as inline SVG by
``templates/admin/analytics/_charts.html``: an MRR area chart and a net-new-MRR waterfall
(stacked bars: new, expansion, reactivation up; contraction, churn down; the net as a dot); and
the subscriber page's cancellation reasons (a stacked bar per month,
``templates/admin/analytics/subscribers.html``). The domain gives exact counts and amounts; the
float coordinates are computed here only.

Only presentation: positions in the SVG's own units (the SVG scales to its box, so it reads at
390 px as at 1280), axis ticks on round numbers, labels in major units of the reporting
currency. Every chart has its table below it (the same figures, exact).

Labels follow the page's display (``Display``): month names and compact amounts from Babel for
its locale, in its digits ("دسامبر ۲۶", "۱۲٫۵ هزار"). A right-to-left page gets the charts
mirrored: time runs from right to left and the amount axis stands on the right, as a Persian
reader reads (docs/localisation.md). Without a display (the CSV), labels are English."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_compact_decimal

from domain.adapters.formatting import in_digits
from domain.adapters.i18n import N_, gettext_for
from domain.analytics.metrics import Bucket, Period
from domain.analytics_reports.subscriber_metrics import MonthMetrics
from domain.shared.display import Digits, Display
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
    ("new", N_("New")), ("expansion", N_("Expansion")), ("reactivation", N_("Reactivation")),
    ("contraction", N_("Contraction")), ("churn", N_("Churn")),
)  # fmt: skip


def _tr(display: Display | None, message: str, **variables: str) -> str:
    if display is None:
        return message % variables if variables else message
    return gettext_for(display.language, message, **variables)


def series(display: Display | None) -> list[tuple[str, str]]:
    """The waterfall's kinds with their names in the display's language."""
    return [(kind, _tr(display, name)) for kind, name in SERIES]


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
    tick_x: float  # where the amount labels stand (left of the plot, right of it when mirrored)
    tick_anchor: str  # their text-anchor
    points: list[Point]  # the MRR line (area chart) or the net markers (waterfall)
    segments: list[Segment]  # the waterfall's bars
    line: str  # SVG path of the line ("" when none)
    area: str  # SVG path of the filled area ("" when none)
    empty: bool


def bucket_label(
    start: date, size: Bucket, *, short: bool = False, display: Display | None = None
) -> str:
    """ "Dec 2026" / "7 Dec 2026" (short: "Dec 26" / "7 Dec"); with a display, Babel's month
    names for its locale in its digits. Buckets are Gregorian months and weeks whatever the
    calendar a person reads (the calendar rule), so a Jalali reader sees the Gregorian month's
    Persian name, not a Jalali month."""
    if display is not None and display.language != "en":
        if size is Bucket.MONTH:
            pattern = "LLL yy" if short else "LLLL yyyy"
        else:
            pattern = "d MMM" if short else "d MMM yyyy"
        return in_digits(format_date(start, pattern, locale=display.locale), display)
    if size is Bucket.MONTH:
        return f"{MONTHS[start.month - 1]} {str(start.year)[2:] if short else start.year}"
    return f"{start.day} {MONTHS[start.month - 1]}" + ("" if short else f" {start.year}")


def compact(minor: int | float, currency: Currency, display: Display | None = None) -> str:
    """An axis label: major units, ``12.5k`` / ``1.2M`` beyond a thousand (to the nearest tenth,
    ties to even; whole units below a thousand); with a display of another language, Babel's
    short compact form: "۱۲٫۵ هزار")."""
    if display is not None and display.language != "en":
        value = Decimal(minor) / currency.minor_per_major
        numbering = "default" if display.digits is Digits.NATIVE else "latn"
        text = format_compact_decimal(value, format_type="short", locale=display.locale,
                                      fraction_digits=1, numbering_system=numbering)  # fmt: skip
        text = in_digits(text, display)
        # a negative tick's minus held left of its digits in right-to-left text
        return "\u200e\u2212" + text[1:] if text.startswith("-") else text
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


def _xlabels(
    periods: list[Period], size: Bucket, xs: list[float], display: Display | None
) -> list[XLabel]:
    # Persian month names are about twice as long as "Jan 26": fewer labels, so they never
    # touch at 390 px
    most = 8 if display is None or display.language == "en" else 5
    every = max(1, math.ceil(len(periods) / most))
    return [
        XLabel(x, bucket_label(p.start, size, short=True, display=display))
        for i, (p, x) in enumerate(zip(periods, xs, strict=True))
        if i % every == 0 or (i == len(periods) - 1 and len(periods) <= most)
    ]


def _ticks(
    bottom: float, top: float, step: float, y: object, currency: Currency,
    display: Display | None,
) -> list[Tick]:  # fmt: skip
    out: list[Tick] = []
    value = bottom
    while value <= top + step / 2:
        out.append(Tick(y(value), compact(value, currency, display)))  # type: ignore[operator]
        value += step
    return out


def _finish(
    ticks: list[Tick], xlabels: list[XLabel], zero_y: float, points: list[Point],
    segments: list[Segment], base_y: float | None, empty: bool, display: Display | None,
) -> Chart:  # fmt: skip
    """The chart as drawn left to right, or mirrored for a right-to-left display (time from
    right to left, the amount axis on the right); ``base_y``: where the area under the line
    closes (None: no area)."""
    plot_left, plot_right, tick_x, anchor = LEFT, WIDTH - RIGHT, LEFT - 8, "end"
    if display is not None and display.direction == "rtl":
        points = [Point(round(WIDTH - p.x, 2), p.y, p.title) for p in points]
        segments = [
            Segment(s.kind, round(WIDTH - s.x - s.width, 2), s.y, s.width, s.height, s.title)
            for s in segments
        ]
        xlabels = [XLabel(round(WIDTH - lb.x, 2), lb.label) for lb in xlabels]
        plot_left, plot_right, tick_x, anchor = RIGHT, WIDTH - LEFT, WIDTH - LEFT + 8, "start"
    line = area = ""
    if base_y is not None and points:
        line = " ".join(f"{'M' if i == 0 else 'L'}{pt.x},{pt.y}" for i, pt in enumerate(points))
        area = f"{line} L{points[-1].x},{base_y} L{points[0].x},{base_y} Z"
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=plot_left,
        plot_right=plot_right,
        ticks=ticks,
        xlabels=xlabels,
        zero_y=zero_y,
        tick_x=tick_x,
        tick_anchor=anchor,
        points=points,
        segments=segments,
        line=line,
        area=area,
        empty=empty,
    )


def mrr_chart(
    periods: list[Period], size: Bucket, currency: Currency, display: Display | None = None
) -> Chart:
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
        Point(x, y(p.mrr), f"{bucket_label(p.start, size, display=display)}: "
                           f"{compact(p.mrr, currency, display)} {currency.code}")
        for p, x in zip(periods, xs, strict=True)
    ]  # fmt: skip
    return _finish(
        _ticks(bottom, top, step, y, currency, display), _xlabels(periods, size, xs, display),
        y(0), points, [], y(bottom), not any(values), display,
    )  # fmt: skip


def waterfall_chart(
    periods: list[Period], size: Bucket, currency: Currency, display: Display | None = None
) -> Chart:
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
    net_new = _tr(display, "Net new")
    for p, x in zip(periods, xs, strict=True):
        label = bucket_label(p.start, size, display=display)
        up = down = 0
        for kind, name in series(display):
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
                                    f"{label} · {name}: {compact(amount, currency, display)} "
                                    f"{currency.code}"))  # fmt: skip
        points.append(Point(x, y(p.net_new), f"{label} · {net_new}: "
                            f"{compact(p.net_new, currency, display)} {currency.code}"))  # fmt: skip
    return _finish(
        _ticks(bottom, top, step, y, currency, display), _xlabels(periods, size, xs, display),
        y(0), points, segments, None, not segments, display,
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


def reason_bars(rows: list[MonthMetrics], *, rtl: bool = False) -> tuple[list[ReasonBar], int]:
    """A stacked bar per month (reasons in one order, bottom up) on a ``REASONS_PLOT_WIDTH`` x
    ``REASONS_PLOT_HEIGHT`` plot, scaled to the busiest month; and that month's total (the
    axis' top). ``rtl``: mirrored, the first month on the right."""
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
        x = round(i * slot + (slot - width) / 2, 2)
        if rtl:
            x = round(REASONS_PLOT_WIDTH - x - width, 2)
        bars.append(ReasonBar(r.month, r.cancellations, x, width, pieces))
    return bars, busiest
