"""What test clocks need from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.audit.ports import AuditUnit
from domain.payments.ports import PaymentsUnit
from domain.shared.ids import CustomerId
from domain.testclocks.model import ClockInvoice, TestClock


class TestClockRepository(Protocol):
    async def add(self, clock: TestClock) -> None: ...

    async def get(self, clock_id: str, *, lock: bool = False) -> TestClock | None: ...

    async def all(self) -> list[TestClock]: ...

    async def move(self, clock_id: str, to: datetime) -> None:
        """Move the clock forward to ``to``; never back (an advance running at the same time
        that went further keeps its time)."""
        ...

    async def open_invoices(self, clock_id: str) -> list[str]:
        """Open invoices with an amount due and no payment attempt yet, of the clock's customers."""
        ...

    async def customer_counts(self) -> dict[str, int]:
        """How many customers each clock has (clocks without customers are left out)."""
        ...

    async def customer_ids(self, clock_id: str, *, limit: int) -> list[CustomerId]:
        """The clock's customers, by name."""
        ...

    async def invoices(self, clock_id: str, *, limit: int) -> list[ClockInvoice]:
        """Finalized invoices of the clock's customers, the newest first."""
        ...


class TestClocksUnit(PaymentsUnit, Protocol):
    """Advancing a test clock renews and collects its customers' subscriptions."""

    @property
    def test_clocks(self) -> TestClockRepository: ...


class TestClocksStaffUnit(TestClocksUnit, AuditUnit, Protocol):
    """Staff change test clocks from the admin: every change is audited in its transaction."""
