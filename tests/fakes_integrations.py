"""In-memory imports, external ids and accounting documents (kept out of tests/fakes.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.customers.model import Customer
from domain.integrations.model import CustomerImport
from domain.integrations.records import (
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
    RefundRecord,
)
from domain.shared.ids import CustomerId


class InMemoryImportRepository:
    def __init__(self) -> None:
        self.rows: dict[str, CustomerImport] = {}
        self.files: dict[str, bytes] = {}

    async def add(self, record: CustomerImport, content: bytes) -> None:
        self.rows[record.id], self.files[record.id] = record, content

    async def get(self, import_id: str, *, lock: bool = False) -> CustomerImport | None:
        return self.rows.get(import_id)

    async def content(self, import_id: str) -> bytes:
        return self.files.get(import_id, b"")

    async def save(self, record: CustomerImport) -> None:
        self.rows[record.id] = record

    async def recent(self, limit: int) -> list[CustomerImport]:
        return sorted(self.rows.values(), key=lambda r: r.created_at, reverse=True)[:limit]


class InMemoryCustomerRefs:
    def __init__(self, uow: Any) -> None:
        self._uow = uow
        self.refs: dict[tuple[str, str], CustomerId] = {}

    async def find(self, source: str, external_ids: Sequence[str]) -> dict[str, CustomerId]:
        return {e: self.refs[(source, e)] for e in external_ids if (source, e) in self.refs}

    async def add(
        self, source: str, external_id: str, customer_id: CustomerId, *, at: datetime
    ) -> None:
        assert (source, external_id) not in self.refs
        self.refs[(source, external_id)] = customer_id

    async def add_many(
        self, source: str, refs: Sequence[tuple[str, CustomerId]], *, at: datetime
    ) -> None:
        for external_id, customer_id in refs:
            await self.add(source, external_id, customer_id, at=at)

    async def add_customers(self, customers: Sequence[Customer]) -> None:
        for customer in customers:
            await self._uow.customers.add(customer)

    async def customers(self, ids: Sequence[CustomerId]) -> dict[CustomerId, Customer]:
        rows = self._uow.customers.rows
        return {i: rows[i] for i in ids if i in rows}

    async def by_emails(self, emails: Sequence[str]) -> dict[str, Customer]:
        wanted = {e.lower() for e in emails}
        return {c.email: c for c in self._uow.customers.rows.values() if c.email in wanted}

    async def live_subscription_customers(self, ids: Sequence[CustomerId]) -> set[CustomerId]:
        subs = self._uow.subscriptions.rows.values()
        return {s.customer_id for s in subs if s.customer_id in set(ids)
                and s.status.value not in ("canceled", "incomplete_expired")}  # fmt: skip


def _page(rows: list[Any], key: Any, after: Any, limit: int) -> list[Any]:
    ordered = sorted(rows, key=key)
    return [r for r in ordered if after is None or key(r) > after][:limit]


class InMemoryAccountingReader:
    """Documents a test puts in; read back in (instant, id) pages as the real reader does."""

    def __init__(self) -> None:
        self.invoice_rows: list[InvoiceRecord] = []
        self.payment_rows: list[PaymentRecord] = []
        self.credit_note_rows: list[CreditNoteRecord] = []
        self.refund_rows: list[RefundRecord] = []

    async def invoices(self, start: datetime, end: datetime, *, after: Any,
                       limit: int) -> list[InvoiceRecord]:  # fmt: skip
        def hit(i: InvoiceRecord) -> bool:
            return any(t is not None and start <= t < end
                       for t in (i.issued_at, i.voided_at, i.written_off_at))  # fmt: skip

        rows = [i for i in self.invoice_rows if hit(i)]
        return _page(rows, lambda i: (i.issued_at, i.id), after, limit)

    async def payments(self, start: datetime, end: datetime, *, after: Any,
                       limit: int) -> list[PaymentRecord]:  # fmt: skip
        rows = [p for p in self.payment_rows if start <= p.paid_at < end]
        return _page(rows, lambda p: (p.paid_at, p.id), after, limit)

    async def credit_notes(self, start: datetime, end: datetime, *, after: Any,
                           limit: int) -> list[CreditNoteRecord]:  # fmt: skip
        rows = [n for n in self.credit_note_rows if start <= n.issued_at < end]
        return _page(rows, lambda n: (n.issued_at, n.id), after, limit)

    async def refunds(self, start: datetime, end: datetime, *, after: Any,
                      limit: int) -> list[RefundRecord]:  # fmt: skip
        rows = [r for r in self.refund_rows if start <= r.refunded_at < end]
        return _page(rows, lambda r: (r.refunded_at, r.id), after, limit)
