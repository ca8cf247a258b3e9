"""The subscriber's billing history after real payments: an invoice with its attempts in order
and its refunds' credit notes, what is paid and what is still due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.billing.model import InvoiceStatus
from domain.payments.history import invoice_detail, list_credit_notes, list_invoices
from domain.payments.model import AttemptStatus
from domain.payments.refunds import refund_invoice
from domain.payments.service import collect_invoice, pay_invoice_now
from domain.shared.errors import NotFound
from tests.service.payments._shop import APR1, Shop
from tests.support.gateway import DECLINED, SUCCEEDS

pytestmark = pytest.mark.service


async def test_an_invoice_in_dunning_is_due_and_its_history_lists_it_first(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, DECLINED)
    renewal = await shop.renewal(subscriber)
    await collect_invoice(renewal.id, **shop.kw)

    detail = await invoice_detail(renewal.id, subscriber.customer_id, uow=shop.uow)

    assert (detail.due, detail.paid, detail.payable) == (3600, 0, True)
    assert [(a.number, a.status, a.code) for a in detail.attempts] == [
        (1, AttemptStatus.DECLINED, "generic_decline")
    ]
    history = await list_invoices(subscriber.customer_id, uow=shop.uow)
    assert [(i.number, i.status, i.amount_due) for i in history.invoices] == [
        ("INV-2024-000002", InvoiceStatus.OPEN, 3600),
        ("INV-2024-000001", InvoiceStatus.PAID, 3600),
    ]
    with pytest.raises(NotFound):
        await invoice_detail(renewal.id, await shop.customer(), uow=shop.uow)


async def test_a_paid_invoice_shows_its_attempts_in_order_and_its_refund(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    shop.gateway.set_behaviour(subscriber.card.method_ref, DECLINED)
    renewal = await shop.renewal(subscriber)
    await collect_invoice(renewal.id, **shop.kw)
    shop.gateway.set_behaviour(subscriber.card.method_ref, SUCCEEDS)
    shop.clock.set(APR1 + timedelta(hours=6))
    await pay_invoice_now(renewal.id, customer_id=subscriber.customer_id, **shop.kw)
    shop.clock.advance(days=1)
    note, _ = await refund_invoice(renewal.id, amount_minor=1200, **shop.kw)

    detail = await invoice_detail(renewal.id, subscriber.customer_id, uow=shop.uow)

    assert (detail.paid, detail.due, detail.payable) == (3600, 0, False)
    assert [(a.number, a.status, a.created_at) for a in detail.attempts] == [
        (1, AttemptStatus.DECLINED, APR1),
        (2, AttemptStatus.SUCCEEDED, APR1 + timedelta(hours=6)),
    ]
    assert detail.credit_notes == (note,)
    assert (note.note.total, note.note.refunded) == (1200, 1200)
    assert await list_credit_notes(subscriber.customer_id, uow=shop.uow) == [note]
    assert await list_credit_notes(await shop.customer(), uow=shop.uow) == []
