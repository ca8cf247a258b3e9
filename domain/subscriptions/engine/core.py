"""The aggregate's state and what every command shares: the period arithmetic bound to the
subscription, the unused share of its period, and issuing an invoice (discount, tax, balance).

``SubscriptionEngine`` (``aggregate.py``) is this state with its commands, which live in the
sibling modules as mixins of ``EngineState``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain.billing.model import CreditNote, Invoice, InvoiceLine, InvoiceStatus, LineKind
from domain.catalog.model import Plan
from domain.pricing.coupons import AppliedCoupon, discount_for
from domain.pricing.proration import ProrationUnit, Share
from domain.pricing.totals import compute_totals
from domain.shared.money import Currency
from domain.shared.periods import Period
from domain.subscriptions.engine.periods import next_end, share_left
from domain.subscriptions.engine.states import SubscriptionStatus
from domain.subscriptions.engine.values import AddOnItem, BillingSettings, UsageEvent


@dataclass
class EngineState:
    settings: BillingSettings
    plans: Mapping[str, Plan]
    plan: Plan | None = None
    quantity: int = 1
    status: SubscriptionStatus | None = None
    anchor: datetime | None = None
    period: Period | None = None
    pending_anchor: datetime | None = None  # an anchor still ahead at the end of the trial
    cancel_at_period_end: bool = False
    scheduled: tuple[Plan, int] | None = None
    scheduled_from: datetime | None = None  # the scheduled change waits for a renewal at/after it
    addons: dict[str, AddOnItem] = field(default_factory=dict)
    incomplete_expires_at: datetime | None = None
    resume_at: datetime | None = None
    paused_at: datetime | None = None
    coupon: AppliedCoupon | None = None
    carry: int = 0
    balance: int = 0
    pending: list[InvoiceLine] = field(default_factory=list)
    usage: list[UsageEvent] = field(default_factory=list)
    period_invoice: Invoice | None = None
    invoices: list[Invoice] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)

    @property
    def currency(self) -> Currency:
        return self.settings.currency

    def _next_end(self, start: datetime) -> datetime:
        assert self.plan is not None and self.anchor is not None
        return next_end(self.anchor, self.plan.interval, start, self.settings.tz)

    def _share_left(self, at: datetime, unit: ProrationUnit | None = None) -> Share:
        """The unused share of the current period from ``at`` (``periods.share_left``)."""
        assert self.plan is not None and self.period is not None
        return share_left(
            self.plan,
            self.period,
            self.anchor,
            trialing=self.status is SubscriptionStatus.TRIALING,
            at=at,
            unit=unit or self.settings.proration,
            tz=self.settings.tz,
        )

    def _issue(self, at: datetime, period: Period, lines: list[InvoiceLine]) -> Invoice:
        amounts = [line.amount for line in lines]
        subtotal = sum(amounts)
        discount = discount_for(
            subtotal,
            applied=self.coupon,
            carry=self.carry,
            issued_at=at,
            tz=self.settings.tz,
            rounding=self.settings.rounding,
        )
        self.carry = discount.carry
        totals = compute_totals(
            amounts,
            discount=discount.discount,
            rate=self.settings.tax_rate,
            tax_rounding=self.settings.tax_rounding,
            rounding=self.settings.rounding,
            balance=self.balance,
        )
        self.balance = totals.balance_after
        invoice = Invoice(
            number=f"INV-{len(self.invoices) + 1:06d}",
            issued_at=at,
            period=period,
            currency=self.currency.code,
            lines=tuple(lines),
            subtotal=totals.subtotal,
            discount=totals.discount,
            tax=totals.tax,
            total=totals.total,
            credit_applied=totals.credit_applied,
            amount_due=totals.amount_due,
            status=InvoiceStatus.PAID,  # with no payment failures, every invoice is paid at issue
            tax_basis=self.settings.tax_basis,
        )
        self.invoices.append(invoice)
        return invoice

    def _take_pending(self, *, usage: bool = True, others: bool = True) -> list[InvoiceLine]:
        """The waiting lines, removed: all of them, or only the usage lines (``others=False``) or
        only the rest (``usage=False``: an off-cycle invoice leaves an earlier plan's usage waiting
        for the period's end, where it marks where the current plan's usage starts)."""
        taken = [
            line for line in self.pending if (usage if line.kind is LineKind.USAGE else others)
        ]
        self.pending = [
            line for line in self.pending if not (usage if line.kind is LineKind.USAGE else others)
        ]
        return taken

    def _usage_start(self) -> datetime:
        """Where the current plan's usage in this period starts: the period's start, or the
        instant of an immediate change from another plan, whose usage so far waits in ``pending``
        as usage lines ending at that instant (usage belongs to the plan it was recorded on)."""
        assert self.period is not None
        ends = [line.period.end for line in self.pending if line.kind is LineKind.USAGE]
        return max([self.period.start, *ends])
