"""Composite and partial indexes that Piccolo columns cannot declare (plain SQL valid on both engines).

Piccolo runs a migration's raw steps before its table operations, so these live in their own
migration after the tables exist.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T19:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes: one price per plan and currency; due and leased jobs"

_INDEXES = {
    "plan_price_plan_currency": "CREATE UNIQUE INDEX plan_price_plan_currency ON plan_price (plan, currency)",
    "job_queued_run_at": "CREATE INDEX job_queued_run_at ON job (run_at) WHERE status = 'queued'",
    "job_running_locked_until": (
        "CREATE INDEX job_running_locked_until ON job (locked_until) WHERE status = 'running'"
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
