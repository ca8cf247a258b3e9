"""The customer entity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.shared.ids import CustomerId
from domain.shared.money import Money


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


@dataclass(frozen=True, slots=True)
class BalanceTransaction:
    """A hand adjustment of a customer's balance (``balance.py``): ``amount_minor`` moves
    ``balance_minor`` (negative: credit granted, as in Stripe's customer balance transactions);
    ``ending_balance_minor`` is the balance after it."""

    id: str
    customer_id: CustomerId
    amount_minor: int
    currency: str
    ending_balance_minor: int
    description: str
    created_at: datetime
    created_by: str | None = None  # the staff member's e-mail

    @property
    def amount(self) -> Money:
        return Money.of_minor(self.amount_minor, self.currency)

    @property
    def ending_balance(self) -> Money:
        return Money.of_minor(self.ending_balance_minor, self.currency)
