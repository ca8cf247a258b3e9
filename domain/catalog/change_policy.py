"""When a plan change takes effect and how it is prorated, by default and per plan pair.

The values of ``ChangeTiming`` and ``ChangeProration`` are those of the billing engine's
``Timing`` and ``ProrationBehavior``: the catalog does not depend on billing, so a caller hands the
engine ``Timing(policy.timing.value)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan
from domain.pricing.model import Charge, ChargeModel
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit


class ChangeTiming(StrEnum):
    IMMEDIATE = "immediate"
    PERIOD_END = "period_end"


class ChangeProration(StrEnum):
    INVOICE_NOW = "invoice_now"
    NEXT_INVOICE = "next_invoice"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ChangePolicy:
    timing: ChangeTiming
    proration: ChangeProration


@dataclass(frozen=True, slots=True)
class PlanChangeRule:
    """An override of the default policy for changes from plan ``from_code`` to ``to_code`` (any
    versions of them)."""

    from_code: str
    to_code: str
    policy: ChangePolicy


UPGRADE = ChangePolicy(ChangeTiming.IMMEDIATE, ChangeProration.INVOICE_NOW)
DOWNGRADE = ChangePolicy(ChangeTiming.PERIOD_END, ChangeProration.NONE)
SIDEWAYS = ChangePolicy(ChangeTiming.IMMEDIATE, ChangeProration.NONE)

_PERIODS_PER_YEAR = {
    IntervalUnit.DAY: 365,
    IntervalUnit.WEEK: 52,
    IntervalUnit.MONTH: 12,
    IntervalUnit.YEAR: 1,
}


def periods_per_year(interval: Interval) -> Fraction:
    """Day 365, week 52, month 12, year 1, divided by the interval count (a convention that makes
    intervals comparable exactly, not a calendar)."""
    return Fraction(_PERIODS_PER_YEAR[interval.unit], interval.count)


def licensed_amount(charge: Charge, quantity: Fraction) -> Fraction:
    """What a charge billed in advance costs per period for ``quantity`` units, in exact minor
    units (the quantity is the subscription's: seats, licences). Usage charges cost nothing here:
    they are not known in advance."""
    if charge.is_usage:
        return Fraction(0)
    match charge.model:
        case ChargeModel.FLAT:
            return Fraction(charge.amount_minor)
        case ChargeModel.PER_UNIT:
            return quantity * Fraction(charge.unit_minor)
        case ChargeModel.GRADUATED:
            total, lower = Fraction(0), Fraction(0)
            for tier in charge.tiers:
                upper = None if tier.up_to is None else Fraction(tier.up_to)
                in_tier = (quantity if upper is None else min(quantity, upper)) - lower
                if in_tier <= 0:
                    break
                total += in_tier * Fraction(tier.unit_minor) + tier.flat_minor
                if upper is None:
                    break
                lower = upper
            return total
        case ChargeModel.VOLUME:
            if quantity <= 0:
                return Fraction(0)
            tier = next(t for t in charge.tiers if t.up_to is None or quantity <= Fraction(t.up_to))
            return quantity * Fraction(tier.unit_minor) + tier.flat_minor
        case ChargeModel.PACKAGE:
            billable = max(Fraction(0), quantity - charge.free_units)
            return math.ceil(billable / charge.package_size) * Fraction(charge.amount_minor)
    raise AssertionError(charge.model)  # pragma: no cover


def yearly_licensed_amount(
    plan: Plan, quantity: int | Decimal, currency: Currency | str
) -> Fraction:
    """The plan's recurring licensed amount for ``quantity`` in ``currency``, per year (exact)."""
    currency = currency if isinstance(currency, Currency) else Currency.of(currency)
    price = plan.price_in(currency)
    if price is None:
        raise ValidationFailed(
            {"currency": f"{plan.code} is not sold in {currency.code}"},
            message=f"{plan.name} is not available in {currency.code}.",
            code=CatalogErrorCode.CURRENCY_NOT_OFFERED,
        )
    units = _quantity(quantity)
    per_period = sum((licensed_amount(c, units) for c in price.charges), Fraction(0))
    return per_period * periods_per_year(plan.interval)


def default_change_policy(
    old_plan: Plan,
    old_quantity: int | Decimal,
    new_plan: Plan,
    new_quantity: int | Decimal,
    currency: Currency | str,
) -> ChangePolicy:
    """The policy of a change when no rule overrides it.

    - A change of interval decides first: a longer interval (monthly to annual) applies now and
      invoices the prorated difference now; a shorter one (annual to monthly) waits for the end of
      the paid period, which is not refunded.
    - On the same interval, the recurring licensed amounts (flat fees, per-seat prices times the
      quantity, tiered licences; never usage) are compared exactly per year: more is an upgrade
      (now, invoiced now), less a downgrade (at period end, nothing to prorate), equal applies now
      with no proration (the credit and the charge would cancel out).
    """
    old_amount = yearly_licensed_amount(old_plan, old_quantity, currency)
    new_amount = yearly_licensed_amount(new_plan, new_quantity, currency)
    old_per_year = periods_per_year(old_plan.interval)
    new_per_year = periods_per_year(new_plan.interval)
    if new_per_year < old_per_year:
        return UPGRADE
    if new_per_year > old_per_year:
        return DOWNGRADE
    if new_amount > old_amount:
        return UPGRADE
    if new_amount < old_amount:
        return DOWNGRADE
    return SIDEWAYS


def _quantity(quantity: int | Decimal) -> Fraction:
    if isinstance(quantity, bool) or not isinstance(quantity, (int, Decimal)):
        raise ValidationFailed(
            {"quantity": "must be a number"}, code=CatalogErrorCode.INVALID_QUANTITY
        )
    if isinstance(quantity, Decimal) and not quantity.is_finite():
        raise ValidationFailed(
            {"quantity": "must be a finite number"}, code=CatalogErrorCode.INVALID_QUANTITY
        )
    if quantity < 0:
        raise ValidationFailed(
            {"quantity": "cannot be negative"},
            message="A quantity cannot be negative.",
            code=CatalogErrorCode.INVALID_QUANTITY,
        )
    return Fraction(quantity)
