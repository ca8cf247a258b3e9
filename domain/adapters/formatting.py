"""Display formatting shared by every renderer (web pages, e-mails, PDFs): money and instants
through Babel, per locale and time zone.

Templates never format by hand: amounts go through ``|money`` and instants through
``|date_local`` (converted to the viewer's time zone here only). ``format_money`` and
``format_instant`` are the pure functions; the Jinja filters wrap them, reading the locale and
time zone from the template context (``locale``/``default_locale``, ``timezone``/
``default_timezone``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, pass_context

from domain.shared.money import Money, UnitPrice


def format_money(value: Money | UnitPrice | None, *, locale: str) -> str:
    """Amounts as "$1,234.50" / "1.234,50 €" per locale; a unit price keeps its extra decimals
    (0.05 cents = "$0.0005"); ``None`` is the empty string."""
    if value is None:
        return ""
    if isinstance(value, UnitPrice):
        return format_currency(
            value.major, value.currency.code, locale=locale, decimal_quantization=False
        )
    return format_currency(value.major, value.currency.code, locale=locale)


def format_instant(
    value: datetime | date | None, *, locale: str, timezone: str, style: str = "medium"
) -> str:
    """An instant in a time zone (``style`` is a Babel format, or "date" for the date alone);
    a ``date`` has no zone and is formatted as is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        tz = ZoneInfo(timezone)
        local = value.astimezone(tz)
        if style == "date":
            return format_date(local.date(), format="medium", locale=locale)
        return format_datetime(local, format=style, tzinfo=tz, locale=locale)
    return format_date(value, format=style if style != "date" else "medium", locale=locale)


def _locale(context: Mapping[str, Any]) -> str:
    return str(context.get("locale") or context.get("default_locale") or "en_US")


@pass_context
def money_filter(context: Mapping[str, Any], value: Money | UnitPrice | None) -> str:
    """``{{ invoice.total|money }}`` -> "$1,234.50" / "1.234,50 €" per the viewer's locale."""
    return format_money(value, locale=_locale(context))


@pass_context
def date_local_filter(
    context: Mapping[str, Any], value: datetime | date | None, style: str = "medium"
) -> str:
    """Format an instant in the viewer's time zone (``timezone`` in the context, else the default)."""
    tz = str(context.get("timezone") or context.get("default_timezone") or "UTC")
    return format_instant(value, locale=_locale(context), timezone=tz, style=style)


def format_percent(value: Fraction | Decimal | None, places: int = 1) -> str:
    """``Fraction(1, 8)`` -> ``"12.5%"`` (half away from zero, once); ``None`` -> ``"—"``."""
    if value is None:
        return "—"
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(
        value, Fraction) else value  # fmt: skip
    quantum = Decimal(1).scaleb(-places)
    return f"{(exact * 100).quantize(quantum, rounding=ROUND_HALF_UP):f}%"


def install_filters(env: Environment) -> None:
    """Register ``money``, ``percent`` and ``date_local`` on a Jinja environment."""
    env.filters["money"] = money_filter
    env.filters["percent"] = format_percent
    env.filters["date_local"] = date_local_filter
