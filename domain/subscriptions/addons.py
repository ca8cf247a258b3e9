"""Add-ons in the subscriber portal: the ones attached to a subscription and the ones that may be,
each priced for one billing period, and adding, changing or removing one through a binding quote.

A quote runs the change on a copy of the engine (nothing is written): the proration lines for the
add-on, the invoice issued now (``invoice_now``: an addition is paid today, a removal's unused
time becomes account credit) and the renewal after it. It carries the same fingerprint as a plan
change's quote; confirming makes the change at the quote's instant, so the stored invoice is
exactly the quoted one, or refuses with ``Conflict`` when anything that affects billing happened
since or the quote is over an hour old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.billing.model import Invoice, InvoiceLine
from domain.catalog.model import Plan, PlanKind
from domain.catalog.quantities import licensed_total
from domain.catalog.rules import is_addon_attachable
from domain.pricing.model import ChargeModel
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.money import Currency
from domain.subscriptions._engine_store import (
    load_customer,
    load_engine,
    load_subscription,
    store_outcome,
)
from domain.subscriptions.engine import ENDED, ProrationBehavior, Timing
from domain.subscriptions.errors import SubscriptionErrorCode
from domain.subscriptions.lifecycle import set_addon_on_engine
from domain.subscriptions.model import Subscription
from domain.subscriptions.mrr_ledger import MrrTrail
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.plan_changes import QUOTE_VALIDITY
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.quotes import version_of

MAX_ADDON_QUANTITY = 10_000
# an add-on change is prorated onto an invoice issued at once, as a plan upgrade is
ADDON_PRORATION = ProrationBehavior.INVOICE_NOW


class AddonErrorCode:
    NOT_OFFERED = "portal.addon_not_offered"
    BAD_QUANTITY = "portal.addon_bad_quantity"


@dataclass(frozen=True, slots=True)
class AddonOffer:
    """An add-on as the portal lists it: attached (``quantity`` > 0) or on offer."""

    code: str
    name: str
    description: str
    interval: str
    unit_label: str | None  # "100 GB" for an add-on sold by the unit; None for a flat one
    unit_price_minor: int  # one period of one unit (a flat add-on: its price)
    quantity: int  # attached quantity; 0 when not attached
    price_minor: int  # one period at the attached quantity (0 when not attached)
    offered: bool  # still in the public catalog (an attached one may have left it: kept as bought)

    @property
    def attached(self) -> bool:
        return self.quantity > 0

    @property
    def per_unit(self) -> bool:
        return self.unit_label is not None

    @property
    def max_quantity(self) -> int:
        return MAX_ADDON_QUANTITY if self.per_unit else 1


def _offer(addon: Plan, currency: str, quantity: int, *, offered: bool) -> AddonOffer | None:
    price = addon.price_in(Currency.of(currency))
    if price is None:
        return None
    by_unit = next((c for c in price.charges if c.model is not ChargeModel.FLAT), None)
    return AddonOffer(
        code=addon.code,
        name=addon.name,
        description=addon.description,
        interval=str(addon.interval),
        unit_label=by_unit.unit_label if by_unit is not None else None,
        unit_price_minor=licensed_total(price, 1).minor,
        quantity=quantity,
        price_minor=licensed_total(price, quantity).minor if quantity else 0,
        offered=offered,
    )


async def attached_addons_in(uow: SubscriptionsUnit, sub: Subscription) -> tuple[AddonOffer, ...]:
    """The add-ons on the subscription, each priced as the version it pays for (a newer catalog
    price does not apply to what was bought) at its quantity."""
    if not sub.addons:
        return ()  # most subscriptions: no catalog query
    public = {a.code for a in await uow.plans.list_public(kind=PlanKind.ADDON)}
    offers = []
    for plan_id, quantity in sub.addons:
        addon = await uow.plans.get(plan_id)
        if addon is None:
            continue
        offer = _offer(addon, sub.currency, quantity, offered=addon.code in public)
        if offer is not None:
            offers.append(offer)
    return tuple(offers)


async def addon_offers(
    subscription_id: SubscriptionId, *, uow: SubscriptionsUnit, as_customer: CustomerId | None
) -> tuple[AddonOffer, ...]:
    """The add-ons attached to the subscription, then the public ones that attach to its plan
    and are sold in its currency, in catalog order. None for an ended subscription."""
    async with uow:
        return await addon_offers_in(
            uow, await load_subscription(uow, subscription_id, as_customer)
        )


async def addon_offers_in(uow: SubscriptionsUnit, sub: Subscription) -> tuple[AddonOffer, ...]:
    """``addon_offers`` inside a transaction the caller holds."""
    if sub.status in ENDED:
        return ()
    base = await uow.plans.get(sub.plan_id)
    assert base is not None
    attached = await attached_addons_in(uow, sub)
    taken = {o.code for o in attached}
    more = [
        _offer(addon, sub.currency, 0, offered=True)
        for addon in await uow.plans.list_public(kind=PlanKind.ADDON)
        if addon.code not in taken and is_addon_attachable(base, addon)
    ]
    return attached + tuple(o for o in more if o is not None)


# -- the binding quote ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AddonQuote:
    """What attaching, changing or removing (``quantity`` 0) an add-on bills, before it is done."""

    at: datetime
    addon_code: str
    quantity: int
    proration: ProrationBehavior
    version: str  # "<row version>:<engine fingerprint>", as a plan change's quote
    invoice: Invoice | None  # the proration invoice issued at once (None: nothing to prorate)
    pending_lines: tuple[InvoiceLine, ...]
    renewal: Invoice | None  # the first renewal after the change: what is billed from then on

    @property
    def timing(self) -> Timing:
        return Timing.IMMEDIATE  # add-ons change now; the engine has no scheduled add-on change


async def _addon_plan(uow: SubscriptionsUnit, sub: Subscription, code: str) -> Plan:
    """The version a change applies: the attached one (a quantity change keeps what the
    subscriber bought), else the current public version."""
    for plan_id, _ in sub.addons:
        attached = await uow.plans.get(plan_id)
        if attached is not None and attached.code == code:
            return attached
    addon = await uow.plans.get_by_code(code)
    if addon is None or not addon.is_addon or not addon.is_public:
        raise NotFound(f"There is no add-on {code!r}.", code=AddonErrorCode.NOT_OFFERED)
    return addon


def _check_quantity(addon: Plan, currency: str, quantity: int, attached: int) -> None:
    offer = _offer(addon, currency, 0, offered=True)
    if offer is None:
        raise ValidationFailed(
            {"addon": f"{addon.name} is not sold in {currency}."}, code=AddonErrorCode.NOT_OFFERED
        )
    if not 0 <= quantity <= offer.max_quantity:
        message = (
            f"Choose from 0 to {offer.max_quantity:,} blocks of {offer.unit_label}."
            if offer.per_unit
            else f"{addon.name} is added once (1) or removed (0)."
        )
        raise ValidationFailed({"quantity": message}, code=AddonErrorCode.BAD_QUANTITY)
    if quantity == 0 and not attached:
        raise ValidationFailed(
            {"quantity": f"{addon.name} is not on your subscription."},
            code=AddonErrorCode.BAD_QUANTITY,
        )


async def quote_addon_change(
    subscription_id: SubscriptionId,
    addon_code: str,
    quantity: int,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> AddonQuote:
    """The exact invoice attaching, changing or removing (``quantity`` 0) the add-on would issue
    now and the renewal after it, computed by the engine on a copy (nothing is written).
    ``ValidationFailed`` for a quantity out of range or an add-on the plan does not take."""
    async with uow:
        return await quote_addon_change_in(
            uow, subscription_id, addon_code, quantity, now=clock.now(), config=config,
            as_customer=as_customer,
        )  # fmt: skip


async def quote_addon_change_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    addon_code: str,
    quantity: int,
    *,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> AddonQuote:
    """``quote_addon_change`` inside a transaction the caller holds."""
    sub = await load_subscription(uow, subscription_id, as_customer)
    addon = await _addon_plan(uow, sub, addon_code)
    customer = await load_customer(uow, sub.customer_id)
    engine = await load_engine(uow, sub, customer, config, extra_plans=(addon,))
    attached = engine.addons[addon.code].quantity if addon.code in engine.addons else 0
    _check_quantity(addon, sub.currency, quantity, attached)
    fingerprint = version_of(engine)
    engine.advance_to(now)
    issued, pending = len(engine.invoices), len(engine.pending)
    set_addon_on_engine(engine, now, addon, quantity, ADDON_PRORATION)
    new = engine.invoices[issued:]
    lines = tuple(engine.pending[pending:])
    renewal = None
    if engine.period is not None and engine.next_billing_at is not None:
        before = len(engine.invoices)
        engine.advance_to(engine.next_billing_at)
        renewal = engine.invoices[before] if len(engine.invoices) > before else None
    return AddonQuote(
        at=now,
        addon_code=addon.code,
        quantity=quantity,
        proration=ADDON_PRORATION,
        version=f"{sub.version}:{fingerprint}",
        invoice=new[0] if new else None,
        pending_lines=lines,
        renewal=renewal,
    )


async def confirm_addon_change(
    subscription_id: SubscriptionId,
    quote: AddonQuote,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Outcome:
    """Make the quoted add-on change at the quote's instant, so it bills exactly what was shown;
    refuse with ``Conflict`` when the subscription changed since or the quote is over an hour
    old. One transaction: the invoice, the new state and the collection job, or nothing."""
    now = clock.now()
    if now - quote.at > QUOTE_VALIDITY or quote.at > now:
        raise Conflict(
            "This price was shown over an hour ago. Please review the current price.",
            code=SubscriptionErrorCode.QUOTE_EXPIRED,
        )
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer, lock=True)
        addon = await _addon_plan(uow, sub, quote.addon_code)
        customer = await load_customer(uow, sub.customer_id, lock=True)
        engine = await load_engine(uow, sub, customer, config, extra_plans=(addon,))
        stored_version, _, engine_version = quote.version.partition(":")
        if str(sub.version) != stored_version or version_of(engine) != engine_version:
            raise Conflict(
                "Your subscription changed since this price was shown. Please review the new price.",
                code="billing.quote_stale",
            )
        trail = MrrTrail()
        trail.advance(engine, quote.at)
        if engine.invoices:
            raise Conflict(
                "A renewal happened since this price was shown. Please review the new price.",
                code="billing.quote_stale",
            )
        set_addon_on_engine(engine, quote.at, addon, quote.quantity, quote.proration)
        outcome = await store_outcome(
            uow,
            sub,
            engine,
            customer,
            config,
            quote.at,
            reasons=(BillingReason.SUBSCRIPTION_UPDATE,) * len(engine.invoices),
            trail=trail,
        )
        await uow.commit()
    return outcome
