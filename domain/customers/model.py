"""The customer entity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.shared.ids import CustomerId


@dataclass(frozen=True, slots=True)
class Customer:
    """A buyer: billing details (what invoices snapshot), tax status and the credit balance.

    ``balance_minor`` is negative when the business owes the customer (credit for next time), in
    ``currency``; a customer is billed in one currency."""

    id: CustomerId
    email: str
    name: str
    currency: str
    country: str = ""
    region: str | None = None
    address_lines: tuple[str, ...] = ()
    tax_id: str | None = None
    tax_exempt: bool = False
    timezone: str = "UTC"
    balance_minor: int = 0
    created_at: datetime | None = None
    test_clock_id: str | None = None  # billed on a sandbox test clock's time, not real time
