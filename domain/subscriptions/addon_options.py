"""An add-on as the portal offers it: the add-on page's read model (``addon_view``: the offer,
the quantity asked and the engine's quote explained) and confirming a quoted change with the
add-on's name for the confirmation message."""

from __future__ import annotations

from dataclasses import dataclass

from domain.billing.config import BillingConfig
from domain.billing.model import Invoice
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions._engine_store import load_subscription
from domain.subscriptions.addons import (
    AddonOffer,
    AddonQuote,
    addon_offers,
    addon_offers_in,
    confirm_addon_change,
    quote_addon_change_in,
)
from domain.subscriptions.change_options import ExplainedQuote, explain_quote
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.subscription_views import SubscriptionView, view_in


@dataclass(frozen=True, slots=True)
class AddonView:
    sub: SubscriptionView
    offer: AddonOffer
    quantity: str  # as asked (default: 1 to add, 0 to remove a flat add-on already on)
    errors: dict[str, str]
    change: AddonQuote | None  # the quote's terms, to sign
    quote: ExplainedQuote | None
    unchanged: bool

    @property
    def renewal(self) -> Invoice | None:
        return self.change.renewal if self.quote is not None and self.change else None


async def addon_view(
    subscription_id: SubscriptionId,
    code: str,
    *,
    quantity: str | None,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> AddonView:
    """The add-on ``code`` on offer for the subscription, the quantity asked (a block count; a
    flat add-on is 1 or 0) and the engine's quote; ``NotFound`` when it is not on offer."""
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        view = await view_in(uow, sub, now=now, config=config)
        offer = next((o for o in await addon_offers_in(uow, sub) if o.code == code), None)
        if offer is None:
            raise NotFound("That add-on is not available for this subscription.")
        errors: dict[str, str] = {}
        raw = (quantity or "").strip() or str(0 if offer.attached and not offer.per_unit else 1)
        qty = int(raw) if raw.isascii() and raw.isdigit() else None
        if qty is None or qty > offer.max_quantity:
            errors["quantity"] = (
                f"Enter a whole number of blocks of {offer.unit_label} from 0 to "
                f"{offer.max_quantity:,} (0 removes it)."
                if offer.per_unit
                else "Choose to add it (1) or remove it (0)."
            )
        elif qty == 0 and not offer.attached:
            errors["quantity"] = f"{offer.name} is not on your subscription: choose at least 1."
        unchanged = not errors and qty == offer.quantity
        change, explained = None, None
        if not errors and not unchanged and qty is not None:
            try:
                change = await quote_addon_change_in(
                    uow, sub.id, code, qty, now=now, config=config, as_customer=as_customer
                )
            except ValidationFailed as bad:
                errors.update(bad.field_errors or {"quantity": bad.message})
            else:
                explained = explain_quote(change, period_end=view.period_end)
    return AddonView(view, offer, raw, errors, change, explained, unchanged)


@dataclass(frozen=True, slots=True)
class AddonChanged:
    outcome: Outcome
    name: str  # the add-on's name ("The add-on" when it is no longer on offer)


async def confirm_addon_quote(
    subscription_id: SubscriptionId,
    quote: AddonQuote,
    *,
    uow: SubscriptionsUnit,
    read_uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> AddonChanged:
    """``confirm_addon_change``, then the add-on's name as the offers list it after the change
    (read with ``read_uow``: a unit of work is entered once, and ``uow`` is spent by the commit)."""
    outcome = await confirm_addon_change(
        subscription_id, quote, uow=uow, clock=clock, config=config, as_customer=as_customer
    )
    offers = await addon_offers(subscription_id, uow=read_uow, as_customer=as_customer)
    name = next((o.name for o in offers if o.code == quote.addon_code), "The add-on")
    return AddonChanged(outcome, name)
