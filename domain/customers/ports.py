"""What the customer use cases need from storage."""

from __future__ import annotations

from typing import Protocol

from domain.customers.model import Customer
from domain.shared.ids import CustomerId
from domain.shared.transaction import Transaction


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> None: ...

    async def get(self, customer_id: CustomerId, *, lock: bool = False) -> Customer | None:
        """``lock``: hold the row until the transaction ends (the balance is about to move)."""
        ...

    async def get_by_email(self, email: str) -> Customer | None: ...

    async def save(self, customer: Customer) -> None: ...


class CustomersUnit(Transaction, Protocol):
    """The customer use cases' unit of work."""

    @property
    def customers(self) -> CustomerRepository: ...
