"""A tax rate as staff type it: the exact percentage (0-100, four decimals, never 2E+1), the
rules of a new rate, and which subscriptions each active rate applies to by address."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.pricing.tax_rates import StoredTaxRate, TaxRateInput, check_rate, parse_percentage
from domain.shared.errors import ValidationFailed
from domain.taxes.admin import subscriptions_per_rate

NOW = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "value"),
    [("19", "19"), ("20.0", "20"), ("6,5", "6.5"), (" 8.875 %", "8.875"), ("0", "0"),
     ("100", "100"), ("007.50", "7.5"), (".5", "0.5"), ("12.34560", "12.3456")],
)  # fmt: skip
def test_percentages_are_read_exactly(typed: str, value: str) -> None:
    parsed = parse_percentage(typed)
    assert isinstance(parsed, Decimal) and str(parsed) == value


@pytest.mark.parametrize(
    "typed", ["", "-1", "+5", "1e1", "inf", "NaN", "100.0001", "1.23456", "1.2.3", ".", "٣", "1 9"]
)
def test_percentages_refused(typed: str) -> None:
    assert isinstance(parse_percentage(typed), str)


def test_a_new_rate_is_checked_field_by_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_rate(TaxRateInput("ZZ", "x" * 101, "", "101", False))
    assert set(refused.value.field_errors) == {"country", "region", "name", "percentage"}
    rate = check_rate(TaxRateInput(" us ", "  WA ", " Sales   tax ", "6.5", False))
    assert (rate.country, rate.region, rate.name, rate.percentage) == (
        "US", "WA", "Sales tax", Decimal("6.5"),
    )  # fmt: skip


def _rate(country: str, region: str | None, archived: bool = False) -> StoredTaxRate:
    return StoredTaxRate(f"{country}-{region}", country, region, "Tax", Decimal(5), False, NOW,
                         NOW if archived else None)  # fmt: skip


def test_subscriptions_are_counted_where_each_rate_applies() -> None:
    rates = [_rate("US", None), _rate("US", "WA"), _rate("DE", None), _rate("FR", None, True)]
    by_place = {("US", ""): 2, ("US", "wa"): 3, ("US", "ca"): 4, ("DE", "bayern"): 1,
                ("FR", ""): 7}  # fmt: skip
    assert subscriptions_per_rate(rates, by_place) == {"US-None": 6, "US-WA": 3, "DE-None": 1}
