"""The analytics read model's composite index: a page reads one slice (plan, currency, country)
over a range of days (plain SQL valid on both engines; Piccolo columns cannot declare it, and raw
steps run before table operations, hence its own migration after 20261207_0510)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T05:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index: the analytics read model by slice and day"

_INDEXES = {
    "mrr_daily_aggregate_slice_day": (
        "CREATE INDEX mrr_daily_aggregate_slice_day ON mrr_daily_aggregate "
        "(plan_code, currency, country, day)"
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
