"""The admin customer timeline in the staff member's language (web/admin/timeline_words.py):
every entry the domain writes (domain/support/timeline.py) reads in Persian, built from its code
and values (numbers and codes isolated left to right, counts in Persian digits), and English is
the domain's own text, unchanged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from domain.audit.model import Actor, AuditEntry
from domain.billing.issued import CreditNoteReason
from domain.billing.model import InvoiceStatus
from domain.customers.model import BalanceTransaction, Customer
from domain.notifications.model import EmailKind, EmailStatus, EmailSummary
from domain.payments.dunning import DunningStatus
from domain.payments.model import AttemptStatus, RefundStatus
from domain.shared.display import Digits, Display
from domain.shared.money import Money
from domain.support.record_model import (
    CardEntry,
    CreditNoteEntry,
    DunningEntry,
    EventKind,
    InvoiceRow,
    PaymentEntry,
    RefundEntry,
    StaffNote,
    TimelineEvent,
)
from domain.support.timeline import timeline
from web.admin.timeline_words import SENTENCES, timeline_sentence

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
EUR = Money.of_minor(1900, "EUR")
PERSIAN = Display(language="fa", locale="fa")
ENGLISH = Display()


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _every_kind_of_event() -> tuple[TimelineEvent, ...]:
    customer = Customer(id=cast(Any, "c1"), email="ada@example.com", name="Ada", currency="EUR",
                        created_at=_at(0))  # fmt: skip
    sub = SimpleNamespace(id="s1", created_at=_at(1), canceled_at=_at(2))
    invoice = InvoiceRow(id="i1", number="INV-2026-000042", status=InvoiceStatus.PAID,
                         currency="EUR", total_minor=1900, amount_due_minor=0, issued_at=_at(3),
                         paid_at=_at(4), voided_at=_at(5), marked_uncollectible_at=_at(6))  # fmt: skip
    payments = [
        PaymentEntry(id=f"p{n}", invoice_id="i1", invoice_number="INV-2026-000042", number=n,
                     amount=EUR, status=status, code="card_declined" if n == 4 else None,
                     message="", hard_decline=False, created_at=_at(6 + n), finished_at=None)
        for n, status in enumerate(AttemptStatus, start=1)
    ]  # fmt: skip
    note = CreditNoteEntry(id="n1", number="CN-2026-000007", invoice_id="i1",
                           invoice_number="INV-2026-000042", reason=CreditNoteReason.DUPLICATE,
                           issued_at=_at(12), total=EUR, refunded=EUR, credited=Money.zero("EUR"))  # fmt: skip
    refunds = [
        RefundEntry(id=f"r{n}", credit_note_id="n1", invoice_id="i1", amount=EUR, status=status,
                    code="expired_card" if status is RefundStatus.FAILED else None,
                    created_at=_at(13 + n), finished_at=None)
        for n, status in enumerate(RefundStatus)
    ]  # fmt: skip
    card = CardEntry(id="pm1", brand="visa", last4="4242", exp_month=12, exp_year=2030,
                     is_default=True, expired=False, added_at=_at(17))  # fmt: skip
    dunning = DunningEntry(invoice_id="i1", invoice_number="INV-2026-000042", subscription_id="s1",
                           status=DunningStatus.OPEN, failures=1, first_failed_at=_at(18),
                           next_attempt_at=None, awaiting_new_method=False)  # fmt: skip
    email = EmailSummary(id="e1", kind=EmailKind.RECEIPT, to="ada@example.com",
                         subject="Receipt for INV-2026-000042", status=EmailStatus.SENT,
                         attempts=1, created_at=_at(19), sent_at=_at(20))  # fmt: skip
    staff_note = StaffNote(id="sn1", customer_id="c1", staff_id="st1", staff_email="nika@example.com",
                           staff_name="Nika", body="Called about the card", created_at=_at(21))  # fmt: skip
    actor = Actor(staff_id="st1", email="nika@example.com")
    actions = [
        AuditEntry(id="a1", at=_at(22), actor=actor, action="invoice.void", object_type="invoice",
                   object_id="i1", reason="Sent twice"),
        AuditEntry(id="a2", at=_at(23), actor=actor, action="customer.view_as_started",
                   object_type="customer", object_id="c1"),
    ]  # fmt: skip
    balance = [
        BalanceTransaction(id="b1", customer_id=cast(Any, "c1"), amount_minor=-500, currency="EUR",
                           ending_balance_minor=-500, description="Goodwill", created_at=_at(24),
                           created_by="nika@example.com"),
        BalanceTransaction(id="b2", customer_id=cast(Any, "c1"), amount_minor=500, currency="EUR",
                           ending_balance_minor=0, description="", created_at=_at(25)),
    ]  # fmt: skip
    return timeline(customer, [cast(Any, sub)], {"s1": "Team"}, invoices=[invoice],
                    payments=payments, credit_notes=[note], refunds=refunds, cards=[card],
                    dunning=[dunning], emails=[email], notes=[staff_note], staff_actions=actions,
                    balance=balance)  # fmt: skip


def _outside_isolates(html: str) -> str:
    return re.sub(r"<bdi[^>]*>.*?</bdi>", "", str(html))


def test_the_events_cover_every_sentence_and_every_kind() -> None:
    events = _every_kind_of_event()
    assert {e.what for e in events} == set(SENTENCES)
    assert {e.kind for e in events} == set(EventKind)  # a new kind of entry needs its sentence


def test_english_is_the_domains_text_unchanged() -> None:
    for event in _every_kind_of_event():
        assert timeline_sentence(ENGLISH, event) == event.text
    texts = [e.text for e in _every_kind_of_event()]
    assert "Invoice INV-2026-000042 issued" in texts
    assert "Payment 4 of invoice INV-2026-000042 declined (card_declined)" in texts
    assert "nika@example.com: Void invoice — Sent twice" in texts
    assert "Balance credit granted: Goodwill (by nika@example.com)" in texts


def test_every_event_reads_in_persian_with_its_values_isolated() -> None:
    for event in _every_kind_of_event():
        persian = str(timeline_sentence(PERSIAN, event))
        assert persian != event.text, event.what
        # no English word left outside the values (which are data: numbers, codes, names)
        assert not re.search(r"[A-Za-z]{2,}", _outside_isolates(persian)), (event.what, persian)
        for name, value in event.values:  # the action's code and English title are not data
            if value and not value.isdigit() and name not in ("action", "title"):
                assert f">{value}</bdi>" in persian, (event.what, value)


def test_some_persian_sentences_exactly() -> None:
    said = {e.text: str(timeline_sentence(PERSIAN, e)) for e in _every_kind_of_event()}
    assert said["Invoice INV-2026-000042 issued"] == (
        'صورتحساب <bdi dir="auto">INV-2026-000042</bdi> صادر شد'
    )
    declined = said["Payment 4 of invoice INV-2026-000042 declined (card_declined)"]
    assert declined == ('پرداخت <bdi dir="auto">۴</bdi> صورتحساب <bdi dir="auto">INV-2026-000042'
                        '</bdi> رد شد (<bdi dir="auto">card_declined</bdi>)')  # fmt: skip
    assert said["nika@example.com: Void invoice — Sent twice"] == (
        '<bdi dir="auto">nika@example.com</bdi>: ابطال صورتحساب — <bdi dir="auto">Sent twice</bdi>'
    )
    assert said["Balance credit granted: Goodwill (by nika@example.com)"] == (
        'اعتبار به مانده افزوده شد: <bdi dir="auto">Goodwill</bdi> '
        '(توسط <bdi dir="auto">nika@example.com</bdi>)'
    )
    assert said["Subscribed to Team"] == 'مشترک <bdi dir="auto">Team</bdi> شد'


def test_latin_digits_and_markup_in_values() -> None:
    events = _every_kind_of_event()
    (payment,) = [e for e in events if e.what == "payment.succeeded"]
    latin = Display(language="fa", locale="fa", digits=Digits.LATIN)
    assert '<bdi dir="auto">2</bdi>' in str(timeline_sentence(latin, payment))
    hostile = TimelineEvent(T0, payment.kind, "Subscribed to <b>x</b>", what="subscription.created",
                            values=(("plan", "<b>x</b>"),))  # fmt: skip
    assert "&lt;b&gt;x&lt;/b&gt;" in str(timeline_sentence(PERSIAN, hostile))


def test_an_unknown_code_is_shown_as_the_domain_wrote_it() -> None:
    event = TimelineEvent(T0, _every_kind_of_event()[0].kind, "Something new", what="x.new")
    assert timeline_sentence(PERSIAN, event) == "Something new"
