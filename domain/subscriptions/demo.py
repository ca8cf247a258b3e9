"""The demo promotion code loaded with the demo catalog (``seed-demo``, ``serve --demo``)."""

from __future__ import annotations

from decimal import Decimal

from domain.pricing.coupons import CouponDuration
from domain.subscriptions.model import StoredCoupon
from domain.subscriptions.ports import SubscriptionsUnit

WELCOME_CODE = "WELCOME20"


def demo_coupons() -> list[StoredCoupon]:
    """``WELCOME20``: 20% off every invoice of a customer's first subscription issued in its
    first three months (an annual plan's first invoice included), on any plan, in any currency."""
    return [
        StoredCoupon(
            WELCOME_CODE,
            CouponDuration.REPEATING,
            percent_off=Decimal(20),
            duration_in_months=3,
            first_subscription_only=True,
        )
    ]


async def load_demo_coupons(*, uow: SubscriptionsUnit) -> int:
    """Add the demo promotion codes (``domain/subscriptions/demo.py``) that are not stored yet;
    returns how many were added. Running it again adds nothing, and a code that exists is left as
    it is (its redemptions count stays). Development only, like the demo catalog."""
    added = 0
    async with uow:
        for coupon in demo_coupons():
            if await uow.coupons.get(coupon.code) is None:
                await uow.coupons.add(coupon)
                added += 1
        await uow.commit()
    return added
