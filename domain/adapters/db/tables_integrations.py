"""Piccolo tables of the integrations (listed in ``tables.py``'s ``ALL_TABLES``): the CRM imports
with their files, and the customers' external ids (domain/integrations)."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Bytea, Integer, Timestamptz, Varchar
from piccolo.table import Table


class CustomerImportTable(Table, tablename="customer_import"):
    """One CRM import: the file as uploaded (``content``), the mapping chosen (target -> column
    name), its status and counts, and the row errors kept (at most 1,000; ``error_count`` counts
    all)."""

    id = Varchar(length=36, primary_key=True)
    file_name = Varchar(length=200)
    source = Varchar(length=40)
    created_at = Timestamptz(index=True)
    created_by = Varchar(length=254)
    created_by_id = Varchar(length=36, null=True, default=None)
    header = JSON(default=[])
    total_rows = Integer(default=0)
    mapping = JSON(default={})
    with_subscriptions = Boolean(default=False)
    status = Varchar(length=12)
    done_rows = Integer(default=0)
    created = Integer(default=0)
    updated = Integer(default=0)
    subscribed = Integer(default=0)
    error_count = Integer(default=0)
    errors = JSON(default=[])
    checked_at = Timestamptz(default=None, null=True)
    started_at = Timestamptz(default=None, null=True)
    finished_at = Timestamptz(default=None, null=True)
    content = Bytea(default=b"")


class CustomerExternalRefTable(Table, tablename="customer_external_ref"):
    """A customer's id in another system: ``key`` is ``source:external_id``, so an external id
    is unique per source (a customer may have ids in several sources)."""

    key = Varchar(length=142, primary_key=True)
    source = Varchar(length=40)
    external_id = Varchar(length=100)
    customer_id = Varchar(length=36, index=True)
    created_at = Timestamptz()


INTEGRATION_TABLES: tuple[type[Table], ...] = (CustomerImportTable, CustomerExternalRefTable)
