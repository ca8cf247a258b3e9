"""How payments move the subscription's status: waiting for the first payment (incomplete),
settled (active), failed (past due) and given up on (unpaid)."""

from __future__ import annotations

from datetime import datetime

from domain.shared.errors import InvalidTransition
from domain.subscriptions.engine.checks import require_live
from domain.subscriptions.engine.core import EngineState
from domain.subscriptions.engine.states import (
    INCOMPLETE_WINDOW,
    BillingErrorCode,
    SubscriptionStatus,
)


class Payments(EngineState):
    def mark_incomplete(self, at: datetime) -> None:
        """The first invoice is waiting for its payment: nothing starts until it is paid, and
        the subscription expires 23 hours after it was created if it never is."""
        if self.status is not SubscriptionStatus.ACTIVE or len(self.invoices) > 1:
            raise InvalidTransition(
                "only a new, active subscription can wait for its first payment",
                code=BillingErrorCode.PAYMENT_STATE,
            )
        self.status = SubscriptionStatus.INCOMPLETE
        self.incomplete_expires_at = at + INCOMPLETE_WINDOW

    def payment_succeeded(self, at: datetime) -> None:
        """A payment settled the subscription's open invoice: back to (or on to) active."""
        require_live(self.status)
        if self.status is SubscriptionStatus.INCOMPLETE:
            assert self.incomplete_expires_at is not None
            if at >= self.incomplete_expires_at:
                raise InvalidTransition(
                    "the subscription expired before its first payment",
                    code=BillingErrorCode.PAYMENT_STATE,
                )
            self.incomplete_expires_at = None
            self.status = SubscriptionStatus.ACTIVE
        elif self.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
            self.status = SubscriptionStatus.ACTIVE

    def payment_failed(self, at: datetime) -> None:
        """A renewal payment failed: the subscription is past due while dunning retries."""
        require_live(self.status)
        if self.status is SubscriptionStatus.INCOMPLETE:
            return  # still waiting for the first payment; the window keeps running
        if self.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            raise InvalidTransition(
                f"a payment failure does not apply to a {self.status} subscription",
                code=BillingErrorCode.PAYMENT_STATE,
            )
        self.status = SubscriptionStatus.PAST_DUE

    def mark_unpaid(self, at: datetime) -> None:
        """Dunning gave up: invoices keep coming, but access is restricted until paid."""
        require_live(self.status)
        if self.status is not SubscriptionStatus.PAST_DUE:
            raise InvalidTransition(
                "only a past-due subscription can become unpaid",
                code=BillingErrorCode.PAYMENT_STATE,
            )
        self.status = SubscriptionStatus.UNPAID
