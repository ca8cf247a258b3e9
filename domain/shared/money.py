"""Exact money: integer minor units with an ISO 4217 currency, one rounding function, fair allocation.

Every rule about turning an exact amount into minor units lives here:

* ``round_minor`` is the only place an exact ``Decimal``/``Fraction`` becomes an ``int`` of minor
  units. Half-up (away from zero on a tie) is the default; half-even (banker's rounding) is available.
* ``allocate`` splits an amount in proportion to weights; the parts always sum exactly to the
  whole. Each part is first rounded down, then the leftover minor units go one each to the parts
  with the largest remainders (ties: the later part first, so a lone remainder lands on the last
  line, as saleor does).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from enum import StrEnum
from fractions import Fraction

from domain.shared.errors import CurrencyMismatch, ValidationFailed

# ISO 4217 minor-unit exponents that differ from the usual 2.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    # zero-decimal currencies
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # three-decimal currencies
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # four-decimal currencies
    "CLF": 4,
    "UYW": 4,
}

# The currencies this product accepts: ISO 4217 active codes (funds and metals excluded).
_ISO_4217 = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)


def currency_codes() -> list[str]:
    """Every currency code the product accepts, sorted (for a form's select)."""
    return sorted(_ISO_4217)


class Rounding(StrEnum):
    """How an exact amount is rounded to minor units (applied once per line)."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"


_DECIMAL_MODE = {Rounding.HALF_UP: ROUND_HALF_UP, Rounding.HALF_EVEN: ROUND_HALF_EVEN}


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency; ``exponent`` is the number of minor-unit digits (USD 2, JPY 0)."""

    code: str
    exponent: int

    @classmethod
    @functools.cache
    def of(cls, code: str) -> Currency:
        normalized = code.strip().upper()
        if normalized not in _ISO_4217:
            raise ValidationFailed({"currency": f"{code!r} is not an ISO 4217 currency code"})
        return cls(normalized, _EXPONENT_EXCEPTIONS.get(normalized, 2))

    @property
    def minor_per_major(self) -> int:
        return int(10**self.exponent)

    def __str__(self) -> str:
        return self.code


def round_minor(value: Decimal | Fraction | int, rounding: Rounding = Rounding.HALF_UP) -> int:
    """Round an exact amount *already expressed in minor units* to an integer.

    This is the one rounding rule of the product. Ties go away from zero (half-up) or to the even
    neighbour (half-even); there is never an intermediate float.
    """
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        whole, rest = divmod(value.numerator, value.denominator)
        twice = 2 * rest
        if twice < value.denominator:
            return whole
        if twice > value.denominator:
            return whole + 1
        # an exact tie: whole + 1/2
        if rounding is Rounding.HALF_EVEN:
            return whole if whole % 2 == 0 else whole + 1
        # half-up rounds away from zero: for a negative value whole is already the lower neighbour
        return whole + 1 if value > 0 else whole
    return int(value.quantize(Decimal(1), rounding=_DECIMAL_MODE[rounding]))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount of integer minor units in one currency. Arithmetic across currencies raises."""

    minor: int
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError(f"Money.minor must be an int, got {type(self.minor).__name__}")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: Currency | str) -> Money:
        return cls(0, _currency(currency))

    @classmethod
    def of_minor(cls, minor: int, currency: Currency | str) -> Money:
        return cls(minor, _currency(currency))

    @classmethod
    def parse(cls, amount: str, currency: Currency | str) -> Money:
        """Parse a decimal string in major units ("12.50"); more digits than the currency has fail."""
        cur = _currency(currency)
        try:
            value = Decimal(amount.strip())
        except (InvalidOperation, AttributeError) as exc:
            raise ValidationFailed({"amount": f"{amount!r} is not a decimal amount"}) from exc
        if not value.is_finite():
            raise ValidationFailed({"amount": f"{amount!r} is not a decimal amount"})
        minor = Fraction(value) * cur.minor_per_major  # exact, whatever the number of digits
        if minor.denominator != 1:
            raise ValidationFailed(
                {"amount": f"{amount} has more than {cur.exponent} decimal places for {cur.code}"}
            )
        return cls(int(minor), cur)

    @classmethod
    def from_exact(
        cls,
        major: Decimal | Fraction,
        currency: Currency | str,
        rounding: Rounding = Rounding.HALF_UP,
    ) -> Money:
        """Round an exact amount in major units to the currency's minor units with ``round_minor``."""
        cur = _currency(currency)
        return cls(round_minor(Fraction(major) * cur.minor_per_major, rounding), cur)

    # -- arithmetic ---------------------------------------------------------------------------
    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency.code, other.currency.code)

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        """Multiply by a whole number; fractional factors go through ``times``, which rounds."""
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by an int; use times() for ratios")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def times(self, ratio: Decimal | Fraction, rounding: Rounding = Rounding.HALF_UP) -> Money:
        """Scale by an exact ratio (a tax rate, a proration fraction) and round once."""
        return Money(round_minor(Fraction(self.minor) * Fraction(ratio), rounding), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def allocate(self, weights: Sequence[int | Decimal | Fraction]) -> list[Money]:
        return allocate(self, weights)

    # -- presentation -------------------------------------------------------------------------
    @property
    def major(self) -> Decimal:
        """The exact amount in major units (for formatting and serialising, never arithmetic)."""
        return _shift(Decimal(self.minor), -self.currency.exponent)

    def to_decimal_string(self) -> str:
        """``"12.50"``: major units with exactly the currency's number of decimals (integer
        arithmetic: tables of hundreds of amounts format each of them)."""
        exp = self.currency.exponent
        if not exp:
            return str(self.minor)
        whole, part = divmod(abs(self.minor), 10**exp)
        return f"{'-' if self.minor < 0 else ''}{whole}.{part:0{exp}d}"

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency.code}"


def _shift(value: Decimal, places: int) -> Decimal:
    """``value * 10**places`` exactly: only the exponent moves, with precision for every digit."""
    with localcontext() as ctx:
        ctx.prec = max(28, len(value.as_tuple().digits) + 2)
        return value.scaleb(places)


def _currency(currency: Currency | str) -> Currency:
    return currency if isinstance(currency, Currency) else Currency.of(currency)


def allocate(total: Money, weights: Sequence[int | Decimal | Fraction]) -> list[Money]:
    """Split ``total`` in proportion to ``weights``; the parts always sum to ``total`` exactly.

    Weights must be non-negative with a positive sum (all-zero weights split evenly). Each part is
    the floor of its exact share; the leftover minor units go one each to the parts with the largest
    fractional remainders, ties broken towards the last part. A negative total is allocated as the
    mirror image of its absolute value, so credits split exactly like charges.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    exact = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact):
        raise ValueError("allocate weights must not be negative")
    if sum(exact) == 0:
        exact = [Fraction(1)] * len(exact)
    if total.minor < 0:
        return [-part for part in allocate(-total, exact)]
    weight_sum = sum(exact)
    shares = [Fraction(total.minor) * w / weight_sum for w in exact]
    floors = [s.numerator // s.denominator for s in shares]
    leftover = total.minor - sum(floors)
    by_remainder = sorted(
        range(len(shares)), key=lambda i: (shares[i] - floors[i], i), reverse=True
    )
    for i in by_remainder[:leftover]:
        floors[i] += 1
    return [Money(f, total.currency) for f in floors]


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """A price per unit that may be a fraction of a minor unit (0.05 cents per API call).

    It is never an amount owed: quantities times unit prices become ``Money`` through
    ``round_minor`` once per line.
    """

    minor: Decimal
    currency: Currency

    @property
    def major(self) -> Decimal:
        return _shift(self.minor, -self.currency.exponent)

    def __str__(self) -> str:
        return f"{self.major.normalize():f} {self.currency.code}"
