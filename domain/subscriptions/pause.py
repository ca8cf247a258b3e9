"""The pause rule: whether a subscription may be paused now, until when a pause asked as "N
billing periods" or "until a date" lasts, what each choice would bill (a preview on an engine
copy), and pausing with that rule in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.billing.model import Invoice
from domain.catalog.model import Plan
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions._engine_store import load_subscription
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.plan_facts import is_pausable
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.previews import Step, preview_in
from domain.subscriptions.subscription_views import SubscriptionView

MAX_PAUSE_PERIODS = 3
MAX_PAUSE = timedelta(days=366)


def may_pause(view: SubscriptionView) -> bool:
    """Whether the portal offers a pause: a plan that may be paused, active or trialing, with no
    plan change scheduled."""
    return (
        view.pausable
        and view.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING)
        and not view.scheduled
    )


def resume_at_for(
    sub: Subscription,
    plan: Plan,
    *,
    now: datetime,
    periods: int | None = None,
    until: datetime | None = None,
) -> datetime:
    """When a pause asked as "N billing periods" (1 to 3: the next N renewals are skipped) or
    "until a date" (after today, within a year) ends; refuses plans that cannot be paused."""
    if not is_pausable(plan):
        raise ValidationFailed({"pause": f"{plan.name} cannot be paused."}, code="portal.no_pause")
    if until is not None:
        if until <= now:
            raise ValidationFailed({"until": "Choose a date after today."}, code="portal.bad_pause")
        if until > now + MAX_PAUSE:
            raise ValidationFailed(
                {"until": "A pause can last up to a year."}, code="portal.bad_pause"
            )
        return until
    if periods is None or not 1 <= periods <= MAX_PAUSE_PERIODS:
        raise ValidationFailed(
            {"periods": f"Choose 1 to {MAX_PAUSE_PERIODS} billing periods."},
            code="portal.bad_pause",
        )
    # the pause is [now, resume_at): the renewal at resume_at bills, so skipping the next N
    # renewals resumes at the one after them
    return sub.period_end + plan.interval.step(periods)


def _pause_until(resume_at: datetime) -> Step:
    return lambda engine, at: engine.pause(at, resume_at=resume_at)


class PauseOption(NamedTuple):
    periods: int
    resume_at: datetime
    next_invoice: Invoice | None  # the first invoice with an amount due after the pause


async def pause_options_in(
    uow: SubscriptionsUnit,
    sub: Subscription,
    view: SubscriptionView,
    *,
    now: datetime,
    config: BillingConfig,
) -> tuple[PauseOption, ...]:
    """Pausing for 1 to 3 billing periods, each with when it resumes and the next bill then
    (none when the subscription may not be paused now)."""
    if not may_pause(view):
        return ()
    plan = await uow.plans.get(sub.plan_id)
    assert plan is not None
    options = []
    for periods in range(1, MAX_PAUSE_PERIODS + 1):
        resume_at = resume_at_for(sub, plan, now=now, periods=periods)
        preview = await preview_in(uow, sub, _pause_until(resume_at), now=now, config=config)
        billed = [i for i in preview.upcoming if i.amount_due > 0]
        options.append(PauseOption(periods, resume_at, billed[0] if billed else None))
    return tuple(options)


@dataclass(frozen=True, slots=True)
class Paused:
    outcome: Outcome
    resume_at: datetime


async def pause_for(
    subscription_id: SubscriptionId,
    *,
    periods: int | None = None,
    until: datetime | None = None,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Paused:
    """Pause for ``periods`` billing periods or ``until`` a date (``resume_at_for``'s rule), in
    one transaction."""
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        plan = await uow.plans.get(sub.plan_id)
        assert plan is not None
        resume_at = resume_at_for(sub, plan, now=now, periods=periods, until=until)
        outcome = await run_in(
            uow,
            subscription_id,
            lambda e, at, _: e.pause(at, resume_at=resume_at),
            reason=BillingReason.SUBSCRIPTION_UPDATE,
            now=now,
            config=config,
            as_customer=as_customer,
        )
        await uow.commit()
    return Paused(outcome, resume_at)
