"""The subscription's status, the enums its commands take (when a change happens, how it is
prorated, what a cancellation gives back) and the engine's error codes."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class SubscriptionStatus(StrEnum):
    INCOMPLETE = "incomplete"  # the first invoice awaits payment; expires after 23 hours
    INCOMPLETE_EXPIRED = "incomplete_expired"  # never paid: ended, nothing more is billed
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal payment failed; service continues while dunning retries
    UNPAID = "unpaid"  # dunning gave up; invoices still come, access is restricted
    PAUSED = "paused"
    CANCELED = "canceled"


ENDED = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED})
# the states in which the subscription is billed normally (renewals, usage, prorations)
BILLING = frozenset(
    {SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID}
)
INCOMPLETE_WINDOW = timedelta(hours=23)


class Timing(StrEnum):
    IMMEDIATE = "immediate"
    PERIOD_END = "period_end"


class ProrationBehavior(StrEnum):
    INVOICE_NOW = "invoice_now"
    NEXT_INVOICE = "next_invoice"
    NONE = "none"


class Refund(StrEnum):
    NONE = "none"
    PRORATED_CREDIT = "prorated_credit"
    PRORATED_REFUND = "prorated_refund"


class BillingErrorCode(StrEnum):
    NOT_SUBSCRIBED = "billing.not_subscribed"
    ALREADY_SUBSCRIBED = "billing.already_subscribed"
    CANCELED = "billing.subscription_canceled"
    BAD_ANCHOR = "billing.bad_anchor"
    BAD_QUANTITY = "billing.bad_quantity"
    CURRENCY = "billing.currency_not_sold"
    NOT_PAUSED = "billing.not_paused"
    NOT_CANCELING = "billing.not_canceling"
    NOT_TRIALING = "billing.not_trialing"
    BAD_TRIAL_END = "billing.bad_trial_end"
    NO_COUPON = "billing.no_coupon"
    NO_SCHEDULED_CHANGE = "billing.no_scheduled_change"
    INCOMPLETE = "billing.subscription_incomplete"
    PAYMENT_STATE = "billing.payment_state"
    ADDON = "billing.addon_not_allowed"
