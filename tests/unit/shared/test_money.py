"""Unit tests for domain.shared.money: currencies, parsing, arithmetic, rounding, allocation."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.shared.errors import CurrencyMismatch, ValidationFailed
from domain.shared.money import Currency, Money, Rounding, allocate, round_minor

pytestmark = pytest.mark.unit

USD = Currency.of("USD")
EUR = Currency.of("EUR")


def usd(minor: int) -> Money:
    return Money.of_minor(minor, "USD")


# -- currencies --------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "exponent"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_currency_exponent_matches_iso_4217(code: str, exponent: int) -> None:
    currency = Currency.of(code)
    assert currency.code == code
    assert currency.exponent == exponent
    assert currency.minor_per_major == 10**exponent


@pytest.mark.parametrize("code", ["XYZ", "US", "", "DOLLAR", "XAU"])
def test_currency_raises_validation_failed_when_code_unknown(code: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        Currency.of(code)
    assert "currency" in excinfo.value.field_errors


def test_currency_normalises_lowercase_and_whitespace() -> None:
    assert Currency.of("usd") == USD
    assert Currency.of(" jpy ").code == "JPY"
    assert str(Currency.of("kwd")) == "KWD"


# -- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("12.50", "USD", 1250),
        ("12.5", "USD", 1250),
        ("12", "USD", 1200),
        ("0.01", "USD", 1),
        (" 3.00 ", "USD", 300),
        ("1", "JPY", 1),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("-12.50", "USD", -1250),
        ("-7", "JPY", -7),
    ],
)
def test_parse_returns_minor_units(text: str, code: str, minor: int) -> None:
    money = Money.parse(text, code)
    assert money == Money.of_minor(minor, code)
    assert type(money.minor) is int


@pytest.mark.parametrize(
    ("text", "code"),
    [("1.5", "JPY"), ("12.505", "USD"), ("0.001", "USD"), ("1.2345", "KWD")],
)
def test_parse_raises_validation_failed_when_too_many_decimals(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        Money.parse(text, code)
    assert "amount" in excinfo.value.field_errors


@pytest.mark.parametrize(
    "text", ["abc", "", "12,50", "1.2.3", "NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf"]
)
def test_parse_raises_validation_failed_when_not_a_finite_decimal(text: str) -> None:
    with pytest.raises(ValidationFailed):
        Money.parse(text, "USD")


def test_parse_raises_validation_failed_when_currency_unknown() -> None:
    with pytest.raises(ValidationFailed):
        Money.parse("1.00", "ABC")


def test_parse_raises_validation_failed_when_too_many_decimals_on_a_huge_amount() -> None:
    with pytest.raises(ValidationFailed):
        Money.parse("12345678901234567890123456.785", "USD")


# -- arithmetic --------------------------------------------------------------------------------


def test_add_and_subtract_same_currency() -> None:
    assert usd(150) + usd(250) == usd(400)
    assert usd(150) - usd(250) == usd(-100)
    assert -usd(150) == usd(-150)


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
    ids=["add", "sub", "lt", "le", "gt", "ge"],
)
def test_operation_raises_currency_mismatch_when_currencies_differ(operation) -> None:
    with pytest.raises(CurrencyMismatch) as excinfo:
        operation(usd(100), Money.of_minor(100, EUR))
    assert excinfo.value.code == "currency_mismatch"


def test_comparisons_order_by_minor_units_when_same_currency() -> None:
    assert usd(1) < usd(2) <= usd(2) < usd(3)
    assert usd(3) > usd(2) >= usd(2)


def test_equality_is_false_when_currencies_differ() -> None:
    assert usd(100) != Money.of_minor(100, EUR)


def test_multiply_by_int_works_on_both_sides() -> None:
    assert usd(125) * 3 == usd(375)
    assert 3 * usd(125) == usd(375)
    assert usd(125) * -2 == usd(-250)


@pytest.mark.parametrize("factor", [Decimal("1.5"), Decimal(2), 1.5, Fraction(1, 2), True])
def test_multiply_raises_type_error_when_factor_not_int(factor) -> None:
    with pytest.raises(TypeError):
        usd(100) * factor
    with pytest.raises(TypeError):
        factor * usd(100)


@pytest.mark.parametrize("minor", [1.0, 12.5, Decimal(1), "100", True])
def test_money_raises_type_error_when_minor_not_int(minor) -> None:
    with pytest.raises(TypeError):
        Money(minor, USD)


def test_zero_is_falsy_and_negative_flag() -> None:
    assert not Money.zero("USD")
    assert usd(1)
    assert usd(-1).is_negative
    assert not usd(0).is_negative


# -- rounding ----------------------------------------------------------------------------------


ROUNDING_CASES = [
    # (numerator, denominator, half_up, half_even)
    (5, 2, 3, 2),  # 2.5
    (-5, 2, -3, -2),  # -2.5
    (7, 2, 4, 4),  # 3.5
    (-7, 2, -4, -4),  # -3.5
    (12, 5, 2, 2),  # 2.4
    (-12, 5, -2, -2),  # -2.4
    (13, 5, 3, 3),  # 2.6
    (-13, 5, -3, -3),  # -2.6
    (1, 2, 1, 0),  # 0.5
    (-1, 2, -1, 0),  # -0.5
    (3, 2, 2, 2),  # 1.5
    (0, 1, 0, 0),
]


def _as_decimal(numerator: int, denominator: int) -> Decimal:
    return Decimal(numerator) / Decimal(denominator)  # exact for the denominators above


@pytest.mark.parametrize(("numerator", "denominator", "half_up", "half_even"), ROUNDING_CASES)
@pytest.mark.parametrize("kind", ["decimal", "fraction"])
def test_round_minor_pinned_modes(
    numerator: int, denominator: int, half_up: int, half_even: int, kind: str
) -> None:
    value = (
        Fraction(numerator, denominator)
        if kind == "fraction"
        else _as_decimal(numerator, denominator)
    )
    assert round_minor(value, Rounding.HALF_UP) == half_up
    assert round_minor(value, Rounding.HALF_EVEN) == half_even
    assert round_minor(value) == half_up  # half-up is the default
    assert type(round_minor(value)) is int


def test_round_minor_returns_ints_unchanged() -> None:
    assert round_minor(7) == 7
    assert round_minor(-7, Rounding.HALF_EVEN) == -7


def test_from_exact_rounds_half_up_by_default_and_half_even_on_request() -> None:
    assert Money.from_exact(Decimal("2.345"), "USD") == usd(235)
    assert Money.from_exact(Decimal("2.345"), "USD", Rounding.HALF_UP) == usd(235)
    assert Money.from_exact(Decimal("2.345"), "USD", Rounding.HALF_EVEN) == usd(234)
    assert Money.from_exact(Decimal("-2.345"), "USD") == usd(-235)
    assert Money.from_exact(Decimal("-2.345"), "USD", Rounding.HALF_EVEN) == usd(-234)


def test_from_exact_accepts_fractions_and_other_exponents() -> None:
    assert Money.from_exact(Fraction(1, 3), "USD") == usd(33)
    assert Money.from_exact(Fraction(2, 3), "USD") == usd(67)
    assert Money.from_exact(Fraction(5, 2), "JPY") == Money.of_minor(3, "JPY")
    assert Money.from_exact(Fraction(5, 2), "JPY", Rounding.HALF_EVEN) == Money.of_minor(2, "JPY")
    assert Money.from_exact(Decimal("1.2345"), "KWD") == Money.of_minor(1235, "KWD")


def test_from_exact_rounds_once_when_decimal_has_more_than_28_digits() -> None:
    # exactly 234.50000000000000000000000001 minor units: above the tie, so 235 in both modes
    value = Decimal("2.3450000000000000000000000001")
    assert Money.from_exact(value, "USD", Rounding.HALF_EVEN) == usd(235)


@pytest.mark.parametrize(
    ("minor", "ratio", "half_up", "half_even"),
    [
        (1000, Fraction(1, 3), 333, 333),
        (500, Fraction(1, 3), 167, 167),
        (5, Fraction(1, 2), 3, 2),
        (-5, Fraction(1, 2), -3, -2),
        (7, Fraction(1, 2), 4, 4),
        (1999, Decimal("0.0725"), 145, 145),  # 144.9275
        (1000, Decimal("0.0125"), 13, 12),  # 12.5
        (100, Decimal(1), 100, 100),
    ],
)
def test_times_scales_by_exact_ratio_and_rounds_once(
    minor: int, ratio: Fraction | Decimal, half_up: int, half_even: int
) -> None:
    assert usd(minor).times(ratio) == usd(half_up)
    assert usd(minor).times(ratio, Rounding.HALF_EVEN) == usd(half_even)


fractions_1000 = st.builds(
    Fraction,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=1, max_value=1000),
)


@settings(max_examples=300, deadline=None, database=None)
@given(value=fractions_1000, mode=st.sampled_from(list(Rounding)))
def test_round_minor_of_fraction_agrees_with_decimal_quantize(
    value: Fraction, mode: Rounding
) -> None:
    # At 60 digits the quotient is exact for every tie (denominator even, value k + 1/2) and a
    # non-tie is at least 1/2000 away from one, so the reference cannot round the wrong way.
    with localcontext() as ctx:
        ctx.prec = 60
        exact_enough = Decimal(value.numerator) / Decimal(value.denominator)
        decimal_mode = ROUND_HALF_UP if mode is Rounding.HALF_UP else ROUND_HALF_EVEN
        expected = int(exact_enough.quantize(Decimal(1), rounding=decimal_mode))
    assert round_minor(value, mode) == expected


@settings(max_examples=200, deadline=None, database=None)
@given(
    value=st.decimals(
        min_value=Decimal(-(10**12)), max_value=Decimal(10**12), places=4, allow_nan=False
    ),
    mode=st.sampled_from(list(Rounding)),
)
def test_round_minor_of_decimal_agrees_with_round_minor_of_equal_fraction(
    value: Decimal, mode: Rounding
) -> None:
    assert round_minor(value, mode) == round_minor(Fraction(value), mode)


# -- presentation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "code", "text"),
    [
        (1250, "USD", "12.50"),
        (5, "USD", "0.05"),
        (0, "USD", "0.00"),
        (-1250, "USD", "-12.50"),
        (5, "JPY", "5"),
        (1234, "KWD", "1.234"),
        (1, "KWD", "0.001"),
    ],
)
def test_to_decimal_string_uses_currency_decimals(minor: int, code: str, text: str) -> None:
    money = Money.of_minor(minor, code)
    assert money.to_decimal_string() == text
    assert str(money) == f"{text} {code}"


def test_to_decimal_string_round_trips_through_parse() -> None:
    for money in (usd(1250), usd(-3), Money.of_minor(5, "JPY"), Money.of_minor(1234, "KWD")):
        assert Money.parse(money.to_decimal_string(), money.currency) == money


def test_to_decimal_string_is_exact_when_amount_has_more_than_28_digits() -> None:
    assert usd(10**28 + 1).to_decimal_string() == "100000000000000000000000000.01"


# -- allocation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (1000, [1, 1, 1], [333, 333, 334]),
        (1000, [0, 0], [500, 500]),
        (1001, [0, 0], [500, 501]),
        (-1000, [1, 1, 1], [-333, -333, -334]),
        (100, [1, 3], [25, 75]),
        (100, [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")], [50, 25, 25]),
        (5, [Fraction(1, 3), Fraction(2, 3)], [2, 3]),
        (7, [0, 1, 0], [0, 7, 0]),
        (0, [1, 2, 3], [0, 0, 0]),
        (1, [1, 1, 1, 1], [0, 0, 0, 1]),
        (2, [1, 1, 1], [0, 1, 1]),
    ],
)
def test_allocate_examples(total: int, weights: list, parts: list[int]) -> None:
    assert allocate(usd(total), weights) == [usd(p) for p in parts]
    assert usd(total).allocate(weights) == [usd(p) for p in parts]


def test_allocate_keeps_currency() -> None:
    parts = allocate(Money.of_minor(10, "JPY"), [1, 2])
    assert {p.currency.code for p in parts} == {"JPY"}


def test_allocate_negative_total_mirrors_positive() -> None:
    weights = [3, 1, 4, 1, 5]
    positive = allocate(usd(12345), weights)
    negative = allocate(usd(-12345), weights)
    assert negative == [-p for p in positive]


def test_allocate_raises_value_error_when_weights_empty() -> None:
    with pytest.raises(ValueError):
        allocate(usd(100), [])


@pytest.mark.parametrize("weights", [[1, -1], [-1], [Decimal("-0.01"), Decimal(1)]])
def test_allocate_raises_value_error_when_a_weight_is_negative(weights: list) -> None:
    with pytest.raises(ValueError):
        allocate(usd(100), weights)


weight_lists = st.one_of(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20),
    st.lists(
        st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    ),
).filter(lambda ws: sum(ws) > 0)


@settings(max_examples=300, deadline=None, database=None)
@given(total=st.integers(min_value=-(10**12), max_value=10**12), weights=weight_lists)
def test_allocate_parts_sum_to_total_and_stay_within_one_minor_unit_of_share(
    total: int, weights: list
) -> None:
    parts = allocate(usd(total), weights)

    assert len(parts) == len(weights)
    assert all(p.currency == USD for p in parts)
    assert sum(p.minor for p in parts) == total

    weight_sum = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        share = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(part.minor - share) < 1

    assert allocate(usd(total), list(weights)) == parts  # deterministic
