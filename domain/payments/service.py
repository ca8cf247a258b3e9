"""Payment use cases: saved cards, charging invoices, customer actions and dunning.

Charging an invoice is three steps, so that no database transaction is ever held open across a
call to the gateway and no crash can charge twice:

1. (transaction) lock the invoice; if it is open with an amount due, record a ``pending``
   attempt whose idempotency key is ``<invoice id>:<attempt number>``, or reuse the pending
   attempt a crashed run left behind;
2. (no transaction) ask the gateway to charge with that key: a retry of the same attempt returns
   the first result instead of charging again;
3. (transaction) record the result: paid (the invoice is settled and its subscription back to
   active), waiting for the customer's action, or failed (the subscription is past due and the
   invoice enters dunning, unless it was a new subscription's first invoice, which simply
   expires after 23 hours).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.events import invoice_event
from domain.billing.invoices import load_for_update
from domain.billing.issued import IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.outbound.events import EventType
from domain.payments.charging import NothingToCharge, prepare_charge, send_charge
from domain.payments.dunning import (
    DunningCase,
    DunningPolicy,
    DunningStatus,
    FinalInvoiceAction,
    FinalSubscriptionAction,
    Notice,
    after_failure,
    given_up,
    recovered,
    retry_now,
)
from domain.payments.model import (
    AttemptStatus,
    ChargeResult,
    ChargeStatus,
    PaymentAttempt,
    PaymentMethod,
)
from domain.payments.ports import PaymentGateway, PaymentsUnit
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound
from domain.shared.ids import CustomerId, SubscriptionId, new_id
from domain.shared.money import Money
from domain.subscriptions.engine import ENDED, INCOMPLETE_WINDOW, SubscriptionStatus
from domain.subscriptions.payment_outcomes import (
    cancel_for_nonpayment_in,
    mark_unpaid_in,
    payment_failed_in,
    payment_succeeded_in,
)

UowFactory = Callable[[], PaymentsUnit]
COLLECT_JOB = "payments.collect_invoice"


class PaymentErrorCode:
    METHOD_NOT_FOUND = "payments.method_not_found"
    DEFAULT_METHOD = "payments.cannot_remove_default"
    NOT_PAYABLE = "payments.invoice_not_payable"


@dataclass(frozen=True, slots=True)
class CollectionResult:
    attempt: PaymentAttempt | None  # None: nothing to collect (paid, void, nothing due)
    invoice: IssuedInvoice
    notices: tuple[Notice, ...] = ()


# -- payment methods --------------------------------------------------------------------------
async def add_payment_method(
    customer_id: CustomerId,
    token: str,
    *,
    make_default: bool = True,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    retry_in_background: bool = True,
) -> PaymentMethod:
    """Save a tokenised card for off-session charges. When it becomes the default, every open
    dunning case of the customer is retried at once: the collection jobs are enqueued, unless
    ``retry_in_background`` is False (the caller then runs ``retry_open_invoices`` itself, to
    show the outcome)."""
    async with uow() as reader:
        customer = await reader.customers.get(customer_id)
        if customer is None:
            raise NotFound("No such customer.", code="customer.not_found")
        gateway_customer = await reader.payment_methods.gateway_customer(customer_id, gateway.name)
    if gateway_customer is None:
        gateway_customer = await gateway.ensure_customer(
            customer_id=customer.id, email=customer.email, name=customer.name
        )
    card = await gateway.attach(gateway_customer=gateway_customer, token=token)
    async with uow() as writer:
        existing = await writer.payment_methods.for_customer(customer_id)
        method = PaymentMethod(
            id=new_id(),
            customer_id=customer_id,
            gateway=gateway.name,
            method_ref=card.method_ref,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            fingerprint=card.fingerprint,
            is_default=False,
            created_at=clock.now(),
        )
        await writer.payment_methods.add(method, gateway_customer=gateway_customer)
        if make_default or not existing:
            await writer.payment_methods.set_default(customer_id, method.id)
            method = replace(method, is_default=True)
            if retry_in_background:
                await _retry_open_cases(writer, customer_id, clock.now())
        await writer.commit()
    return method


async def set_default_payment_method(
    customer_id: CustomerId,
    method_id: str,
    *,
    uow: PaymentsUnit,
    clock: Clock,
    retry_in_background: bool = True,
) -> None:
    """Charge this card from now on; open dunning cases are retried (see add_payment_method)."""
    async with uow:
        method = await uow.payment_methods.get(method_id)
        if method is None or method.customer_id != customer_id:
            raise NotFound("No such card.", code=PaymentErrorCode.METHOD_NOT_FOUND)
        await uow.payment_methods.set_default(customer_id, method_id)
        if retry_in_background:
            await _retry_open_cases(uow, customer_id, clock.now())
        await uow.commit()


async def list_payment_methods(
    customer_id: CustomerId, *, uow: PaymentsUnit
) -> list[PaymentMethod]:
    """The customer's saved cards, the default first (removed ones are gone for good)."""
    async with uow:
        return await uow.payment_methods.for_customer(customer_id)


async def retry_open_invoices(
    customer_id: CustomerId,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
) -> list[CollectionResult]:
    """Charge every past-due invoice of the customer (its open dunning cases) to the default card
    now, one after the other, and give each outcome: paid, still declined, or waiting for the
    customer's action. The dunning schedule goes on from the result, as after any retry."""
    async with uow() as reader:
        cases = await reader.dunning.open_for_customer(customer_id)
    results: list[CollectionResult] = []
    for case in sorted(cases, key=lambda c: c.first_failed_at):
        async with uow() as writer:
            await writer.dunning.save(retry_now(case, now=clock.now()))
            await writer.commit()
        results.append(
            await collect_invoice(
                case.invoice_id, uow=uow, gateway=gateway, clock=clock, config=config
            )
        )
    return results


async def pay_invoice_now(
    invoice_id: str,
    *,
    customer_id: CustomerId,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
) -> CollectionResult:
    """The subscriber pays an open invoice of theirs with the default card, now. Another
    customer's invoice is ``NotFound`` (as if it did not exist); one that is paid, void or has
    nothing due is ``InvalidTransition``."""
    async with uow() as reader:
        issued = await reader.invoices.get(invoice_id)
    if issued is None or issued.customer_id != customer_id:
        raise NotFound("We could not find that invoice.", code="billing.invoice_not_found")
    if issued.status not in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE) or (
        issued.invoice.amount_due <= 0
    ):
        raise InvalidTransition(
            "This invoice has nothing left to pay.", code=PaymentErrorCode.NOT_PAYABLE
        )
    return await collect_invoice(invoice_id, uow=uow, gateway=gateway, clock=clock, config=config)


async def remove_payment_method(
    customer_id: CustomerId,
    method_id: str,
    *,
    uow: PaymentsUnit,
    gateway: PaymentGateway,
    clock: Clock,
) -> None:
    """Remove a saved card that is not the default (choose another default first)."""
    async with uow:
        method = await uow.payment_methods.get(method_id)
        if method is None or method.customer_id != customer_id:
            raise NotFound("No such card.", code=PaymentErrorCode.METHOD_NOT_FOUND)
        if method.is_default:
            raise InvalidTransition(
                "This is your default card. Make another card the default first.",
                code=PaymentErrorCode.DEFAULT_METHOD,
            )
        gateway_customer = await uow.payment_methods.gateway_customer(customer_id, gateway.name)
        await uow.payment_methods.remove(method_id, at=clock.now())
        await uow.commit()
    if gateway_customer is not None and method.gateway == gateway.name:
        await gateway.detach(gateway_customer=gateway_customer, method_ref=method.method_ref)


async def forget_declined_method(
    customer_id: CustomerId,
    method_id: str,
    *,
    previous_default: str | None,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
) -> None:
    """A card saved to pay one invoice was declined (checkout): it is not kept. It is removed
    even though it is the default, the card that was the default before it (if any) is the
    default again, and the gateway detaches it from the customer."""
    async with uow() as tx:
        method = await tx.payment_methods.get(method_id)
        if method is None or method.customer_id != customer_id:
            raise NotFound("No such card.", code=PaymentErrorCode.METHOD_NOT_FOUND)
        gateway_customer = await tx.payment_methods.gateway_customer(customer_id, method.gateway)
        await tx.payment_methods.remove(method_id, at=clock.now())
        if previous_default is not None and previous_default != method_id:
            await tx.payment_methods.set_default(customer_id, previous_default)
        await tx.commit()
    if gateway_customer is not None and method.gateway == gateway.name:
        await gateway.detach(gateway_customer=gateway_customer, method_ref=method.method_ref)


async def _retry_open_cases(uow: PaymentsUnit, customer_id: str, now: datetime) -> None:
    for case in await uow.dunning.open_for_customer(customer_id):
        await uow.dunning.save(retry_now(case, now=now))
        uow.jobs.enqueue(
            COLLECT_JOB,
            unique_key=f"collect:{case.invoice_id}:{now.isoformat()}",
            invoice_id=case.invoice_id,
        )


# -- charging ---------------------------------------------------------------------------------
async def collect_invoice(
    invoice_id: str,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
    scheduled: bool = False,
) -> CollectionResult:
    """Charge an open invoice's amount due to the customer's default card (see the module).
    ``scheduled``: a job's charge, which charges nothing when run again after its outcome was
    recorded (``charging.prepare_charge``)."""
    async with uow() as first:
        prepared = await prepare_charge(
            first, invoice_id, now=clock.now(), config=config, scheduled=scheduled
        )
        if isinstance(prepared, NothingToCharge):
            if prepared.wrote:  # a dunning case left open ends here
                await first.commit()
            return CollectionResult(None, prepared.issued)
        await first.commit()
    result = await send_charge(gateway, prepared)
    async with uow() as last:
        outcome = await record_outcome(last, prepared.attempt, result, clock.now(), config)
        await last.commit()
    return outcome


async def confirm_payment(
    payment_ref: str,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> CollectionResult:
    """The customer came back from the bank's check (3-D Secure): read the payment's outcome and
    settle the invoice when it succeeded. Through the secret link (no ``as_customer``) this works
    for ``ACTION_WINDOW`` from the attempt, then is ``InvalidTransition``."""
    async with uow() as reader:
        attempt = await reader.payment_attempts.by_payment_ref(payment_ref)
    if attempt is None or (as_customer is not None and attempt.customer_id != as_customer):
        raise NotFound("No such payment.", code="payments.not_found")
    if as_customer is None and clock.now() >= _link_expires_at(attempt):
        raise InvalidTransition(
            "This confirmation link has expired. Sign in to your account to pay the invoice.",
            code="payments.action_link_expired",
        )
    result = await gateway.confirm(payment_ref=payment_ref)
    async with uow() as writer:
        outcome = await record_outcome(writer, attempt, result, clock.now(), config)
        await writer.commit()
    return outcome


async def record_outcome(
    uow: PaymentsUnit,
    attempt: PaymentAttempt,
    result: ChargeResult,
    now: datetime,
    config: BillingConfig,
) -> CollectionResult:
    """Record a charge's outcome in the caller's transaction (a collection run or a verified
    webhook): the attempt, the invoice paid or open, the receipt or the action-needed notice, the
    subscription's status, and dunning after a failure."""
    issued = await load_for_update(uow, attempt.invoice_id)
    done = attempt.finished(result, now)
    await uow.payment_attempts.save(done)
    if issued.status is InvoiceStatus.PAID or issued.status is InvoiceStatus.VOID:
        return CollectionResult(done, issued)  # settled meanwhile (a webhook, another run)
    if result.status is ChargeStatus.SUCCEEDED:
        issued = issued.mark_paid(now)
        await uow.invoices.update_state(issued)
        await invoice_event(uow, EventType.INVOICE_PAID, issued, at=now)
        notify_later(
            uow,
            EmailKind.RECEIPT,
            customer_id=attempt.customer_id,
            key=dedupe_key(EmailKind.RECEIPT, issued.id),
            invoice_id=issued.id,
        )
        if issued.subscription_id is not None:
            sub_id = SubscriptionId(issued.subscription_id)
            await payment_succeeded_in(uow, sub_id, now=now, config=config)
        case = await uow.dunning.get(issued.id)
        if case is not None:
            await uow.dunning.save(recovered(case, now=now))
        return CollectionResult(done, issued)
    if result.status is ChargeStatus.REQUIRES_ACTION:
        notify_later(
            uow,
            EmailKind.PAYMENT_ACTION_REQUIRED,
            customer_id=attempt.customer_id,
            key=dedupe_key(EmailKind.PAYMENT_ACTION_REQUIRED, issued.id, str(attempt.number)),
            invoice_id=issued.id,
            action_url=result.action_url or "",
        )
        return CollectionResult(done, issued)
    return await _failed(uow, issued, done, now, config, hard=result.hard_decline)


async def _failed(
    uow: PaymentsUnit,
    issued: IssuedInvoice,
    attempt: PaymentAttempt | None,
    now: datetime,
    config: BillingConfig,
    *,
    hard: bool,
) -> CollectionResult:
    sub = (
        await uow.subscriptions.get(SubscriptionId(issued.subscription_id))
        if issued.subscription_id
        else None
    )
    await invoice_event(uow, EventType.INVOICE_PAYMENT_FAILED, issued, at=now)
    if sub is not None and (sub.status is SubscriptionStatus.INCOMPLETE or sub.status in ENDED):
        # a first payment: no dunning, it expires; a subscription that ended while its invoice
        # was in dunning: dunning ends now, with the policy's final action on the invoice
        case = await uow.dunning.get(issued.id)
        if case is not None and case.status is DunningStatus.OPEN:
            await uow.dunning.save(given_up(case, now=now))
            issued = await _final_action(uow, issued, now, config)
        return CollectionResult(attempt, issued)
    if sub is not None:
        await payment_failed_in(uow, sub.id, now=now, config=config)
    assert issued.customer_id is not None
    outcome = after_failure(
        await uow.dunning.get(issued.id),
        await uow.dunning.policy(),
        invoice_id=issued.id,
        customer_id=issued.customer_id,
        subscription_id=issued.subscription_id,
        now=now,
        hard=hard,
        test_clock_id=sub.test_clock_id if sub is not None else None,
    )
    await uow.dunning.save(outcome.case)
    for notice in outcome.notices:
        kind = EmailKind(notice.value)
        notify_later(
            uow,
            kind,
            customer_id=issued.customer_id,
            key=dedupe_key(kind, issued.id, str(outcome.case.failures)),
            invoice_id=issued.id,
        )
    if outcome.final:
        issued = await _final_action(uow, issued, now, config)
    return CollectionResult(attempt, issued, outcome.notices)


async def _final_action(
    uow: PaymentsUnit, issued: IssuedInvoice, now: datetime, config: BillingConfig
) -> IssuedInvoice:
    policy = await uow.dunning.policy()
    if issued.subscription_id is not None:
        sub_id = SubscriptionId(issued.subscription_id)
        if policy.final_subscription_action is FinalSubscriptionAction.CANCEL:
            await cancel_for_nonpayment_in(uow, sub_id, now=now, config=config)
        elif policy.final_subscription_action is FinalSubscriptionAction.UNPAID:
            await mark_unpaid_in(uow, sub_id, now=now, config=config)
    if (
        policy.final_invoice_action is FinalInvoiceAction.UNCOLLECTIBLE
        and issued.status is InvoiceStatus.OPEN
    ):
        issued = issued.mark_uncollectible(now)
        await uow.invoices.update_state(issued)
    return issued


# -- dunning ----------------------------------------------------------------------------------
async def run_dunning(
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
    limit: int = 500,
    test_clock_id: str | None = None,
) -> int:
    """Retry every dunning case due as of now (on real time, or on ``test_clock_id``); a case waiting for a new card (after a hard
    decline) is not charged: its retry counts as failed, and the schedule runs on to the final
    action. Returns how many cases were handled."""
    now = clock.now()
    async with uow() as reader:
        due = await reader.dunning.due(now, limit=limit, test_clock_id=test_clock_id)
    for case in due:
        if case.awaiting_new_method:
            await _skip_retry(case, uow=uow, now=now, config=config)
        else:
            await collect_invoice(
                case.invoice_id, uow=uow, gateway=gateway, clock=clock, config=config,
                scheduled=True,
            )  # fmt: skip
    return len(due)


async def _skip_retry(
    case: DunningCase, *, uow: UowFactory, now: datetime, config: BillingConfig
) -> None:
    async with uow() as writer:
        issued = await load_for_update(writer, case.invoice_id)
        if issued.status is InvoiceStatus.OPEN:
            await _failed(writer, issued, None, now, config, hard=True)
        await writer.commit()


# -- customer action ---------------------------------------------------------------------------
# How long the link to a payment's bank check works, from the charge attempt the bank questioned:
# as long as a new subscription waits for its first payment. After it the link shows nothing but that it expired.
ACTION_WINDOW = INCOMPLETE_WINDOW


@dataclass(frozen=True, slots=True)
class PaymentView:
    """What the customer-action page shows (no card data)."""

    payment_ref: str
    invoice_number: str
    amount: Money
    status: AttemptStatus
    invoice_status: InvoiceStatus
    message: str
    link_expires_at: datetime
    link_expired: bool


def _link_expires_at(attempt: PaymentAttempt) -> datetime:
    # from the attempt's start, which nothing moves (recording an outcome again moves finished_at)
    return attempt.created_at + ACTION_WINDOW


async def confirm_and_show_payment(
    payment_ref: str,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
) -> PaymentView:
    """The confirmation step as one use case: ``confirm_payment``, then the payment as it now
    stands (what the page shows after the customer's bank check)."""
    await confirm_payment(payment_ref, uow=uow, gateway=gateway, clock=clock, config=config)
    return await show_payment(payment_ref, uow=uow(), clock=clock)


async def show_payment(payment_ref: str, *, uow: PaymentsUnit, clock: Clock) -> PaymentView:
    async with uow:
        attempt = await uow.payment_attempts.by_payment_ref(payment_ref)
        if attempt is None:
            raise NotFound("No such payment.", code="payments.not_found")
        issued = await uow.invoices.get(attempt.invoice_id)
    assert issued is not None
    expires_at = _link_expires_at(attempt)
    return PaymentView(
        payment_ref=payment_ref,
        invoice_number=issued.number or "",
        amount=Money.of_minor(attempt.amount_minor, attempt.currency),
        status=attempt.status,
        invoice_status=issued.status,
        message=attempt.message,
        link_expires_at=expires_at,
        link_expired=clock.now() >= expires_at,
    )


async def set_dunning_policy(policy: DunningPolicy, *, uow: PaymentsUnit) -> DunningPolicy:
    """Store the retry policy (validated when built: up to 8 increasing days, 1-60). It applies
    to failures from now on; cases already open keep the retry they have scheduled."""
    async with uow:
        await uow.dunning.save_policy(policy)
        await uow.commit()
    return policy
