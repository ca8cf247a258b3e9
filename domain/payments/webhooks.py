"""Payment webhooks: apply a gateway's event once, and only what the gateway confirms.

A webhook is a hint, never the truth. The adapter has checked its signature and age; then:

1. an event id already on record (``payment_webhook_event``) is a replay: nothing changes;
2. an event about no payment of ours is ignored (and not recorded: a later delivery may find
   the payment once its charge is recorded);
3. the payment is read back from the gateway (``PaymentGateway.retrieve``, outside any
   transaction) and its status, amount and currency are checked against the event and the
   invoice; any disagreement is logged and the event is held for staff (recorded ``held`` with
   the reason), the invoice left as it was;
4. otherwise the outcome is recorded as a charge's outcome is (``service.record_outcome``), in the same
   transaction that records the event id, so two deliveries racing apply it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from domain.billing.config import BillingConfig
from domain.billing.issued import IssuedInvoice
from domain.payments.model import (
    AttemptStatus,
    ChargeResult,
    ChargeStatus,
    GatewayPayment,
    PaymentAttempt,
    WebhookEvent,
    WebhookKind,
    WebhookOutcome,
    WebhookRecord,
)
from domain.payments.ports import PaymentGateway, PaymentsUnit
from domain.payments.service import record_outcome
from domain.shared.clock import Clock
from domain.shared.errors import NotFound

log = logging.getLogger("payments.webhooks")

UowFactory = Callable[[], PaymentsUnit]

_EXPECTED = {
    WebhookKind.PAYMENT_SUCCEEDED: (ChargeStatus.SUCCEEDED,),
    WebhookKind.PAYMENT_FAILED: (ChargeStatus.DECLINED, ChargeStatus.ERROR),
}


def disagreement(
    event: WebhookEvent,
    actual: GatewayPayment | None,
    attempt: PaymentAttempt,
    issued: IssuedInvoice,
) -> str | None:
    """Why the event cannot be trusted, or None when the gateway and the invoice bear it out."""
    if actual is None:
        return f"the gateway has no payment {event.payment_ref}"
    if actual.status not in _EXPECTED.get(event.kind, ()):
        return f"the event says {event.raw_type} but the gateway says {actual.status.value}"
    if actual.currency != attempt.currency or actual.currency != issued.invoice.currency:
        return (
            f"the gateway's currency {actual.currency} is not the invoice's "
            f"{issued.invoice.currency}"
        )
    if actual.amount_minor != attempt.amount_minor:
        return (
            f"the gateway's amount {actual.amount_minor} is not the {attempt.amount_minor} "
            "we asked for"
        )
    if event.kind is WebhookKind.PAYMENT_SUCCEEDED and (
        actual.amount_minor != issued.invoice.amount_due
    ):
        return (
            f"the gateway's amount {actual.amount_minor} is not the invoice's amount due "
            f"{issued.invoice.amount_due}"
        )
    return None


async def reconcile_webhook(
    event: WebhookEvent,
    *,
    gateway: PaymentGateway,
    uow: UowFactory,
    clock: Clock,
    config: BillingConfig,
) -> WebhookOutcome:
    """Apply a verified payment event once (see the module). Safe to receive twice, out of
    order, or forged with a leaked secret: only the gateway's own answer settles an invoice."""
    if event.kind is WebhookKind.OTHER or event.payment_ref is None:
        return WebhookOutcome.IGNORED
    async with uow() as reader:
        if await reader.webhook_events.get(gateway.name, event.event_id) is not None:
            return WebhookOutcome.REPLAYED
        attempt = await reader.payment_attempts.by_payment_ref(event.payment_ref)
        issued = await reader.invoices.get(attempt.invoice_id) if attempt else None
    if attempt is None or issued is None:
        return WebhookOutcome.IGNORED
    try:
        actual: GatewayPayment | None = await gateway.retrieve(payment_ref=event.payment_ref)
    except NotFound:
        actual = None
    problem = disagreement(event, actual, attempt, issued)
    now = clock.now()
    record = WebhookRecord(
        gateway=gateway.name,
        event_id=event.event_id,
        event_type=event.raw_type,
        payment_ref=event.payment_ref,
        outcome=WebhookOutcome.HELD if problem else WebhookOutcome.APPLIED,
        received_at=now,
        detail=problem or "",
    )
    async with uow() as writer:
        if not await writer.webhook_events.add(record):
            return WebhookOutcome.REPLAYED  # a concurrent delivery of the same event won
        if problem is None and not _already_failed(event, attempt):
            result = (
                ChargeResult(ChargeStatus.SUCCEEDED, event.payment_ref)
                if event.kind is WebhookKind.PAYMENT_SUCCEEDED
                else ChargeResult(
                    ChargeStatus.DECLINED,
                    event.payment_ref,
                    "payment_failed",
                    "Your payment failed.",
                )
            )
            await record_outcome(writer, attempt, result, now, config)
        await writer.commit()
    if problem is not None:
        log.warning(
            "payment webhook held for staff: %s (event %s, invoice %s)",
            problem,
            event.event_id,
            issued.number or issued.id,
            extra={
                "gateway": gateway.name,
                "event_id": event.event_id,
                "payment_ref": event.payment_ref,
                "invoice_id": issued.id,
            },
        )
    return record.outcome


def _already_failed(event: WebhookEvent, attempt: PaymentAttempt) -> bool:
    """A failure already on record is not counted twice (it would advance dunning)."""
    return event.kind is WebhookKind.PAYMENT_FAILED and attempt.status in (
        AttemptStatus.DECLINED,
        AttemptStatus.ERROR,
    )


async def held_webhooks(*, uow: PaymentsUnit, limit: int = 100) -> list[WebhookRecord]:
    """The events held for staff, the newest first (each with the reason in ``detail``)."""
    async with uow:
        return await uow.webhook_events.held(limit=limit)
