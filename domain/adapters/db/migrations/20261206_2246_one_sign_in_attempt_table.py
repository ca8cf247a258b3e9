"""Staff sign-in attempts move into ``sign_in_attempt`` (one attempt log for every audience; the
staff keys, ``staff-ip:<address>``, never meet a subscriber's) and ``staff_sign_in_attempt``
goes. The rows are copied first (Piccolo runs raw steps before table steps), so a client
address's recent failures still count across the upgrade."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T22:46:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "h14-signin: staff_sign_in_attempt merged into sign_in_attempt"

_COPY = """
INSERT INTO sign_in_attempt (id, key, at, succeeded)
SELECT id, key, at, succeeded FROM staff_sign_in_attempt
"""


async def _copy_rows():
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(_COPY)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_copy_rows)
    manager.drop_table(
        class_name="StaffSignInAttemptTable",
        tablename="staff_sign_in_attempt",
        schema=None,
    )
    return manager
