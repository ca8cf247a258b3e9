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
from domain.shared.ids import CustomerId
from domain.shared.money import Money
from domain.testclocks.model import ClockInvoice, TestClock


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
            (TestClockTable.id == clock_id) & (TestClockTable.frozen_at < to)
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

    async def customer_counts(self) -> dict[str, int]:
        rows = await CustomerTable.raw(
            "SELECT test_clock_id, COUNT(*) AS n FROM customer "
            "WHERE test_clock_id IS NOT NULL GROUP BY test_clock_id"
        )
        return {str(r["test_clock_id"]): int(r["n"]) for r in rows}

    async def customer_ids(self, clock_id: str, *, limit: int) -> list[CustomerId]:
        rows = (
            await CustomerTable.select(CustomerTable.id)
            .where(CustomerTable.test_clock_id == clock_id)
            .order_by(CustomerTable.name)
            .order_by(CustomerTable.id)
            .limit(limit)
        )
        return [CustomerId(r["id"]) for r in rows]

    async def invoices(self, clock_id: str, *, limit: int) -> list[ClockInvoice]:
        names = {
            r["id"]: r["name"]
            for r in await CustomerTable.select(CustomerTable.id, CustomerTable.name).where(
                CustomerTable.test_clock_id == clock_id
            )
        }
        if not names:
            return []
        rows = (
            await InvoiceTable.select(
                InvoiceTable.id,
                InvoiceTable.number,
                InvoiceTable.customer_id,
                InvoiceTable.issued_at,
                InvoiceTable.total_minor,
                InvoiceTable.currency,
                InvoiceTable.status,
            )
            .where(InvoiceTable.customer_id.is_in(list(names)))
            .where(InvoiceTable.number.is_not_null())
            .order_by(InvoiceTable.issued_at, ascending=False)
            .order_by(InvoiceTable.number, ascending=False)
            .limit(limit)
        )
        return [
            ClockInvoice(
                id=r["id"],
                number=r["number"],
                customer_id=CustomerId(r["customer_id"]),
                customer_name=names[r["customer_id"]],
                issued_at=r["issued_at"],
                total=Money.of_minor(int(r["total_minor"]), r["currency"]),
                status=r["status"],
            )
            for r in rows
        ]
