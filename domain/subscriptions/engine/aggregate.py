"""``SubscriptionEngine``: the subscription aggregate, its state (``core.py``) with its commands
(subscribing, changes, cancellation, payments, renewals) and its queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from domain.billing.model import InvoiceLine
from domain.shared.periods import Period
from domain.subscriptions.engine.cancellation import Cancellation
from domain.subscriptions.engine.changes import Changes
from domain.subscriptions.engine.payments import Payments
from domain.subscriptions.engine.renewals import Renewals
from domain.subscriptions.engine.states import ENDED, SubscriptionStatus
from domain.subscriptions.engine.subscribing import Subscribing
from domain.subscriptions.engine.usage import usage_lines


@dataclass
class SubscriptionEngine(Subscribing, Changes, Cancellation, Payments, Renewals):
    """One subscription billed through time: every command takes the instant it happens at;
    ``advance_to`` processes what is due up to an instant. The fields are ``EngineState``'s."""

    @property
    def next_billing_at(self) -> datetime | None:
        if self.period is None or self.status in ENDED:
            return None
        if self.status is SubscriptionStatus.INCOMPLETE:
            return None
        if self.cancel_at_period_end:
            return None
        if self.status is SubscriptionStatus.PAUSED:
            if self.resume_at is None:
                return None
            end = self.period.end
            while end < self.resume_at:
                end = self._next_end(end)
            return end
        return self.period.end

    @property
    def next_due_at(self) -> datetime | None:
        """The next instant at which ``advance_to`` has something to do: the end of the wait for a
        first payment, a pause's end before the period's, else the period's end (a renewal, a
        trial's end, a scheduled change or cancellation); None once ended."""
        if self.status is None or self.status in ENDED or self.period is None:
            return None
        if self.status is SubscriptionStatus.INCOMPLETE:
            return self.incomplete_expires_at
        if (
            self.status is SubscriptionStatus.PAUSED
            and self.resume_at is not None
            and self.resume_at < self.period.end
        ):
            return self.resume_at
        return self.period.end

    def advance_by_step(self, until: datetime) -> Iterator[datetime]:
        """``advance_to(until)`` one due instant at a time: yields each instant once everything
        due at it is processed, so a caller can read the state between them (the MRR after each
        renewal, say)."""
        while (due := self.next_due_at) is not None and due <= until:
            self.advance_to(due)
            yield due
        self.advance_to(until)

    def usage_so_far(self, at: datetime) -> list[InvoiceLine]:
        """The usage lines the current period's invoice would carry for the events recorded up
        to and including ``at``: one per metered charge, priced exactly as that invoice prices
        them (none without a metered charge or a period)."""
        if self.plan is None or self.period is None:
            return []
        used = Period(self._usage_start(), self.period.end)
        return usage_lines(self.settings, self.usage, self.plan, used, through=at)
