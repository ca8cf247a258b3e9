"""What the portal says about a plan in a currency: whether it may be paused, what one period
costs at a quantity, whether it meters usage or bills by the seat."""

from __future__ import annotations

from domain.catalog.model import Plan
from domain.catalog.quantities import licensed_total
from domain.pricing.model import ChargeModel
from domain.shared.money import Currency


def is_pausable(plan: Plan) -> bool:
    """Plans may be paused unless the catalog says otherwise (plan metadata ``pausable=false``)."""
    return plan.metadata.get("pausable", "true").strip().lower() not in ("false", "no", "0")


def recurring_minor(plan: Plan, quantity: int, currency: str) -> int | None:
    """What one period of ``plan`` costs before usage, discounts and tax (None: not sold in it),
    each charge rounded once as on the invoice."""
    price = plan.price_in(Currency.of(currency))
    return None if price is None else licensed_total(price, quantity).minor


def is_metered(plan: Plan, currency: str) -> bool:
    price = plan.price_in(Currency.of(currency))
    return price is not None and any(c.is_usage for c in price.charges)


def has_seats(plan: Plan, currency: str) -> bool:
    price = plan.price_in(Currency.of(currency))
    return price is not None and any(
        not c.is_usage and c.model is not ChargeModel.FLAT for c in price.charges
    )
