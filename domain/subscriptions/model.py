"""The persisted side of subscriptions: stored coupons and the subscription record.

A ``Subscription`` is the billing engine's state at rest: everything ``SubscriptionEngine`` needs
to continue billing (plan version, quantity, status, anchor, current period, pending proration
lines, scheduled change, pause, coupon, add-ons), referenced by ids. ``state.py`` maps it to an
engine and back, so the same engine (and the same rules) bills persisted subscriptions, quotes
and simulations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.billing.model import InvoiceLine
from domain.pricing.coupons import Coupon
from domain.pricing.proration import ProrationUnit
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus


@dataclass(frozen=True, slots=True)
class AppliedCouponState:
    coupon: Coupon  # the terms fixed when it was applied
    applied_at: datetime
    invoices_discounted: int


@dataclass(frozen=True, slots=True)
class Subscription:
    id: SubscriptionId
    customer_id: CustomerId
    currency: str
    timezone: str
    proration: ProrationUnit
    plan_id: PlanId
    quantity: int
    status: SubscriptionStatus
    anchor: datetime
    period_start: datetime
    period_end: datetime
    created_at: datetime
    pending_anchor: datetime | None = None
    cancel_at_period_end: bool = False
    scheduled_plan_id: PlanId | None = None
    scheduled_quantity: int | None = None
    scheduled_from: datetime | None = None
    resume_at: datetime | None = None
    paused_at: datetime | None = None
    incomplete_expires_at: datetime | None = None
    coupon: AppliedCouponState | None = None
    carry_minor: int = 0
    pending_lines: tuple[InvoiceLine, ...] = ()
    addons: tuple[tuple[PlanId, int], ...] = ()
    period_invoice_id: str | None = None
    canceled_at: datetime | None = None
    # optimistic guard and the quote fingerprint's ingredient: bumped on every save
    version: int = 0
    test_clock_id: str | None = None

    @property
    def has_access(self) -> bool:
        """Whether the subscriber gets the service: past due keeps it while dunning retries;
        unpaid, paused, incomplete and ended subscriptions do not."""
        return self.status in (
            SubscriptionStatus.TRIALING,
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.PAST_DUE,
        )

    @property
    def next_action_at(self) -> datetime | None:
        """When the renewal run must next look at this subscription (None: never again)."""
        if self.status in (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED):
            return None
        if self.status is SubscriptionStatus.INCOMPLETE:
            return self.incomplete_expires_at
        if (
            self.status is SubscriptionStatus.PAUSED
            and self.resume_at is not None
            and self.resume_at < self.period_end
        ):
            return self.resume_at
        return self.period_end


def counts_as_earlier_subscription(sub: Subscription) -> bool:
    """Whether ``sub`` makes its customer a returning subscriber (for first-subscription-only
    promotions): a subscription whose first payment never went through (still ``incomplete``,
    or expired unpaid) does not, so a buyer's own declined attempt never costs them the code."""
    return sub.status not in (SubscriptionStatus.INCOMPLETE, SubscriptionStatus.INCOMPLETE_EXPIRED)


@dataclass(frozen=True, slots=True)
class Due:
    """A subscription the renewal run must look at, and since when (``next_action_at``)."""

    id: SubscriptionId
    at: datetime


@dataclass(frozen=True, slots=True)
class UsageRecord:
    subscription_id: SubscriptionId
    meter: str
    value: Decimal
    at: datetime
    key: str | None = None  # the distinct key for unique counts
    idempotency_key: str | None = None  # a retried ingestion with the same key is ignored


@dataclass(frozen=True, slots=True)
class UsageTotal:
    """A meter's recorded events with one distinct key over a time range, summed by the
    database: how many, their sum and maximum, the last one's instant and a value that is the
    last one's at least for the group holding the meter's last event (the only one a ``last``
    meter bills; groups are listed in ``last_at`` order, that one last among equals)."""

    meter: str
    key: str | None
    count: int
    total: Decimal
    peak: Decimal
    last_at: datetime
    last_value: Decimal


class CancellationReason(StrEnum):
    TOO_EXPENSIVE = "too_expensive"
    MISSING_FEATURES = "missing_features"
    SWITCHING = "switching_product"
    NOT_USING = "not_using"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class CancellationFeedback:
    """Why a subscriber cancelled (kept for the business; never shown to other subscribers)."""

    id: str
    subscription_id: SubscriptionId
    customer_id: CustomerId
    reason: CancellationReason
    comment: str
    timing: str  # "period_end" or "immediate"
    created_at: datetime
