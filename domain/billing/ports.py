"""What billing needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.billing.issued import InvoiceSummary, IssuedCreditNote, IssuedInvoice
from domain.notifications.ports import NotificationsUnit
from domain.outbound.ports import OutboundUnit


class InvoiceRepository(Protocol):
    async def next_number(self, prefix: str) -> int:
        """Take the next number of a series inside the current transaction (gapless: a rollback
        gives it back). Creates the series on first use."""
        ...

    async def reserve_numbers(self, prefix: str, count: int) -> int:
        """Take ``count`` consecutive numbers of a series inside the current transaction and
        return the first (gapless like ``next_number``: the series row stays locked until the
        transaction ends, and a rollback gives them back)."""
        ...

    async def set_numbers(self, numbers: dict[str, str]) -> None:
        """Give invoices stored without a number (``numbered=False``) their numbers, by id."""
        ...

    async def add(self, issued: IssuedInvoice) -> None:
        """Store an issued invoice; ``Conflict`` (``billing.duplicate_cycle``) if the subscription
        already has a renewal invoice for that period."""
        ...

    async def add_many(self, invoices: Sequence[IssuedInvoice]) -> None:
        """Store invoices (and their lines) in a few multi-row statements, in order; a renewal
        invoice whose period its subscription has one for already is a ``Conflict``."""
        ...

    async def get(self, invoice_id: str) -> IssuedInvoice | None: ...

    async def get_many(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        """Those that exist, with their lines (two queries)."""
        ...

    async def existing_cycle_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these renewal keys (``subscription:period start``) an invoice has."""
        ...

    async def get_for_update(self, invoice_id: str) -> IssuedInvoice | None:
        """Load the invoice and lock its row until the transaction ends, so status changes and
        credit notes on one invoice happen one at a time (``SELECT ... FOR UPDATE`` on
        PostgreSQL; on SQLite the write transaction already holds the only write lock)."""
        ...

    async def get_many_for_update(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        """``get_for_update`` for several invoices in two queries (the rows, their lines): those
        that exist, locked in id order (two transactions locking several never wait in a circle)."""
        ...

    async def mark_paid_many(self, invoice_ids: Sequence[str], at: datetime) -> None:
        """``update_state`` of each invoice after ``mark_paid(at)`` (no offline payment), in one
        statement: only the status, ``paid_at`` and the offline payment change."""
        ...

    async def update_state(self, issued: IssuedInvoice) -> None:
        """Store a lifecycle change: status, number and issue instant (at finalization) and the
        paid/voided/uncollectible instants. Amounts, lines and the snapshot never change."""
        ...

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None: ...

    async def history(self, customer_id: str, *, limit: int, offset: int) -> list[InvoiceSummary]:
        """The customer's finalized invoices (no drafts), newest first, one page of them (the
        ``(customer_id, issued_at)`` index serves it), each saying whether its PDF is stored."""
        ...

    async def count_finalized(self, customer_id: str) -> int:
        """How many finalized invoices the customer has (for the page count)."""
        ...


class CreditNoteRepository(Protocol):
    async def add(self, note: IssuedCreditNote) -> None: ...

    async def get(self, credit_note_id: str) -> IssuedCreditNote | None: ...

    async def list_for_invoice(self, invoice_id: str) -> list[IssuedCreditNote]:
        """The invoice's credit notes, oldest first."""
        ...

    async def list_for_customer(self, customer_id: str) -> list[IssuedCreditNote]:
        """The customer's credit notes, newest first."""
        ...

    async def total_for_invoice(self, invoice_id: str) -> int:
        """The sum of the totals of the invoice's credit notes, in minor units."""
        ...


class BillingUnit(NotificationsUnit, OutboundUnit, Protocol):
    """Invoices and credit notes, with the jobs and notices their issuing queues."""

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def credit_notes(self) -> CreditNoteRepository: ...
