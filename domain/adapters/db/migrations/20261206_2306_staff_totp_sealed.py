"""staff_member.totp_secret and totp_pending_secret widen to hold a sealed secret ("sealed:" and a
Fernet token). Rows stored plain stay readable and are sealed at their next use (the code step,
or the enrolment page): docs/admin.md, "The TOTP secret"."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-06T23:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "h14-signin: staff TOTP secrets sealed (wider columns)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="StaffMemberTable",
        tablename="staff_member",
        column_name="totp_secret",
        db_column_name="totp_secret",
        params={"length": 255},
        old_params={"length": 64},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="StaffMemberTable",
        tablename="staff_member",
        column_name="totp_pending_secret",
        db_column_name="totp_pending_secret",
        params={"length": 255},
        old_params={"length": 64},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
