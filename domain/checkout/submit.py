"""The checkout's one use case: a posted order form in, a typed outcome out.

``submit_order`` checks everything itself, in the order the page lists its messages:

1. (one read transaction, the catalog read in it: never the process's cached snapshot) the
   plan (``NotFound``: a 404); the checkout token's session (an order
   under way or done only shows its outcome); for a first attempt the choice (currency, seats
   up to the plan's ``max_seats``, add-ons), the billing details (an e-mail with an account
   asks to sign in) and the summary priced now, with the promotion code's problem; for a retry
   after a decline, the stored order's summary;
2. the card, tokenised through the ``PaymentGateway`` (``card.py``), and the fields the form
   refused as typed;
3. the summary the buyer was shown (``agreement.py``): any difference shows the new summary and
   charges nothing;
4. ``place_order`` (``placing.py``): claim the token, create the order, charge, record.

Every refusal comes back as the page to show again (``page.py``), read after the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.accounts.mailing import Mailing
from domain.accounts.model import SignedIn
from domain.accounts.ports import PasswordHasher
from domain.accounts.sessions import SessionGrant
from domain.billing.config import BillingConfig
from domain.catalog.snapshot import read_catalog_in
from domain.checkout.agreement import SummaryChanged, summary_changed
from domain.checkout.card import tokenise_card
from domain.checkout.form import OrderForm
from domain.checkout.model import CheckoutSession, CheckoutState, new_checkout_token
from domain.checkout.orders import order_on_file_in
from domain.checkout.page import CheckoutPage, checkout_page_in, form_summary_in
from domain.checkout.placing import can_place, place_order
from domain.checkout.ports import UowFactory
from domain.checkout.service import (
    CheckoutErrorCode,
    OrderChoice,
    check_billing_details_in,
    check_choice_of,
    public_plan_of,
)
from domain.checkout.summary import OrderSummary
from domain.payments.ports import PaymentGateway
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, DomainError, ValidationFailed


@dataclass(frozen=True, slots=True)
class Placed:
    """The order of this checkout is placed, or was already, or another request is placing it:
    its confirmation page shows where it stands."""

    session: CheckoutSession
    grant: SessionGrant | None = None  # an account this order created: sign the buyer in


@dataclass(frozen=True, slots=True)
class NeedsPaymentAction:
    """The card asked for the customer's check (3-D Secure): the order waits for it."""

    session: CheckoutSession
    payment_ref: str
    grant: SessionGrant | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was placed or charged: the page again, with a message beside each field to
    correct, or with the new summary (``page.changed``) when the order no longer charges what
    the buyer was shown."""

    page: CheckoutPage
    grant: SessionGrant | None = None


@dataclass(frozen=True, slots=True)
class Declined:
    """The order exists but the card was declined (the gateway's message is on the session):
    the page shows the stored order and asks for another card."""

    page: CheckoutPage
    grant: SessionGrant | None = None


@dataclass(frozen=True, slots=True)
class Repriced:
    """The promotion code's "Apply" without JavaScript: the page priced with the form as it
    stands; nothing was placed."""

    page: CheckoutPage
    grant: SessionGrant | None = None


CheckoutOutcome = Placed | NeedsPaymentAction | Refused | Declined | Repriced


async def submit_order(
    form: OrderForm,
    *,
    buyer: SignedIn | None,
    uow: UowFactory,
    read_uow: UowFactory,
    clock: Clock,
    config: BillingConfig,
    gateway: PaymentGateway,
    hasher: PasswordHasher,
    mailing: Mailing,
) -> CheckoutOutcome:
    """Check the order form and place its order once per checkout token (see the module).
    ``buyer`` is the signed-in buyer (None: the order creates the account); ``uow`` opens the
    order's transactions, ``read_uow`` the reads (no write lock)."""
    token = form.checkout_token.strip() or new_checkout_token()

    async def page(
        errors: dict[str, str],
        checkout: CheckoutSession | None = None,
        changed: SummaryChanged | None = None,
        *,
        who: SignedIn | None = buyer,
        reload: bool = False,
    ) -> CheckoutPage:
        """The page again (``reload``: with the checkout as it is now)."""
        async with read_uow() as tx:
            if reload:
                checkout = await tx.checkouts.get(token)
            return await checkout_page_in(
                tx, await read_catalog_in(tx), form, buyer=who, token=token, now=clock.now(), config=config,
                errors=errors, checkout=checkout, changed=changed,
            )  # fmt: skip

    if form.apply_only:
        return Repriced(await page(dict(form.refused)))
    errors: dict[str, str] = {}
    choice: OrderChoice | None = None
    summary: OrderSummary | None = None
    async with read_uow() as tx:
        catalog = await read_catalog_in(tx)  # never the cached one: what is charged is read here
        plan = public_plan_of(catalog, form.plan_code)
        existing = await tx.checkouts.get(token)
        if existing is not None and not can_place(existing, clock.now()):
            return Placed(existing)
        retry = existing if existing is not None and existing.subscription_id is not None else None
        if retry is not None:  # the order exists: only the card is new
            on_file = await order_on_file_in(
                tx, retry.token, account_id=buyer.account_id if buyer else None, config=config
            )
            summary = on_file.summary
            choice = check_choice_of(catalog, plan, currency=None, quantity=None, addons={})
        else:
            try:
                choice = check_choice_of(
                    catalog, plan, currency=form.currency, quantity=form.quantity,
                    addons=form.addons,
                )  # fmt: skip
            except ValidationFailed as exc:
                errors.update(exc.field_errors)
            try:
                await check_billing_details_in(
                    tx, form.details, currency=choice.currency if choice else plan.currencies[0],
                    buyer=buyer,
                )  # fmt: skip
            except ValidationFailed as exc:
                errors.update(exc.field_errors)
            if choice is not None:
                view = await form_summary_in(
                    tx, catalog, form, buyer=buyer, now=clock.now(), config=config
                )
                summary = view.summary
                if summary.promotion_error and form.promotion_code.strip():
                    errors["promotion_code"] = summary.promotion_error
    card_token = ""
    try:
        card_token = await tokenise_card(form.card, gateway=gateway)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    errors.update(form.refused)  # a field refused as typed: its own message, not "enter ..."
    if errors:
        return Refused(await page(errors, retry))
    assert summary is not None and choice is not None
    changed = summary_changed(form.shown, summary)
    if changed is not None:  # not what the buyer was shown: show it, charge nothing
        return Refused(await page({}, retry, changed))
    try:
        placed = await place_order(
            choice, form.details, token=token, promotion_code=form.promotion_code,
            agreed_total=summary.total_today, card_token=card_token, buyer=buyer, ip=form.ip,
            user_agent=form.user_agent, uow=uow, clock=clock, config=config, gateway=gateway,
            hasher=hasher, mailing=mailing,
        )  # fmt: skip
    except ValidationFailed as exc:
        return Refused(await page(exc.field_errors))
    except Conflict as exc:
        if exc.code != CheckoutErrorCode.TOTAL_CHANGED:
            raise
        return Refused(await page({}, changed=SummaryChanged(summary.total_today), reload=True))
    except DomainError as exc:
        return Refused(await page({"card_number": exc.message}, reload=True))
    grant = placed.grant
    session = placed.session
    if placed.state is CheckoutState.DECLINED:
        who = grant.signed_in if grant is not None else buyer
        return Declined(await page({}, session, who=who), grant)
    if placed.state is CheckoutState.AWAITING_ACTION and session.payment_ref:
        return NeedsPaymentAction(session, session.payment_ref, grant)
    return Placed(session, grant)
