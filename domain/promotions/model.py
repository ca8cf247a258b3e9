"""A coupon is the discount; a promotion code is a code a customer types for one coupon.

As Stripe has them: the coupon holds the terms (percent off or an amount off per currency, for
``once``, ``repeating`` N months or ``forever``, the plans it applies to) and its own optional
limits (redeem by, maximum redemptions across all its codes); each promotion code adds its own
limits (active, expiry, maximum redemptions, the customer's first subscription only, a minimum
order amount per currency). Both count their redemptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.pricing.coupons import Coupon, CouponDuration


@dataclass(frozen=True, slots=True)
class StoredCoupon:
    """A coupon as sold: its terms, its limits and how often it was redeemed (through any of
    its promotion codes). A fixed-amount coupon has one amount per currency (``amounts_off``);
    it cannot be used in a currency it has no amount for. ``plan_codes`` empty: every plan."""

    id: str
    name: str
    duration: CouponDuration
    percent_off: Decimal | None = None
    amounts_off: dict[str, int] = field(default_factory=dict)
    duration_in_months: int | None = None
    plan_codes: frozenset[str] = frozenset()
    redeem_by: datetime | None = None
    max_redemptions: int | None = None
    times_redeemed: int = 0
    created_at: datetime | None = None

    def usable_in(self, currency: str) -> bool:
        return self.percent_off is not None or currency in self.amounts_off

    def terms_in(self, currency: str, *, code: str) -> Coupon:
        """The terms a subscription in ``currency`` keeps once the coupon is applied through
        the promotion code ``code`` (the name shown on invoices and in the portal)."""
        return Coupon(
            code=code,
            duration=self.duration,
            percent_off=self.percent_off,
            amount_off_minor=None if self.percent_off is not None else self.amounts_off[currency],
            duration_in_months=self.duration_in_months,
        )


@dataclass(frozen=True, slots=True)
class PromotionCode:
    """A customer-facing code (uppercase letters and digits, unique) for one coupon.
    ``minimum_amounts``: the smallest order, in minor units per currency, it can be used on
    (a currency not listed has no minimum)."""

    id: str
    code: str
    coupon_id: str
    active: bool = True
    expires_at: datetime | None = None
    max_redemptions: int | None = None
    first_subscription_only: bool = False
    minimum_amounts: dict[str, int] = field(default_factory=dict)
    times_redeemed: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Promotion:
    """A promotion code with its coupon: what a customer redeems."""

    code: PromotionCode
    coupon: StoredCoupon

    def terms_in(self, currency: str) -> Coupon:
        return self.coupon.terms_in(currency, code=self.code.code)
