"""Piccolo tables of the customers context beside ``customer`` itself (which is in
``tables.py``, as are these in ``ALL_TABLES``): hand adjustments of the balance."""

from __future__ import annotations

from piccolo.columns import BigInt, Text, Timestamptz, Varchar
from piccolo.table import Table


class CustomerBalanceTransactionTable(Table, tablename="customer_balance_transaction"):
    """A hand adjustment of ``customer.balance_minor`` (negative ``amount_minor``: credit
    granted), with the balance after it; added, never changed."""

    id = Varchar(length=36, primary_key=True)
    customer_id = Varchar(length=36, index=True)
    amount_minor = BigInt(default=0)
    currency = Varchar(length=3)
    ending_balance_minor = BigInt(default=0)
    description = Text(default="")
    created_at = Timestamptz(default=None, null=True)
    created_by = Varchar(length=254, null=True, default=None)


CUSTOMER_TABLES: tuple[type[Table], ...] = (CustomerBalanceTransactionTable,)
