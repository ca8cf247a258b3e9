"""The customer record ("360"): one customer's profile, balance, subscriptions with their next
invoice, invoices, every payment attempt with its decline code, credit notes, refunds, cards,
dunning, e-mails, and the timeline of all of it, newest first; exact values."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from domain.billing.model import InvoiceStatus
from domain.notifications.model import EmailKind, EmailStatus, OutboxEmail
from domain.payments.dunning import DunningStatus
from domain.payments.model import AttemptStatus, RefundStatus
from domain.payments.refunds import refund_invoice
from domain.payments.service import collect_invoice
from domain.shared.errors import NotFound
from domain.shared.money import Money
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.engine import SubscriptionStatus
from domain.support.record import customer_record
from domain.support.record_model import EventKind
from tests.service.payments._shop import APR1, MAR1, Shop
from tests.support.gateway import DECLINED

VIEWER = SignedInStaff("staff-viewer", "vera@example.com", "Vera Viewer", Role.VIEWER, "s")

pytestmark = pytest.mark.service

MAR3 = MAR1 + timedelta(days=2)
USD = "USD"


def _email(n: int, to: str, at: datetime, *, sent: bool) -> OutboxEmail:
    return OutboxEmail(
        id=f"email-{n}",
        kind=EmailKind.RECEIPT,
        to=to,
        subject=f"Receipt {n}",
        text_body="",
        html_body="",
        attachments=(),
        status=EmailStatus.SENT if sent else EmailStatus.QUEUED,
        attempts=1 if sent else 0,
        last_error=None,
        dedupe_key=f"receipt:{n}",
        created_at=at,
        sent_at=at + timedelta(minutes=1) if sent else None,
    )


async def _story(shop: Shop):
    """Ada subscribes on Mar 1 (3 seats, 36.00 paid), is refunded 18.00 on Mar 3, and her card
    declines the Apr 1 renewal (36.00): past due, in dunning."""
    subscriber = await shop.subscriber()
    await shop.subscriber()  # someone else, never on Ada's record
    shop.clock.set(MAR3)
    await refund_invoice(subscriber.first_invoice_id, amount_minor=1800, **shop.kw)
    shop.gateway.set_behaviour(subscriber.card.method_ref, DECLINED)
    renewal = await shop.renewal(subscriber)
    await collect_invoice(renewal.id, **shop.kw)
    await shop.uow.emails.add(_email(1, "ada1@example.test", MAR1, sent=True))
    await shop.uow.emails.add(_email(2, "ada1@example.test", APR1, sent=False))
    await shop.uow.emails.add(_email(3, "ada2@example.test", APR1, sent=True))
    return subscriber, renewal


async def test_the_record_shows_everything_about_one_customer(shop: Shop) -> None:
    subscriber, renewal = await _story(shop)

    record = await customer_record(VIEWER, subscriber.customer_id, uow=shop.uow, clock=shop.clock)

    assert (record.customer.name, record.customer.email) == ("Ada Lovelace", "ada1@example.test")
    assert record.balance == Money.of_minor(0, USD)
    assert record.credit == Money.of_minor(0, USD)
    assert record.now == APR1
    (sub,) = record.subscriptions
    assert (sub.id, sub.status, sub.quantity) == (
        subscriber.subscription_id,
        SubscriptionStatus.PAST_DUE,
        3,
    )
    assert sub.next_invoice is not None and sub.next_invoice.amount_due == 3600

    assert record.invoices.count == 2 and record.invoices.more == 0
    assert [(i.number, i.status, i.total, i.amount_due) for i in record.invoices.items] == [
        (
            "INV-2024-000003",
            InvoiceStatus.OPEN,
            Money.of_minor(3600, USD),
            Money.of_minor(3600, USD),
        ),
        (
            "INV-2024-000001",
            InvoiceStatus.PAID,
            Money.of_minor(3600, USD),
            Money.of_minor(3600, USD),
        ),
    ]

    assert record.payments.count == 2
    assert [
        (p.invoice_number, p.number, p.amount, p.status, p.code) for p in record.payments.items
    ] == [
        (
            "INV-2024-000003",
            1,
            Money.of_minor(3600, USD),
            AttemptStatus.DECLINED,
            "generic_decline",
        ),
        ("INV-2024-000001", 1, Money.of_minor(3600, USD), AttemptStatus.SUCCEEDED, None),
    ]

    (note,) = record.credit_notes.items
    assert (note.number, note.invoice_number) == ("CN-2024-000001", "INV-2024-000001")
    assert (note.total, note.refunded, note.credited) == (
        Money.of_minor(1800, USD),
        Money.of_minor(1800, USD),
        Money.of_minor(0, USD),
    )
    (refund,) = record.refunds.items
    assert (refund.amount, refund.status, refund.credit_note_id) == (
        Money.of_minor(1800, USD),
        RefundStatus.SUCCEEDED,
        note.id,
    )

    (card,) = record.payment_methods
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)
    assert card.is_default and not card.expired
    assert not any("4242424242424242" in str(v) for v in vars_of(card))

    (case,) = record.dunning
    assert (case.invoice_id, case.invoice_number, case.status, case.failures) == (
        renewal.id,
        "INV-2024-000003",
        DunningStatus.OPEN,
        1,
    )
    assert case.next_attempt_at == APR1 + timedelta(days=1)

    assert record.emails.count == 2
    assert [e.subject for e in record.emails.items] == ["Receipt 2", "Receipt 1"]


def vars_of(obj: object) -> list[object]:
    return [getattr(obj, name) for name in obj.__slots__]  # type: ignore[attr-defined]


async def test_the_timeline_merges_every_event_newest_first(shop: Shop) -> None:
    subscriber, _ = await _story(shop)

    record = await customer_record(VIEWER, subscriber.customer_id, uow=shop.uow, clock=shop.clock)

    assert [(e.at, e.kind, e.text, e.amount) for e in record.timeline] == [
        (APR1, EventKind.INVOICE, "Invoice INV-2024-000003 issued", Money.of_minor(3600, USD)),
        (
            APR1,
            EventKind.PAYMENT,
            "Payment 1 of invoice INV-2024-000003 declined (generic_decline)",
            Money.of_minor(3600, USD),
        ),
        (APR1, EventKind.DUNNING, "Invoice INV-2024-000003 entered dunning", None),
        (APR1, EventKind.EMAIL, "E-mail queued: Receipt 2", None),
        (
            MAR3,
            EventKind.CREDIT_NOTE,
            "Credit note CN-2024-000001 issued against invoice INV-2024-000001",
            Money.of_minor(1800, USD),
        ),
        (MAR3, EventKind.REFUND, "Refund sent", Money.of_minor(1800, USD)),
        (MAR1 + timedelta(minutes=1), EventKind.EMAIL, "E-mail sent: Receipt 1", None),
        (MAR1, EventKind.CUSTOMER, "Customer created", None),
        (MAR1, EventKind.SUBSCRIPTION, "Subscribed to Team", None),
        (MAR1, EventKind.INVOICE, "Invoice INV-2024-000001 issued", Money.of_minor(3600, USD)),
        (MAR1, EventKind.INVOICE, "Invoice INV-2024-000001 paid", Money.of_minor(3600, USD)),
        (
            MAR1,
            EventKind.PAYMENT,
            "Payment 1 of invoice INV-2024-000001 succeeded",
            Money.of_minor(3600, USD),
        ),
        (MAR1, EventKind.CARD, "Card visa •••• 4242 added", None),
        (MAR1, EventKind.EMAIL, "E-mail queued: Receipt 1", None),
    ]


async def test_each_list_is_bounded_and_counted(shop: Shop) -> None:
    subscriber, _ = await _story(shop)

    record = await customer_record(
        VIEWER, subscriber.customer_id, uow=shop.uow, clock=shop.clock, page_size=1
    )

    assert [i.number for i in record.invoices.items] == ["INV-2024-000003"]
    assert (record.invoices.count, record.invoices.more) == (2, 1)
    assert (len(record.payments.items), record.payments.count) == (1, 2)
    assert (len(record.emails.items), record.emails.count) == (1, 2)
    # an attempt's invoice beyond the page is still named by its number
    assert record.payments.items[0].invoice_number == "INV-2024-000003"


async def test_credit_shows_as_a_negative_balance(shop: Shop) -> None:
    customer_id = await shop.customer()
    customer = await shop.uow.customers.get(customer_id)
    assert customer is not None
    await shop.uow.customers.save(replace(customer, balance_minor=-1250))

    record = await customer_record(VIEWER, customer_id, uow=shop.uow, clock=shop.clock)

    assert record.balance == Money.of_minor(-1250, USD)
    assert record.credit == Money.of_minor(1250, USD)
    assert record.subscriptions == () and record.invoices.count == 0
    assert [e.text for e in record.timeline] == ["Customer created"]


async def test_an_unknown_customer_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound):
        await customer_record(VIEWER, "no-such-customer", uow=shop.uow, clock=shop.clock)
