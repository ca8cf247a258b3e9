"""Plan and quantity changes: the plan pair's policy, the seat limit, the quote the subscriber is
shown and its confirmation at the quoted instant, and moving grandfathered subscriptions to the
current version of a plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.catalog.change_policy import default_change_policy
from domain.catalog.model import Plan
from domain.catalog.quantities import max_seats
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, InvalidTransition, ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.money import Currency
from domain.subscriptions._engine_store import (
    current_plan,
    load_customer,
    load_engine,
    load_subscription,
    store_outcome,
)
from domain.subscriptions.engine import ProrationBehavior, SubscriptionEngine, Timing
from domain.subscriptions.errors import SubscriptionErrorCode
from domain.subscriptions.lifecycle import run, run_in
from domain.subscriptions.model import Subscription
from domain.subscriptions.mrr_ledger import MrrTrail
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.quotes import ChangeQuote, quote_change, version_of

QUOTE_VALIDITY = timedelta(hours=1)


async def change_subscription(
    subscription_id: SubscriptionId,
    *,
    plan_code: str | None = None,
    quantity: int | None = None,
    timing: Timing | None = None,
    proration: ProrationBehavior | None = None,
    effective_from: datetime | None = None,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Change the plan and/or quantity. Without ``timing``/``proration`` the plan pair's policy
    applies: a stored rule for the two plan codes, else upgrades (and longer intervals) now with
    an invoice for the difference, downgrades (and shorter intervals) at the period's end."""
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        timing, proration = await _resolve_policy(uow, sub, plan_code, quantity, timing, proration)
        outcome = await run_in(
            uow,
            subscription_id,
            lambda e, at, plans: e.change(
                at,
                plan=plans[plan_code] if plan_code else None,
                quantity=quantity,
                timing=timing,
                proration=proration,
                effective_from=effective_from,
            ),
            reason=BillingReason.SUBSCRIPTION_UPDATE,
            now=now,
            config=config,
            as_customer=as_customer,
            plan_codes=(plan_code,) if plan_code else (),
        )
        await uow.commit()
    return outcome


async def _resolve_policy(
    uow: SubscriptionsUnit,
    sub: Subscription,
    plan_code: str | None,
    quantity: int | None,
    timing: Timing | None,
    proration: ProrationBehavior | None,
) -> tuple[Timing, ProrationBehavior]:
    old = await uow.plans.get(sub.plan_id)
    assert old is not None
    new = await current_plan(uow, plan_code) if plan_code else old
    check_seats(quantity, new)
    if timing is not None and proration is not None:
        return timing, proration
    rule = await uow.plan_change_rules.get(old.code, new.code)
    policy = (
        rule.policy
        if rule is not None
        else default_change_policy(
            old, sub.quantity, new, quantity or sub.quantity, Currency.of(sub.currency)
        )
    )
    return (
        timing or Timing(policy.timing.value),
        proration or ProrationBehavior(policy.proration.value),
    )


def check_seats(quantity: int | None, plan: Plan) -> None:
    """A quantity for ``plan`` is a whole number from 1 to the plan's ``max_seats`` (10,000 unless
    its metadata says less), whoever asks: the portal, the CLI or the API. Checkout applies the
    same limit (``domain.checkout.service.check_choice``)."""
    if quantity is None:
        return
    limit = max_seats(plan)
    whole = isinstance(quantity, int) and not isinstance(quantity, bool)
    if not whole or not 1 <= quantity <= limit:
        raise ValidationFailed(
            {"quantity": f"Enter a whole number of seats from 1 to {limit:,}."},
            code="billing.bad_quantity",
        )


async def move_to_current_version(
    plan_code: str,
    *,
    effective_from: datetime,
    uow: Callable[[], SubscriptionsUnit],
    clock: Clock,
    config: BillingConfig,
) -> int:
    """End grandfathering: every live subscription on an older version of ``plan_code`` moves
    to the current version at its first renewal on or after ``effective_from`` (a scheduled
    change, visible to the subscriber and cancellable). Returns how many were scheduled."""
    async with uow() as reader:
        current = await current_plan(reader, plan_code)
        older = [p.id for p in await reader.plans.versions(plan_code) if p.id != current.id]
        targets = await reader.subscriptions.on_plans(older)
    for sub in targets:
        await run(
            sub.id,
            lambda e, at, plans: e.change(
                at,
                plan=plans[plan_code],
                timing=Timing.PERIOD_END,
                effective_from=effective_from,
            ),
            reason=BillingReason.SUBSCRIPTION_UPDATE,
            uow=uow(),
            clock=clock,
            config=config,
            as_customer=None,
            plan_codes=(plan_code,),
        )
    return len(targets)


async def keep_current_plan(
    subscription_id: SubscriptionId,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> Outcome:
    """The subscriber's "keep my current plan": undo the change they scheduled for later. A
    move to a newer version of the same plan is a price migration's (announced by e-mail, with
    notice) and is not theirs to undo: refused, as staff withdraw it by cancelling the
    migration. To avoid the new price a subscriber changes plan or cancels."""

    def keep(engine: SubscriptionEngine, at: datetime, _: dict[str, Plan]) -> None:
        scheduled = engine.scheduled[0] if engine.scheduled else None
        if (
            scheduled is not None
            and engine.plan is not None
            and (scheduled.code == engine.plan.code and scheduled.id != engine.plan.id)
        ):
            raise InvalidTransition(
                "This is a price change of your plan, announced by e-mail; it cannot be undone "
                "here. You can change your plan or cancel instead.",
                code=SubscriptionErrorCode.PRICE_CHANGE_KEPT,
            )
        engine.cancel_scheduled_change(at)

    return await run(
        subscription_id, keep, reason=BillingReason.SUBSCRIPTION_UPDATE, uow=uow, clock=clock,
        config=config, as_customer=as_customer,
    )  # fmt: skip


async def quote_subscription_change(
    subscription_id: SubscriptionId,
    *,
    plan_code: str | None = None,
    quantity: int | None = None,
    timing: Timing | None = None,
    proration: ProrationBehavior | None = None,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> ChangeQuote:
    """The exact invoice a change would produce now, computed by the engine on a copy (nothing
    is written). Confirm it with ``confirm_subscription_change``."""
    async with uow:
        return await quote_change_in(
            uow, subscription_id, plan_code=plan_code, quantity=quantity, timing=timing,
            proration=proration, now=clock.now(), config=config, as_customer=as_customer,
        )  # fmt: skip


async def quote_change_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    *,
    plan_code: str | None = None,
    quantity: int | None = None,
    timing: Timing | None = None,
    proration: ProrationBehavior | None = None,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> ChangeQuote:
    """``quote_subscription_change`` inside a transaction the caller holds."""
    plan = await current_plan(uow, plan_code) if plan_code else None
    sub = await load_subscription(uow, subscription_id, as_customer)
    timing, proration = await _resolve_policy(uow, sub, plan_code, quantity, timing, proration)
    customer = await load_customer(uow, sub.customer_id)
    engine = await load_engine(uow, sub, customer, config, extra_plans=(plan,) if plan else ())
    quote = quote_change(
        engine, now, plan=plan, quantity=quantity, timing=timing, proration=proration
    )
    return replace(quote, version=f"{sub.version}:{quote.version}")


async def confirm_subscription_change(
    subscription_id: SubscriptionId,
    quote: ChangeQuote,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Make the quoted change at the quote's instant, so it bills exactly what was shown; refuse
    with ``Conflict`` when the subscription changed since or the quote is over an hour old."""
    async with uow:
        outcome = await confirm_change_in(
            uow, subscription_id, quote, now=clock.now(), config=config, as_customer=as_customer
        )
        await uow.commit()
    return outcome


async def confirm_change_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    quote: ChangeQuote,
    *,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """``confirm_subscription_change`` inside a transaction the caller holds (not committing):
    the staff desk confirms a quote beside its audit entry."""
    check_quote_age(quote, now)
    sub = await load_subscription(uow, subscription_id, as_customer, lock=True)
    plan = await plan_for_quote(uow, sub, quote)
    customer = await load_customer(uow, sub.customer_id, lock=True)
    engine = await load_engine(uow, sub, customer, config, extra_plans=(plan,) if plan else ())
    stored_version, _, engine_version = quote.version.partition(":")
    if str(sub.version) != stored_version or version_of(engine) != engine_version:
        raise Conflict(
            "Your subscription changed since this price was shown. Please review the new price.",
            code="billing.quote_stale",
        )
    trail = MrrTrail()
    trail.advance(engine, quote.at)
    if engine.invoices:
        raise Conflict(
            "A renewal happened since this price was shown. Please review the new price.",
            code="billing.quote_stale",
        )
    engine.change(
        quote.at,
        plan=plan,
        quantity=quote.quantity,
        timing=quote.timing,
        proration=quote.proration,
    )
    return await store_outcome(
        uow,
        sub,
        engine,
        customer,
        config,
        quote.at,
        reasons=(BillingReason.SUBSCRIPTION_UPDATE,) * len(engine.invoices),
        trail=trail,
    )


def check_quote_age(quote: ChangeQuote, now: datetime) -> None:
    """A quote is confirmed within an hour of being shown (and never before its instant)."""
    if now - quote.at > QUOTE_VALIDITY or quote.at > now:
        raise Conflict(
            "This price was shown over an hour ago. Please review the current price.",
            code=SubscriptionErrorCode.QUOTE_EXPIRED,
        )


async def plan_for_quote(
    uow: SubscriptionsUnit, sub: Subscription, quote: ChangeQuote
) -> Plan | None:
    """The plan a quote moves to: the subscription's own version when it keeps its plan (a
    quantity change never moves a grandfathered subscription), else the current version."""
    current = await uow.plans.get(sub.plan_id)
    if current is not None and current.code == quote.plan_code:
        return None
    return await current_plan(uow, quote.plan_code)
