"""Indexes for finding a customer by e-mail or name as staff type (domain/support/search.py):
prefixes through ``lower(...)`` expression indexes (``text_pattern_ops`` on PostgreSQL, so a
``LIKE 'abc%'`` uses them whatever the collation), and "contains" through trigram GIN indexes
(the ``pg_trgm`` extension, trusted since PostgreSQL 13: the database owner may create it).
SQLite gets the plain expression indexes; its LIKE scans are fast enough at its scale."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Customer search: lower(email) and lower(name) prefix and trigram indexes"

_POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX customer_email_prefix ON customer (lower(email) text_pattern_ops)",
    "CREATE INDEX customer_name_prefix ON customer (lower(name) text_pattern_ops)",
    "CREATE INDEX customer_email_trgm ON customer USING gin (lower(email) gin_trgm_ops)",
    "CREATE INDEX customer_name_trgm ON customer USING gin (lower(name) gin_trgm_ops)",
)
_SQLITE = (
    "CREATE INDEX customer_email_prefix ON customer (lower(email))",
    "CREATE INDEX customer_name_prefix ON customer (lower(name))",
)
_NAMES = ("customer_email_prefix", "customer_name_prefix", "customer_email_trgm", "customer_name_trgm")


def _is_postgres(engine) -> bool:
    return engine.engine_type == "postgres"


async def _create_indexes():
    engine = engine_finder()
    assert engine is not None
    for ddl in _POSTGRES if _is_postgres(engine) else _SQLITE:
        await engine.run_ddl(ddl)


async def _drop_indexes():
    engine = engine_finder()
    assert engine is not None
    for name in _NAMES if _is_postgres(engine) else _NAMES[:2]:
        await engine.run_ddl(f"DROP INDEX {name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_create_indexes)
    manager.add_raw_backwards(_drop_indexes)
    return manager
