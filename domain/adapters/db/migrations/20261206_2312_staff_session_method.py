"""staff_session.method: how the session's sign-in began (password, or oidc: staff single
sign-on), so the code step audits ``staff.signed_in`` with the right method. Existing rows are
password sessions (the default)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T23:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "h14-signin: staff_session.method (password or oidc)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)

    manager.add_column(
        table_class_name="StaffSessionTable",
        tablename="staff_session",
        column_name="method",
        db_column_name="method",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
            "default": "password",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
