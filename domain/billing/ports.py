"""What billing needs from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.billing.issued import IssuedInvoice


class InvoiceRepository(Protocol):
    async def next_number(self, prefix: str) -> int:
        """Take the next number of a series inside the current transaction (gapless: a rollback
        gives it back). Creates the series on first use."""
        ...

    async def add(self, issued: IssuedInvoice) -> None:
        """Store an issued invoice; ``Conflict`` (``billing.duplicate_cycle``) if the subscription
        already has a renewal invoice for that period."""
        ...

    async def get(self, invoice_id: str) -> IssuedInvoice | None: ...

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None: ...
