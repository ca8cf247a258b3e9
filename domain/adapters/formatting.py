"""Display formatting shared by every renderer (web pages, e-mails, PDFs): money, percentages
and instants through Babel, per locale and time zone, in the person's digits and calendar.

The display (language, Babel locale, digits, calendar: ``domain.shared.display.Display``) comes
from the context (``domain.adapters.i18n.display_of``): Persian is formatted by Babel's ``fa``
locale and written in Persian digits unless the person chose Latin ones; a person who chose the
Solar Hijri calendar sees Jalali dates (``jdatetime`` converts; the Gregorian date is what
``date_title`` gives, for a hover title). Only the display changes; billing is Gregorian, UTC.

Templates never format by hand: amounts go through ``|money`` and instants through
``|date_local`` (converted to the viewer's time zone here only: the zone the person chose, else
the renderer's, else the site's). ``format_money`` and
``format_instant`` are the pure functions; the Jinja filters wrap them, reading the locale and
time zone from the template context (``locale``/``default_locale``, ``timezone``/
``default_timezone``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency
from babel.numbers import format_percent as babel_percent
from jinja2 import Environment, pass_context
from markupsafe import Markup, escape

from domain.adapters.i18n import display_of
from domain.shared.digits import persian_digits
from domain.shared.display import Calendar, Digits, Display
from domain.shared.money import Money, UnitPrice

# Solar Hijri months, in Persian and transliterated for the other languages
JALALI_MONTHS = {
    "fa": ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
           "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"),
    "en": ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
           "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"),
}  # fmt: skip
_NATIVE_DIGITS = {"fa": persian_digits}
_TAG = re.compile(r"<[^>]*>")
_INNER_BDI = re.compile(r"<bdi\b[^>]*>.*?</bdi>", re.S)
_MARKS = frozenset("\u200e\u200f\u061c")
_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
_ISOLATE_CLOSER = "\u2069"  # PDI
_DECIMAL_POINT = re.compile(r"(?<=[\u06f0-\u06f9])\.(?=[\u06f0-\u06f9])")


def _numbering(display: Display | None) -> str:
    return "default" if display is not None and display.digits is Digits.NATIVE else "latn"


def in_digits(text: str, display: Display | None) -> str:
    """Text written in the person's digits (ASCII digits become Persian for ``fa``, native)."""
    if display is None or display.digits is Digits.LATIN:
        return text
    convert = _NATIVE_DIGITS.get(display.language)
    if convert is None:
        return text
    # a decimal point between Persian digits is the Persian decimal separator ("۱۲۳۴٫۵")
    return _DECIMAL_POINT.sub("\u066b", convert(text))


def format_money(
    value: Money | UnitPrice | None, *, locale: str, display: Display | None = None
) -> str:
    """Amounts as "$1,234.50" / "1.234,50 €" per locale (Babel ``fa``: "‎$ ۱٬۲۳۴٫۵۰" in Persian
    digits); a unit price keeps its extra decimals (0.05 cents = "$0.0005"); ``None`` is the
    empty string. The currency's own decimals always (Babel's, from CLDR)."""
    if value is None:
        return ""
    numbering = _numbering(display) if display is not None and display.language != "en" else "latn"
    if isinstance(value, UnitPrice):
        text = format_currency(
            value.major, value.currency.code, locale=locale, decimal_quantization=False,
            numbering_system=numbering,
        )  # fmt: skip
    else:
        text = format_currency(
            value.major, value.currency.code, locale=locale, numbering_system=numbering
        )
    return in_digits(text, display)


def _jalali(value: date, language: str, with_year: bool = True) -> str:
    j = jdatetime.date.fromgregorian(date=value)
    months = JALALI_MONTHS.get(language, JALALI_MONTHS["en"])
    return (
        f"{j.day} {months[j.month - 1]} {j.year}" if with_year else f"{j.day} {months[j.month - 1]}"
    )


def format_in_display(
    value: datetime | date | None, *, display: Display, timezone: str, style: str = "medium"
) -> str:
    """An instant for a person: Babel for their locale, or a Jalali date (with the time for a
    datetime style other than "date"), in their digits."""
    if value is None:
        return ""
    if display.calendar is Calendar.JALALI:
        if isinstance(value, datetime):
            local = value.astimezone(ZoneInfo(timezone))
            text = _jalali(local.date(), display.language)
            if style != "date":
                text += "، " if display.language == "fa" else ", "
                text += format_time(local, format="short", tzinfo=ZoneInfo(timezone),
                                    locale=display.locale)  # fmt: skip
        else:
            text = _jalali(value, display.language)
    else:
        text = format_instant(value, locale=display.locale, timezone=timezone, style=style)
    return in_digits(text, display)


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


def _display(context: Mapping[str, Any]) -> Display:
    return display_of(context)


def _timezone(context: Mapping[str, Any]) -> str:
    """The zone instants are shown in: the person's own choice (their display's), else the
    renderer's (``timezone``: a PDF's seller, an e-mail's customer), else the site's."""
    chosen = _display(context).timezone
    return chosen or str(context.get("timezone") or context.get("default_timezone") or "UTC")


@pass_context
def money_filter(context: Mapping[str, Any], value: Money | UnitPrice | None) -> str:
    """``{{ invoice.total|money }}`` -> "$1,234.50" / "1.234,50 €" per the viewer's locale."""
    display = _display(context)
    return format_money(value, locale=display.locale, display=display)


@pass_context
def date_local_filter(
    context: Mapping[str, Any], value: datetime | date | None, style: str = "medium"
) -> str:
    """Format an instant in the viewer's time zone (their chosen one, else ``timezone`` in the
    context, else the default), calendar and digits."""
    return format_in_display(value, display=_display(context), timezone=_timezone(context),
                             style=style)  # fmt: skip


@pass_context
def date_title_filter(
    context: Mapping[str, Any], value: datetime | date | None, style: str = "date"
) -> str:
    """The Gregorian date of an instant, for a ``title`` beside a Jalali one (empty when the
    person reads Gregorian dates already)."""
    display = _display(context)
    if value is None or display.calendar is not Calendar.JALALI:
        return ""
    gregorian = Display(language=display.language, locale=display.locale,
                        digits=display.digits, timezone=display.timezone)  # fmt: skip
    return format_in_display(value, display=gregorian, timezone=_timezone(context), style=style)


@pass_context
def month_filter(context: Mapping[str, Any], value: date | None) -> str:
    """``{{ month|month_local }}``: a Gregorian month ("December 2026", "دسامبر ۲۰۲۶") in the
    viewer's language and digits; reports count Gregorian months whatever the calendar read."""
    if value is None:
        return ""
    display = _display(context)
    return in_digits(format_date(value, format="LLLL y", locale=display.locale), display)


def first_strong_direction(text: str) -> str:
    """``rtl`` when the first strongly directional letter of ``text`` is right to left (Persian,
    Arabic, Hebrew), else ``ltr`` (also when it has none: digits, codes); what ``dir="auto"``
    works out in a browser, done here because WeasyPrint does not. Direction marks are skipped:
    "‎$ 30.00 در هر ماه" is Persian text that starts with an amount. A run inside an isolate
    (U+2066-U+2068 ... U+2069: a merchant's label "Team" in a Persian invoice line) is skipped,
    as UAX #9 (P2) skips it."""
    depth = 0
    for char in text:
        if char in _ISOLATE_OPENERS:
            depth += 1
            continue
        if char == _ISOLATE_CLOSER:
            depth = max(0, depth - 1)
            continue
        if depth or char in _MARKS:
            continue  # Babel's left-to-right mark before an amount says nothing of the text
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


@pass_context
def bdi_filter(context: Any, value: object) -> str | Markup:
    """``{{ number|bdi }}``: a run (an invoice number, an address, a name, an amount with its
    sign) kept whole, in its own direction, inside text of the other direction. HTML gets
    ``<bdi dir="ltr">`` (the direction of its first strong letter, explicit because WeasyPrint
    ignores ``dir="auto"`` and a bare ``<bdi>``; the value escaped); plain text (e-mail bodies,
    subjects) gets the Unicode first-strong isolate (U+2068 ... U+2069) when the text around
    it is right to left, else the value as is."""
    if value is None or value == "":
        return ""
    if context.eval_ctx.autoescape:
        html = escape(value)
        # as dir="auto" does: the runs already isolated inside do not decide ("<bdi>Visa</bdi>
        # با چهار رقم پایانی ..." is right to left)
        outside = _TAG.sub("", _INNER_BDI.sub("", str(html)))
        direction = first_strong_direction(unescape(outside))
        return Markup('<bdi dir="%s">%s</bdi>') % (direction, html)
    text = str(value)
    return f"\u2068{text}\u2069" if _display(context).direction == "rtl" else text


@pass_context
def digits_filter(context: Mapping[str, Any], value: object) -> str:
    """``{{ count|digits }}``: a number (or any text) in the viewer's digits."""
    return in_digits("" if value is None else str(value), _display(context))


def format_percent(value: Fraction | Decimal | None, places: int = 1) -> str:
    """``Fraction(1, 8)`` -> ``"12.5%"`` (half away from zero, once); ``None`` -> ``"—"``."""
    if value is None:
        return "—"
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(
        value, Fraction) else value  # fmt: skip
    quantum = Decimal(1).scaleb(-places)
    return f"{(exact * 100).quantize(quantum, rounding=ROUND_HALF_UP):f}%"


@pass_context
def percent_filter(
    context: Mapping[str, Any], value: Fraction | Decimal | None, places: int = 1
) -> str:
    """``format_percent`` for English; Babel's percent pattern for another language ("۱۲٫۵٪")."""
    display = _display(context)
    if value is None or display.language == "en":
        return format_percent(value, places)
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(
        value, Fraction) else value  # fmt: skip
    quantum = Decimal(1).scaleb(-places - 2)
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "") + "%"
    text = babel_percent(exact.quantize(quantum, rounding=ROUND_HALF_UP), format=pattern,
                         locale=display.locale, numbering_system=_numbering(display))  # fmt: skip
    if display.digits is Digits.NATIVE and display.language == "fa":
        text = text.replace("%", "٪")  # the Persian percent sign beside Persian digits
    return in_digits(text, display)


def install_filters(env: Environment) -> None:
    """Register ``money``, ``percent``, ``date_local``, ``date_title``, ``digits``, ``bdi``
    and ``month_local`` on a Jinja environment."""
    env.filters["money"] = money_filter
    env.filters["percent"] = percent_filter
    env.filters["date_local"] = date_local_filter
    env.filters["date_title"] = date_title_filter
    env.filters["digits"] = digits_filter
    env.filters["bdi"] = bdi_filter
    env.filters["month_local"] = month_filter
