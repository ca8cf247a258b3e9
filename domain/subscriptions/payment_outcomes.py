"""What an invoice's payment outcome does to its subscription, inside the payment's transaction.

Payments (the layer above) call these after recording an attempt; each one decides whether the
event applies to the subscription's current status and does nothing when it does not (an ended
subscription, or a failure on one that is not active or past due). One typed function per event,
no dispatch on strings.
"""

from __future__ import annotations

from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.shared.ids import SubscriptionId
from domain.subscriptions.engine import ENDED, SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import Command, run_in
from domain.subscriptions.ports import SubscriptionsUnit


async def _apply(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    command: Command,
    *,
    applies_to: frozenset[SubscriptionStatus] | None,
    reason: BillingReason,
    now: datetime,
    config: BillingConfig,
) -> bool:
    sub = await uow.subscriptions.get(subscription_id)
    if sub is None or sub.status in ENDED:
        return False
    if applies_to is not None and sub.status not in applies_to:
        return False
    await run_in(
        uow, sub.id, command, reason=reason, now=now, config=config, as_customer=None
    )  # fmt: skip
    return True


async def payment_succeeded_in(
    uow: SubscriptionsUnit, subscription_id: SubscriptionId, *, now: datetime, config: BillingConfig
) -> bool:
    """Paid: back to active from incomplete, past due or unpaid. An active (or trialing, or
    paused) subscription's paid renewal changes nothing, so it is not reloaded, rerun and saved
    (issue 18: that was a fifth of the renewal run's time); its renewals stay the renewal run's."""
    return await _apply(
        uow, subscription_id, lambda e, at, _: e.payment_succeeded(at),
        applies_to=frozenset(
            {SubscriptionStatus.INCOMPLETE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID}
        ),
        reason=BillingReason.SUBSCRIPTION_CYCLE, now=now, config=config,
    )  # fmt: skip


async def payment_failed_in(
    uow: SubscriptionsUnit, subscription_id: SubscriptionId, *, now: datetime, config: BillingConfig
) -> bool:
    """A renewal's payment failed: an active subscription becomes past due."""
    return await _apply(
        uow, subscription_id, lambda e, at, _: e.payment_failed(at),
        applies_to=frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE}),
        reason=BillingReason.SUBSCRIPTION_CYCLE, now=now, config=config,
    )  # fmt: skip


async def mark_unpaid_in(
    uow: SubscriptionsUnit, subscription_id: SubscriptionId, *, now: datetime, config: BillingConfig
) -> bool:
    """Dunning's final action "unpaid": a past-due subscription stops renewing until paid."""
    return await _apply(
        uow, subscription_id, lambda e, at, _: e.mark_unpaid(at),
        applies_to=frozenset({SubscriptionStatus.PAST_DUE}),
        reason=BillingReason.SUBSCRIPTION_CYCLE, now=now, config=config,
    )  # fmt: skip


async def cancel_for_nonpayment_in(
    uow: SubscriptionsUnit, subscription_id: SubscriptionId, *, now: datetime, config: BillingConfig
) -> bool:
    """Dunning's final action "cancel": the subscription ends now."""
    return await _apply(
        uow, subscription_id, lambda e, at, _: e.cancel(at, timing=Timing.IMMEDIATE),
        applies_to=None, reason=BillingReason.SUBSCRIPTION_CANCEL, now=now, config=config,
    )  # fmt: skip


async def invoice_forgiven_in(
    uow: SubscriptionsUnit, subscription_id: SubscriptionId, *, now: datetime, config: BillingConfig
) -> bool:
    """The invoice it was past due (or unpaid) for was voided or marked uncollectible: back to
    active, as Stripe does; nothing else is owed for it."""
    return await _apply(
        uow, subscription_id, lambda e, at, _: e.payment_succeeded(at),
        applies_to=frozenset({SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID}),
        reason=BillingReason.SUBSCRIPTION_CYCLE, now=now, config=config,
    )  # fmt: skip
