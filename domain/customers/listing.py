"""Customers a page at a time for the API: ordered by id, a page after a cursor (the last id of
the previous page), at most ``MAX_LIMIT`` a page."""

from __future__ import annotations

from dataclasses import dataclass

from domain.customers.model import Customer
from domain.customers.ports import CustomersUnit

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class CustomerPage:
    customers: tuple[Customer, ...]
    has_more: bool

    @property
    def next_cursor(self) -> str | None:
        return self.customers[-1].id if self.has_more and self.customers else None


async def list_customers(*, after: str | None, limit: int, uow: CustomersUnit) -> CustomerPage:
    limit = min(max(1, limit), MAX_LIMIT)
    async with uow:
        rows = await uow.customers.page(after=after, limit=limit + 1)
    return CustomerPage(tuple(rows[:limit]), has_more=len(rows) > limit)
