"""A subscription as webhook events carry it, and which ``subscription.*`` event a saved change
is (emitted by ``store_outcome``, the one place every saved change goes)."""

from __future__ import annotations

from datetime import datetime

from domain.jobs.model import JsonValue
from domain.outbound.events import EventType, emit
from domain.outbound.ports import OutboundUnit
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.model import Subscription


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def subscription_data(sub: Subscription, *, plan_code: str | None = None) -> dict[str, JsonValue]:
    return {
        "object": "subscription",
        "id": sub.id,
        "customer_id": sub.customer_id,
        "status": sub.status.value,
        "plan_id": sub.plan_id,
        "plan_code": plan_code,
        "quantity": sub.quantity,
        "currency": sub.currency,
        "current_period_start": _iso(sub.period_start),
        "current_period_end": _iso(sub.period_end),
        "cancel_at_period_end": sub.cancel_at_period_end,
        "canceled_at": _iso(sub.canceled_at),
        "paused_at": _iso(sub.paused_at),
        "resume_at": _iso(sub.resume_at),
        "trial_end": _iso(sub.period_end) if sub.status is SubscriptionStatus.TRIALING else None,
        "add_ons": [{"plan_id": plan_id, "quantity": qty} for plan_id, qty in sub.addons],
        "created_at": _iso(sub.created_at),
    }


def change_event(before: Subscription, after: Subscription) -> EventType | None:
    """The one event a saved change is: created, canceled (ended), paused, resumed, or updated
    when anything a receiver sees changed (None: nothing did)."""
    if before.version == 0:
        return EventType.SUBSCRIPTION_CREATED
    ended = (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED)
    if after.status in ended and before.status not in ended:
        return EventType.SUBSCRIPTION_CANCELED
    if after.status is SubscriptionStatus.PAUSED and before.status is not after.status:
        return EventType.SUBSCRIPTION_PAUSED
    if before.status is SubscriptionStatus.PAUSED and after.status is not before.status:
        return EventType.SUBSCRIPTION_RESUMED
    if subscription_data(before) != subscription_data(after):
        return EventType.SUBSCRIPTION_UPDATED
    return None


async def emit_change(
    uow: OutboundUnit, before: Subscription, after: Subscription, *, at: datetime,
    plan_code: str | None,
) -> None:  # fmt: skip
    kind = change_event(before, after)
    if kind is not None:
        await emit(uow, kind, subscription_data(after, plan_code=plan_code), at=at)
