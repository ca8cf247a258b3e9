"""Unit tests for domain.pricing.charges: what each charge model costs, exactly, with explanations.

Amounts are minor units (USD cents); unit prices are ``Decimal`` minor units, as the scenario
parser builds them ("0.10" USD per call -> ``Decimal("10")``). Every expectation is hand-computed.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from domain.pricing.charges import fmt_amount, fmt_units, price_charge
from domain.pricing.model import Charge, ChargeModel, Meter, Tier
from domain.shared.money import Currency

pytestmark = pytest.mark.unit

USD = Currency.of("USD")
JPY = Currency.of("JPY")


def q(units: int | str) -> Fraction:
    """Units as the engine passes them: an exact ``Fraction`` (decimal strings allowed)."""
    return Fraction(Decimal(units)) if isinstance(units, str) else Fraction(units)


def graduated(*, first_flat: int = 0, second_flat: int = 0) -> Charge:
    """[up_to 100 @ 0.10 (+ first_flat), up_to null @ 0.05 (+ second_flat)]."""
    return Charge(
        ChargeModel.GRADUATED,
        tiers=(
            Tier(up_to=Decimal(100), unit_minor=Decimal(10), flat_minor=first_flat),
            Tier(up_to=None, unit_minor=Decimal(5), flat_minor=second_flat),
        ),
        meter=Meter("api_calls"),
    )


def volume(*, second_flat: int = 0) -> Charge:
    """[up_to 10 @ 5.00, up_to null @ 4.00 (+ second_flat)]."""
    return Charge(
        ChargeModel.VOLUME,
        tiers=(
            Tier(up_to=Decimal(10), unit_minor=Decimal(500)),
            Tier(up_to=None, unit_minor=Decimal(400), flat_minor=second_flat),
        ),
    )


def package(free_units: int = 0) -> Charge:
    return Charge(ChargeModel.PACKAGE, amount_minor=500, package_size=100, free_units=free_units)


# -- flat ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("units", [0, 1, 7, 1000])
def test_flat_ignores_units(units: int) -> None:
    quote = price_charge(Charge(ChargeModel.FLAT, amount_minor=3000), q(units), USD)
    assert quote.amount == 3000
    assert quote.units == 1
    assert quote.unit_amount == 3000
    assert quote.explanation == "1 x 30.00"


# -- per_unit -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("units", "amount", "explanation"),
    [
        (0, 0, "0 x 10.00"),
        (1, 1000, "1 x 10.00"),
        (5, 5000, "5 x 10.00"),
        ("2.5", 2500, "2.5 x 10.00"),
    ],
)
def test_per_unit_is_units_times_unit_price(
    units: int | str, amount: int, explanation: str
) -> None:
    quote = price_charge(Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(1000)), q(units), USD)
    assert quote.amount == amount
    assert quote.units == q(units)
    assert quote.unit_amount == 1000
    assert quote.explanation == explanation


def test_per_unit_keeps_sub_minor_unit_prices_exact() -> None:
    # 0.0005 USD per call = 0.05 cents; 1001 calls cost exactly 50.05 cents (the caller rounds)
    charge = Charge(ChargeModel.PER_UNIT, unit_minor=Decimal("0.05"))
    quote = price_charge(charge, q(1001), USD)
    assert quote.amount == Fraction(1001, 20)
    assert quote.unit_amount == Fraction(1, 20)
    assert quote.explanation == "1001 x 0.0005"


# -- graduated ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("units", "amount", "explanation"),
    [
        (0, 0, "0 x 0.10"),
        (1, 10, "1 x 0.10"),
        (100, 1000, "100 x 0.10"),
        (101, 1005, "100 x 0.10 + 1 x 0.05"),
        (250, 1750, "100 x 0.10 + 150 x 0.05"),
    ],
)
def test_graduated_prices_each_unit_in_its_own_tier(
    units: int, amount: int, explanation: str
) -> None:
    quote = price_charge(graduated(), q(units), USD)
    assert quote.amount == amount
    assert quote.units == units
    assert quote.explanation == explanation


def test_graduated_unit_amount_is_the_exact_average() -> None:
    quote = price_charge(graduated(), q(250), USD)
    assert quote.unit_amount == Fraction(1750, 250)  # 7 cents per call on average
    assert price_charge(graduated(), q(0), USD).unit_amount == 0  # no division by zero


@pytest.mark.parametrize(
    ("units", "amount"),
    [
        (0, 0),  # no unit in any tier: not even the first tier's fee
        (1, 10 + 100),  # first tier's fee only
        (100, 1000 + 100),  # the bound is inclusive: still only the first tier's fee
        (101, 1000 + 100 + 5 + 200),  # one unit in the second tier brings its fee
        (250, 1000 + 100 + 750 + 200),
    ],
)
def test_graduated_tier_flat_fee_only_when_a_unit_falls_in_the_tier(
    units: int, amount: int
) -> None:
    quote = price_charge(graduated(first_flat=100, second_flat=200), q(units), USD)
    assert quote.amount == amount


def test_graduated_explanation_shows_tier_flat_fees() -> None:
    quote = price_charge(graduated(first_flat=100, second_flat=200), q(250), USD)
    assert quote.explanation == "100 x 0.10 + 1.00 + 150 x 0.05 + 2.00"


@pytest.mark.parametrize(
    ("units", "amount", "explanation"),
    [
        ("10.25", Fraction(1025), "10.25 x 1.00"),
        ("10.5", Fraction(1050), "10.5 x 1.00"),  # exactly the decimal bound: all in tier 1
        ("11", Fraction(1050 + 25 + 200), "10.5 x 1.00 + 0.5 x 0.50 + 2.00"),
        # 10.5 x 100 + 0.25 x 50 + 200 = 1262.5 exact minor units (the caller rounds)
        ("10.75", Fraction(2525, 2), "10.5 x 1.00 + 0.25 x 0.50 + 2.00"),
    ],
)
def test_graduated_decimal_bound_with_decimal_units(
    units: str, amount: Fraction, explanation: str
) -> None:
    charge = Charge(
        ChargeModel.GRADUATED,
        tiers=(
            Tier(up_to=Decimal("10.5"), unit_minor=Decimal(100)),
            Tier(up_to=None, unit_minor=Decimal(50), flat_minor=200),
        ),
    )
    quote = price_charge(charge, q(units), USD)
    assert quote.amount == amount
    assert quote.explanation == explanation


def test_graduated_three_tiers_walks_every_tier() -> None:
    charge = Charge(
        ChargeModel.GRADUATED,
        tiers=(
            Tier(up_to=Decimal(10), unit_minor=Decimal(100)),
            Tier(up_to=Decimal(20), unit_minor=Decimal(50)),
            Tier(up_to=None, unit_minor=Decimal(10)),
        ),
    )
    assert price_charge(charge, q(25), USD).amount == 10 * 100 + 10 * 50 + 5 * 10
    assert price_charge(charge, q(20), USD).amount == 10 * 100 + 10 * 50
    assert price_charge(charge, q(25), USD).explanation == "10 x 1.00 + 10 x 0.50 + 5 x 0.10"


# -- volume -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("units", "amount", "explanation"),
    [
        (0, 0, "0 x 5.00"),
        (1, 500, "1 x 5.00"),
        (10, 5000, "10 x 5.00"),  # inclusive bound: exactly 10 stays in the "up_to 10" tier
        (11, 4400, "11 x 4.00"),  # every unit at the second tier's price
        ("10.5", 4200, "10.5 x 4.00"),
    ],
)
def test_volume_prices_all_units_at_the_tier_the_total_falls_in(
    units: int | str, amount: int, explanation: str
) -> None:
    quote = price_charge(volume(), q(units), USD)
    assert quote.amount == amount
    assert quote.explanation == explanation


@pytest.mark.parametrize(
    ("units", "amount"), [(0, 0), (10, 5000), (11, 4400 + 1000), (20, 8000 + 1000)]
)
def test_volume_adds_the_flat_fee_of_the_tier_reached(units: int, amount: int) -> None:
    quote = price_charge(volume(second_flat=1000), q(units), USD)
    assert quote.amount == amount


def test_volume_explanation_shows_the_tier_fee() -> None:
    assert price_charge(volume(second_flat=1000), q(11), USD).explanation == "11 x 4.00 + 10.00"


def test_volume_zero_units_cost_nothing_even_with_a_first_tier_fee() -> None:
    charge = Charge(
        ChargeModel.VOLUME,
        tiers=(Tier(Decimal(10), Decimal(500), flat_minor=999), Tier(None, Decimal(400))),
    )
    assert price_charge(charge, q(0), USD).amount == 0
    assert price_charge(charge, q(1), USD).amount == 500 + 999


# -- package ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("units", "amount"),
    [(0, 0), (1, 500), (100, 500), (101, 1000), (150, 1000), (200, 1000), (201, 1500)],
)
def test_package_bills_whole_blocks_rounded_up(units: int, amount: int) -> None:
    assert price_charge(package(), q(units), USD).amount == amount


@pytest.mark.parametrize(
    ("units", "amount"),
    [(0, 0), (1, 0), (50, 0), (51, 500), (100, 500), (101, 500), (150, 500), (151, 1000)],
)
def test_package_free_units_come_off_before_blocks(units: int, amount: int) -> None:
    assert price_charge(package(free_units=50), q(units), USD).amount == amount


def test_package_with_decimal_units_rounds_the_block_up() -> None:
    assert price_charge(package(), q("100.5"), USD).amount == 1000


def test_package_explanations() -> None:
    assert price_charge(package(), q(150), USD).explanation == "2 x 5.00 (packages of 100)"
    assert price_charge(package(), q(0), USD).explanation == "0 x 5.00 (packages of 100)"
    assert (
        price_charge(package(free_units=50), q(150), USD).explanation
        == "1 x 5.00 (packages of 100, 50 free)"
    )


def test_package_unit_amount_is_the_average_per_unit() -> None:
    quote = price_charge(package(), q(150), USD)
    assert quote.units == 150
    assert quote.unit_amount == Fraction(1000, 150)


# -- formatting ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (Fraction(0), "0.00"),
        (Fraction(5), "0.05"),
        (Fraction(3000), "30.00"),
        (Fraction(-1448), "-14.48"),
        (Fraction(1, 20), "0.0005"),
        (Fraction(25, 2), "0.125"),
    ],
)
def test_fmt_amount_in_major_units(minor: Fraction, text: str) -> None:
    assert fmt_amount(minor, USD) == text


def test_fmt_amount_zero_decimal_currency() -> None:
    assert fmt_amount(Fraction(1500), JPY) == "1500"


@pytest.mark.parametrize(
    ("units", "text"),
    [(Fraction(5), "5"), (Fraction(5, 2), "2.5"), (Fraction(24691, 20), "1234.55")],
)
def test_fmt_units_never_shows_a_fraction_bar(units: Fraction, text: str) -> None:
    assert fmt_units(units) == text
