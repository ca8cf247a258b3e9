"""Display formatting shared by every renderer (web pages, e-mails, PDFs): money and instants
through Babel, per locale and time zone. Pure functions; the Jinja filters wrap them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency

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
