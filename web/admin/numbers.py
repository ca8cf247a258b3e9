"""Whole numbers on the admin pages in the page's display: "12,345" in English, "۱۲٬۳۴۵" in
Persian (Babel's grouping for the locale, in the person's digits). Templates get it as
``count`` (``{{ count(rec.total_rows) }}``); flash messages format their numbers with it too."""

from __future__ import annotations

from collections.abc import Callable

from babel.numbers import format_decimal

from domain.adapters.formatting import in_digits
from domain.shared.display import Digits, Display


def grouped(display: Display) -> Callable[[int], str]:
    def count(value: int) -> str:
        if display.language == "en":
            return f"{value:,}"
        numbering = "default" if display.digits is Digits.NATIVE else "latn"
        text = format_decimal(value, "#,##0", locale=display.locale, numbering_system=numbering)
        return in_digits(text, display)

    return count
