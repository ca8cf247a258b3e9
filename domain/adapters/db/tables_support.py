"""Piccolo tables of what support staff write about a customer (beside ``tables.py``, which lists
these in ``ALL_TABLES``)."""

from __future__ import annotations

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table


class CustomerNoteTable(Table, tablename="customer_note"):
    """A staff note on a customer (added, never changed; never shown to the subscriber)."""

    id = Varchar(length=36, primary_key=True)
    customer_id = Varchar(length=36, index=True)
    staff_id = Varchar(length=36)
    staff_email = Varchar(length=254)
    staff_name = Varchar(length=200, default="")
    body = Text(default="")
    created_at = Timestamptz(default=None, null=True)


SUPPORT_TABLES: tuple[type[Table], ...] = (CustomerNoteTable,)
