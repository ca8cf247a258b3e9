"""The engine's guards: a plan sold in the currency, a valid quantity, an add-on that fits the
base plan, a subscription that is live (or settled: its first payment made)."""

from __future__ import annotations

from domain.catalog.model import Plan, PlanPrice
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.money import Currency
from domain.subscriptions.engine.states import ENDED, BillingErrorCode, SubscriptionStatus


def plan_price(plan: Plan, currency: Currency) -> PlanPrice:
    """The plan's price in ``currency``, or ``billing.currency_not_sold``."""
    price = plan.price_in(currency)
    if price is None:
        raise ValidationFailed(
            {"plan": f"plan {plan.code} has no price in {currency.code}"},
            code=BillingErrorCode.CURRENCY,
        )
    return price


def check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationFailed(
            {"quantity": "must be a whole number of at least 1"}, code=BillingErrorCode.BAD_QUANTITY
        )


def check_addon(base: Plan, addon: Plan, quantity: int, currency: Currency) -> None:
    """``addon`` may ride on ``base``: same interval, billed in advance only, not the plan itself."""
    check_quantity(quantity)
    price = plan_price(addon, currency)
    if addon.interval != base.interval:
        raise ValidationFailed(
            {
                "addon": f"{addon.name} is billed every {addon.interval}, {base.name} every {base.interval}"
            },
            code=BillingErrorCode.ADDON,
        )
    if any(charge.is_usage for charge in price.charges):
        raise ValidationFailed(
            {"addon": f"{addon.name} has metered charges; an add-on is billed in advance"},
            code=BillingErrorCode.ADDON,
        )
    if addon.code == base.code:
        raise ValidationFailed(
            {"addon": "a plan cannot be its own add-on"}, code=BillingErrorCode.ADDON
        )


def require_live(status: SubscriptionStatus | None) -> None:
    if status is None:
        raise InvalidTransition(
            "there is no subscription yet", code=BillingErrorCode.NOT_SUBSCRIBED
        )
    if status in ENDED:
        raise InvalidTransition(
            "the subscription is canceled; start a new one instead"
            if status is SubscriptionStatus.CANCELED
            else "the subscription expired before its first payment; start a new one",
            code=BillingErrorCode.CANCELED,
        )


def require_settled(status: SubscriptionStatus | None) -> None:
    """Changes wait until the first payment is made (as Stripe limits incomplete updates)."""
    require_live(status)
    if status is SubscriptionStatus.INCOMPLETE:
        raise InvalidTransition(
            "the first payment is still due; complete it before changing the subscription",
            code=BillingErrorCode.INCOMPLETE,
        )
