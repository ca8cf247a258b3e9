"""What the integrations need from storage: the imports (with their files), the customers'
external ids, customers read in bulk, and the accounting documents of a period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.audit.ports import AuditUnit
from domain.customers.model import Customer
from domain.integrations.model import CustomerImport
from domain.integrations.records import (
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
    RefundRecord,
)
from domain.shared.ids import CustomerId
from domain.subscriptions.ports import SubscriptionsUnit


class ImportRepository(Protocol):
    async def add(self, record: CustomerImport, content: bytes) -> None: ...

    async def get(self, import_id: str, *, lock: bool = False) -> CustomerImport | None: ...

    async def content(self, import_id: str) -> bytes: ...

    async def save(self, record: CustomerImport) -> None:
        """Store the status, mapping, counts and errors (the file never changes)."""
        ...

    async def recent(self, limit: int) -> list[CustomerImport]:
        """Newest first."""
        ...


class CustomerRefRepository(Protocol):
    """External ids of customers, unique per source, and customers read in bulk."""

    async def find(self, source: str, external_ids: Sequence[str]) -> dict[str, CustomerId]: ...

    async def add(
        self, source: str, external_id: str, customer_id: CustomerId, *, at: datetime
    ) -> None: ...

    async def add_many(
        self, source: str, refs: Sequence[tuple[str, CustomerId]], *, at: datetime
    ) -> None:
        """(external id, customer) pairs, in one statement."""
        ...

    async def add_customers(self, customers: Sequence[Customer]) -> None:
        """New customers in one statement (``Conflict`` when an e-mail is taken meanwhile)."""
        ...

    async def customers(self, ids: Sequence[CustomerId]) -> dict[CustomerId, Customer]: ...

    async def by_emails(self, emails: Sequence[str]) -> dict[str, Customer]: ...

    async def live_subscription_customers(self, ids: Sequence[CustomerId]) -> set[CustomerId]:
        """Those of ``ids`` with a subscription that has not ended."""
        ...


class AccountingReader(Protocol):
    """Documents whose instant falls in ``[start, end)``, in (instant, id) order, a page at a
    time after the ``after`` cursor (the last row's (instant, id) of the previous page)."""

    async def invoices(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[InvoiceRecord]:
        """Finalized invoices issued in the period, and those voided, paid offline or written
        off in it (each record carries every instant; the journal dates each entry)."""
        ...

    async def payments(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[PaymentRecord]: ...

    async def credit_notes(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[CreditNoteRecord]: ...

    async def refunds(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[RefundRecord]: ...


class IntegrationsUnit(SubscriptionsUnit, AuditUnit, Protocol):
    @property
    def imports(self) -> ImportRepository: ...

    @property
    def customer_refs(self) -> CustomerRefRepository: ...

    @property
    def accounting(self) -> AccountingReader: ...
