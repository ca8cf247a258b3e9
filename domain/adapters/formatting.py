"""The Jinja filters every template uses (``money``, ``date_local``), free of any web framework so
that the web pages and the PDF renderer format amounts and dates the same way.

Templates never format by hand: amounts go through ``|money`` (Babel, per locale) and instants
through ``|date_local`` (converted to the viewer's time zone here only). The locale and the time
zone come from the template context (``locale``/``default_locale``, ``timezone``/
``default_timezone``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, pass_context

from domain.shared.money import Money, UnitPrice


def _locale(context: Mapping[str, Any]) -> str:
    return str(context.get("locale") or context.get("default_locale") or "en_US")


@pass_context
def money_filter(context: Mapping[str, Any], value: Money | UnitPrice | None) -> str:
    """``{{ invoice.total|money }}`` -> "$1,234.50" / "1.234,50 €" per the viewer's locale."""
    if value is None:
        return ""
    if isinstance(value, UnitPrice):
        # a unit price may carry more decimals than the currency (0.05 cents = $0.0005)
        return format_currency(
            value.major, value.currency.code, locale=_locale(context), decimal_quantization=False
        )
    return format_currency(value.major, value.currency.code, locale=_locale(context))


@pass_context
def date_local_filter(
    context: Mapping[str, Any], value: datetime | date | None, style: str = "medium"
) -> str:
    """Format an instant in the viewer's time zone (``timezone`` in the context, else the default)."""
    if value is None:
        return ""
    locale = _locale(context)
    if isinstance(value, datetime):
        tz = ZoneInfo(str(context.get("timezone") or context.get("default_timezone") or "UTC"))
        local = value.astimezone(tz)
        if style == "date":
            return format_date(local.date(), format="medium", locale=locale)
        return format_datetime(local, format=style, tzinfo=tz, locale=locale)
    return format_date(value, format=style if style != "date" else "medium", locale=locale)


def install_filters(env: Environment) -> None:
    """Register ``money`` and ``date_local`` on a Jinja environment."""
    env.filters["money"] = money_filter
    env.filters["date_local"] = date_local_filter
