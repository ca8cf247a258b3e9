"""An estimate of a usage bill, priced with the real charge functions (``domain.pricing.charges``).

The total is the charge's exact amount rounded once; its per-tier lines share that total out with
``allocate``, so the lines always add up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan, PlanPrice
from domain.catalog.quantities import licensed_total
from domain.pricing.charges import price_charge
from domain.pricing.model import Charge, ChargeModel
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money, UnitPrice, allocate, round_minor


# -- usage estimate ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EstimateLine:
    """One tier of an estimate: "10,001 – 100,000: 90,000 x $0.002 = $180.00"."""

    label: str
    units: str
    unit_price: UnitPrice
    flat_fee: Money | None
    amount: Money


@dataclass(frozen=True, slots=True)
class UsageEstimate:
    plan_code: str
    plan_name: str
    currency: str
    interval: str
    unit_label: str
    units: int
    units_text: str
    model: str
    lines: tuple[EstimateLine, ...]
    usage_total: Money
    base: Money  # the plan's charges billed in advance (one seat)
    total: Money


def usage_charge(price: PlanPrice) -> Charge | None:
    """The metered charge a plan's estimate prices (the first one; the demo meters one thing)."""
    return next((c for c in price.charges if c.is_usage), None)


def estimate_usage(plan: Plan, currency: Currency | str, units: int) -> UsageEstimate:
    """What ``units`` of usage in one period cost on ``plan``, tier by tier, with the same charge
    functions invoices use. ``ValidationFailed`` when the plan has no usage price in ``currency``.
    """
    wanted = currency if isinstance(currency, Currency) else Currency.of(currency)
    price = plan.price_in(wanted)
    if price is None:
        raise ValidationFailed(
            {"currency": f"{plan.name} is not sold in {wanted.code}"},
            code=CatalogErrorCode.CURRENCY_NOT_OFFERED,
        )
    charge = usage_charge(price)
    if charge is None:
        raise ValidationFailed(
            {"plan": f"{plan.name} has no usage pricing"},
            message=f"{plan.name} has no usage pricing to estimate.",
            code=CatalogErrorCode.NOT_A_USAGE_PLAN,
        )
    quantity = Fraction(units)
    total = price.money(round_minor(price_charge(charge, quantity, wanted).amount))
    return UsageEstimate(
        plan_code=plan.code,
        plan_name=plan.name,
        currency=wanted.code,
        interval=plan.interval.unit.value,
        unit_label=charge.unit_label,
        units=units,
        units_text=f"{units:,}",
        model=charge.model.value,
        lines=_estimate_lines(charge, quantity, total),
        usage_total=total,
        base=licensed_total(price, 1),
        total=licensed_total(price, 1) + total,
    )


def _tier_label(lower: Fraction, upper: Fraction | None) -> str:
    first = f"{int(lower) + 1:,}"
    return f"{first} and above" if upper is None else f"{first} – {int(upper):,}"


def _estimate_lines(charge: Charge, units: Fraction, total: Money) -> tuple[EstimateLine, ...]:
    currency = total.currency

    def exact(quantity: Fraction) -> Fraction:
        return price_charge(charge, quantity, currency).amount

    if charge.model is ChargeModel.GRADUATED:
        # a tier's share is the difference of the real charge at its bounds (graduated pricing
        # is additive), so the lines use the invoice's arithmetic, flat fees included
        bounds: list[tuple[Fraction, Fraction | None, Fraction]] = []
        lower = Fraction(0)
        for tier in charge.tiers:
            upper = None if tier.up_to is None else Fraction(tier.up_to)
            if units <= lower:
                break
            top = units if upper is None else min(units, upper)
            bounds.append((lower, upper, top))
            if upper is None:
                break
            lower = upper
        weights = [exact(top) - exact(low) for low, _, top in bounds]
        amounts = allocate(total, weights) if bounds else []
        return tuple(
            EstimateLine(
                label=_tier_label(low, up),
                units=f"{int(top - low):,}",
                unit_price=UnitPrice(tier.unit_minor, currency),
                flat_fee=Money(tier.flat_minor, currency) if tier.flat_minor else None,
                amount=amount,
            )
            for (low, up, top), tier, amount in zip(bounds, charge.tiers, amounts, strict=False)
        )
    if units <= 0:
        return ()
    if charge.model is ChargeModel.VOLUME:
        lower = Fraction(0)
        for tier in charge.tiers:
            upper = None if tier.up_to is None else Fraction(tier.up_to)
            if upper is None or units <= upper:
                return (
                    EstimateLine(
                        label=f"All units at the {_tier_label(lower, upper)} rate",
                        units=f"{int(units):,}",
                        unit_price=UnitPrice(tier.unit_minor, currency),
                        flat_fee=Money(tier.flat_minor, currency) if tier.flat_minor else None,
                        amount=total,
                    ),
                )
            lower = upper
    if charge.model is ChargeModel.PACKAGE:
        label = f"In packages of {charge.package_size:,}"
        if charge.free_units:
            label += f", the first {charge.free_units:,} free"
        unit_price = UnitPrice(Decimal(charge.amount_minor), currency)  # per package
    else:
        label, unit_price = "Usage", UnitPrice(charge.unit_minor, currency)
    return (EstimateLine(label, f"{int(units):,}", unit_price, None, total),)
