"""A test clock: a frozen instant staff move forward; its customers are billed on it. And the
rows the admin's clock pages read (a clock's invoices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.shared.ids import CustomerId
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class TestClock:
    __test__ = False  # not a pytest test class

    id: str
    name: str
    frozen_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClockInvoice:
    """An invoice of one of a clock's customers, issued on the clock's time."""

    id: str
    number: str
    customer_id: CustomerId
    customer_name: str
    issued_at: datetime
    total: Money
    status: str
