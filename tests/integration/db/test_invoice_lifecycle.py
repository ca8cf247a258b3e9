"""The invoice lifecycle and credit notes on the real database: drafts without a number, gapless
numbers taken at finalization, one winner of concurrent settlements, credit notes bounded by the
invoice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.adapters.db.tables import CreditNoteTable, InvoiceTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.credit_notes import issue_credit_note, issue_credit_note_in
from domain.billing.invoices import (
    create_draft_invoice,
    finalize_invoice,
    mark_invoice_paid,
    mark_invoice_uncollectible,
    void_invoice,
)
from domain.billing.issued import BillingReason, CreditNoteReason, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.billing.service import issue_invoice
from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, ValidationFailed
from tests.service.billing._builders import ACME, credit, line
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _draft(db: TestDatabase, clock: FrozenClock, amount: int = 10000) -> IssuedInvoice:
    return await create_draft_invoice(
        currency="USD",
        customer=ACME,
        customer_id="cus-1",
        lines=[line(amount, quantity=4)],
        uow=_uow(db, clock),
        clock=clock,
    )


async def _open(db: TestDatabase, clock: FrozenClock, amount: int = 10000) -> IssuedInvoice:
    draft = await _draft(db, clock, amount)
    return await finalize_invoice(draft.id, series="INV-2024-", uow=_uow(db, clock), clock=clock)


async def _credit(db: TestDatabase, clock: FrozenClock, invoice: IssuedInvoice, total: int):  # type: ignore[no-untyped-def]
    return await issue_credit_note(
        credit(total, refunded=total // 2),
        invoice_id=invoice.id,
        customer_id="cus-1",
        subscription_id=None,
        series="CN-2024-",
        reason=CreditNoteReason.ORDER_CHANGE,
        uow=_uow(db, clock),
    )


async def test_a_draft_is_stored_without_a_number_and_finalized_with_one(
    db: TestDatabase, clock: FrozenClock
) -> None:
    draft = await _draft(db, clock)
    row = await InvoiceTable.select(InvoiceTable.number, InvoiceTable.status).first()
    assert row == {"number": None, "status": "draft"}
    second = await _draft(db, clock)  # two drafts: NULL numbers do not clash on the unique index
    loaded = await _uow(db, clock).invoices.get(draft.id)
    assert loaded == draft

    clock.advance(minutes=3)
    opened = await finalize_invoice(draft.id, series="INV-2024-", uow=_uow(db, clock), clock=clock)
    assert opened.number == "INV-2024-000001"
    assert await _uow(db, clock).invoices.get(draft.id) == opened
    assert opened.invoice.issued_at == clock.now()
    assert (await _uow(db, clock).invoices.get(second.id)) == second


async def test_numbers_taken_at_finalization_stay_gapless_across_a_rollback(
    db: TestDatabase, clock: FrozenClock
) -> None:
    a = await _draft(db, clock)
    b = await _draft(db, clock)
    outer = _uow(db, clock)
    with pytest.raises(RuntimeError):  # noqa: PT012 - the failure follows a finalization
        async with outer:
            # the use case's unit of work joins the caller's transaction, which then fails
            done = await finalize_invoice(
                a.id, series="INV-2024-", uow=_uow(db, clock), clock=clock
            )
            assert done.number == "INV-2024-000001"
            raise RuntimeError("the PDF renderer was down")
    assert (await _uow(db, clock).invoices.get(a.id)).status is InvoiceStatus.DRAFT  # type: ignore[union-attr]

    first = await finalize_invoice(b.id, series="INV-2024-", uow=_uow(db, clock), clock=clock)
    second = await finalize_invoice(a.id, series="INV-2024-", uow=_uow(db, clock), clock=clock)
    assert [first.number, second.number] == ["INV-2024-000001", "INV-2024-000002"]


async def test_instants_of_each_status_change_are_stored(
    db: TestDatabase, clock: FrozenClock
) -> None:
    inv = await _open(db, clock)
    clock.advance(days=30)
    await mark_invoice_uncollectible(inv.id, uow=_uow(db, clock), clock=clock)
    written_off = clock.now()
    clock.advance(days=2)
    paid_at = clock.now() - timedelta(hours=1)
    paid = await mark_invoice_paid(inv.id, paid_at=paid_at, uow=_uow(db, clock))
    loaded = await _uow(db, clock).invoices.get(inv.id)
    assert loaded == paid
    assert (loaded.status, loaded.paid_at, loaded.marked_uncollectible_at) == (
        InvoiceStatus.PAID,
        paid_at,
        written_off,
    )
    assert loaded.voided_at is None

    other = await _open(db, clock)
    voided = await void_invoice(other.id, uow=_uow(db, clock), clock=clock)
    assert (await _uow(db, clock).invoices.get(other.id)) == voided
    assert voided.voided_at == clock.now()


async def test_issue_invoice_stores_an_invoice_with_nothing_due_as_paid(
    db: TestDatabase, clock: FrozenClock
) -> None:
    draft = await _draft(db, clock)
    covered = replace(draft.invoice, credit_applied=draft.invoice.total, amount_due=0)
    issued = await issue_invoice(
        covered,
        subscription_id=None,
        customer_id="cus-1",
        reason=BillingReason.MANUAL,
        customer=ACME,
        series="INV-2024-",
        uow=_uow(db, clock),
    )
    loaded = await _uow(db, clock).invoices.get(issued.id)
    assert loaded is not None
    assert (loaded.status, loaded.paid_at) == (InvoiceStatus.PAID, covered.issued_at)


async def test_of_concurrent_payment_and_void_exactly_one_wins(
    db: TestDatabase, clock: FrozenClock
) -> None:
    for _ in range(8):
        inv = await _open(db, clock)
        results = await asyncio.gather(
            mark_invoice_paid(inv.id, paid_at=clock.now(), uow=_uow(db, clock)),
            void_invoice(inv.id, uow=_uow(db, clock), clock=clock),
            mark_invoice_paid(inv.id, paid_at=clock.now(), uow=_uow(db, clock)),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, IssuedInvoice)]
        losers = [r for r in results if isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert all(isinstance(e, InvalidTransition) for e in losers), losers
        assert {e.code for e in losers} <= {  # type: ignore[attr-defined]
            "billing.invoice_already_paid",
            "billing.invoice_voided",
        }
        stored = await _uow(db, clock).invoices.get(inv.id)
        assert stored == winners[0]
        assert (stored.paid_at is None) != (stored.voided_at is None)


async def test_a_credit_note_round_trips_and_refers_to_the_invoice(
    db: TestDatabase, clock: FrozenClock
) -> None:
    inv = await _open(db, clock)
    note = await _credit(db, clock, inv, 2500)
    assert (note.number, note.note.invoice, note.currency) == (
        "CN-2024-000001",
        "INV-2024-000001",
        "USD",
    )
    uow = _uow(db, clock)
    assert await uow.credit_notes.get(note.id) == note
    assert await uow.credit_notes.list_for_invoice(inv.id) == [note]
    row = await CreditNoteTable.select(
        CreditNoteTable.total_minor, CreditNoteTable.refunded_minor, CreditNoteTable.credited_minor
    ).first()
    assert row == {"total_minor": 2500, "refunded_minor": 1250, "credited_minor": 1250}


async def test_credit_notes_cannot_exceed_the_invoice_even_when_issued_concurrently(
    db: TestDatabase, clock: FrozenClock
) -> None:
    inv = await _open(db, clock, amount=10000)
    results = await asyncio.gather(
        *(_credit(db, clock, inv, 3000) for _ in range(5)), return_exceptions=True
    )
    issued = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(issued) == 3
    assert all(
        isinstance(e, ValidationFailed) and e.code == "billing.credit_note_exceeds_invoice"
        for e in refused
    ), refused
    assert await _uow(db, clock).credit_notes.total_for_invoice(inv.id) == 9000
    numbers = sorted(r["number"] for r in await CreditNoteTable.select(CreditNoteTable.number))
    assert numbers == ["CN-2024-000001", "CN-2024-000002", "CN-2024-000003"], "gapless"
    assert (await _credit(db, clock, inv, 1000)).note.total == 1000
    with pytest.raises(ValidationFailed):
        await _credit(db, clock, inv, 1)


async def test_draft_and_void_invoices_cannot_be_credited(
    db: TestDatabase, clock: FrozenClock
) -> None:
    draft = await _draft(db, clock)
    voided = await _open(db, clock)
    await void_invoice(voided.id, uow=_uow(db, clock), clock=clock)
    for invoice, code in (
        (draft, "billing.credit_note_invoice_draft"),
        (voided, "billing.credit_note_invoice_void"),
    ):
        with pytest.raises(ValidationFailed) as info:
            await _credit(db, clock, invoice, 100)
        assert info.value.code == code
    assert await CreditNoteTable.count() == 0


async def test_a_credit_note_issued_in_a_failed_transaction_leaves_no_trace(
    db: TestDatabase, clock: FrozenClock
) -> None:
    inv = await _open(db, clock)
    uow = _uow(db, clock)
    with pytest.raises(RuntimeError):  # noqa: PT012
        async with uow:
            await issue_credit_note_in(
                uow,
                credit(500),
                invoice_id=inv.id,
                customer_id="cus-1",
                subscription_id=None,
                series="CN-2024-",
                reason=CreditNoteReason.DUPLICATE,
            )
            raise RuntimeError("the refund failed")
    assert await CreditNoteTable.count() == 0
    assert (await _credit(db, clock, inv, 500)).number == "CN-2024-000001"
