"""Two processes' promotion caches on one database: every write of a coupon or a promotion code
(added, a redemption counted, deactivated) raises the promotions version when it commits, the
other process reads the code again at its next lookup, and a write rolled back moves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.adapters.db.promotion_cache import piccolo_promotion_cache, promotions_probe
from domain.adapters.db.repositories.promotions_version import read_promotions_version
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.pricing.coupons import CouponDuration
from domain.promotions.cache import PromotionCache
from domain.promotions.redemption import count_redemption, find_promotion
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.promotions import add_promotion
from web.jobs import build_registry

pytestmark = pytest.mark.integration


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _version(db: TestDatabase, clock: FrozenClock) -> int:
    async with _uow(db, clock):
        return await read_promotions_version()


async def test_every_write_moves_the_version_on_commit_and_the_other_process_reads_again(
    db: TestDatabase, clock: FrozenClock
) -> None:
    probe = promotions_probe(db.engine)  # as the app checks it, on its own connection
    cache: PromotionCache = piccolo_promotion_cache(
        lambda: PiccoloUnitOfWork(
            db.engine, clock=clock, registry=build_registry(), read_only=True
        ),
        probe,
    )
    assert await cache.find("HALF") is None
    assert await _version(db, clock) == 0

    async with _uow(db, clock) as tx:
        await add_promotion(tx, "HALF", CouponDuration.ONCE, percent_off=Decimal(50))
        assert await cache.find("HALF") is None  # not committed: nothing to see yet
        await tx.commit()
    assert await _version(db, clock) == 2  # the coupon, then its code
    found = await cache.find("half")
    assert found is not None and found.code.times_redeemed == 0
    loads = cache.loads
    assert await cache.find("HALF") is found and cache.loads == loads

    async with _uow(db, clock) as tx:  # an order redeems it, then fails: rolled back
        promotion = await find_promotion(tx, "HALF", lock=True)
        assert promotion is not None
        await count_redemption(tx, promotion)
        await tx.rollback()
    assert await _version(db, clock) == 2
    assert await cache.find("HALF") is found

    async with _uow(db, clock) as tx:  # an order redeems it
        promotion = await find_promotion(tx, "HALF", lock=True)
        assert promotion is not None
        await count_redemption(tx, promotion)
        await tx.commit()
    assert await _version(db, clock) == 4  # the code's count, then the coupon's
    counted = await cache.find("HALF")
    assert counted is not None and counted.code.times_redeemed == 1
    assert counted.coupon.times_redeemed == 1

    async with _uow(db, clock) as tx:
        await tx.promotion_codes.deactivate(counted.code.id)
        await tx.commit()
    inactive = await cache.find("HALF")
    assert inactive is not None and not inactive.code.active
    await probe.close()
