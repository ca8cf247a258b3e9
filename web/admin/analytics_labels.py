"""Labels of the analytics pages in the page's display: month names, percentages given in
tenths ("83.3%" / "۸۳٫۳٪") and the cohort heat legend. The CSV exports keep their English,
Latin-digit labels (data for a spreadsheet, docs/localisation.md); these are for the pages.

Month buckets are Gregorian months whatever calendar a person reads (the calendar rule), so a
Jalali reader sees the Gregorian month's Persian name ("دسامبر ۲۰۲۶")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from domain.adapters.formatting import in_digits
from domain.adapters.i18n import N_, gettext_for
from domain.analytics.cohorts import format_tenths
from domain.shared.display import Digits, Display

HEAT_LEGEND = [
    N_("under 50%%"), N_("50–69%%"), N_("70–79%%"), N_("80–89%%"), N_("90–99%%"),
    N_("100%% and more"),
]  # fmt: skip


def ltr_minus(text: str) -> str:
    """A negative number's ASCII minus as a true minus held left of the digits in right-to-left
    text (a left-to-right mark before it, as CLDR writes Persian negatives): "‎−۲۱۰٫۵۲"."""
    return "\u200e\u2212" + text[1:] if text.startswith("-") else text


def month_label(display: Display) -> Callable[[date, bool], str]:
    """``label(date, short=False)``: "Dec 2026" / "Dec 26" (Persian: "دسامبر ۲۰۲۶")."""

    def label(value: date, short: bool = False) -> str:
        if display.language == "en":
            return value.strftime("%b %y" if short else "%b %Y")
        pattern = "LLL yy" if short else "LLLL yyyy"
        return in_digits(format_date(value, pattern, locale=display.locale), display)

    return label


def percent_of_tenths(display: Display) -> Callable[[int | None], str]:
    """``pct(833)``: "83.3%" in English, "۸۳٫۳٪" in Persian digits; None is an em dash."""

    def pct(tenths: int | None) -> str:
        if tenths is None or display.language == "en":
            return format_tenths(tenths)
        numbering = "default" if display.digits is Digits.NATIVE else "latn"
        text = format_percent(Decimal(tenths) / 1000, "#,##0.0%", locale=display.locale,
                              numbering_system=numbering)  # fmt: skip
        if display.digits is Digits.NATIVE and display.language == "fa":
            text = text.replace("%", "٪")
        return in_digits(text, display)

    return pct


def heat_legend(display: Display) -> list[str]:
    return [in_digits(gettext_for(display.language, label) % {}, display) for label in HEAT_LEGEND]


def number_text(display: Display) -> Callable[[str], str]:
    """``num("1234.50")``: a table's exact decimal text as is in English, in the display's
    locale and digits otherwise ("۱٬۲۳۴٫۵۰"), its decimals kept; "" and "—" unchanged."""

    def num(text: str) -> str:
        if display.language == "en" or not text or text == "—":
            return text
        value = Decimal(text)
        places = -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0  # type: ignore[operator]
        pattern = "#,##0" + ("." + "0" * places if places else "")
        numbering = "default" if display.digits is Digits.NATIVE else "latn"
        return ltr_minus(in_digits(format_decimal(value, pattern, locale=display.locale,
                                                  numbering_system=numbering), display))  # fmt: skip

    return num
