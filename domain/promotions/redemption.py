"""Whether a promotion code can be redeemed for an order, and redeeming it exactly once.

A redemption checks the code's limits and its coupon's, in this order, and the first that
refuses gives the customer's message (on the ``coupon`` field):

- the code exists (codes are matched uppercase, surrounding spaces ignored) and is active;
- neither the code's ``expires_at`` nor the coupon's ``redeem_by`` has passed;
- neither the code's nor the coupon's maximum redemptions is reached;
- the coupon applies to the plan (no plan codes: every plan);
- a first-subscription-only code: the customer has no earlier subscription (one that never got
  going, unpaid, does not count: the caller decides);
- a fixed-amount coupon has an amount in the order's currency;
- the order reaches the code's minimum in its currency: the order amount is the first invoice
  before discount and tax. Applied to a subscription that exists (support, the portal's
  retention offer) there is no order, so a code with a minimum in that currency is refused.

Redeeming counts one on the code and one on the coupon, in the caller's transaction: the rows
are locked (PostgreSQL) and each count is a conditional update that refuses past the maximum,
so two buyers racing for the last redemption cannot both have it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.promotions.model import Promotion
from domain.promotions.ports import PromotionsUnit
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money

MAX_CODE = 40


class CouponErrorCode(StrEnum):
    NOT_FOUND = "coupon.not_found"
    INACTIVE = "coupon.inactive"
    EXPIRED = "coupon.expired"
    USED_UP = "coupon.used_up"
    NOT_FOR_PLAN = "coupon.not_for_plan"
    FIRST_SUBSCRIPTION_ONLY = "coupon.first_subscription_only"
    CURRENCY = "coupon.currency_mismatch"
    BELOW_MINIMUM = "coupon.below_minimum"
    NEW_ORDERS_ONLY = "coupon.new_orders_only"


def normalized(code: str) -> str:
    return code.strip().upper()


def _refuse(code: CouponErrorCode, message: str) -> ValidationFailed:
    return ValidationFailed({"coupon": message}, code=code)


def not_found(code: str) -> ValidationFailed:
    shown = code if len(code) <= MAX_CODE else f"{code[:MAX_CODE]}..."
    return _refuse(CouponErrorCode.NOT_FOUND, f"The code {shown} is not valid.")


def used_up(code: str) -> ValidationFailed:
    return _refuse(CouponErrorCode.USED_UP, f"The code {code} has been used up.")


def check_redeemable(
    promotion: Promotion,
    *,
    now: datetime,
    plan_code: str,
    currency: str,
    customer_has_subscribed_before: bool,
) -> None:
    """Raise ``ValidationFailed`` on the ``coupon`` field, with a code and a message fit to show
    a customer, when this promotion code cannot be used for this order (the minimum amount is
    checked apart: ``check_minimum``, once the order is priced)."""
    promo, coupon = promotion.code, promotion.coupon
    code = promo.code
    ends = [t for t in (promo.expires_at, coupon.redeem_by) if t is not None]
    if not promo.active:
        raise _refuse(CouponErrorCode.INACTIVE, f"The code {code} is no longer active.")
    if any(now >= t for t in ends):
        raise _refuse(CouponErrorCode.EXPIRED, f"The code {code} has expired.")
    if (promo.max_redemptions is not None and promo.times_redeemed >= promo.max_redemptions) or (
        coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions
    ):
        raise used_up(code)
    if coupon.plan_codes and plan_code not in coupon.plan_codes:
        raise _refuse(CouponErrorCode.NOT_FOR_PLAN, f"The code {code} does not apply to this plan.")
    if promo.first_subscription_only and customer_has_subscribed_before:
        raise _refuse(
            CouponErrorCode.FIRST_SUBSCRIPTION_ONLY,
            f"The code {code} is for a first subscription only.",
        )
    if not coupon.usable_in(currency):
        raise _refuse(
            CouponErrorCode.CURRENCY, f"The code {code} cannot be used with {currency} prices."
        )


def check_minimum(promotion: Promotion, *, currency: str, order_minor: int | None) -> None:
    """Refuse an order below the code's minimum in ``currency`` (``order_minor``: the first
    invoice before discount and tax; None: no order, a code applied to a subscription)."""
    minimum = promotion.code.minimum_amounts.get(currency)
    if minimum is None:
        return
    code = promotion.code.code
    floor = Money.of_minor(minimum, currency)
    if order_minor is None:
        raise _refuse(
            CouponErrorCode.NEW_ORDERS_ONLY,
            f"The code {code} is for new orders of at least {floor} only.",
        )
    if order_minor < minimum:
        raise _refuse(
            CouponErrorCode.BELOW_MINIMUM,
            f"The code {code} needs an order of at least {floor} before discounts.",
        )


async def find_promotion(uow: PromotionsUnit, code: str, *, lock: bool = False) -> Promotion | None:
    """The promotion code typed (any case) with its coupon; locked in that order (the code's
    row, then the coupon's) when ``lock``, so racing redemptions queue instead of deadlocking."""
    typed = normalized(code)
    if not typed or len(typed) > MAX_CODE:
        return None
    promo = await uow.promotion_codes.by_code(typed, lock=lock)
    if promo is None:
        return None
    coupon = await uow.coupons.get(promo.coupon_id, lock=lock)
    return Promotion(promo, coupon) if coupon is not None else None


async def count_redemption(uow: PromotionsUnit, promotion: Promotion) -> None:
    """One more redemption on the code and on its coupon, or ``used_up`` (the caller's
    transaction is then not committed: nothing is counted)."""
    if not await uow.promotion_codes.count_redemption(promotion.code.id):
        raise used_up(promotion.code.code)
    if not await uow.coupons.count_redemption(promotion.coupon.id):
        raise used_up(promotion.code.code)
