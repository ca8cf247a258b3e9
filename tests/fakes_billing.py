"""In-memory fakes of the billing ports: invoices (numbering, cycles, history), credit notes and
their stored PDFs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from domain.billing.issued import InvoiceSummary, IssuedCreditNote, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.documents.model import StoredCreditNotePdf, StoredInvoicePdf
from domain.shared.errors import Conflict


class InMemoryInvoiceRepository:
    def __init__(self) -> None:
        self.series: dict[str, int] = {}
        self.invoices: dict[str, IssuedInvoice] = {}
        self.locked: list[str] = []  # ids loaded with get_for_update, in order

    async def next_number(self, prefix: str) -> int:
        number = self.series.get(prefix, 1)
        self.series[prefix] = number + 1
        return number

    async def reserve_numbers(self, prefix: str, count: int) -> int:
        first = self.series.get(prefix, 1)
        self.series[prefix] = first + count
        return first

    async def set_numbers(self, numbers: dict[str, str]) -> None:
        for invoice_id, number in numbers.items():
            stored = self.invoices[invoice_id]
            self.invoices[invoice_id] = replace(
                stored, invoice=replace(stored.invoice, number=number)
            )

    async def add(self, issued: IssuedInvoice) -> None:
        if issued.cycle_key and any(
            i.cycle_key == issued.cycle_key for i in self.invoices.values()
        ):
            raise Conflict("duplicate cycle", code="billing.duplicate_cycle")
        self.invoices[issued.id] = issued

    async def add_many(self, invoices: Sequence[IssuedInvoice]) -> None:
        for issued in invoices:
            await self.add(issued)

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        return self.invoices.get(invoice_id)

    async def get_many(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        return [self.invoices[i] for i in invoice_ids if i in self.invoices]

    async def existing_cycle_keys(self, keys: Sequence[str]) -> set[str]:
        return {i.cycle_key for i in self.invoices.values() if i.cycle_key in keys}

    async def get_for_update(self, invoice_id: str) -> IssuedInvoice | None:
        self.locked.append(invoice_id)
        return self.invoices.get(invoice_id)

    async def get_many_for_update(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        found = sorted(i for i in set(invoice_ids) if i in self.invoices)
        self.locked.extend(found)
        return [self.invoices[i] for i in found]

    async def mark_paid_many(self, invoice_ids: Sequence[str], at: datetime) -> None:
        for invoice_id in invoice_ids:
            await self.update_state(self.invoices[invoice_id].mark_paid(at))

    async def update_state(self, issued: IssuedInvoice) -> None:
        stored = self.invoices[issued.id]
        assert stored.invoice.lines == issued.invoice.lines, "amounts and lines never change"
        assert stored.invoice.total == issued.invoice.total
        assert (stored.memo, stored.po_number, stored.due_at) == (
            issued.memo, issued.po_number, issued.due_at,
        ), "what an issued invoice prints never changes"  # fmt: skip
        self.invoices[issued.id] = issued

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None:
        key = f"{subscription_id}:{period_start.isoformat()}"
        return next((i for i in self.invoices.values() if i.cycle_key == key), None)

    async def history(self, customer_id: str, *, limit: int, offset: int) -> list[InvoiceSummary]:
        rows = sorted(
            (
                i
                for i in self.invoices.values()
                if i.customer_id == customer_id and i.status is not InvoiceStatus.DRAFT
            ),
            key=lambda i: (i.invoice.issued_at, i.id),
            reverse=True,
        )[offset : offset + limit]
        return [
            InvoiceSummary(
                id=i.id,
                number=i.invoice.number,
                issued_at=i.invoice.issued_at,
                status=i.status,
                currency=i.invoice.currency,
                total=i.invoice.total,
                amount_due=i.invoice.amount_due,
            )
            for i in rows
        ]

    async def count_finalized(self, customer_id: str) -> int:
        return sum(
            1
            for i in self.invoices.values()
            if i.customer_id == customer_id and i.status is not InvoiceStatus.DRAFT
        )


@dataclass
class InMemoryCreditNoteRepository:
    notes: dict[str, IssuedCreditNote] = field(default_factory=dict)

    async def add(self, note: IssuedCreditNote) -> None:
        if any(n.number == note.number for n in self.notes.values()):
            raise Conflict(f"credit note number {note.number} exists")
        self.notes[note.id] = note

    async def get(self, credit_note_id: str) -> IssuedCreditNote | None:
        return self.notes.get(credit_note_id)

    async def list_for_invoice(self, invoice_id: str) -> list[IssuedCreditNote]:
        return [n for n in self.notes.values() if n.invoice_id == invoice_id]

    async def list_for_customer(self, customer_id: str) -> list[IssuedCreditNote]:
        notes = [n for n in self.notes.values() if n.customer_id == customer_id]
        return sorted(notes, key=lambda n: (n.note.issued_at, n.number), reverse=True)

    async def total_for_invoice(self, invoice_id: str) -> int:
        return sum(n.note.total for n in self.notes.values() if n.invoice_id == invoice_id)


@dataclass
class InMemoryInvoiceDocumentRepository:
    rows: dict[str, StoredInvoicePdf] = field(default_factory=dict)
    saves: int = 0

    async def get(self, invoice_id: str) -> StoredInvoicePdf | None:
        return self.rows.get(invoice_id)

    async def save(self, document: StoredInvoicePdf) -> None:
        self.rows[document.invoice_id] = document
        self.saves += 1


@dataclass
class InMemoryCreditNoteDocumentRepository:
    rows: dict[str, StoredCreditNotePdf] = field(default_factory=dict)

    async def get(self, credit_note_id: str) -> StoredCreditNotePdf | None:
        return self.rows.get(credit_note_id)

    async def save(self, document: StoredCreditNotePdf) -> None:
        self.rows[document.credit_note_id] = document
