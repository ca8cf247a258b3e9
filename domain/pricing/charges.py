"""What a charge costs for a number of units, exactly, with an explanation a person can check.

All amounts here are exact ``Fraction``s of *minor* units; the caller rounds once per line with
``round_minor``. Tier bounds (``up_to``) are inclusive and may be decimals.

- flat: the amount, whatever the units.
- per_unit: units x unit price.
- graduated: each unit priced in its own tier; a tier's flat fee is charged when at least one
  unit falls in it.
- volume: every unit at the price of the tier the total falls in, plus that tier's flat fee;
  zero units cost nothing.
- package: units beyond ``free_units`` are billed in whole blocks of ``package_size`` (rounded
  up) at the package price (``amount_minor`` is the price of one block).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.pricing.model import Charge, ChargeModel
from domain.shared.money import Currency

AmountText = Callable[[Fraction | int | Decimal], str]


@dataclass(frozen=True, slots=True)
class ChargeQuote:
    amount: Fraction  # exact minor units
    units: Fraction  # what the line's quantity shows
    unit_amount: Fraction  # minor units per unit shown on the line (exact; may be an average)
    explanation: str


def fmt_units(value: Fraction) -> str:
    """A quantity as people write it: 5, 2.5, 1234.5 (never a fraction bar)."""
    if value.denominator == 1:
        return str(value.numerator)
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_amount(minor: Fraction, currency: Currency) -> str:
    """Minor units as a major-unit decimal string with at least the currency's decimals."""
    exp = currency.exponent
    if minor.denominator == 1:  # the common case: whole minor units, integer arithmetic only
        whole, part = divmod(abs(minor.numerator), 10**exp)
        sign = "-" if minor.numerator < 0 else ""
        return f"{sign}{whole}.{part:0{exp}d}" if exp else f"{sign}{whole}"
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        major = Decimal(minor.numerator) / Decimal(minor.denominator) / (10**currency.exponent)
    text = format(major.normalize(), "f")
    whole, _, decimals = text.partition(".")
    decimals = decimals.ljust(currency.exponent, "0")
    return f"{whole}.{decimals}" if decimals else whole


def price_charge(charge: Charge, units: Fraction, currency: Currency) -> ChargeQuote:
    def amount_of(minor: Fraction | int | Decimal) -> str:
        return fmt_amount(Fraction(minor), currency)

    match charge.model:
        case ChargeModel.FLAT:
            amount = Fraction(charge.amount_minor)
            return ChargeQuote(amount, Fraction(1), amount, f"1 x {amount_of(amount)}")
        case ChargeModel.PER_UNIT:
            unit = Fraction(charge.unit_minor)
            return ChargeQuote(units * unit, units, unit, f"{fmt_units(units)} x {amount_of(unit)}")
        case ChargeModel.GRADUATED:
            return _graduated(charge, units, amount_of)
        case ChargeModel.VOLUME:
            return _volume(charge, units, amount_of)
        case ChargeModel.PACKAGE:
            return _package(charge, units, amount_of)
    raise AssertionError(charge.model)  # pragma: no cover


def _average(amount: Fraction, units: Fraction) -> Fraction:
    return amount / units if units else Fraction(0)


def _graduated(charge: Charge, units: Fraction, amount_of: AmountText) -> ChargeQuote:
    total = Fraction(0)
    parts: list[str] = []
    lower = Fraction(0)
    for tier in charge.tiers:
        upper = None if tier.up_to is None else Fraction(tier.up_to)
        in_tier = (units if upper is None else min(units, upper)) - lower
        if in_tier <= 0:
            break
        unit = Fraction(tier.unit_minor)
        total += in_tier * unit + tier.flat_minor
        part = f"{fmt_units(in_tier)} x {amount_of(unit)}"
        if tier.flat_minor:
            part += f" + {amount_of(tier.flat_minor)}"
        parts.append(part)
        if upper is None:
            break
        lower = upper
    explanation = " + ".join(parts) if parts else f"0 x {amount_of(charge.tiers[0].unit_minor)}"
    return ChargeQuote(total, units, _average(total, units), explanation)


def _volume(charge: Charge, units: Fraction, amount_of: AmountText) -> ChargeQuote:
    if units <= 0:
        first = charge.tiers[0]
        return ChargeQuote(
            Fraction(0), units, Fraction(first.unit_minor), f"0 x {amount_of(first.unit_minor)}"
        )
    tier = next(t for t in charge.tiers if t.up_to is None or units <= Fraction(t.up_to))
    unit = Fraction(tier.unit_minor)
    total = units * unit + tier.flat_minor
    explanation = f"{fmt_units(units)} x {amount_of(unit)}"
    if tier.flat_minor:
        explanation += f" + {amount_of(tier.flat_minor)}"
    return ChargeQuote(total, units, _average(total, units), explanation)


def _package(charge: Charge, units: Fraction, amount_of: AmountText) -> ChargeQuote:
    billable = max(Fraction(0), units - charge.free_units)
    packages = math.ceil(billable / charge.package_size)
    price = Fraction(charge.amount_minor)
    total = packages * price
    explanation = f"{packages} x {amount_of(price)} (packages of {charge.package_size}"
    explanation += f", {charge.free_units} free)" if charge.free_units else ")"
    return ChargeQuote(total, units, _average(total, units), explanation)
