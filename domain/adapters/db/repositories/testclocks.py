"""Test clocks on Piccolo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.adapters.db.tables import (
    CustomerTable,
    InvoiceTable,
    PaymentAttemptTable,
    TestClockTable,
)
from domain.testclocks.model import TestClock


def _clock(row: dict[str, Any]) -> TestClock:
    return TestClock(row["id"], row["name"], row["frozen_at"], row["created_at"])


class PiccoloTestClockRepository:
    __test__ = False

    async def add(self, clock: TestClock) -> None:
        await TestClockTable.insert(
            TestClockTable(
                id=clock.id, name=clock.name, frozen_at=clock.frozen_at, created_at=clock.created_at
            )
        )

    async def get(self, clock_id: str, *, lock: bool = False) -> TestClock | None:
        row = await TestClockTable.select().where(TestClockTable.id == clock_id).first()
        return _clock(row) if row else None

    async def all(self) -> list[TestClock]:
        rows = await TestClockTable.select().order_by(TestClockTable.created_at)
        return [_clock(r) for r in rows]

    async def move(self, clock_id: str, to: datetime) -> None:
        await TestClockTable.update({TestClockTable.frozen_at: to}).where(
            TestClockTable.id == clock_id
        )

    async def open_invoices(self, clock_id: str) -> list[str]:
        customers = [
            r["id"]
            for r in await CustomerTable.select(CustomerTable.id).where(
                CustomerTable.test_clock_id == clock_id
            )
        ]
        if not customers:
            return []
        invoices = [
            r["id"]
            for r in await InvoiceTable.select(InvoiceTable.id)
            .where(InvoiceTable.customer_id.is_in(customers))
            .where(InvoiceTable.status == "open")
            .where(InvoiceTable.amount_due_minor > 0)
            .order_by(InvoiceTable.issued_at)
        ]
        if not invoices:
            return []
        tried = {
            r["invoice"]
            for r in await PaymentAttemptTable.select(PaymentAttemptTable.invoice).where(
                PaymentAttemptTable.invoice.is_in(invoices)
            )
        }
        return [i for i in invoices if i not in tried]
