"""What test clocks need from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.payments.ports import PaymentsUnit
from domain.testclocks.model import TestClock


class TestClockRepository(Protocol):
    async def add(self, clock: TestClock) -> None: ...

    async def get(self, clock_id: str, *, lock: bool = False) -> TestClock | None: ...

    async def all(self) -> list[TestClock]: ...

    async def move(self, clock_id: str, to: datetime) -> None: ...

    async def open_invoices(self, clock_id: str) -> list[str]:
        """Open invoices with an amount due and no payment attempt yet, of the clock's customers."""
        ...


class TestClocksUnit(PaymentsUnit, Protocol):
    """Advancing a test clock renews and collects its customers' subscriptions."""

    @property
    def test_clocks(self) -> TestClockRepository: ...
