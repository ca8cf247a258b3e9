"""Coupons and promotion codes, step 3 of 3 (issue 15): every existing coupon gets a promotion
code with the same code that carries the coupon's customer-facing limits (expiry, maximum
redemptions, first subscription only) and its redemption count; the coupon keeps its terms, its
count and its code as id and name, and its own limits start empty (its one code holds them, so
nothing a customer can redeem changes). Then ``coupon.first_subscription_only`` is dropped.

Piccolo runs a migration's raw steps before its table operations: the copy reads the column
before it is dropped. Going backwards is refused (restore a backup instead).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-07T03:22:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "i15-promo: a promotion code for every coupon; coupon limits move onto it"


async def _codes_from_coupons():
    import uuid

    class _Coupon(Table, tablename="coupon", db=engine_finder()):
        pass

    rows = await _Coupon.raw("SELECT id FROM coupon ORDER BY id")
    for row in rows:
        await _Coupon.raw(
            "INSERT INTO promotion_code (id, code, coupon, active, expires_at, max_redemptions,"
            " first_subscription_only, minimum_amounts, times_redeemed, created_at)"
            " SELECT {}, id, id, {}, redeem_by, max_redemptions, first_subscription_only, {},"
            " times_redeemed, created_at FROM coupon WHERE id = {}",
            str(uuid.uuid4()),
            True,
            "{}",
            row["id"],
        )
    await _Coupon.raw("UPDATE coupon SET redeem_by = NULL, max_redemptions = NULL, name = id")


async def _refuse_backwards():
    raise RuntimeError("Coupons cannot move back to one table: restore a backup instead.")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_codes_from_coupons)
    manager.add_raw_backwards(_refuse_backwards)
    manager.drop_column(
        table_class_name="CouponTable",
        tablename="coupon",
        column_name="first_subscription_only",
        db_column_name="first_subscription_only",
        schema=None,
    )
    return manager
