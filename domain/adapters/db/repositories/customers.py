"""Customers' balance transactions on Piccolo (the customer row's repository is in
``subscriptions.py``, beside the subscription it is read with)."""

from __future__ import annotations

from typing import Any

from domain.adapters.db.tables_customers import CustomerBalanceTransactionTable
from domain.customers.model import BalanceTransaction
from domain.shared.ids import CustomerId


def _entry(row: dict[str, Any]) -> BalanceTransaction:
    return BalanceTransaction(
        id=row["id"],
        customer_id=CustomerId(row["customer_id"]),
        amount_minor=int(row["amount_minor"]),
        currency=row["currency"],
        ending_balance_minor=int(row["ending_balance_minor"]),
        description=row["description"],
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


class PiccoloBalanceTransactionRepository:
    async def add(self, entry: BalanceTransaction) -> None:
        t = CustomerBalanceTransactionTable
        await t.insert(
            t(
                id=entry.id,
                customer_id=entry.customer_id,
                amount_minor=entry.amount_minor,
                currency=entry.currency,
                ending_balance_minor=entry.ending_balance_minor,
                description=entry.description,
                created_at=entry.created_at,
                created_by=entry.created_by,
            )
        )

    async def for_customer(
        self, customer_id: CustomerId, *, limit: int
    ) -> list[BalanceTransaction]:
        t = CustomerBalanceTransactionTable
        rows = (
            await t.select()
            .where(t.customer_id == customer_id)
            .order_by(t.created_at, ascending=False)
            .order_by(t.id, ascending=False)
            .limit(limit)
        )
        return [_entry(row) for row in rows]
