"""The demo coupon and its promotion code loaded with the demo catalog (``seed-demo``,
``serve --demo``)."""

from __future__ import annotations

from decimal import Decimal

from domain.pricing.coupons import CouponDuration
from domain.promotions.model import PromotionCode, StoredCoupon
from domain.subscriptions.ports import SubscriptionsUnit

WELCOME_CODE = "WELCOME20"


def demo_coupons() -> list[tuple[StoredCoupon, PromotionCode]]:
    """``WELCOME20``: 20% off every invoice of a customer's first subscription issued in its
    first three months (an annual plan's first invoice included), on any plan, in any currency.
    The coupon and its code share the id ``WELCOME20`` (as a migrated coupon does)."""
    coupon = StoredCoupon(
        WELCOME_CODE,
        "Welcome: 20% off for 3 months",
        CouponDuration.REPEATING,
        percent_off=Decimal(20),
        duration_in_months=3,
    )
    code = PromotionCode(WELCOME_CODE, WELCOME_CODE, WELCOME_CODE, first_subscription_only=True)
    return [(coupon, code)]


async def load_demo_coupons(*, uow: SubscriptionsUnit) -> int:
    """Add the demo promotion codes (``domain/subscriptions/demo.py``) that are not stored yet;
    returns how many were added. Running it again adds nothing, and a code that exists is left as
    it is (its redemptions count stays). Development only, like the demo catalog."""
    added = 0
    async with uow:
        for coupon, code in demo_coupons():
            if await uow.promotion_codes.by_code(code.code) is None:
                if await uow.coupons.get(coupon.id) is None:
                    await uow.coupons.add(coupon)
                await uow.promotion_codes.add(code)
                added += 1
        await uow.commit()
    return added
