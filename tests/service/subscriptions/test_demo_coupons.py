"""The demo promotion code is loaded once, alongside the demo catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing.coupons import CouponDuration
from domain.subscriptions.demo import load_demo_coupons
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service


async def test_demo_coupons_load_once() -> None:
    uow = InMemoryUnitOfWork()
    assert await load_demo_coupons(uow=uow) == 1
    assert await load_demo_coupons(uow=uow) == 0
    welcome = await uow.coupons.get("WELCOME20")
    assert welcome is not None
    assert (welcome.duration, welcome.percent_off, welcome.duration_in_months) == (
        CouponDuration.REPEATING,
        Decimal(20),
        3,
    )
    code = await uow.promotion_codes.by_code("WELCOME20")
    assert code is not None and code.coupon_id == welcome.id
    assert code.first_subscription_only
