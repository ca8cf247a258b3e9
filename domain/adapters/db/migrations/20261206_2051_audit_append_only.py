"""The audit log is append-only in the database itself: a trigger refuses UPDATE and DELETE on
``audit_entry`` (PostgreSQL: a PL/pgSQL function raising an exception; SQLite: RAISE(ABORT)).
Runs after the migration that creates the table (Piccolo runs raw steps before table steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T20:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_entry: triggers refuse UPDATE and DELETE"

_POSTGRES = [
    """
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_entry_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
    """
    CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
    """,
]
_SQLITE = [
    """
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
    BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
    BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END
    """,
]


async def _create_triggers():
    engine = engine_finder()
    assert engine is not None
    statements = _SQLITE if engine.engine_type == "sqlite" else _POSTGRES
    for ddl in statements:
        await engine.run_ddl(ddl)


async def _drop_triggers():
    engine = engine_finder()
    assert engine is not None
    if engine.engine_type == "sqlite":
        await engine.run_ddl("DROP TRIGGER audit_entry_no_update")
        await engine.run_ddl("DROP TRIGGER audit_entry_no_delete")
    else:
        await engine.run_ddl("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
        await engine.run_ddl("DROP TRIGGER audit_entry_no_update_or_delete ON audit_entry")
        await engine.run_ddl("DROP FUNCTION audit_entry_append_only()")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_create_triggers)
    manager.add_raw_backwards(_drop_triggers)
    return manager
