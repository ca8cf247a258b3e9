"""The demo promotion code loaded with the demo catalog (``seed-demo``, ``serve --demo``)."""

from __future__ import annotations

from decimal import Decimal

from domain.pricing.coupons import CouponDuration
from domain.subscriptions.model import StoredCoupon

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
