"""Usage events for the API (docs/api.md, "Usage events").

- An event's idempotency key is unique per subscription (it was unique across all of them): the
  unique index ``usage_event_subscription_key`` on ``(subscription, idempotency_key)``, which a
  batch's ``INSERT ... ON CONFLICT DO NOTHING`` names.
- ``usage_event_subscription_at`` on ``(subscription, at)``: a subscription's events from an
  instant (the engine's, one by one), a period's to sum, and the last one's value.
- The single-column indexes on ``subscription`` and ``at`` go: the two above start with
  ``subscription`` (and every read of events names one), and each index is work for every
  event written (bench/usage_ingest.py).

Piccolo cannot declare these indexes on columns and runs a migration's raw steps *before* its
table operations, so ``_Manager`` creates them after the table operations, in the same
transaction. SQLite cannot drop a column's UNIQUE constraint: there the raw step first rebuilds
``usage_event`` without it (no table references it) and Piccolo's ``DROP CONSTRAINT`` is skipped.
Going backwards on SQLite is refused (restore a backup instead); on PostgreSQL it fails if two
subscriptions used one key meanwhile.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey, Timestamptz, Varchar
from piccolo.engine import engine_finder

ID = "2026-12-08T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Usage events: idempotency keys unique per subscription"

_INDEXES = {
    "usage_event_subscription_key": (
        "CREATE UNIQUE INDEX usage_event_subscription_key ON usage_event "
        "(subscription, idempotency_key)"
    ),
    "usage_event_subscription_at": (
        "CREATE INDEX usage_event_subscription_at ON usage_event (subscription, at)"
    ),
}

_UNIQUE_KEY = '"idempotency_key" VARCHAR(200) UNIQUE DEFAULT null'


def _engine():
    engine = engine_finder()
    assert engine is not None
    return engine


async def _sqlite_drop_unique_key():
    engine = _engine()
    if engine.engine_type != "sqlite":
        return
    rows = await engine.run_ddl(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'usage_event' "
        "AND sql IS NOT NULL"
    )
    table = next(r["sql"] for r in rows if r["type"] == "table")
    dropped = ("usage_event_subscription", "usage_event_at")  # Piccolo's are skipped here
    indexes = [r["sql"] for r in rows if r["type"] == "index" and r["name"] not in dropped]
    assert table.count(_UNIQUE_KEY) == 1, table
    new_table = table.replace('CREATE TABLE "usage_event"', 'CREATE TABLE "usage_event__new"', 1)
    new_table = new_table.replace(_UNIQUE_KEY, '"idempotency_key" VARCHAR(200) DEFAULT null')
    for ddl in (
        new_table,
        'INSERT INTO "usage_event__new" SELECT * FROM "usage_event"',
        'DROP TABLE "usage_event"',
        'ALTER TABLE "usage_event__new" RENAME TO "usage_event"',
        *indexes,
    ):
        await engine.run_ddl(ddl)


async def _drop_indexes():
    engine = _engine()
    for name in _INDEXES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


class _Manager(MigrationManager):
    async def _run_alter_columns(self, backwards=False):
        sqlite = _engine().engine_type == "sqlite"
        if backwards and sqlite:
            raise RuntimeError(
                "usage keys per subscription cannot be undone on SQLite (restoring the UNIQUE"
                " constraint needs a table rebuild); restore a backup"
            )
        if not sqlite:  # on SQLite the raw step already rebuilt usage_event without it
            await super()._run_alter_columns(backwards=backwards)
        if not backwards and not self.preview:
            for ddl in _INDEXES.values():
                await _engine().run_ddl(ddl)


async def forwards():
    manager = _Manager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_sqlite_drop_unique_key)
    manager.add_raw_backwards(_drop_indexes)

    manager.alter_column(
        table_class_name="UsageEventTable",
        tablename="usage_event",
        column_name="idempotency_key",
        db_column_name="idempotency_key",
        params={"unique": False},
        old_params={"unique": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
    manager.alter_column(
        table_class_name="UsageEventTable",
        tablename="usage_event",
        column_name="subscription",
        db_column_name="subscription",
        params={"index": False},
        old_params={"index": True},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )
    manager.alter_column(
        table_class_name="UsageEventTable",
        tablename="usage_event",
        column_name="at",
        db_column_name="at",
        params={"index": False},
        old_params={"index": True},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    return manager
