"""Coupons: percent or fixed amount, for one invoice, N months of invoices, or for ever.

Rules:
- A coupon discounts the whole invoice subtotal (every line kind alike), never below zero.
- ``once``: the first invoice issued after the coupon was applied. ``repeating`` with
  ``duration_in_months = N``: every invoice issued before the instant N calendar months after it
  was applied (month ends clamp). ``forever``: every invoice.
- A fixed amount larger than the invoice carries its remainder to the next invoices until used,
  even after the coupon's own window (for ``once`` too).
- One coupon per subscription: applying another replaces it (an unused fixed remainder stays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.shared.money import Rounding, round_minor
from domain.shared.periods import Interval, IntervalUnit, boundary


class CouponDuration(StrEnum):
    ONCE = "once"
    REPEATING = "repeating"
    FOREVER = "forever"


@dataclass(frozen=True, slots=True)
class Coupon:
    code: str
    duration: CouponDuration
    percent_off: Decimal | None = None
    amount_off_minor: int | None = None
    duration_in_months: int | None = None


@dataclass(slots=True)
class AppliedCoupon:
    coupon: Coupon
    applied_at: datetime
    invoices_discounted: int = 0

    def is_eligible(self, issued_at: datetime, tz: ZoneInfo) -> bool:
        match self.coupon.duration:
            case CouponDuration.FOREVER:
                return True
            case CouponDuration.ONCE:
                return self.invoices_discounted == 0
            case CouponDuration.REPEATING:
                months = self.coupon.duration_in_months or 0
                ends = boundary(self.applied_at, Interval(IntervalUnit.MONTH, 1), months, tz)
                return issued_at < ends
        raise AssertionError(self.coupon.duration)  # pragma: no cover


@dataclass(frozen=True, slots=True)
class DiscountResult:
    discount: int
    carry: int


def discount_for(
    subtotal: int,
    *,
    applied: AppliedCoupon | None,
    carry: int,
    issued_at: datetime,
    tz: ZoneInfo,
    rounding: Rounding,
) -> DiscountResult:
    """The discount of an invoice and the fixed-amount remainder left for later invoices.

    Marks the coupon as used on this invoice when it was eligible.
    """
    offered = carry
    percent = 0
    if applied is not None and applied.is_eligible(issued_at, tz):
        applied.invoices_discounted += 1
        coupon = applied.coupon
        if coupon.percent_off is not None:
            percent = round_minor(
                Fraction(max(subtotal, 0)) * Fraction(coupon.percent_off) / 100, rounding
            )
        elif coupon.amount_off_minor is not None:
            offered += coupon.amount_off_minor
    room = max(subtotal, 0)
    from_percent = min(percent, room)
    from_fixed = min(offered, room - from_percent)
    return DiscountResult(from_percent + from_fixed, offered - from_fixed)
