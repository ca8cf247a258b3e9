"""Digits in any script read as numbers: Persian (۰-۹) and Arabic-Indic (٠-٩) digits, typed on a
Persian or Arabic keyboard, become ASCII before a quantity, a card number or a date is parsed
(``web/forms.py`` applies it to the fields that hold numbers); and ASCII digits written as
Persian ones for display (``domain/adapters/formatting.py``)."""

from __future__ import annotations

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0..U+06F9 (extended Arabic-Indic)
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660..U+0669

_TO_ASCII = str.maketrans(
    {**{c: str(i) for i, c in enumerate(PERSIAN_DIGITS)},
     **{c: str(i) for i, c in enumerate(ARABIC_INDIC_DIGITS)},
     "٫": ".", "٬": ","}  # the Arabic decimal and thousands separators
)  # fmt: skip
_TO_PERSIAN = str.maketrans({str(i): c for i, c in enumerate(PERSIAN_DIGITS)})


def ascii_digits(value: str) -> str:
    """``"۱۲"`` -> ``"12"``, ``"٣"`` -> ``"3"``; every other character unchanged."""
    return value.translate(_TO_ASCII)


def persian_digits(value: str) -> str:
    """``"12"`` -> ``"۱۲"``; every other character unchanged."""
    return value.translate(_TO_PERSIAN)
