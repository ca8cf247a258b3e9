"""Invoice lifecycle and credit note use cases on the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from domain.billing.credit_notes import issue_credit_note
from domain.billing.invoices import (
    create_draft_invoice,
    finalize_invoice,
    mark_invoice_paid,
    mark_invoice_uncollectible,
    void_invoice,
)
from domain.billing.issued import BillingReason, CreditNoteReason, IssuedInvoice
from domain.billing.model import CreditNoteLine, InvoiceStatus
from domain.billing.service import issue_invoice
from domain.pricing.totals import TaxRate
from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from tests.fakes import InMemoryUnitOfWork
from tests.service.billing._builders import ACME, credit, line
from tests.unit.documents._builders import issued_invoice

pytestmark = pytest.mark.service
VAT = TaxRate("DE", Decimal("19"), inclusive=False)


async def _draft(uow: InMemoryUnitOfWork, clock: FrozenClock, *amounts: int) -> IssuedInvoice:
    return await create_draft_invoice(
        currency="eur",
        customer=ACME,
        customer_id="cus-1",
        lines=[line(a) for a in amounts or (10000,)],
        tax_rate=VAT,
        uow=uow,
        clock=clock,
    )


async def _open(uow: InMemoryUnitOfWork, clock: FrozenClock, *amounts: int) -> IssuedInvoice:
    draft = await _draft(uow, clock, *amounts)
    return await finalize_invoice(draft.id, series="INV-2024-", uow=uow, clock=clock)


async def test_a_manual_draft_has_no_number_and_totals_from_its_lines(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    draft = await _draft(uow, clock, 10000, 2550)
    assert draft.status is InvoiceStatus.DRAFT
    assert draft.number is None
    assert draft.reason is BillingReason.MANUAL
    inv = draft.invoice
    assert (inv.currency, inv.subtotal, inv.tax, inv.total, inv.amount_due) == (
        "EUR",
        12550,
        2385,  # 19 % of 125.50, rounded half up once
        14935,
        14935,
    )
    assert uow.invoices.series == {}, "a draft takes no number"
    assert uow.commits == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"lines": []}, "billing.invoice_without_lines"),
        ({"lines": [line(-500)]}, "billing.invoice_negative_total"),
        ({"discount": -1}, "billing.bad_amount"),
        # deliberately not whole minor units
        ({"lines": [replace(line(100), amount=1.5)]}, "billing.bad_amount"),  # type: ignore[arg-type]
        ({"currency": "EURO"}, "validation_failed"),
    ],
)
async def test_a_bad_manual_invoice_is_refused(
    clock: FrozenClock, kwargs: dict[str, object], code: str
) -> None:
    args: dict[str, object] = {"currency": "EUR", "customer": ACME, "lines": [line(100)]}
    args.update(kwargs)
    with pytest.raises(ValidationFailed) as info:
        await create_draft_invoice(uow=InMemoryUnitOfWork(), clock=clock, **args)  # type: ignore[arg-type]
    assert info.value.code == code


async def test_finalizing_numbers_the_draft_and_issues_it_now(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    draft = await _draft(uow, clock)
    clock.advance(hours=2)
    opened = await finalize_invoice(draft.id, series="INV-2024-", uow=uow, clock=clock)
    assert (opened.status, opened.number) == (InvoiceStatus.OPEN, "INV-2024-000001")
    assert opened.invoice.issued_at == clock.now()
    assert opened.paid_at is None
    assert uow.invoices.locked == [draft.id]
    assert await uow.invoices.get(draft.id) == opened
    with pytest.raises(InvalidTransition) as info:
        await finalize_invoice(draft.id, series="INV-2024-", uow=uow, clock=clock)
    assert info.value.code == "billing.invoice_not_draft"
    assert uow.invoices.series == {"INV-2024-": 2}, "a refused finalization takes no number"


async def test_finalizing_an_invoice_with_nothing_due_pays_it_at_once(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    draft = await create_draft_invoice(
        currency="USD", customer=ACME, lines=[line(0)], uow=uow, clock=clock
    )
    paid = await finalize_invoice(draft.id, series="INV-2024-", uow=uow, clock=clock)
    assert paid.status is InvoiceStatus.PAID
    assert paid.paid_at == paid.invoice.issued_at == clock.now()


async def test_an_unknown_invoice_is_not_found(clock: FrozenClock) -> None:
    with pytest.raises(NotFound) as info:
        await void_invoice("nope", uow=InMemoryUnitOfWork(), clock=clock)
    assert info.value.code == "billing.invoice_not_found"


async def test_paying_voiding_and_writing_off_record_their_instants(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    first = await _open(uow, clock)
    paid_at = clock.now() + timedelta(minutes=5)
    paid = await mark_invoice_paid(first.id, paid_at=paid_at, uow=uow)
    assert (paid.status, paid.paid_at) == (InvoiceStatus.PAID, paid_at)

    second = await _open(uow, clock)
    clock.advance(days=30)
    bad = await mark_invoice_uncollectible(second.id, uow=uow, clock=clock)
    assert (bad.status, bad.marked_uncollectible_at) == (InvoiceStatus.UNCOLLECTIBLE, clock.now())
    clock.advance(days=1)
    voided = await void_invoice(second.id, uow=uow, clock=clock)
    assert (voided.status, voided.voided_at) == (InvoiceStatus.VOID, clock.now())
    assert voided.marked_uncollectible_at == bad.marked_uncollectible_at, "history is kept"

    third = await _open(uow, clock)
    await mark_invoice_uncollectible(third.id, uow=uow, clock=clock)
    late = await mark_invoice_paid(third.id, paid_at=clock.now(), uow=uow)
    assert late.status is InvoiceStatus.PAID


@pytest.mark.parametrize(
    ("prepare", "act", "code"),
    [
        ("paid", "void", "billing.invoice_already_paid"),
        ("paid", "paid", "billing.invoice_already_paid"),
        ("void", "paid", "billing.invoice_voided"),
        ("draft", "paid", "billing.invoice_not_open"),
        ("draft", "uncollectible", "billing.invoice_not_open"),
        ("uncollectible", "uncollectible", "billing.invoice_already_uncollectible"),
    ],
)
async def test_an_illegal_move_is_refused_and_nothing_changes(
    clock: FrozenClock, prepare: str, act: str, code: str
) -> None:
    uow = InMemoryUnitOfWork()
    inv = await _draft(uow, clock) if prepare == "draft" else await _open(uow, clock)
    if prepare == "paid":
        await mark_invoice_paid(inv.id, paid_at=clock.now(), uow=uow)
    elif prepare == "void":
        await void_invoice(inv.id, uow=uow, clock=clock)
    elif prepare == "uncollectible":
        await mark_invoice_uncollectible(inv.id, uow=uow, clock=clock)
    before = await uow.invoices.get(inv.id)
    actions = {
        "paid": lambda: mark_invoice_paid(inv.id, paid_at=clock.now(), uow=uow),
        "void": lambda: void_invoice(inv.id, uow=uow, clock=clock),
        "uncollectible": lambda: mark_invoice_uncollectible(inv.id, uow=uow, clock=clock),
    }
    with pytest.raises(InvalidTransition) as info:
        await actions[act]()
    assert info.value.code == code
    assert await uow.invoices.get(inv.id) == before


async def test_a_payment_instant_must_be_timezone_aware(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    inv = await _open(uow, clock)
    with pytest.raises(ValidationFailed) as info:
        await mark_invoice_paid(inv.id, paid_at=datetime(2024, 2, 1), uow=uow)
    assert info.value.code == "billing.naive_instant"


async def test_issue_invoice_stores_open_or_paid_when_nothing_is_due(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    draft = await _draft(uow, clock)
    computed = replace(draft.invoice, number="X", status=InvoiceStatus.PAID)
    opened = await issue_invoice(
        computed,
        subscription_id=None,
        customer_id="cus-1",
        reason=BillingReason.MANUAL,
        customer=ACME,
        series="INV-2024-",
        uow=uow,
    )
    assert (opened.status, opened.paid_at) == (InvoiceStatus.OPEN, None)
    covered = replace(computed, credit_applied=computed.total, amount_due=0)
    paid = await issue_invoice(
        covered,
        subscription_id=None,
        customer_id="cus-1",
        reason=BillingReason.MANUAL,
        customer=ACME,
        series="INV-2024-",
        uow=uow,
    )
    assert (paid.status, paid.paid_at) == (InvoiceStatus.PAID, covered.issued_at)
    assert [opened.number, paid.number] == ["INV-2024-000001", "INV-2024-000002"]


async def _credit(uow: InMemoryUnitOfWork, invoice: IssuedInvoice, total: int, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "invoice_id": invoice.id,
        "customer_id": invoice.customer_id,
        "subscription_id": invoice.subscription_id,
        "series": "CN-2024-",
        "reason": CreditNoteReason.PRODUCT_UNSATISFACTORY,
    }
    args.update(kw)
    return await issue_credit_note(credit(total), uow=uow, **args)  # type: ignore[arg-type]


async def test_credit_notes_are_numbered_from_their_own_series_up_to_the_invoice_total(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    inv = await _open(uow, clock)  # 100.00 + 19 % = 119.00 EUR
    first = await _credit(uow, inv, 10000)
    assert (first.number, first.note.invoice, first.currency) == (
        "CN-2024-000001",
        "INV-2024-000001",
        "EUR",
    )
    with pytest.raises(ValidationFailed) as info:
        await _credit(uow, inv, 1901)
    assert info.value.code == "billing.credit_note_exceeds_invoice"
    assert "19.00 EUR" in info.value.message
    last = await _credit(uow, inv, 1900)
    assert last.number == "CN-2024-000002"
    assert await uow.credit_notes.total_for_invoice(inv.id) == inv.invoice.total
    assert uow.invoices.series["INV-2024-"] == 2, "the invoice series is untouched"


async def test_a_paid_or_uncollectible_invoice_can_be_credited(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    paid = await _open(uow, clock)
    await mark_invoice_paid(paid.id, paid_at=clock.now(), uow=uow)
    assert (await _credit(uow, paid, 500)).note.total == 500
    bad = await _open(uow, clock)
    await mark_invoice_uncollectible(bad.id, uow=uow, clock=clock)
    assert (await _credit(uow, bad, 500)).note.total == 500


async def test_a_draft_or_void_invoice_cannot_be_credited(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    draft = await _draft(uow, clock)
    with pytest.raises(ValidationFailed) as info:
        await _credit(uow, draft, 100)
    assert info.value.code == "billing.credit_note_invoice_draft"
    voided = await _open(uow, clock)
    await void_invoice(voided.id, uow=uow, clock=clock)
    with pytest.raises(ValidationFailed) as info:
        await _credit(uow, voided, 100)
    assert info.value.code == "billing.credit_note_invoice_void"
    assert uow.credit_notes.notes == {}
    assert "CN-2024-" not in uow.invoices.series


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"total": 0, "subtotal": 0, "credited": 0, "lines": ()},
            "billing.credit_note_not_positive",
        ),
        ({"subtotal": 999}, "billing.credit_note_inconsistent_amounts"),
        ({"refunded": 1}, "billing.credit_note_inconsistent_amounts"),
        (
            {"lines": (CreditNoteLine("x", 1000, ""),), "subtotal": 1000, "total": 1000},
            "billing.credit_note_inconsistent_amounts",
        ),
        # the issue's note: a total below the subtotal with no discount to explain it
        ({"total": 400, "credited": 400}, "billing.credit_note_inconsistent_amounts"),
        ({"discount": 100}, "billing.credit_note_inconsistent_amounts"),
        ({"tax": 50, "total": 520, "credited": 520}, "billing.credit_note_inconsistent_amounts"),
    ],
)
async def test_a_credit_note_whose_amounts_do_not_add_up_is_refused(
    clock: FrozenClock, change: dict[str, object], code: str
) -> None:
    uow = InMemoryUnitOfWork()
    inv = await _open(uow, clock)
    with pytest.raises(ValidationFailed) as info:
        await issue_credit_note(
            replace(credit(500), **change),  # type: ignore[arg-type]
            invoice_id=inv.id,
            customer_id="cus-1",
            subscription_id=None,
            series="CN-2024-",
            reason=CreditNoteReason.DUPLICATE,
            uow=uow,
        )
    assert info.value.code == code


async def test_a_credit_note_for_another_customer_is_refused(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    inv = await _open(uow, clock)
    with pytest.raises(ValidationFailed) as info:
        await _credit(uow, inv, 100, customer_id="cus-2")
    assert info.value.code == "billing.credit_note_wrong_party"


@pytest.mark.parametrize(
    "change",
    [{"total": 9999}, {"subtotal": 1}, {"discount": 5}, {"amount_due": 1, "credit_applied": 0}],
)
async def test_an_invoice_whose_amounts_do_not_add_up_is_refused(
    clock: FrozenClock, change: dict[str, object]
) -> None:
    uow = InMemoryUnitOfWork()
    computed = replace(issued_invoice().invoice, number="INV-000001", **change)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as info:
        await issue_invoice(
            computed,
            subscription_id=None,
            customer_id="cus-1",
            reason=BillingReason.MANUAL,
            customer=ACME,
            series="INV-2024-",
            uow=uow,
        )
    assert info.value.code == "billing.invoice_inconsistent_amounts"
    assert uow.invoices.invoices == {} and uow.invoices.series == {}, "nothing stored or numbered"
