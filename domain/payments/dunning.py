"""Dunning: what happens after a renewal payment fails, as data and pure rules.

The policy (stored, editable by staff) lists the retries in days after the first failure
(default 1, 3, 5 and 7) and the final action when the last retry fails: the subscription is
canceled, marked unpaid (access restricted, invoices continue) or left past due; the invoice is
marked uncollectible or left open. A hard decline (stolen, expired, invalid card) stops charging
that card: the scheduled retries pass without a charge until the customer adds a new card, which
is retried at once. The customer is told at each failure (with a link to update the card), and
gets a last-chance notice when the final retry is scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from domain.shared.errors import ValidationFailed


class FinalSubscriptionAction(StrEnum):
    CANCEL = "cancel"
    UNPAID = "unpaid"
    PAST_DUE = "past_due"  # leave it past due


class FinalInvoiceAction(StrEnum):
    UNCOLLECTIBLE = "uncollectible"
    OPEN = "open"  # leave it open


class DunningStatus(StrEnum):
    OPEN = "open"
    RECOVERED = "recovered"
    EXHAUSTED = "exhausted"  # the final action was taken
    CLOSED = "closed"  # the invoice was voided or written off (uncollectible): no more retries


MAX_RETRIES = 8  # as Stripe's custom schedules
MAX_RETRY_DAY = 60


@dataclass(frozen=True, slots=True)
class DunningPolicy:
    retry_days: tuple[int, ...] = (1, 3, 5, 7)
    final_subscription_action: FinalSubscriptionAction = FinalSubscriptionAction.CANCEL
    final_invoice_action: FinalInvoiceAction = FinalInvoiceAction.UNCOLLECTIBLE

    def __post_init__(self) -> None:
        days = list(self.retry_days)
        if (
            len(days) > MAX_RETRIES
            or any(d < 1 or d > MAX_RETRY_DAY for d in days)
            or days != sorted(set(days))
        ):
            raise ValidationFailed(
                {
                    "retry_days": f"up to {MAX_RETRIES} increasing days between 1 and "
                    f"{MAX_RETRY_DAY}, e.g. 1, 3, 5, 7"
                },
                code="dunning.bad_policy",
            )


@dataclass(frozen=True, slots=True)
class DunningCase:
    """One unpaid invoice in dunning."""

    invoice_id: str
    customer_id: str
    subscription_id: str | None
    status: DunningStatus
    failures: int  # failed collections so far, the first one included
    first_failed_at: datetime
    next_attempt_at: datetime | None
    awaiting_new_method: bool = False  # after a hard decline
    closed_at: datetime | None = None
    test_clock_id: str | None = None

    @property
    def retries_left(self) -> int:
        return 0 if self.next_attempt_at is None else 1


class Notice(StrEnum):
    PAYMENT_FAILED = "payment_failed"
    LAST_CHANCE = "last_chance"


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    case: DunningCase
    notices: tuple[Notice, ...]
    final: bool  # the last retry failed: take the policy's final action now


def after_failure(
    case: DunningCase | None,
    policy: DunningPolicy,
    *,
    invoice_id: str,
    customer_id: str,
    subscription_id: str | None,
    now: datetime,
    hard: bool,
    test_clock_id: str | None = None,
) -> FailureOutcome:
    """The case after a failed collection (or a scheduled retry skipped for a hard-declined
    card): the next retry from the policy, or the final action when none is left."""
    if case is None:
        case = DunningCase(
            invoice_id=invoice_id,
            customer_id=customer_id,
            subscription_id=subscription_id,
            status=DunningStatus.OPEN,
            failures=0,
            first_failed_at=now,
            next_attempt_at=None,
            test_clock_id=test_clock_id,
        )
    failures = case.failures + 1
    retry_index = failures - 1  # the first failure schedules retry 0
    if retry_index < len(policy.retry_days):
        at = case.first_failed_at + timedelta(days=policy.retry_days[retry_index])
        last = retry_index == len(policy.retry_days) - 1
        notices = (Notice.PAYMENT_FAILED,) + ((Notice.LAST_CHANCE,) if last else ())
        return FailureOutcome(
            replace(
                case,
                failures=failures,
                next_attempt_at=max(at, now),
                awaiting_new_method=case.awaiting_new_method or hard,
            ),
            notices,
            final=False,
        )
    return FailureOutcome(
        replace(
            case,
            failures=failures,
            next_attempt_at=None,
            status=DunningStatus.EXHAUSTED,
            closed_at=now,
        ),
        (),
        final=True,
    )


def recovered(case: DunningCase, *, now: datetime) -> DunningCase:
    return replace(case, status=DunningStatus.RECOVERED, next_attempt_at=None, closed_at=now)


def closed(case: DunningCase, *, now: datetime) -> DunningCase:
    """The invoice was voided or marked uncollectible outside dunning: retrying stops."""
    return replace(case, status=DunningStatus.CLOSED, next_attempt_at=None, closed_at=now)


def given_up(case: DunningCase, *, now: datetime) -> DunningCase:
    """The case after a failed collection once its subscription has ended: no retry is left."""
    return replace(
        case,
        failures=case.failures + 1,
        next_attempt_at=None,
        status=DunningStatus.EXHAUSTED,
        closed_at=now,
    )


def retry_now(case: DunningCase, *, now: datetime) -> DunningCase:
    """A new payment method: retry at once, and charge again on the remaining schedule."""
    return replace(case, next_attempt_at=now, awaiting_new_method=False)
