"""Cancelling from the portal: what to offer instead (a retention coupon, cheaper plans, a
pause) for the reason given, what cancelling now would refund, credit and still bill (a preview
on an engine copy), the cancellation page's read model (``cancel_view``), and cancelling with the
subscriber's reason kept, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.promotions.model import Promotion
from domain.promotions.redemption import check_minimum, check_redeemable, find_promotion
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId, new_id
from domain.shared.money import Money
from domain.subscriptions._engine_store import load_subscription
from domain.subscriptions.change_options import PlanChoice, choices_in
from domain.subscriptions.engine import Refund, SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import apply_coupon, cancel_step, run_in
from domain.subscriptions.model import CancellationFeedback, CancellationReason, Subscription
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.plan_facts import is_pausable
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.previews import Preview, preview_in
from domain.subscriptions.subscription_views import SubscriptionView, view_in


# -- what to offer instead of cancelling ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RetentionCoupon:
    code: str
    percent_off: str | None  # "20"
    amount_off_minor: int | None
    duration: str  # "once", "repeating", "forever"
    duration_in_months: int | None


@dataclass(frozen=True, slots=True)
class Offers:
    pause: bool
    coupon: RetentionCoupon | None
    cheaper: tuple[PlanChoice, ...]


def _retention_usable(
    promotion: Promotion, sub: Subscription, plan_code: str, now: datetime
) -> bool:
    """Whether the retention code may be offered: its limits and its coupon's let this
    subscriber redeem it (not the first-subscription rule: a retention offer is for a
    subscriber), and it is not already on the subscription."""
    if sub.coupon is not None and sub.coupon.coupon.code == promotion.code.code:
        return False
    try:
        check_redeemable(
            promotion, now=now, plan_code=plan_code, currency=sub.currency,
            customer_has_subscribed_before=False,
        )  # fmt: skip
        check_minimum(promotion, currency=sub.currency, order_minor=None)
    except ValidationFailed:
        return False
    return True


async def offers_in(
    uow: SubscriptionsUnit,
    sub: Subscription,
    *,
    reason: str,
    retention_coupon: str | None,
    now: datetime,
) -> Offers:
    """What fits the stated reason: too expensive gets the retention coupon (when one is
    configured, still redeemable and not already on the subscription), the cheaper plans of the
    catalog and a pause; not using it gets a pause; the others nothing but a clear way out."""
    choices = await choices_in(uow, sub)
    plan = await uow.plans.get(sub.plan_id)
    assert plan is not None
    found = await find_promotion(uow, retention_coupon) if retention_coupon else None
    pausable = is_pausable(plan) and sub.status in (
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
    )
    if reason == CancellationReason.TOO_EXPENSIVE:
        coupon = None
        if found is not None and _retention_usable(found, sub, plan.code, now):
            stored = found.coupon
            coupon = RetentionCoupon(
                code=found.code.code,
                percent_off=f"{stored.percent_off.normalize():f}" if stored.percent_off else None,
                amount_off_minor=stored.amounts_off.get(sub.currency)
                if stored.percent_off is None
                else None,
                duration=stored.duration.value,
                duration_in_months=stored.duration_in_months,
            )
        current = next(c for c in choices if c.current)
        cheaper = tuple(
            c
            for c in choices
            if not c.current
            and c.interval == current.interval
            and c.price_minor < current.price_minor
        )
        return Offers(pause=pausable, coupon=coupon, cheaper=cheaper)
    if reason == CancellationReason.NOT_USING:
        return Offers(pause=pausable, coupon=None, cheaper=())
    return Offers(pause=False, coupon=None, cheaper=())


# -- what cancelling now would do -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CancelNow:
    """What cancelling right now would refund, credit and still bill (usage so far)."""

    refunded: Money  # to the card
    credited: Money  # to the account balance, for the unused time
    billed: Money  # the final invoice for usage so far, before any credit
    paid_by_credit: Money  # the part of it the account's credit pays
    credit_kept: Money  # what stays on the balance of what was credited, after that

    @classmethod
    def of(cls, preview: Preview, currency: str) -> CancelNow:
        def money(minor: int) -> Money:
            return Money.of_minor(minor, currency)

        return cls(
            refunded=money(preview.refunded_minor),
            credited=money(preview.credited_minor),
            billed=money(preview.billed_now_minor),
            paid_by_credit=money(preview.paid_by_credit_minor),
            credit_kept=money(preview.credit_kept_minor),
        )


@dataclass(frozen=True, slots=True)
class CancelView:
    """Step 1 asks why; step 2 (a valid reason given) offers what fits it and the way out."""

    sub: SubscriptionView
    step: int
    offers: Offers | None
    refund: Refund  # what cancelling now does with the unused time
    now: CancelNow


async def cancel_view(
    subscription_id: SubscriptionId,
    *,
    reason: str,
    retention_coupon: str | None,
    refund: Refund,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> CancelView:
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        view = await view_in(uow, sub, now=now, config=config)
        valid = reason in {r.value for r in CancellationReason}
        offers = (
            await offers_in(uow, sub, reason=reason, retention_coupon=retention_coupon, now=now)
            if valid
            else None
        )
        preview = await preview_in(
            uow,
            sub,
            lambda engine, at: engine.cancel(at, timing=Timing.IMMEDIATE, refund=refund),
            now=now,
            config=config,
        )
    return CancelView(view, 2 if valid else 1, offers, refund, CancelNow.of(preview, sub.currency))


# -- cancelling -----------------------------------------------------------------------------------
def check_feedback(reason: str, comment: str) -> tuple[CancellationReason, str]:
    """The reason as one of ``CancellationReason``; "Other" needs a comment; comments are
    capped at 2000 characters (``ValidationFailed`` names each field)."""
    errors = {}
    try:
        why = CancellationReason(reason)
    except ValueError:
        why = None
        errors["reason"] = "Tell us why you are leaving."
    comment = comment.strip()
    if why is CancellationReason.OTHER and not comment:
        errors["comment"] = "Tell us a little more."
    if len(comment) > 2000:
        errors["comment"] = "Keep it under 2000 characters."
    if errors or why is None:
        raise ValidationFailed(errors, code="portal.bad_cancellation")
    return why, comment


async def cancel_with_feedback(
    subscription_id: SubscriptionId,
    *,
    reason: str,
    comment: str = "",
    timing: Timing = Timing.PERIOD_END,
    refund: Refund = Refund.NONE,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Outcome:
    """Cancel (at the period's end by default, or now with ``refund``) and keep the subscriber's
    reason, in one transaction."""
    why, comment = check_feedback(reason, comment)
    async with uow:
        outcome = await run_in(
            uow,
            subscription_id,
            cancel_step(timing, refund),
            reason=BillingReason.SUBSCRIPTION_CANCEL,
            now=clock.now(),
            config=config,
            as_customer=as_customer,
        )
        sub = outcome.subscription
        await uow.cancellation_feedback.add(
            CancellationFeedback(
                id=new_id(),
                subscription_id=sub.id,
                customer_id=sub.customer_id,
                reason=why,
                comment=comment,
                timing=timing.value,
                created_at=clock.now(),
            )
        )
        await uow.commit()
    return outcome


async def apply_retention_coupon(
    subscription_id: SubscriptionId,
    code: str | None,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Outcome:
    """Apply the configured retention coupon ``code``; ``Conflict`` when none is configured
    (another subscriber's subscription is "not found" whatever the configuration)."""
    if code is None:
        async with uow:
            await load_subscription(uow, subscription_id, as_customer)
        raise Conflict("There is no offer to apply.", code="portal.no_retention_coupon")
    return await apply_coupon(
        subscription_id, code, uow=uow, clock=clock, config=config, as_customer=as_customer
    )
