"""Promotion code redemption rules: the code's limits and its coupon's, with codes and
customer-fit messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.pricing.coupons import CouponDuration
from domain.promotions.model import Promotion, PromotionCode, StoredCoupon
from domain.promotions.redemption import check_minimum, check_redeemable
from domain.shared.errors import ValidationFailed

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 1, tzinfo=UTC)
COUPON = StoredCoupon("spring", "Spring", CouponDuration.ONCE, percent_off=Decimal(10))
CODE = PromotionCode("p1", "SPRING", "spring")


def _promotion(
    coupon: dict[str, Any] | None = None, code: dict[str, Any] | None = None
) -> Promotion:
    return Promotion(replace(CODE, **(code or {})), replace(COUPON, **(coupon or {})))


def _check(promotion: Promotion, **overrides: Any) -> None:
    kwargs: dict[str, Any] = {
        "now": NOW,
        "plan_code": "team",
        "currency": "USD",
        "customer_has_subscribed_before": False,
    }
    kwargs.update(overrides)
    check_redeemable(promotion, **kwargs)


def test_a_code_without_limits_is_redeemable() -> None:
    _check(_promotion())


@pytest.mark.parametrize(
    ("coupon", "code", "overrides", "error", "message"),
    [
        ({}, {"active": False}, {}, "coupon.inactive", "no longer active"),
        ({}, {"expires_at": NOW}, {}, "coupon.expired", "has expired"),
        ({"redeem_by": NOW}, {}, {}, "coupon.expired", "has expired"),
        ({}, {"max_redemptions": 3, "times_redeemed": 3}, {}, "coupon.used_up", "used up"),
        ({"max_redemptions": 5, "times_redeemed": 5}, {}, {}, "coupon.used_up", "used up"),
        ({"plan_codes": frozenset({"scale"})}, {}, {}, "coupon.not_for_plan", "this plan"),
        (
            {},
            {"first_subscription_only": True},
            {"customer_has_subscribed_before": True},
            "coupon.first_subscription_only",
            "first subscription",
        ),
        (
            {"percent_off": None, "amounts_off": {"EUR": 500}},
            {},
            {},
            "coupon.currency_mismatch",
            "USD",
        ),
    ],
)
def test_a_code_that_cannot_be_used_says_why(
    coupon: dict[str, Any], code: dict[str, Any], overrides: dict[str, Any], error: str,
    message: str,
) -> None:  # fmt: skip
    with pytest.raises(ValidationFailed) as info:
        _check(_promotion(coupon, code), **overrides)
    assert info.value.code == error
    assert message in info.value.field_errors["coupon"]
    assert "SPRING" in info.value.field_errors["coupon"]  # the code typed, never the coupon id


def test_a_code_just_before_its_limits_works() -> None:
    _check(
        _promotion(
            {"redeem_by": NOW.replace(second=1), "max_redemptions": 9, "times_redeemed": 8},
            {"expires_at": NOW.replace(second=1), "max_redemptions": 2, "times_redeemed": 1},
        )
    )


def test_the_minimum_is_per_currency_and_refused_without_an_order() -> None:
    promotion = _promotion(code={"minimum_amounts": {"USD": 5000}})
    check_minimum(promotion, currency="USD", order_minor=5000)
    check_minimum(promotion, currency="EUR", order_minor=1)  # no minimum in EUR
    with pytest.raises(ValidationFailed) as below:
        check_minimum(promotion, currency="USD", order_minor=4999)
    assert below.value.code == "coupon.below_minimum"
    assert below.value.field_errors["coupon"] == (
        "The code SPRING needs an order of at least 50.00 USD before discounts."
    )
    with pytest.raises(ValidationFailed) as applied:
        check_minimum(promotion, currency="USD", order_minor=None)
    assert applied.value.code == "coupon.new_orders_only"
