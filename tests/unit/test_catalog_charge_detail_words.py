"""A catalog charge's composed detail on the admin's catalog pages ("per 1,000 GB, 10 free",
``domain/catalog_admin/views.py``) reads in Persian, the merchant's words kept as entered and
isolated, the counts in Persian digits; English stays as written."""

from __future__ import annotations

import pytest

from domain.adapters.composed_text import FSI, PDI, rewrite
from domain.shared.display import Digits, Display

PERSIAN = Display(language="fa", locale="fa_IR", digits=Digits.NATIVE)


@pytest.mark.parametrize(
    ("english", "persian"),
    [
        ("per seat", f"هر {FSI}seat{PDI}"),
        ("per 1,000 GB, 10 free", f"هر ۱٬۰۰۰ {FSI}GB{PDI}، ۱۰ رایگان"),
        (
            "per call, metered: api_calls (sum)",
            f"هر {FSI}call{PDI}، سنجش‌شده: {FSI}api_calls{PDI} (مجموع مقادیر)",
        ),
    ],
)
def test_a_charge_detail_reads_in_persian(english: str, persian: str) -> None:
    assert rewrite(PERSIAN, english) == persian


def test_english_is_left_as_written() -> None:
    assert rewrite(Display(), "per 1,000 GB, 10 free") is None
