"""Refunds: every refund is documented by a credit note first, goes back to the payment that
settled the invoice, never exceeds what was collected, and is sent once however often it is
retried."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.billing.invoices import mark_invoice_paid
from domain.billing.issued import CreditNoteReason
from domain.payments.model import AttemptStatus, RefundStatus
from domain.payments.refunds import (
    REFUND_JOB,
    RefundErrorCode,
    refund_credit_note,
    refund_invoice,
)
from domain.payments.service import collect_invoice
from domain.shared.errors import InvalidTransition, TransientError, ValidationFailed
from domain.shared.money import Money
from domain.subscriptions.engine import Refund, SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from tests.service.payments._shop import MAR1, Shop
from tests.support.gateway import SentRefund
from tests.unit.documents._builders import issued_invoice

pytestmark = pytest.mark.service


async def _paid_vat_invoice(shop: Shop) -> tuple[str, str]:
    """An invoice of 40.57 EUR plus 19 % VAT (7.71): 48.28 due, paid by card. Returns the
    invoice id and the payment's reference at the gateway."""
    customer_id = await shop.customer(currency="EUR", country="DE")
    await shop.add_card(customer_id)
    issued = replace(issued_invoice(), id="inv-vat", customer_id=customer_id, subscription_id=None)
    assert (issued.invoice.subtotal, issued.invoice.tax, issued.invoice.amount_due) == (
        4057,
        771,
        4828,
    )
    await shop.uow.invoices.add(issued)
    attempt = (await collect_invoice(issued.id, **shop.kw)).attempt
    assert attempt is not None and attempt.payment_ref is not None
    assert attempt.status is AttemptStatus.SUCCEEDED
    return issued.id, attempt.payment_ref


async def test_a_full_refund_issues_a_credit_note_then_sends_the_money_back(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    (payment,) = await shop.uow.payment_attempts.for_invoice(subscriber.first_invoice_id)
    shop.clock.advance(days=2)

    note, refund = await refund_invoice(subscriber.first_invoice_id, **shop.kw)

    assert note.number == "CN-2024-000001"
    assert note.reason is CreditNoteReason.PRODUCT_UNSATISFACTORY
    assert (note.invoice_id, note.customer_id, note.subscription_id) == (
        subscriber.first_invoice_id,
        subscriber.customer_id,
        subscriber.subscription_id,
    )
    assert (note.note.total, note.note.tax, note.note.refunded, note.note.credited) == (
        3600,
        0,
        3600,
        0,
    )
    assert note.note.issued_at == MAR1 + timedelta(days=2)
    assert note.note.lines[0].explanation == "36.00 of 36.00 refunded"
    assert refund is not None
    assert (refund.status, refund.amount_minor, refund.currency, refund.payment_ref) == (
        RefundStatus.SUCCEEDED,
        3600,
        "USD",
        payment.payment_ref,
    )
    assert refund.refund_ref is not None and refund.finished_at == shop.clock.now()
    assert shop.gateway.refunds == [
        SentRefund(payment.payment_ref or "", Money.of_minor(3600, "USD"), refund.id)
    ]
    assert shop.jobs(REFUND_JOB) == [{"credit_note_id": note.id}]
    with pytest.raises(ValidationFailed) as nothing_left:
        await refund_invoice(subscriber.first_invoice_id, **shop.kw)
    assert nothing_left.value.code == RefundErrorCode.BAD_AMOUNT
    assert len(shop.gateway.refunds) == 1


async def test_partial_refunds_share_the_tax_and_stop_at_what_was_collected(shop: Shop) -> None:
    invoice_id, payment_ref = await _paid_vat_invoice(shop)

    first, sent = await refund_invoice(invoice_id, amount_minor=1000, **shop.kw)
    # 10.00 of 48.28 carries 10.00 x 7.71 / 48.28 = 1.597 VAT, rounded once to 1.60
    assert (first.note.subtotal, first.note.tax, first.note.total) == (840, 160, 1000)
    assert first.note.lines[0].explanation == "10.00 of 48.28 refunded"

    with pytest.raises(ValidationFailed) as too_much:
        await refund_invoice(invoice_id, amount_minor=3829, **shop.kw)
    assert too_much.value.code == RefundErrorCode.BAD_AMOUNT
    assert too_much.value.field_errors == {
        "amount": "a refund is more than 0 and at most 38.28 EUR"
    }
    with pytest.raises(ValidationFailed):
        await refund_invoice(invoice_id, amount_minor=0, **shop.kw)

    rest, sent_rest = await refund_invoice(invoice_id, **shop.kw)  # the rest: 38.28
    assert (rest.note.subtotal, rest.note.tax, rest.note.total) == (3217, 611, 3828)
    assert first.note.tax + rest.note.tax == 771, "the refunds' VAT is the invoice's VAT"
    assert [r.amount for r in shop.gateway.refunds] == [
        Money.of_minor(1000, "EUR"),
        Money.of_minor(3828, "EUR"),
    ]
    assert {r.payment_ref for r in shop.gateway.refunds} == {payment_ref}
    assert sent is not None and sent_rest is not None
    assert (sent.status, sent_rest.status) == (RefundStatus.SUCCEEDED, RefundStatus.SUCCEEDED)
    assert [n.number for n in await shop.uow.credit_notes.list_for_invoice(invoice_id)] == [
        "CN-2024-000001",
        "CN-2024-000002",
    ]


async def test_only_a_paid_invoice_can_be_refunded(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    renewal = await shop.renewal(subscriber)  # open, not collected yet

    with pytest.raises(InvalidTransition) as info:
        await refund_invoice(renewal.id, **shop.kw)

    assert info.value.code == RefundErrorCode.NOT_REFUNDABLE
    assert await shop.uow.credit_notes.list_for_invoice(renewal.id) == []
    assert shop.gateway.refunds == []


async def test_a_retried_refund_reuses_its_key_and_refunds_once(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.time_out_after_next_refund = True

    with pytest.raises(TransientError):
        await refund_invoice(subscriber.first_invoice_id, amount_minor=1200, **shop.kw)
    (note,) = await shop.uow.credit_notes.list_for_invoice(subscriber.first_invoice_id)
    pending = await shop.uow.refunds.for_credit_note(note.id)
    assert pending is not None and pending.status is RefundStatus.PENDING
    assert shop.jobs(REFUND_JOB) == [{"credit_note_id": note.id}], "the job will retry it"

    done = await refund_credit_note(
        note.id, uow=shop.factory, gateway=shop.gateway, clock=shop.clock
    )
    again = await refund_credit_note(
        note.id, uow=shop.factory, gateway=shop.gateway, clock=shop.clock
    )

    assert done is not None and (done.id, done.status) == (pending.id, RefundStatus.SUCCEEDED)
    assert again == done
    assert [(r.amount, r.idempotency_key) for r in shop.gateway.refunds] == [
        (Money.of_minor(1200, "USD"), pending.id)
    ]
    assert len(shop.uow.refunds.rows) == 1


async def test_an_invoice_settled_without_a_card_payment_has_nothing_to_send_back(
    shop: Shop,
) -> None:
    customer_id = await shop.customer(currency="EUR", country="DE")
    issued = replace(issued_invoice(), id="inv-wire", customer_id=customer_id, subscription_id=None)
    await shop.uow.invoices.add(issued)
    await mark_invoice_paid(issued.id, paid_at=MAR1, uow=shop.uow)  # a bank transfer

    note, refund = await refund_invoice(issued.id, amount_minor=500, **shop.kw)

    assert note.note.refunded == 500
    assert refund is not None
    assert (refund.status, refund.code, refund.payment_ref) == (
        RefundStatus.FAILED,
        RefundErrorCode.NO_PAYMENT,
        None,
    )
    assert shop.gateway.refunds == []


async def test_canceling_now_with_a_prorated_refund_sends_the_unused_part_back(
    shop: Shop,
) -> None:
    subscriber = await shop.subscriber()
    (payment,) = await shop.uow.payment_attempts.for_invoice(subscriber.first_invoice_id)
    shop.clock.advance(days=10)  # 21 of March's 31 days unused

    outcome = await cancel_subscription(
        subscriber.subscription_id, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_REFUND,
        uow=shop.uow, clock=shop.clock, config=shop.config,
    )  # fmt: skip

    assert outcome.subscription.status is SubscriptionStatus.CANCELED
    (note,) = outcome.credit_notes
    assert note.note.refunded == 2439  # 36.00 x 21/31 = 24.387..., rounded half up
    assert shop.jobs(REFUND_JOB) == [{"credit_note_id": note.id}]

    refund = await refund_credit_note(
        note.id, uow=shop.factory, gateway=shop.gateway, clock=shop.clock
    )

    assert refund is not None and refund.status is RefundStatus.SUCCEEDED
    assert shop.gateway.refunds == [
        SentRefund(payment.payment_ref or "", Money.of_minor(2439, "USD"), refund.id)
    ]
