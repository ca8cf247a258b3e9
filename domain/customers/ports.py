"""What the customer use cases need from storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.customers.model import BalanceTransaction, Customer
from domain.outbound.ports import OutboundUnit
from domain.shared.ids import CustomerId


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> None: ...

    async def get(self, customer_id: CustomerId, *, lock: bool = False) -> Customer | None:
        """``lock``: hold the row until the transaction ends (the balance is about to move)."""
        ...

    async def get_many(
        self, customer_ids: Sequence[CustomerId], *, lock: bool = False
    ) -> list[Customer]:
        """Those that exist, in id order (``lock``: locked in that order, in one statement)."""
        ...

    async def get_by_email(self, email: str) -> Customer | None: ...

    async def save(self, customer: Customer) -> None: ...

    async def page(self, *, after: str | None, limit: int) -> list[Customer]:
        """Up to ``limit`` customers ordered by id, those after ``after`` (an id) when given."""
        ...


class BalanceTransactionRepository(Protocol):
    """Adjustments of customers' balances (``domain/customers/balance.py``); add and read."""

    async def add(self, entry: BalanceTransaction) -> None: ...

    async def for_customer(
        self, customer_id: CustomerId, *, limit: int
    ) -> list[BalanceTransaction]:
        """Newest first."""
        ...


class CustomersUnit(OutboundUnit, Protocol):
    """The customer use cases' unit of work."""

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def balance_transactions(self) -> BalanceTransactionRepository: ...
