"""The error codes of the subscription use cases (the ``code`` of their ``DomainError``)."""

from __future__ import annotations

from enum import StrEnum


class SubscriptionErrorCode(StrEnum):
    NOT_FOUND = "subscription.not_found"
    CUSTOMER_NOT_FOUND = "customer.not_found"
    PLAN_NOT_FOUND = "catalog.plan_not_found"
    COUPON_NOT_FOUND = "coupon.not_found"
    BAD_CUSTOMER = "customer.invalid"
    CURRENCY = "subscription.currency_mismatch"
    QUOTE_EXPIRED = "billing.quote_expired"
    BAD_USAGE = "usage.invalid"
    USAGE_PERIOD_CLOSED = "usage.period_closed"
    USAGE_SUBSCRIPTION_ENDED = "usage.subscription_ended"
    USAGE_UNKNOWN_METER = "usage.unknown_meter"
    USAGE_NO_SUBSCRIPTION = "usage.subscription_not_found"
    PRICE_CHANGE_KEPT = "subscription.price_change_not_undone"
