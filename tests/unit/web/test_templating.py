"""The money and date filters format through Babel per locale and time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.shared.money import Currency, Money, UnitPrice
from web.templating import date_local_filter, money_filter

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        (Money.of_minor(123450, "USD"), "en_US", "$1,234.50"),
        (Money.of_minor(123450, "EUR"), "de_DE", "1.234,50\xa0€"),
        (Money.of_minor(1500, "JPY"), "ja_JP", "￥1,500"),
        (Money.of_minor(-999, "USD"), "en_US", "-$9.99"),
        (UnitPrice(Decimal("0.05"), Currency.of("USD")), "en_US", "$0.0005"),
        (None, "en_US", ""),
    ],
)
def test_money_filter_formats_per_locale(
    value: Money | UnitPrice | None, locale: str, expected: str
) -> None:
    assert money_filter({"locale": locale}, value) == expected


def test_date_local_converts_to_the_viewer_time_zone() -> None:
    instant = datetime(2024, 1, 31, 23, 30, tzinfo=UTC)
    assert (
        date_local_filter({"timezone": "Europe/Berlin", "locale": "en_US"}, instant, "date")
        == "Feb 1, 2024"
    )
    assert (
        date_local_filter({"default_timezone": "UTC", "locale": "en_US"}, instant, "date")
        == "Jan 31, 2024"
    )
