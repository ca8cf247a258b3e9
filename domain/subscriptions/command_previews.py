"""Binding previews of a command on a subscription (cancel, pause, resume, a trial's end...): the
command runs on a copy of the engine at an instant, as quotes do, and the preview says what it
issues then (invoices, credit notes), the state it leaves and the invoices that follow. Running
the same step at the same instant (``run_previewed_in``) on the stored subscription issues
exactly those documents, since both start from the same stored state; a caller that previews
and runs inside one transaction (with ``lock``) gets what it showed, or sees the change first.

The portal's cancellation and pause pages use ``previews.preview_in`` (refunds, credits and the
next bills in months); this one adds the state after the command and the renewals that running
it would bill first, which a staff member confirming on the customer's behalf is shown."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.billing.model import CreditNote, Invoice
from domain.shared.errors import Conflict
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions._engine_store import load_customer, load_engine, load_subscription
from domain.subscriptions.engine import SubscriptionEngine, SubscriptionStatus
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit

Step = Callable[[SubscriptionEngine, datetime], None]


@dataclass(frozen=True, slots=True)
class CommandPreview:
    """What running a step at ``at`` does, computed on a copy (nothing written)."""

    at: datetime
    before: Subscription  # as stored
    due_first: tuple[Invoice, ...]  # renewals due by ``at`` not billed yet: billed first
    invoices_now: tuple[Invoice, ...]  # what the step itself issues
    credit_notes: tuple[CreditNote, ...]
    upcoming: tuple[Invoice, ...]  # what follows, over the next ``months``
    status: SubscriptionStatus  # after the step
    period_start: datetime
    period_end: datetime
    cancel_at_period_end: bool
    resume_at: datetime | None
    balance_before_minor: int  # the customer's balance (negative: credit), before and after
    balance_after_minor: int

    @property
    def next_invoice(self) -> Invoice | None:
        """The next invoice after the step's own (a renewal, a trial's first bill), if any."""
        return self.upcoming[0] if self.upcoming else None

    @property
    def next_billed(self) -> Invoice | None:
        """The next invoice with an amount due (a pause skips renewals of 0.00)."""
        return next((i for i in self.upcoming if i.amount_due > 0), None)


async def preview_command_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    step: Step,
    *,
    at: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
    lock: bool = False,
    months: int = 12,
) -> CommandPreview:
    """``step`` run at ``at`` on a copy of the subscription's engine, in the caller's
    transaction; ``lock`` takes the row locks the command itself would (to confirm it)."""
    sub = await load_subscription(uow, subscription_id, as_customer, lock=lock)
    customer = await load_customer(uow, sub.customer_id, lock=lock)
    engine = copy.deepcopy(await load_engine(uow, sub, customer, config))
    engine.advance_to(at)
    due_first = tuple(engine.invoices)
    notes = len(engine.credit_notes)
    step(engine, at)
    issued_now = tuple(engine.invoices[len(due_first) :])
    credit_notes = tuple(engine.credit_notes[notes:])
    assert engine.status is not None and engine.period is not None
    state = (engine.status, engine.period, engine.cancel_at_period_end, engine.resume_at)
    balance_after = engine.balance
    engine.advance_to(at + timedelta(days=31 * months))
    return CommandPreview(
        at=at,
        before=sub,
        due_first=due_first,
        invoices_now=issued_now,
        credit_notes=credit_notes,
        upcoming=tuple(engine.invoices[len(due_first) + len(issued_now) :]),
        status=state[0],
        period_start=state[1].start,
        period_end=state[1].end,
        cancel_at_period_end=state[2],
        resume_at=state[3],
        balance_before_minor=customer.balance_minor,
        balance_after_minor=balance_after,
    )


async def run_previewed_in(
    uow: SubscriptionsUnit,
    subscription_id: SubscriptionId,
    step: Step,
    *,
    at: datetime,
    reason: BillingReason,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Run ``step`` for real at ``at``, the instant its preview was computed at
    (``lifecycle.run_in``: stored, numbered, collected and announced as every command is), in
    the caller's transaction."""
    return await run_in(
        uow,
        subscription_id,
        lambda e, now, _: step(e, now),
        reason=reason,
        now=at,
        config=config,
        as_customer=as_customer,
    )


def check_as_previewed(preview: CommandPreview, outcome: Outcome) -> None:
    """Refuse (``Conflict``, the caller rolls back) a run that issued other documents than its
    preview: it cannot happen while both run on the same locked state at the same instant."""
    shown = [(i.total, i.amount_due) for i in preview.due_first + preview.invoices_now]
    done = [(i.invoice.total, i.invoice.amount_due) for i in outcome.invoices]
    notes_shown = [(n.total, n.refunded, n.credited) for n in preview.credit_notes]
    notes_done = [(n.note.total, n.note.refunded, n.note.credited) for n in outcome.credit_notes]
    if shown != done or notes_shown != notes_done:
        raise Conflict(
            "The subscription changed while this was confirmed. Check the new preview.",
            code="billing.quote_stale",
        )
