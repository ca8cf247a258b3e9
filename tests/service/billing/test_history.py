"""The portal's billing history read models: pages of invoices with the credit notes, one
invoice in full and as printed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.billing.issued import BillingReason, CreditNoteReason, IssuedCreditNote
from domain.billing.model import InvoiceStatus
from domain.documents.invoice_document import DEMO_SELLER
from domain.payments.history import billing_history, invoice_detail, list_invoices, printed_invoice
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from tests.fakes import InMemoryUnitOfWork
from tests.service.billing._builders import credit
from tests.unit.documents._builders import ISSUED_AT, issued_invoice

pytestmark = pytest.mark.service


async def _five_years(uow: InMemoryUnitOfWork) -> None:
    base = replace(issued_invoice(status=InvoiceStatus.PAID), reason=BillingReason.MANUAL)
    for month in range(60):
        await uow.invoices.add(
            replace(
                base,
                id=f"inv-{month:02d}",
                invoice=replace(
                    base.invoice,
                    number=f"INV-{month:06d}",
                    issued_at=ISSUED_AT + timedelta(days=30 * month),
                ),
            )
        )
    draft = replace(
        base, id="draft", invoice=replace(base.invoice, number="", status=InvoiceStatus.DRAFT)
    )
    await uow.invoices.add(draft)
    other = replace(base, id="theirs", customer_id="cus-2")
    await uow.invoices.add(other)


async def test_sixty_invoices_come_newest_first_in_pages_of_25() -> None:
    uow = InMemoryUnitOfWork()
    await _five_years(uow)
    first = await list_invoices("cus-1", 1, uow=uow)
    assert (first.count, first.pages, first.has_previous, first.has_next) == (60, 3, False, True)
    assert [i.number for i in first.invoices[:2]] == ["INV-000059", "INV-000058"]
    last = await list_invoices("cus-1", 3, uow=uow)
    assert len(last.invoices) == 10 and last.invoices[-1].number == "INV-000000"
    beyond = await list_invoices("cus-1", 99, uow=uow)
    assert beyond.page == 3
    nothing = await list_invoices("cus-3", 1, uow=uow)
    assert (nothing.count, nothing.pages, nothing.invoices) == (0, 1, ())


async def test_an_invoice_of_another_customer_or_a_draft_is_not_found() -> None:
    uow = InMemoryUnitOfWork()
    await _five_years(uow)
    detail = await invoice_detail("inv-00", "cus-1", uow=uow)
    assert detail.paid == detail.issued.invoice.amount_due and not detail.payable
    for invoice_id in ("theirs", "draft", "unknown"):
        with pytest.raises(NotFound):
            await invoice_detail(invoice_id, "cus-1", uow=uow)


async def test_the_history_shows_the_credit_notes_on_its_first_page_only() -> None:
    uow = InMemoryUnitOfWork()
    await _five_years(uow)
    for customer_id in ("cus-1", "cus-2"):
        note_id = f"cn-{customer_id}"
        uow.credit_notes.notes[note_id] = IssuedCreditNote(
            id=note_id,
            invoice_id="inv-00",
            customer_id=customer_id,
            subscription_id=None,
            reason=CreditNoteReason.ORDER_CHANGE,
            currency="EUR",
            note=replace(credit(500), number=f"CN-{customer_id}"),
        )
    first = await billing_history(CustomerId("cus-1"), 1, uow=uow)
    assert (first.invoices.page, len(first.invoices.invoices)) == (1, 25)
    assert [n.id for n in first.credit_notes] == ["cn-cus-1"]
    second = await billing_history(CustomerId("cus-1"), 2, uow=uow)
    assert second.invoices.page == 2 and second.credit_notes == []
    never_bought = await billing_history(None, 3, uow=uow)
    assert (never_bought.invoices.count, never_bought.invoices.page) == (0, 1)
    assert never_bought.credit_notes == []


async def test_an_invoice_as_printed_is_the_invoice_in_full_with_its_document() -> None:
    uow = InMemoryUnitOfWork()
    await _five_years(uow)
    printed = await printed_invoice("inv-00", "cus-1", seller=DEMO_SELLER, uow=uow)
    assert printed.detail.issued.id == "inv-00"
    assert printed.document.number == "INV-000000"
    with pytest.raises(NotFound):
        await printed_invoice("theirs", "cus-1", seller=DEMO_SELLER, uow=uow)
