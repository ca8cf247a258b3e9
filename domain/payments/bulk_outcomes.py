"""Recording a batch's successful charges set-based (issue 18): step 3 of ``batch_collection``
for the common case, with the same rows ``service.record_outcome`` writes one by one.

A successful charge of an open invoice whose subscription is active (or that has no
subscription) and that never had a dunning case changes nothing but the invoice: ``record_outcome``
would store the attempt's outcome, mark the invoice paid, record ``invoice.paid`` and queue the
receipt, and ``payment_succeeded_in`` would read the subscription and leave it as it is (an
active subscription's paid renewal changes nothing). Here those writes are one statement each for
the whole batch: the attempts' outcomes, the invoices paid, the events; the batch's receipts are
one ``notifications.notify_many`` job (``notify_many_later``), which joins the unit's one
multi-row job insert at commit.

Everything else is returned to the caller for ``record_outcome`` (in a savepoint each): a
failure (dunning), a charge waiting for the customer, an invoice settled meanwhile or
uncollectible, a subscription past due, unpaid or incomplete (the payment moves it), an invoice
with a dunning case (it is recovered).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.billing.events import invoice_data
from domain.billing.issued import IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.notifications.later import notify_many_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.outbound.events import EventType, new_event
from domain.payments.dunning import DunningCase
from domain.payments.model import ChargeResult, ChargeStatus, PaymentAttempt
from domain.payments.ports import PaymentsUnit
from domain.shared.ids import SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.model import Subscription

Outcome = tuple[PaymentAttempt, ChargeResult]


def _only_paid(
    issued: IssuedInvoice,
    cases: dict[str, DunningCase],
    subscriptions: dict[str, Subscription],
) -> bool:
    """Whether the payment changes nothing but the invoice (see the module)."""
    if issued.status is not InvoiceStatus.OPEN or issued.id in cases:
        return False
    if issued.subscription_id is None:
        return True
    sub = subscriptions.get(issued.subscription_id)
    return sub is not None and sub.status is SubscriptionStatus.ACTIVE


async def record_paid_in_bulk(
    uow: PaymentsUnit, outcomes: Sequence[Outcome], now: datetime
) -> tuple[int, list[Outcome]]:
    """Record the successful charges that only pay their invoice (see the module), in the
    caller's transaction; returns how many were recorded and the outcomes left for
    ``record_outcome``, in the order given."""
    succeeded = [a.invoice_id for a, r in outcomes if r.status is ChargeStatus.SUCCEEDED]
    if not succeeded:
        return 0, list(outcomes)
    invoices = {i.id: i for i in await uow.invoices.get_many_for_update(succeeded)}
    cases = await uow.dunning.for_invoices(list(invoices))
    sub_ids = sorted({SubscriptionId(i.subscription_id) for i in invoices.values()
                      if i.subscription_id is not None})  # fmt: skip
    subscriptions = {str(s.id): s for s in await uow.subscriptions.get_many(sub_ids)}
    done: list[PaymentAttempt] = []
    paid: list[IssuedInvoice] = []
    rest: list[Outcome] = []
    for attempt, result in outcomes:
        issued = invoices.get(attempt.invoice_id)
        if (
            result.status is not ChargeStatus.SUCCEEDED
            or issued is None
            or not _only_paid(issued, cases, subscriptions)
        ):
            rest.append((attempt, result))
            continue
        done.append(attempt.finished(result, now))
        paid.append(issued.mark_paid(now))
    if not paid:
        return 0, rest
    await uow.payment_attempts.save_many(done)
    await uow.invoices.mark_paid_many([i.id for i in paid], now)
    await uow.outbound_events.add_many(
        [new_event(EventType.INVOICE_PAID, invoice_data(i), at=now) for i in paid]
    )
    # the batch's receipts: one job composes them all (``domain.notices.batch``), each still
    # deduped by its own key against a receipt sent any other way
    notify_many_later(
        uow,
        EmailKind.RECEIPT,
        [
            (attempt.customer_id, issued.id, dedupe_key(EmailKind.RECEIPT, issued.id))
            for attempt, issued in zip(done, paid, strict=True)
        ],
    )
    return len(paid), rest
