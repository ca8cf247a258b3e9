"""Coupons and promotion codes on the database: the upgrade turns each old coupon into a
coupon and a code with the same code, and racing buyers for a code's last redemption get one
subscription between them, counted once on the code and once on the coupon."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import SubscriptionTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.pricing.coupons import CouponDuration
from domain.promotions.model import PromotionCode
from domain.promotions.redemption import find_promotion
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.support.promotions import add_promotion
from tests.unit.billing._builders import make_plan
from web.jobs import build_registry

pytestmark = pytest.mark.integration

BEFORE_PROMOTION_CODES = "2026-12-06T23:12:00:000000"
CONFIG = BillingConfig(seller_country="US")


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def test_the_upgrade_gives_each_coupon_a_promotion_code_with_its_limits(
    database: TestDatabase, tmp_path: Path, clock: FrozenClock
) -> None:
    import domain.adapters.db.piccolo_conf as conf

    old = await TestDatabase.create(
        database._admin_url or None, tmp_path, migrate_to=BEFORE_PROMOTION_CODES
    )
    try:
        columns = (
            "code, duration, percent_off, amounts_off, duration_in_months, expires_at,"
            " max_redemptions, plan_codes, first_subscription_only, times_redeemed"
        )
        await old.engine.run_ddl(
            f"INSERT INTO coupon ({columns}) VALUES ('SPRING', 'repeating', '12.5', '{{}}', 3,"
            " '2030-01-01T00:00:00+00:00', 100, '[\"team\"]', TRUE, 7)"
        )
        await old.engine.run_ddl(
            f"INSERT INTO coupon ({columns}) VALUES ('FIVE', 'once', NULL, '{{\"USD\": 500}}',"
            " NULL, NULL, NULL, '[]', FALSE, 0)"
        )
        await apply_migrations(old.engine, quiet=True)

        uow = _uow(old, clock)
        async with uow:
            spring = await find_promotion(uow, " spring ")
            five = await find_promotion(uow, "FIVE")
        assert spring is not None and five is not None
        code, coupon = spring.code, spring.coupon
        assert (code.code, code.coupon_id, code.active) == ("SPRING", "SPRING", True)
        assert code.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
        assert (code.max_redemptions, code.first_subscription_only, code.times_redeemed) == (
            100, True, 7,
        )  # fmt: skip
        assert code.minimum_amounts == {}
        assert (coupon.id, coupon.name, coupon.percent_off, coupon.duration_in_months) == (
            "SPRING", "SPRING", Decimal("12.5"), 3,
        )  # fmt: skip
        assert coupon.plan_codes == frozenset({"team"}) and coupon.times_redeemed == 7
        assert (coupon.redeem_by, coupon.max_redemptions) == (None, None)  # the code holds them
        assert five.coupon.amounts_off == {"USD": 500} and five.code.expires_at is None
        assert five.code.id != spring.code.id
    finally:
        await old.drop()
        conf.DB = database.engine
        bind_tables(database.engine)


async def test_two_buyers_racing_for_the_last_redemption_get_one_subscription(
    db: TestDatabase, clock: FrozenClock
) -> None:
    uow = _uow(db, clock)
    async with uow:
        await uow.plans.add(make_plan("team"))
        await add_promotion(uow, "LAST", CouponDuration.ONCE, percent_off=Decimal(10),
                            max_redemptions=1)  # fmt: skip
        await add_promotion(uow, "SHARED", CouponDuration.ONCE, percent_off=Decimal(10),
                            coupon_max_redemptions=1)  # fmt: skip
        # a second code for the same coupon: the coupon's own maximum binds both codes
        await uow.promotion_codes.add(PromotionCode("promo-shared-2", "SHARED2", "SHARED"))
        await uow.commit()
    buyers = []
    for i in range(4):
        buyers.append(
            await create_customer(
                email=f"buyer{i}@example.test",
                name=f"Buyer {i}",
                currency="USD",
                country="US",
                region="NY",
                address_lines=("1 Main St",),
                uow=_uow(db, clock),
                clock=clock,
            )
        )

    async def buy(customer_id: str, code: str) -> object:
        return await subscribe(
            customer_id, "team", coupon_code=code, uow=_uow(db, clock), clock=clock, config=CONFIG
        )  # type: ignore[arg-type]

    for pair, codes in ((buyers[:2], ("LAST", "LAST")), (buyers[2:], ("SHARED", "SHARED2"))):
        results = await asyncio.gather(
            *(buy(b.id, c) for b, c in zip(pair, codes, strict=True)), return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], ValidationFailed) and refused[0].code == "coupon.used_up"
    assert await SubscriptionTable.count() == 2
    uow = _uow(db, clock)
    async with uow:
        last = await find_promotion(uow, "LAST")
        shared = await find_promotion(uow, "SHARED")
        shared2 = await find_promotion(uow, "SHARED2")
    assert last is not None and shared is not None and shared2 is not None
    assert (last.code.times_redeemed, last.coupon.times_redeemed) == (1, 1)
    assert shared.coupon.times_redeemed == 1
    assert shared.code.times_redeemed + shared2.code.times_redeemed == 1
