"""Test data for coupons: a coupon and one promotion code for it, in one call."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.pricing.coupons import CouponDuration
from domain.promotions.model import Promotion, PromotionCode, StoredCoupon
from domain.promotions.ports import PromotionsUnit


async def add_promotion(
    uow: PromotionsUnit,
    code: str,
    duration: CouponDuration,
    *,
    percent_off: Decimal | None = None,
    amounts_off: dict[str, int] | None = None,
    duration_in_months: int | None = None,
    plan_codes: frozenset[str] = frozenset(),
    redeem_by: datetime | None = None,
    coupon_max_redemptions: int | None = None,
    expires_at: datetime | None = None,
    max_redemptions: int | None = None,
    first_subscription_only: bool = False,
    minimum_amounts: dict[str, int] | None = None,
    active: bool = True,
) -> Promotion:
    """A coupon (id ``code``) and the promotion code ``code`` for it (not committed)."""
    coupon = StoredCoupon(
        code,
        code.title(),
        duration,
        percent_off=percent_off,
        amounts_off=amounts_off or {},
        duration_in_months=duration_in_months,
        plan_codes=plan_codes,
        redeem_by=redeem_by,
        max_redemptions=coupon_max_redemptions,
    )
    promo = PromotionCode(
        f"promo-{code.lower()}",
        code,
        code,
        active=active,
        expires_at=expires_at,
        max_redemptions=max_redemptions,
        first_subscription_only=first_subscription_only,
        minimum_amounts=minimum_amounts or {},
    )
    await uow.coupons.add(coupon)
    await uow.promotion_codes.add(promo)
    return Promotion(promo, coupon)
