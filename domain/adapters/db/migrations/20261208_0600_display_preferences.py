"""A person's display: language, digits and calendar (domain.shared.display.DisplayPreferences)
on subscriber accounts and on staff members; ``{}`` is not chosen (the browser's language,
else the site's)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-08T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account and staff_member: display_preferences (language, digits, calendar)"


def _params():
    return {
        "default": "{}",
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="subscriptions", description=DESCRIPTION
    )
    for class_name, tablename in (
        ("AccountTable", "account"),
        ("StaffMemberTable", "staff_member"),
    ):
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="display_preferences",
            db_column_name="display_preferences",
            column_class_name="JSON",
            column_class=JSON,
            params=_params(),
            schema=None,
        )
    return manager
