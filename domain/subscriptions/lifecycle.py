"""Commands on a subscription: every command loads the subscription under a row lock, runs the
billing engine up to now (renewals due are billed first, as the simulator does), applies the
command, then numbers and stores what the engine issued and saves the new state, all in one
transaction. A repeated or concurrent run cannot bill twice: the row lock serialises commands,
the saved period moves on with the invoices, and renewal invoices are unique per period.

The runner (``run``, ``run_in``) and the commands on it: add-ons, cancel and uncancel, pause and
resume, coupons, trials, a settled invoice and a failed payment. The commands that only call one
engine method are a table (``_engine_command``); each stays a typed public function taking the
same keywords (``CommandContext``: ``uow``, ``clock``, ``config``, optionally ``as_customer``).
Plan changes are in ``plan_changes``, renewals in ``renewals``, usage in ``usage``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NotRequired, Protocol, TypedDict, Unpack

from domain.billing.config import BillingConfig
from domain.billing.events import invoice_event
from domain.billing.invoices import load_for_update
from domain.billing.issued import BillingReason
from domain.catalog.model import Plan
from domain.catalog.rules import check_addon_attachable
from domain.outbound.events import EventType
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions._engine_store import (
    current_plan,
    cycle_reason,
    load_customer,
    load_engine,
    load_subscription,
    redeem_coupon,
    redeemable_coupon,
    store_outcome,
)
from domain.subscriptions.engine import ProrationBehavior, Refund, SubscriptionEngine, Timing
from domain.subscriptions.model import Subscription
from domain.subscriptions.mrr_ledger import MrrTrail
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit

# a command gets the engine, the instant and the current plan versions it asked for by code
Command = Callable[[SubscriptionEngine, datetime, dict[str, Plan]], None]
# most commands need only the engine and the instant: one engine method
Step = Callable[[SubscriptionEngine, datetime], None]


class CommandContext(TypedDict):
    """The keywords every command takes."""

    uow: SubscriptionsUnit
    clock: Clock
    config: BillingConfig
    as_customer: NotRequired[CustomerId | None]  # None (default): staff or a job, no ownership


async def run(
    subscription_id: SubscriptionId,
    command: Command | None,
    *,
    reason: BillingReason,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
    plan_codes: tuple[str, ...] = (),
) -> Outcome:
    now = clock.now()
    async with uow:
        outcome = await run_in(
            uow,
            subscription_id,
            command,
            reason=reason,
            now=now,
            config=config,
            as_customer=as_customer,
            plan_codes=plan_codes,
        )
        await uow.commit()
    return outcome


async def run_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    command: Command | None,
    *,
    reason: BillingReason,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None,
    plan_codes: tuple[str, ...] = (),
    locked: Subscription | None = None,
    collect_later: bool = True,
    number_later: bool = False,
) -> Outcome:
    """A command inside the caller's transaction; ``plan_codes`` name the current plan versions
    the command needs (handed to it by code). ``locked``: the subscription, already read under
    its row lock in this transaction (the batch renewal reads its batch in one query);
    ``collect_later`` False: the caller queues the collection of the invoices itself;
    ``number_later``: the caller numbers the invoices before it commits (``store_outcome``)."""
    sub = (
        locked
        if locked is not None and locked.id == subscription_id and as_customer is None
        else await load_subscription(uow, subscription_id, as_customer, lock=True)
    )
    customer = await load_customer(uow, sub.customer_id, lock=True)
    by_code = {code: await current_plan(uow, code) for code in plan_codes}
    engine = await load_engine(
        uow, sub, customer, config, extra_plans=tuple(by_code.values()), settled_before=now
    )
    trail = MrrTrail()
    trail.advance(engine, now)
    renewals = len(engine.invoices)
    if command is not None:
        command(engine, now, by_code)
    reasons = tuple(
        cycle_reason(invoice) if i < renewals else reason
        for i, invoice in enumerate(engine.invoices)
    )
    return await store_outcome(
        uow, sub, engine, customer, config, now, reasons=reasons, trail=trail,
        collect_later=collect_later, number_later=number_later,
    )  # fmt: skip


async def settle_invoice(
    invoice_id: str,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
) -> Outcome | None:
    """A payment settled an invoice: mark it paid and, when it is its subscription's, bring the
    subscription back to active (from incomplete, past due or unpaid) in the same transaction."""
    now = clock.now()
    async with uow:
        issued = (await load_for_update(uow, invoice_id)).mark_paid(now)
        await uow.invoices.update_state(issued)
        await invoice_event(uow, EventType.INVOICE_PAID, issued, at=now)
        outcome = None
        if issued.subscription_id is not None:
            outcome = await run_in(
                uow,
                SubscriptionId(issued.subscription_id),
                lambda e, at, _: e.payment_succeeded(at),
                reason=BillingReason.SUBSCRIPTION_CYCLE,
                now=now,
                config=config,
                as_customer=None,
            )
        await uow.commit()
    return outcome


async def _run(
    subscription_id: SubscriptionId,
    command: Command,
    reason: BillingReason,
    context: CommandContext,
    plan_codes: tuple[str, ...] = (),
) -> Outcome:
    return await run(
        subscription_id,
        command,
        reason=reason,
        uow=context["uow"],
        clock=context["clock"],
        config=context["config"],
        as_customer=context.get("as_customer"),
        plan_codes=plan_codes,
    )


class EngineCommand(Protocol):
    async def __call__(
        self, subscription_id: SubscriptionId, **context: Unpack[CommandContext]
    ) -> Outcome: ...


def _engine_command(name: str, step: Step, reason: BillingReason, doc: str) -> EngineCommand:
    """The command ``name``: it calls one engine method with the instant (``run`` does the
    rest)."""

    async def command(
        subscription_id: SubscriptionId, **context: Unpack[CommandContext]
    ) -> Outcome:
        return await _run(subscription_id, lambda e, at, _: step(e, at), reason, context)

    command.__name__ = command.__qualname__ = name
    command.__doc__ = doc
    return command


_UPDATE = BillingReason.SUBSCRIPTION_UPDATE
_CYCLE = BillingReason.SUBSCRIPTION_CYCLE

uncancel_subscription = _engine_command(
    "uncancel_subscription",
    SubscriptionEngine.uncancel,
    _UPDATE,
    "Undo a cancellation at the period's end.",
)
cancel_scheduled_change = _engine_command(
    "cancel_scheduled_change",
    SubscriptionEngine.cancel_scheduled_change,
    _UPDATE,
    "Drop a plan change scheduled for later.",
)
resume_subscription = _engine_command(
    "resume_subscription", SubscriptionEngine.resume, _UPDATE, "Resume a paused subscription now."
)
remove_coupon = _engine_command(
    "remove_coupon", SubscriptionEngine.remove_coupon, _UPDATE, "End the subscription's coupon now."
)
end_trial = _engine_command(
    "end_trial",
    SubscriptionEngine.end_trial,
    _CYCLE,
    "End the trial now: billed from this instant.",
)
record_payment_failure = _engine_command(
    "record_payment_failure",
    SubscriptionEngine.payment_failed,
    _CYCLE,
    "A renewal payment failed: the subscription is past due (dunning, issue 4, drives this).",
)


def cancel_step(timing: Timing, refund: Refund) -> Command:
    return lambda e, at, _: e.cancel(at, timing=timing, refund=refund)


async def cancel_subscription(
    subscription_id: SubscriptionId,
    *,
    timing: Timing = Timing.PERIOD_END,
    refund: Refund = Refund.NONE,
    **context: Unpack[CommandContext],
) -> Outcome:
    """Cancel at the period's end (default) or now, doing ``refund`` with the unused time."""
    return await _run(
        subscription_id, cancel_step(timing, refund), BillingReason.SUBSCRIPTION_CANCEL, context
    )


async def pause_subscription(
    subscription_id: SubscriptionId,
    *,
    resume_at: datetime | None = None,
    **context: Unpack[CommandContext],
) -> Outcome:
    """Pause now, until ``resume_at`` (None: until resumed)."""
    return await _run(
        subscription_id, lambda e, at, _: e.pause(at, resume_at=resume_at), _UPDATE, context
    )


async def set_trial_end(
    subscription_id: SubscriptionId, trial_end: datetime, **context: Unpack[CommandContext]
) -> Outcome:
    """Extend or shorten a trial, or start one on an active subscription."""
    return await _run(
        subscription_id, lambda e, at, _: e.set_trial_end(at, trial_end), _UPDATE, context
    )


async def set_addon(
    subscription_id: SubscriptionId,
    addon_code: str,
    quantity: int,
    *,
    proration: ProrationBehavior = ProrationBehavior.INVOICE_NOW,
    **context: Unpack[CommandContext],
) -> Outcome:
    """Attach an add-on, change its quantity or remove it (``quantity`` 0), prorated."""
    return await _run(
        subscription_id,
        lambda e, at, plans: set_addon_on_engine(e, at, plans[addon_code], quantity, proration),
        _UPDATE,
        context,
        plan_codes=(addon_code,),
    )


def set_addon_on_engine(
    engine: SubscriptionEngine,
    at: datetime,
    addon: Plan,
    quantity: int,
    proration: ProrationBehavior,
) -> None:
    assert engine.plan is not None
    if quantity:
        check_addon_attachable(engine.plan, addon)
    engine.set_addon(at, addon, quantity, proration=proration)


async def apply_coupon(
    subscription_id: SubscriptionId,
    coupon_code: str,
    *,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Apply a promotion code (replacing any coupon: one per subscription), checking its rules
    and counting the redemption in the same transaction."""
    async with uow:
        outcome = await apply_coupon_in(
            uow, subscription_id, coupon_code, now=clock.now(), config=config,
            as_customer=as_customer,
        )  # fmt: skip
        await uow.commit()
    return outcome


async def apply_coupon_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    coupon_code: str,
    *,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """``apply_coupon`` inside a transaction the caller holds (not committing)."""
    sub = await load_subscription(uow, subscription_id, as_customer, lock=True)
    customer = await load_customer(uow, sub.customer_id)
    plan = await uow.plans.get(sub.plan_id)
    assert plan is not None
    promotion = await redeemable_coupon(
        uow, coupon_code, customer, plan, now, subscription_id=sub.id, lock=True
    )
    await redeem_coupon(uow, promotion, currency=sub.currency, order_minor=None)
    terms = promotion.terms_in(sub.currency)
    return await run_in(
        uow,
        subscription_id,
        lambda e, at, _: e.apply_coupon(at, terms),
        reason=_UPDATE,
        now=now,
        config=config,
        as_customer=as_customer,
    )


async def remove_coupon_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    *,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """``remove_coupon`` inside a transaction the caller holds (not committing)."""
    return await run_in(
        uow,
        subscription_id,
        lambda e, at, _: e.remove_coupon(at),
        reason=_UPDATE,
        now=now,
        config=config,
        as_customer=as_customer,
    )
