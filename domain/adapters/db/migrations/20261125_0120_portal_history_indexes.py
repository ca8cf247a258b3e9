"""Indexes for the subscriber portal's history pages: a customer's invoices newest first, and
their credit notes (plain SQL valid on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T01:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes: invoice (customer_id, issued_at, id); credit_note (customer_id, issued_at)"

_INDEXES = {
    "invoice_customer_issued_at": (
        "CREATE INDEX invoice_customer_issued_at ON invoice (customer_id, issued_at, id)"
    ),
    "credit_note_customer_issued_at": (
        "CREATE INDEX credit_note_customer_issued_at ON credit_note (customer_id, issued_at)"
    ),
}


async def _create_indexes():
    engine = engine_finder()
    assert engine is not None
    for ddl in _INDEXES.values():
        await engine.run_ddl(ddl)


async def _drop_indexes():
    engine = engine_finder()
    assert engine is not None
    for name in _INDEXES:
        await engine.run_ddl(f"DROP INDEX {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    manager.add_raw_backwards(_drop_indexes)
    return manager
