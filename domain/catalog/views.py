"""Read models of the catalog handed to templates: frozen, behaviour-free, money as ``Money``."""

from __future__ import annotations

from dataclasses import dataclass

from domain.catalog.model import Plan, PlanPrice
from domain.pricing.model import Charge, ChargeModel
from domain.shared.money import Money, UnitPrice, round_minor


@dataclass(frozen=True, slots=True)
class TierView:
    """One row of a tier table: "first 10,000 calls: 0.00, then 0.05 each"."""

    first_unit: str
    last_unit: str | None
    unit_price: UnitPrice
    flat_fee: Money | None


@dataclass(frozen=True, slots=True)
class ChargeView:
    model: str
    summary: str
    amount: Money | None
    unit_label: str | None
    is_usage: bool
    meter: str | None
    tiers: tuple[TierView, ...]


@dataclass(frozen=True, slots=True)
class PriceView:
    currency: str
    headline: Money
    headline_suffix: str
    setup_fee: Money | None
    charges: tuple[ChargeView, ...]


@dataclass(frozen=True, slots=True)
class PlanCard:
    """A plan as the pricing placeholder and home page show it."""

    code: str
    name: str
    description: str
    interval: str
    interval_count: int
    trial_days: int
    highlighted: bool
    pricing_model: str
    features: tuple[str, ...]
    prices: tuple[PriceView, ...]

    @staticmethod
    def of(plan: Plan) -> PlanCard:
        prices = tuple(_price_view(plan, p) for p in plan.prices)
        return PlanCard(
            code=plan.code,
            name=plan.name,
            description=plan.description,
            interval=plan.interval.unit.value,
            interval_count=plan.interval.count,
            trial_days=plan.trial_days,
            highlighted=plan.highlighted,
            pricing_model=_pricing_model(plan.prices[0].charges) if plan.prices else "flat",
            features=plan.features,
            prices=prices,
        )


def _pricing_model(charges: tuple[Charge, ...]) -> str:
    if any(c.is_usage for c in charges):
        return "usage"
    if any(c.model is not ChargeModel.FLAT for c in charges):
        return "per_seat"
    return "flat"


def _price_view(plan: Plan, price: PlanPrice) -> PriceView:
    charges = tuple(_charge_view(price, c) for c in price.charges)
    per = plan.interval.unit.value if plan.interval.count == 1 else str(plan.interval)
    licensed = [c for c in price.charges if not c.is_usage]
    flat = sum(c.amount_minor for c in licensed if c.model is ChargeModel.FLAT)
    per_unit = [c for c in licensed if c.model is ChargeModel.PER_UNIT]
    if per_unit and not flat:
        headline = price.money(round_minor(per_unit[0].unit_minor))
        suffix = f"per {per_unit[0].unit_label} / {per}"
    else:
        headline = price.money(flat)
        suffix = f"/ {per}" + (" + usage" if any(c.is_usage for c in price.charges) else "")
    return PriceView(
        currency=price.currency.code,
        headline=headline,
        headline_suffix=suffix,
        setup_fee=price.money(price.setup_fee_minor) if price.setup_fee_minor else None,
        charges=charges,
    )


def _charge_view(price: PlanPrice, charge: Charge) -> ChargeView:
    tiers: list[TierView] = []
    lower = "1"
    for tier in charge.tiers:
        tiers.append(
            TierView(
                first_unit=lower,
                last_unit=None if tier.up_to is None else f"{tier.up_to:,}",
                unit_price=UnitPrice(tier.unit_minor, price.currency),
                flat_fee=price.money(tier.flat_minor) if tier.flat_minor else None,
            )
        )
        if tier.up_to is not None:
            lower = f"{tier.up_to + 1:,}"
    amount: Money | None = None
    if charge.model is ChargeModel.FLAT:
        amount = price.money(charge.amount_minor)
    elif charge.model is ChargeModel.PER_UNIT:
        amount = price.money(round_minor(charge.unit_minor))
    summary = {
        ChargeModel.FLAT: "Flat fee",
        ChargeModel.PER_UNIT: f"Per {charge.unit_label}",
        ChargeModel.GRADUATED: f"Graduated tiers per {charge.unit_label}",
        ChargeModel.VOLUME: f"Volume tiers per {charge.unit_label}",
        ChargeModel.PACKAGE: f"Per {charge.package_size:,} {charge.unit_label}s",
    }[charge.model]
    return ChargeView(
        model=charge.model.value,
        summary=summary,
        amount=amount,
        unit_label=charge.unit_label,
        is_usage=charge.is_usage,
        meter=charge.meter.name if charge.meter else None,
        tiers=tuple(tiers),
    )
