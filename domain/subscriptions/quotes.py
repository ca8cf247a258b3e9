"""Quotes: the exact invoice a change would produce, computed before it is made.

A quote runs the change on a copy of the engine, so what it shows is what the engine charges.
It carries the subscription's ``version`` (a fingerprint of everything that affects billing);
confirming a quote refuses with ``Conflict`` when the subscription changed since (another change,
a renewal, a coupon), and otherwise makes the change, producing exactly the quoted invoice.

For an immediate change the quote is the invoice issued at the change (``invoice_now``) or the
proration lines that would ride on the next invoice; for a period-end change it is the renewal
invoice at the end of the current period.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime

from domain.billing.model import Invoice, InvoiceLine
from domain.catalog.model import Plan
from domain.shared.errors import Conflict
from domain.subscriptions.engine import ProrationBehavior, SubscriptionEngine, Timing


class QuoteErrorCode:
    STALE = "billing.quote_stale"


@dataclass(frozen=True, slots=True)
class ChangeQuote:
    at: datetime
    plan_code: str
    quantity: int
    timing: Timing
    proration: ProrationBehavior
    version: str
    invoice: Invoice | None  # the invoice the change issues (now or at renewal)
    pending_lines: tuple[InvoiceLine, ...]  # lines that would wait for the next invoice


def version_of(engine: SubscriptionEngine) -> str:
    """A fingerprint of the billing state; any change that could alter a quote alters it."""
    coupon = engine.coupon
    state = (
        engine.status,
        engine.plan.id if engine.plan else None,
        engine.quantity,
        engine.period,
        engine.anchor,
        engine.cancel_at_period_end,
        (engine.scheduled[0].id, engine.scheduled[1]) if engine.scheduled else None,
        engine.scheduled_from,
        tuple((item.plan.id, item.quantity) for item in engine.addons.values()),
        engine.pending_anchor,
        (coupon.coupon.code, coupon.applied_at, coupon.invoices_discounted) if coupon else None,
        engine.carry,
        engine.balance,
        len(engine.invoices),
        len(engine.credit_notes),
        len(engine.pending),
        len(engine.usage),
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()[:16]


def quote_change(
    engine: SubscriptionEngine,
    at: datetime,
    *,
    plan: Plan | None = None,
    quantity: int | None = None,
    timing: Timing = Timing.IMMEDIATE,
    proration: ProrationBehavior = ProrationBehavior.INVOICE_NOW,
) -> ChangeQuote:
    """What ``engine.change(at, ...)`` would bill, without changing ``engine``."""
    preview = copy.deepcopy(engine)
    preview.advance_to(at)
    issued_before = len(preview.invoices)
    pending_before = len(preview.pending)
    preview.change(at, plan=plan, quantity=quantity, timing=timing, proration=proration)
    if timing is Timing.PERIOD_END and preview.period is not None:
        preview.advance_to(preview.period.end)
    new_invoices = preview.invoices[issued_before:]
    assert preview.plan is not None
    return ChangeQuote(
        at=at,
        plan_code=preview.plan.code if timing is Timing.IMMEDIATE else (plan or preview.plan).code,
        quantity=preview.quantity,
        timing=timing,
        proration=proration,
        version=version_of(engine),
        invoice=new_invoices[0] if new_invoices else None,
        pending_lines=tuple(preview.pending[pending_before:]),
    )


def confirm_change(
    engine: SubscriptionEngine, quote: ChangeQuote, *, plan: Plan | None
) -> Invoice | None:
    """Make the quoted change, or refuse if the subscription changed since the quote."""
    if version_of(engine) != quote.version:
        raise Conflict(
            "Your subscription changed since this price was shown. Please review the new price.",
            code=QuoteErrorCode.STALE,
        )
    issued_before = len(engine.invoices)
    engine.advance_to(quote.at)
    if len(engine.invoices) != issued_before:
        raise Conflict(
            "A renewal happened since this price was shown. Please review the new price.",
            code=QuoteErrorCode.STALE,
        )
    engine.change(
        quote.at, plan=plan, quantity=quote.quantity, timing=quote.timing, proration=quote.proration
    )
    if quote.timing is Timing.IMMEDIATE and len(engine.invoices) > issued_before:
        return engine.invoices[issued_before]
    return None
