"""Placing a checked order, once per checkout token: the last step of ``submit_order``
(``submit.py``), which has checked the form, tokenised the card and compared the summary first.
It does not trust its caller for what it writes: billing details that do not pass
``billing_problems`` are refused before anything is created.

1. (transaction) claim the checkout session: insert it, or move it from ``open``/``declined`` to
   ``processing``; a request that cannot claim it only shows the outcome;
2. (transaction, first attempt only) create the customer, the account (or use the signed-in
   one) and the subscription (``incomplete`` until paid), unless its first invoice is not the
   total the buyer was shown;
3. (no transaction) save the tokenised card and charge the first invoice synchronously; a
   declined card is removed again;
4. (transaction) record the outcome: ``complete`` (the welcome e-mail is queued,
   ``completion.py``), ``awaiting_action`` or ``declined``. A retry after a decline reuses the
   same subscription and invoice with the new card.

The account a first attempt creates stays, signed in, whatever the card does: the page after a
decline says so ("Your account was created; nothing was charged"), and the unpaid subscription
expires after 23 hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from domain.accounts.mailing import Mailing
from domain.accounts.model import SignedIn, SignInMethod
from domain.accounts.ports import PasswordHasher
from domain.accounts.sessions import SessionGrant, open_session_in
from domain.accounts.sign_up import attach_customer_in, register_in
from domain.billing.config import BillingConfig
from domain.billing.model import InvoiceStatus
from domain.checkout.completion import OrderInstant, complete_in
from domain.checkout.model import CLAIMABLE, CheckoutSession, CheckoutState
from domain.checkout.ports import CheckoutUnit, UowFactory
from domain.checkout.service import (
    ACCOUNT_EXISTS,
    STALE_PROCESSING,
    BillingDetails,
    CheckoutErrorCode,
    OrderChoice,
    billing_problems,
)
from domain.customers.service import create_customer_in
from domain.payments.model import AttemptStatus
from domain.payments.ports import PaymentGateway
from domain.payments.service import add_payment_method, collect_invoice, forget_declined_method
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, DomainError, PaymentDeclined, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.money import Money
from domain.subscriptions.subscribing import subscribe_in


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """Where the order stands after a request: its session (state, ids), the payment waiting for
    the customer's action, the gateway's message after a decline, and the new session of an
    account created by this request (the web layer signs the buyer in with it)."""

    session: CheckoutSession
    grant: SessionGrant | None = None

    @property
    def state(self) -> CheckoutState:
        return self.session.state


def can_place(session: CheckoutSession, now: datetime) -> bool:
    """Whether a submit may (try to) place this checkout's order: it is open, declined (a retry
    with another card), or was left processing by a request that died."""
    return session.state in CLAIMABLE or (
        session.state is CheckoutState.PROCESSING and session.updated_at < now - STALE_PROCESSING
    )


async def get_checkout(token: str, *, uow: CheckoutUnit) -> CheckoutSession | None:
    async with uow:
        return await uow.checkouts.get(token)


async def place_order(
    choice: OrderChoice,
    details: BillingDetails,
    *,
    token: str,
    promotion_code: str | None,
    agreed_total: Money,
    card_token: str,
    buyer: SignedIn | None,
    ip: str = "",
    user_agent: str = "",
    uow: UowFactory,
    clock: Clock,
    config: BillingConfig,
    gateway: PaymentGateway,
    hasher: PasswordHasher,
    mailing: Mailing,
) -> PlacedOrder:
    """Place the order of checkout ``token`` (see the module): at most one subscription, one
    charge and one welcome e-mail per token, however often and however concurrently it is
    posted. A request that does not claim the session returns it as it is (the caller shows the
    outcome). Billing details that ``billing_problems`` refuses and validation errors of the
    order transaction (a code that ran out meanwhile, an e-mail taken meanwhile) release the
    claim and are raised.

    ``agreed_total`` is the total the buyer was shown: an order whose first invoice would be
    another amount is not created (``Conflict``, ``checkout.total_changed``; nothing is
    written), and a retry never charges an invoice of another amount."""
    now = clock.now()
    token = token.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token):
        raise ValidationFailed({"token": "This checkout expired. Please start again."})
    async with uow() as claim:
        fresh = CheckoutSession(
            token=token,
            plan_code=choice.plan.code,
            state=CheckoutState.PROCESSING,
            created_at=now,
            updated_at=now,
        )
        claimed = (
            await claim.checkouts.add_if_absent(fresh)
            or await claim.checkouts.transition(token, CLAIMABLE, CheckoutState.PROCESSING, now)
            # a request that died mid-way (a restart) left it processing: after a while a new
            # submit takes over; the order transaction is atomic and a pending charge is retried
            # under its idempotency key, so nothing is created or charged twice
            or await claim.checkouts.transition(
                token, (CheckoutState.PROCESSING,), CheckoutState.PROCESSING, now,
                updated_before=now - STALE_PROCESSING,
            )
        )  # fmt: skip
        session = await claim.checkouts.get(token)
        await claim.commit()
    assert session is not None
    if not claimed:
        return PlacedOrder(session)
    if session.plan_code != choice.plan.code:
        await _set_state(uow, session, CheckoutState.OPEN, now)
        raise ValidationFailed({"token": "This checkout is for another plan. Start again."})
    grant: SessionGrant | None = None
    if session.subscription_id is None:
        try:
            session, grant = await _create_order(
                session, choice, details, promotion_code=promotion_code, buyer=buyer, ip=ip,
                user_agent=user_agent, uow=uow, now=now, config=config, hasher=hasher,
                agreed_total=agreed_total,
            )  # fmt: skip
        except BaseException:
            await _set_state(uow, session, CheckoutState.OPEN, now)
            raise
    try:
        session = await _pay(session, card_token, agreed_total, uow=uow, clock=clock,
                             config=config, gateway=gateway, mailing=mailing)  # fmt: skip
    except BaseException:
        # never left "processing": the buyer may try again, and a charge that did go through
        # is found again by its idempotency key (collect_invoice reuses the pending attempt)
        current = await get_checkout(session.token, uow=uow())
        if current is not None and current.state is CheckoutState.PROCESSING:
            await _set_state(uow, current, CheckoutState.DECLINED, clock.now(),
                             message="Something went wrong while paying. Please try again.")  # fmt: skip
        raise
    if grant is None and buyer is None and session.state is CheckoutState.COMPLETE:
        grant = await _sign_in(session, uow=uow, now=clock.now(), ip=ip, user_agent=user_agent)
    return PlacedOrder(session, grant)


async def _set_state(
    uow: UowFactory, session: CheckoutSession, state: CheckoutState, now: datetime, **changes: str
) -> CheckoutSession:
    updated = replace(session, state=state, updated_at=now, **changes)  # type: ignore[arg-type]
    async with uow() as writer:
        await writer.checkouts.save(updated)
        await writer.commit()
    return updated


async def _create_order(
    session: CheckoutSession,
    choice: OrderChoice,
    details: BillingDetails,
    *,
    promotion_code: str | None,
    buyer: SignedIn | None,
    ip: str,
    user_agent: str,
    uow: UowFactory,
    now: datetime,
    config: BillingConfig,
    hasher: PasswordHasher,
    agreed_total: Money,
) -> tuple[CheckoutSession, SessionGrant | None]:
    """One transaction: the customer (a signed-in buyer's takes the billing details of the
    form, as the summary was taxed by them), the account, the subscription and the session's
    ids; nothing of it exists if any step fails, or if the first invoice is not the total the
    buyer was shown. (The welcome e-mail waits for the first payment.)"""
    if problems := billing_problems(details, currency=choice.currency, buyer=buyer):
        raise ValidationFailed(problems, code=CheckoutErrorCode.INVALID_ORDER)
    grant: SessionGrant | None = None
    async with uow() as tx:
        customer_id = buyer.customer_id if buyer is not None else None
        if customer_id is not None:
            customer = await tx.customers.get(CustomerId(customer_id))
            if customer is None or customer.currency != choice.currency.code:
                raise ValidationFailed(
                    {"currency": "Your account is billed in "
                     f"{customer.currency if customer else 'another currency'}; "
                     "choose that currency."},
                    code=CheckoutErrorCode.INVALID_ORDER,
                )  # fmt: skip
            customer = replace(
                customer,
                name=details.name.strip() or customer.name,
                country=details.country.strip().upper(),
                region=details.region.strip() or None,
                address_lines=details.address_lines,
                tax_id=details.tax_id.strip() or None,
            )
            await tx.customers.save(customer)
        else:
            email = buyer.email if buyer is not None else details.email
            try:
                customer = await create_customer_in(
                    tx,
                    email=email,
                    name=details.name,
                    currency=choice.currency.code,
                    country=details.country.strip().upper(),
                    region=details.region.strip() or None,
                    address_lines=details.address_lines,
                    tax_id=details.tax_id.strip() or None,
                    now=now,
                )
            except Conflict as exc:
                raise ValidationFailed(
                    {"email": ACCOUNT_EXISTS}, code=CheckoutErrorCode.ACCOUNT_EXISTS
                ) from exc
        if buyer is None:
            try:
                account = await register_in(
                    tx,
                    email=details.email,
                    password=details.password,
                    name=details.name,
                    clock=OrderInstant(now),
                    hasher=hasher,
                    customer_id=customer.id,
                )
            except ValidationFailed as exc:
                if "email" in exc.field_errors:
                    raise ValidationFailed(
                        {"email": ACCOUNT_EXISTS}, code=CheckoutErrorCode.ACCOUNT_EXISTS
                    ) from exc
                raise
            account_id = account.id
            grant = await open_session_in(
                tx, account, method=SignInMethod.CHECKOUT, now=now, ip=ip, user_agent=user_agent
            )
        else:
            account_id = buyer.account_id
            await attach_customer_in(tx, account_id, customer.id)
        try:
            outcome = await subscribe_in(
                tx,
                customer.id,
                choice.plan.code,
                quantity=choice.quantity,
                coupon_code=(promotion_code or "").strip().upper() or None,
                addons=tuple((addon.code, n) for addon, n in choice.addons),
                await_payment=True,
                collect_later=False,
                now=now,
                config=config,
            )
        except ValidationFailed as exc:
            if "coupon" in exc.field_errors:
                raise ValidationFailed(
                    {"promotion_code": exc.field_errors["coupon"]}, code=exc.code
                ) from exc
            raise
        first = outcome.invoices[0].invoice
        if (first.amount_due, first.currency) != (agreed_total.minor, agreed_total.currency.code):
            raise Conflict(
                "The total of this order changed since it was shown. Please check it again.",
                code=CheckoutErrorCode.TOTAL_CHANGED,
            )  # the transaction is not committed: nothing of the order exists
        session = replace(
            session,
            customer_id=customer.id,
            account_id=account_id,
            subscription_id=outcome.subscription.id,
            invoice_id=outcome.invoices[0].id,
            account_created=buyer is None,
            updated_at=now,
        )
        await tx.checkouts.save(session)
        await tx.commit()
    return session, grant


async def _pay(
    session: CheckoutSession,
    card_token: str,
    agreed_total: Money,
    *,
    uow: UowFactory,
    clock: Clock,
    config: BillingConfig,
    gateway: PaymentGateway,
    mailing: Mailing,
) -> CheckoutSession:
    """Save the card, charge the order's invoice (exactly ``agreed_total``, or nothing) and
    record the outcome. A card that is declined is not kept (a card the bank wants the buyer to
    confirm is, until that is done)."""
    assert session.customer_id is not None and session.invoice_id is not None
    customer_id = CustomerId(session.customer_id)
    async with uow() as reader:
        issued = await reader.invoices.get(session.invoice_id)
        before = [m for m in await reader.payment_methods.for_customer(customer_id) if m.is_default]
    assert issued is not None
    due = issued.invoice
    if (due.amount_due, due.currency) != (agreed_total.minor, agreed_total.currency.code):
        await _set_state(uow, session, CheckoutState.DECLINED, clock.now(), message=session.message)
        raise Conflict(
            "The total of this order is not the one shown. Please check it again.",
            code=CheckoutErrorCode.TOTAL_CHANGED,
        )
    try:
        method = await add_payment_method(
            customer_id, card_token, uow=uow, gateway=gateway, clock=clock,
            retry_in_background=False,  # the card pays this order; nothing else is retried on it
        )  # fmt: skip
    except PaymentDeclined as exc:
        return await _set_state(uow, session, CheckoutState.DECLINED, clock.now(),
                                message=exc.message)  # fmt: skip
    except DomainError:
        await _set_state(uow, session, CheckoutState.DECLINED, clock.now(),
                         message="Your card could not be saved. Please try another card.")  # fmt: skip
        raise
    result = await collect_invoice(
        session.invoice_id, uow=uow, gateway=gateway, clock=clock, config=config
    )
    attempt = result.attempt
    if attempt is None or (
        attempt.status is AttemptStatus.SUCCEEDED and result.invoice.status is InvoiceStatus.PAID
    ):
        async with uow() as tx:
            session = await complete_in(tx, session, clock.now(), mailing)
            await tx.commit()
        return session
    if attempt is not None and attempt.status is AttemptStatus.REQUIRES_ACTION:
        return await _set_state(uow, session, CheckoutState.AWAITING_ACTION, clock.now(),
                                payment_ref=attempt.payment_ref or "", message="")  # fmt: skip
    message = (attempt.message if attempt else "") or "Your card was declined."
    await forget_declined_method(
        customer_id, method.id, previous_default=before[0].id if before else None, uow=uow,
        gateway=gateway, clock=clock,
    )  # fmt: skip
    return await _set_state(uow, session, CheckoutState.DECLINED, clock.now(), message=message)


async def _sign_in(
    session: CheckoutSession, *, uow: UowFactory, now: datetime, ip: str, user_agent: str
) -> SessionGrant | None:
    if session.account_id is None:
        return None
    async with uow() as tx:
        account = await tx.accounts.get(session.account_id)
        if account is None:
            return None
        grant = await open_session_in(
            tx, account, method=SignInMethod.CHECKOUT, now=now, ip=ip, user_agent=user_agent
        )
        await tx.commit()
    return grant
