"""Canceling: at the period's end (undoable with ``uncancel``) or now, with the unused part of
the paid period credited to the balance or refunded, and the usage so far invoiced."""

from __future__ import annotations

from datetime import datetime

from domain.billing.model import LineKind
from domain.pricing.proration import ProrationUnit
from domain.shared.errors import InvalidTransition
from domain.shared.periods import Period
from domain.subscriptions.engine.checks import require_live
from domain.subscriptions.engine.core import EngineState
from domain.subscriptions.engine.credit_notes import unused_time_note
from domain.subscriptions.engine.states import (
    BILLING,
    BillingErrorCode,
    Refund,
    SubscriptionStatus,
    Timing,
)
from domain.subscriptions.engine.usage import usage_lines


class Cancellation(EngineState):
    def cancel(
        self, at: datetime, *, timing: Timing = Timing.PERIOD_END, refund: Refund = Refund.NONE
    ) -> None:
        require_live(self.status)
        assert self.plan is not None and self.period is not None
        if timing is Timing.PERIOD_END:
            self.cancel_at_period_end = True
            return
        was_active = self.status in BILLING
        if refund is not Refund.NONE and was_active and at < self.period.end:
            self._credit_unused(at, refund)
        # a cancellation at the very instant a period starts has no usage of that period to bill
        used = Period(self.period.start, at) if at > self.period.start else None
        used_from = self._usage_start()
        lines = (
            usage_lines(self.settings, self.usage, self.plan, Period(used_from, at), through=at)
            if was_active and at > used_from
            else []
        )
        lines += self._take_pending()
        if lines:
            self._issue(at, used or self.period, lines)
        self.status = SubscriptionStatus.CANCELED
        self.cancel_at_period_end = False

    def _credit_unused(self, at: datetime, refund: Refund) -> None:
        assert self.plan is not None and self.period is not None
        paid = self.period_invoice
        billed = paid is not None and any(
            line.kind in (LineKind.SUBSCRIPTION, LineKind.PRORATION)
            and line.period == self.period
            and line.amount > 0
            for line in paid.lines
        )
        if paid is None or not billed:
            return  # the period's charges were never billed (a trial, a free stub)
        share = self._share_left(
            at,
            self.settings.proration
            if self.settings.proration is not ProrationUnit.NONE
            else ProrationUnit.DAY,
        )
        note = unused_time_note(
            self.settings,
            paid,
            self.plan,
            self.quantity,
            self.addons.values(),
            Period(at, self.period.end),
            share,
            number=f"CN-{len(self.credit_notes) + 1:06d}",
            at=at,
            refund=refund,
        )
        if note is None:
            return
        self.balance -= note.credited
        self.credit_notes.append(note)

    def uncancel(self, at: datetime) -> None:
        require_live(self.status)
        if not self.cancel_at_period_end:
            raise InvalidTransition(
                "the subscription is not set to cancel", code=BillingErrorCode.NOT_CANCELING
            )
        self.cancel_at_period_end = False
