"""The audit log's own order: entries written at one instant (one transaction, or a frozen clock)
keep the order they were written in. PostgreSQL gets a ``seq`` column filled from a sequence on
insert (existing rows numbered in the table's order); SQLite orders by its ``rowid``, which
already grows with every insert. The column is not in the Piccolo table: only the database
writes it, and the audit repository orders by it (``tie_breaker`` in repositories/audit.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_entry: the order entries were written in (seq on PostgreSQL)"


async def _add_seq():
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type != "sqlite":
        await engine.run_ddl("ALTER TABLE audit_entry ADD COLUMN seq BIGSERIAL")


async def _drop_seq():
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type != "sqlite":
        await engine.run_ddl("ALTER TABLE audit_entry DROP COLUMN seq")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_add_seq)
    manager.add_raw_backwards(_drop_seq)
    return manager
