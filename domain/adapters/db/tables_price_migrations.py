"""Piccolo tables of price migrations (listed in ``tables.py``'s ``ALL_TABLES``): a migration,
and one notice row per subscription it announced a move to."""

from __future__ import annotations

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table


class PriceMigrationTable(Table, tablename="price_migration"):
    """Subscriptions on ``from_plan_id`` move to ``to_plan_id`` from ``effective_at``.
    ``open_from_plan`` is ``from_plan_id`` while the migration is scheduled and NULL after: its
    unique index allows one scheduled migration per old version (NULLs never collide)."""

    id = Varchar(length=36, primary_key=True)
    plan_code = Varchar(length=64, index=True)
    from_plan_id = Varchar(length=36)
    to_plan_id = Varchar(length=36)
    effective_at = Timestamptz()
    notice_days = Integer()
    status = Varchar(length=16)
    scheduled_by = Varchar(length=254)
    created_at = Timestamptz()
    closed_at = Timestamptz(default=None, null=True)
    open_from_plan = Varchar(length=36, null=True, default=None, unique=True)


class PriceMigrationNoticeTable(Table, tablename="price_migration_notice"):
    """A subscription's notice; the primary key ``<migration>:<subscription>`` makes it once."""

    id = Varchar(length=80, primary_key=True)
    migration_id = Varchar(length=36, index=True)
    subscription_id = Varchar(length=36)
    notified_at = Timestamptz()
    move_at = Timestamptz()
    moved_at = Timestamptz(default=None, null=True)


PRICE_MIGRATION_TABLES: tuple[type[Table], ...] = (PriceMigrationTable, PriceMigrationNoticeTable)
