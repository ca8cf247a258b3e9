"""Previews: what a command would issue now and over the next months, run on a copy of the
engine (nothing is written). The cancellation and pause pages show them before confirming."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.billing.config import BillingConfig
from domain.billing.model import CreditNote, Invoice
from domain.subscriptions._engine_store import load_customer, load_engine
from domain.subscriptions.engine import SubscriptionEngine
from domain.subscriptions.model import Subscription
from domain.subscriptions.ports import SubscriptionsUnit

Step = Callable[[SubscriptionEngine, datetime], None]


@dataclass(frozen=True, slots=True)
class Preview:
    """What a command would issue now and what comes next, computed on a copy (nothing written)."""

    invoices_now: tuple[Invoice, ...]
    credit_notes: tuple[CreditNote, ...]
    upcoming: tuple[Invoice, ...]

    @property
    def refunded_minor(self) -> int:
        return sum(n.refunded for n in self.credit_notes)

    @property
    def credited_minor(self) -> int:
        """What the credit notes put on the account balance."""
        return sum(n.credited for n in self.credit_notes)

    @property
    def billed_now_minor(self) -> int:
        """What the invoices issued now bill (a cancellation's usage so far), before any credit."""
        return sum(i.total for i in self.invoices_now if i.total > 0)

    @property
    def paid_by_credit_minor(self) -> int:
        """The part of those invoices that the account's credit pays."""
        return sum(i.credit_applied for i in self.invoices_now)

    @property
    def credit_kept_minor(self) -> int:
        """What stays on the balance of what the credit notes credited, after it paid those
        invoices (never below zero: older credit may have paid part of them)."""
        return max(0, self.credited_minor - self.paid_by_credit_minor)


async def preview_in(
    uow: SubscriptionsUnit,
    sub: Subscription,
    step: Step,
    *,
    now: datetime,
    config: BillingConfig,
    months: int = 12,
) -> Preview:
    """``step`` run now on a copy of the subscription's engine, inside the caller's transaction."""
    customer = await load_customer(uow, sub.customer_id)
    engine = copy.deepcopy(await load_engine(uow, sub, customer, config))
    engine.advance_to(now)
    invoices, notes = len(engine.invoices), len(engine.credit_notes)
    step(engine, now)
    issued_now = engine.invoices[invoices:]
    engine.advance_to(now + timedelta(days=31 * months))
    return Preview(
        tuple(issued_now),
        tuple(engine.credit_notes[notes:]),
        tuple(engine.invoices[invoices + len(issued_now) :]),
    )
