"""The promotions' version (one row, ``id`` 1): every write of a coupon or a promotion code
(added, deactivated, a redemption counted) raises it in its transaction, and each process's
promotion cache compares it with the version its codes were read at
(``domain/promotions/cache.py``). The row is made by the first write (no row reads as 0)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-14T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "promotions_version: one row raised by every coupon and promotion code write (the pages' promotion caches)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="subscriptions", description=DESCRIPTION
    )

    manager.add_table(
        class_name="PromotionsVersionTable",
        tablename="promotions_version",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="PromotionsVersionTable",
        tablename="promotions_version",
        column_name="id",
        db_column_name="id",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PromotionsVersionTable",
        tablename="promotions_version",
        column_name="version",
        db_column_name="version",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
