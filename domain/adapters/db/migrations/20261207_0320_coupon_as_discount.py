"""Coupons and promotion codes, step 1 of 3 (issue 15): the ``coupon`` table becomes the
discount alone. ``code`` becomes the coupon's ``id`` (an existing coupon keeps its code as its
id), ``expires_at`` becomes ``redeem_by``; ``name`` and ``created_at`` are new. Step 2 creates
``promotion_code``, step 3 moves each coupon's customer-facing limits onto a promotion code with
the same code."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "i15-promo: coupon.code -> id, expires_at -> redeem_by, name, created_at"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)

    manager.rename_column(
        table_class_name="CouponTable",
        tablename="coupon",
        old_column_name="code",
        new_column_name="id",
        old_db_column_name="code",
        new_db_column_name="id",
        schema=None,
    )

    manager.rename_column(
        table_class_name="CouponTable",
        tablename="coupon",
        old_column_name="expires_at",
        new_column_name="redeem_by",
        old_db_column_name="expires_at",
        new_db_column_name="redeem_by",
        schema=None,
    )

    manager.add_column(
        table_class_name="CouponTable",
        tablename="coupon",
        column_name="name",
        db_column_name="name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": "",
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

    manager.add_column(
        table_class_name="CouponTable",
        tablename="coupon",
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
