"""At most one active tax rate per country and region (the region compared without case): a
partial unique index, plain SQL valid on both engines (Piccolo columns cannot declare it).

Piccolo runs a migration's raw steps before its table operations, so it lives in its own
migration after the column exists.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T03:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Tax rates: one active rate per jurisdiction"

_NAME = "tax_rate_one_active"
_DDL = (
    f"CREATE UNIQUE INDEX {_NAME} ON tax_rate (country, lower(coalesce(region, '')))"
    " WHERE archived_at IS NULL"
)


async def _create_index():
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(_DDL)


async def _drop_index():
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(f"DROP INDEX {_NAME}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_create_index)
    manager.add_raw_backwards(_drop_index)
    return manager
