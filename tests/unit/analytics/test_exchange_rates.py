"""Exchange rates: which entry applies on a day, exact conversion with the one rounding rule
(JPY <-> USD decimals, ties both ways), and the rules for a typed rate and date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.analytics.exchange_rates import (
    ExchangeRate,
    ExchangeRates,
    NoExchangeRate,
    check_currency,
    check_effective_on,
    convert,
    parse_rate,
)
from domain.shared.money import Currency, Money, Rounding

USD, EUR, JPY, KWD = (Currency.of(c) for c in ("USD", "EUR", "JPY", "KWD"))
_n = 0


def rate(currency: str, value: str, on: date, *, to: str = "USD", minute: int = 0) -> ExchangeRate:
    global _n
    _n += 1
    return ExchangeRate(
        id=f"r{_n:04d}", currency=currency, reporting=to, rate=Decimal(value), effective_on=on,
        entered_by="bill@example.com", entered_at=datetime(2026, 1, 1, 0, minute, tzinfo=UTC),
    )  # fmt: skip


def test_the_latest_rate_on_or_before_the_day_applies() -> None:
    rates = ExchangeRates(USD, [rate("EUR", "1.10", date(2026, 3, 1)),
                                rate("EUR", "1.05", date(2026, 1, 1))])  # fmt: skip
    assert rates.rate_on("EUR", date(2026, 1, 1)) == Decimal("1.05")
    assert rates.rate_on("EUR", date(2026, 2, 28)) == Decimal("1.05")
    assert rates.rate_on("EUR", date(2026, 3, 1)) == Decimal("1.10")
    assert rates.rate_on("EUR", date(2030, 1, 1)) == Decimal("1.10")
    with pytest.raises(NoExchangeRate) as missing:
        rates.rate_on("EUR", date(2025, 12, 31))
    assert missing.value.code == "exchange_rate.missing" and "2025-12-31" in missing.value.message
    with pytest.raises(NoExchangeRate):
        rates.rate_on("GBP", date(2026, 6, 1))


def test_the_reporting_currency_converts_to_itself_without_any_rate() -> None:
    rates = ExchangeRates(USD)
    assert rates.rate_on("USD", date(1999, 1, 1)) == 1
    assert rates.convert(Money.of_minor(1234, "USD"), date(2026, 1, 1)) == Money.of_minor(1234, USD)


def test_a_correction_for_the_same_date_wins_and_rates_into_another_currency_are_ignored() -> None:
    first = rate("EUR", "1.50", date(2026, 1, 1), minute=1)
    fixed = rate("EUR", "1.08", date(2026, 1, 1), minute=2)
    other = rate("EUR", "0.85", date(2026, 1, 1), to="GBP", minute=3)
    rates = ExchangeRates(USD, [fixed, other, first])
    assert rates.rate_on("EUR", date(2026, 1, 5)) == Decimal("1.08")
    assert [r.id for r in rates.history("EUR")] == [fixed.id, first.id]
    assert ExchangeRates(Currency.of("GBP"), [other]).rate_on("EUR", date(2026, 1, 1)) == Decimal(
        "0.85"
    )


def test_jpy_to_usd_and_back_use_each_currencys_decimals() -> None:
    rates = ExchangeRates(USD, [rate("JPY", "0.0066", date(2026, 1, 1))])
    # 1,980 JPY * 0.0066 = 13.068 USD -> 1306.8 cents -> 1307
    assert rates.convert(Money.of_minor(1980, "JPY"), date(2026, 1, 1)) == Money.of_minor(1307, USD)
    to_yen = ExchangeRates(JPY, [rate("USD", "151.37", date(2026, 1, 1), to="JPY")])
    # 19.99 USD * 151.37 = 3025.8863 JPY -> 3026 (no cents in yen)
    assert to_yen.convert(Money.of_minor(1999, "USD"), date(2026, 1, 1)) == Money.of_minor(
        3026, JPY
    )
    # three decimals: 1.000 KWD * 3.25 = 3.25 USD
    assert convert(Money.of_minor(1000, KWD), Decimal("3.25"), USD) == Money.of_minor(325, USD)


@pytest.mark.parametrize(
    ("minor", "rounding", "expected"),
    [
        (1, Rounding.HALF_UP, 1),  # 0.5 cent -> 1
        (1, Rounding.HALF_EVEN, 0),  # 0.5 cent -> 0 (even)
        (3, Rounding.HALF_UP, 2),  # 1.5 -> 2
        (3, Rounding.HALF_EVEN, 2),  # 1.5 -> 2
        (5, Rounding.HALF_EVEN, 2),  # 2.5 -> 2
        (-1, Rounding.HALF_UP, -1),  # a refund: away from zero
        (-5, Rounding.HALF_EVEN, -2),
    ],
)
def test_exact_ties_follow_the_billing_rounding(
    minor: int, rounding: Rounding, expected: int
) -> None:
    # 0.50 is exact in decimal: no float would tie here reliably
    assert convert(Money.of_minor(minor, EUR), Decimal("0.5"), USD, rounding).minor == expected


def test_a_tie_reached_through_the_minor_unit_ratio_is_exact() -> None:
    # 1 JPY at 0.005 USD = 0.5 cent, exactly a tie
    assert convert(Money.of_minor(1, JPY), Decimal("0.005"), USD).minor == 1
    assert convert(Money.of_minor(1, JPY), Decimal("0.005"), USD, Rounding.HALF_EVEN).minor == 0
    # 0.1 + 0.2 style: 3 x 0.1 cents-worth sums exactly
    assert convert(Money.of_minor(3, JPY), Decimal("0.001"), USD).minor == 0
    # a long rate keeps every digit: 1,000,000.00 EUR at 1.082512345
    big = convert(Money.of_minor(100_000_000, EUR), Decimal("1.082512345"), USD)
    assert big.minor == 108_251_235  # 1,082,512.345 -> half up


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.0825", "1.0825"), ("0,0066", "0.0066"), (" 150 ", "150"), ("1.50000", "1.5"),
     (".5", "0.5"), ("0.000039300", "0.0000393"), ("987654321.5", "987654321.5")],
)  # fmt: skip
def test_rates_are_read_exactly(text: str, value: str) -> None:
    assert parse_rate(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    ["", "0", "0.000", "-1", "+1", "1e3", "1.2.3", "abc", "１", "NaN", "Infinity",
     "1000000000", "0.0000000000001", "1.2345678901", " . "],
)  # fmt: skip
def test_bad_rates_are_refused_with_a_reason(text: str) -> None:
    assert isinstance(parse_rate(text), str)


def test_dates_and_currencies_are_checked() -> None:
    today = date(2026, 12, 7)
    assert check_effective_on("2026-01-31", today) == date(2026, 1, 31)
    assert check_effective_on("2027-12-07", today) == date(2027, 12, 7)
    for bad in ("", "2026-13-01", "31/01/2026", "1999-12-31", "2028-01-01", "2026-1-1",
                "２026-01-01"):  # fmt: skip
        assert isinstance(check_effective_on(bad, today), str), bad
    assert check_currency("eur", USD) == EUR
    for bad in ("", "usd", "XXX", "EURO", "€"):
        assert isinstance(check_currency(bad, USD), str), bad


def test_the_inverse_is_shown_to_six_significant_digits() -> None:
    assert rate("EUR", "1.0825", date(2026, 1, 1)).inverse_text == "0.923788"
    assert rate("JPY", "0.0066", date(2026, 1, 1)).inverse_text == "151.515"
