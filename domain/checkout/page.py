"""The checkout page's read model: for a form as typed (or, once the order exists after a
declined card, the stored order), the plan, the priced summary, the add-ons on offer and the
messages beside the fields. The page opened fresh, the page the order's use case shows again,
and the summary fragment all read through here.

The catalog (plan, add-ons, tax rates) comes from a snapshot: the page and the summary take the
process's cached one (``domain/catalog/cache.py``), the order's use case reads one in its own
transaction. Promotion codes likewise: the page and the summary find them in the process's
promotion cache (``domain/promotions/cache.py``), the order's use case reads and locks them in
its transactions. A transaction is opened only for a signed-in buyer (or a promotion code when
no cache is given: ``needs_buyer_reads``); an anonymous visitor's page needs none.

The page and the summary are priced at the start of the current minute (``preview_instant``):
the engine's summary for one order and instant is memoised in the catalog snapshot, so the
pages opened within a minute share one run of the engine (the same function, the same inputs,
the same result). Whether a promotion code can be used is decided at the exact instant. The
order is priced again at its own instant when it is placed, and refused (shown again) if that
differs from what was shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.accounts.model import SignedIn
from domain.billing.config import BillingConfig
from domain.catalog.model import Plan
from domain.catalog.snapshot import CatalogReader, CatalogSnapshot
from domain.checkout.agreement import SummaryChanged
from domain.checkout.form import OrderForm
from domain.checkout.model import CheckoutSession, new_checkout_token
from domain.checkout.orders import OrderOnFile, order_on_file_in
from domain.checkout.ports import CheckoutUnit, UowFactory
from domain.checkout.service import (
    ACCOUNT_EXISTS,
    AddonChoice,
    SummaryView,
    needs_buyer_reads,
    order_summary_in,
)
from domain.checkout.summary import OrderSummary
from domain.promotions.cache import PromotionFinder
from domain.shared.clock import Clock


@dataclass(frozen=True, slots=True)
class CheckoutPage:
    """What the checkout page shows. ``errors`` are the messages beside the fields (the
    choice's as typed, then the caller's, then the promotion code's); ``checkout`` and
    ``order`` are the session and its stored order once the order exists (only the card is
    asked for then); ``changed`` is set when the order was shown again instead of charged."""

    plan: Plan
    summary: OrderSummary
    addons: list[AddonChoice]  # on offer
    picked: dict[str, int]  # {add-on code: quantity} as chosen
    errors: dict[str, str]
    token: str  # the checkout token the form posts
    buyer: SignedIn | None
    checkout: CheckoutSession | None = None
    order: OrderOnFile | None = None
    changed: SummaryChanged | None = None

    @property
    def account_exists(self) -> bool:
        """The e-mail has an account: the page offers to sign in."""
        return self.errors.get("email") == ACCOUNT_EXISTS


def preview_instant(now: datetime) -> datetime:
    """The instant the pages price an order at: the start of ``now``'s minute (never another
    date, in any time zone of whole minutes: the dates the pages show are ``now``'s)."""
    return now.replace(second=0, microsecond=0)


async def checkout_page(
    form: OrderForm,
    *,
    buyer: SignedIn | None,
    clock: Clock,
    catalog: CatalogReader,
    read_uow: UowFactory,
    config: BillingConfig,
    promotions: PromotionFinder | None = None,
) -> CheckoutPage:
    """The page opened afresh for ``form`` (a link from the pricing page, the query string):
    a new checkout token each time; an unknown, retired, private or add-on plan is
    ``NotFound``. A promotion code is found through ``promotions`` when given."""
    snapshot = await catalog.snapshot()
    token, now = new_checkout_token(), clock.now()
    at = preview_instant(now)
    if not _needs_reads(form, buyer, promotions):
        return await checkout_page_in(
            None, snapshot, form, buyer=buyer, token=token, now=now, config=config,
            promotions=promotions, price_at=at,
        )  # fmt: skip
    async with read_uow() as uow:
        return await checkout_page_in(
            uow, snapshot, form, buyer=buyer, token=token, now=now, config=config,
            promotions=promotions, price_at=at,
        )  # fmt: skip


def _needs_reads(
    form: OrderForm, buyer: SignedIn | None, promotions: PromotionFinder | None
) -> bool:
    customer_id = buyer.customer_id if buyer else None
    return needs_buyer_reads(
        form.promotion_code, customer_id, promotions_kept=promotions is not None
    )


async def checkout_page_in(
    uow: CheckoutUnit | None,
    catalog: CatalogSnapshot,
    form: OrderForm,
    *,
    buyer: SignedIn | None,
    token: str,
    now: datetime,
    config: BillingConfig,
    errors: Mapping[str, str] | None = None,
    checkout: CheckoutSession | None = None,
    changed: SummaryChanged | None = None,
    promotions: PromotionFinder | None = None,
    price_at: datetime | None = None,
) -> CheckoutPage:
    """The page for the form as posted, from the ``catalog`` snapshot and the caller's
    transaction (None: nothing but the catalog to read); once the order of ``checkout`` exists
    (a declined card), the stored order instead, with only the card to enter (its buyer's only:
    anyone else is ``NotFound``)."""
    if checkout is not None and checkout.subscription_id is None:
        checkout = None  # nothing was ordered yet: the form as it was
    order = None
    if checkout is not None:
        if uow is None:
            raise ValueError("a stored order is read in a transaction")
        order = await order_on_file_in(
            uow, checkout.token, account_id=buyer.account_id if buyer else None, config=config
        )
    if order is not None:
        summary, plan, addons, shown = order.summary, order.summary.plan, [], {}
        picked = {a.code: n for a, n in order.addons}
    else:
        view = await form_summary_in(
            uow, catalog, form, buyer=buyer, now=now, config=config, promotions=promotions,
            price_at=price_at,
        )  # fmt: skip
        summary, plan, addons, shown = view.summary, view.plan, view.addons, view.errors
        picked = {a.code: n for a, n in view.choice.addons}
    messages = {**shown, **(errors or {})}
    if summary.promotion_error and form.promotion_code.strip():
        messages.setdefault("promotion_code", summary.promotion_error)
    return CheckoutPage(
        plan=plan, summary=summary, addons=addons, picked=picked, errors=messages, token=token,
        buyer=buyer, checkout=checkout, order=order, changed=changed,
    )  # fmt: skip


async def form_summary(
    form: OrderForm, *, buyer: SignedIn | None, clock: Clock, catalog: CatalogReader,
    read_uow: UowFactory, config: BillingConfig, promotions: PromotionFinder | None = None,
) -> SummaryView:  # fmt: skip
    """The order summary for what the form says now (the page's live summary): priced with the
    plan's defaults while the choice has errors, which come with it; priced at
    ``preview_instant``, a promotion code found through ``promotions`` when given."""
    snapshot = await catalog.snapshot()
    now = clock.now()
    at = preview_instant(now)
    if not _needs_reads(form, buyer, promotions):
        return await form_summary_in(None, snapshot, form, buyer=buyer, now=now, config=config,
                                     promotions=promotions, price_at=at)  # fmt: skip
    async with read_uow() as uow:
        return await form_summary_in(uow, snapshot, form, buyer=buyer, now=now, config=config,
                                     promotions=promotions, price_at=at)  # fmt: skip


async def form_summary_in(
    uow: CheckoutUnit | None, catalog: CatalogSnapshot, form: OrderForm, *,
    buyer: SignedIn | None, now: datetime, config: BillingConfig,
    promotions: PromotionFinder | None = None, price_at: datetime | None = None,
) -> SummaryView:  # fmt: skip
    """``form_summary`` from a snapshot and the caller's transaction (None: nothing else to
    read)."""
    return await order_summary_in(
        uow,
        catalog,
        form.plan_code,
        currency=form.currency,
        quantity=form.quantity,
        addons=form.addons,
        promotion_code=form.promotion_code,
        country=form.details.country,
        region=form.details.region,
        tax_id=form.details.tax_id,
        customer_id=buyer.customer_id if buyer else None,
        default_currency=form.default_currency,
        now=now,
        config=config,
        promotions=promotions,
        price_at=price_at,
    )
