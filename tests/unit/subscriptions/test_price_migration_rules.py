"""The price migration rules: which renewal moves a subscription, when its notice is due (and a
late notice never shortens the notice), and what scheduling refuses."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.periods import Interval, IntervalUnit, utc
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.price_migrations import (
    MigrationStatus,
    PriceMigration,
    Renewing,
    check_effective,
    check_target,
    is_movable,
    move_due,
    planned_move,
    renewals,
)
from tests.unit.billing._builders import flat, make_plan

MONTH = Interval(IntervalUnit.MONTH)


def _sub(**changes: object) -> Renewing:
    values: dict[str, object] = {
        "status": SubscriptionStatus.ACTIVE, "period_end": utc(2027, 1, 31, 9),
        "anchor": utc(2026, 12, 31, 9), "pending_anchor": None, "tz": ZoneInfo("UTC"),
        "cancel_at_period_end": False, "has_scheduled_change": False,
    }  # fmt: skip
    values.update(changes)
    return Renewing(**values)  # type: ignore[arg-type]


def _migration(effective_day: int = 1, notice_days: int = 30) -> PriceMigration:
    return PriceMigration(
        "m1", "team", PlanId("v1"), PlanId("v2"), utc(2027, 3, effective_day), notice_days,
        MigrationStatus.SCHEDULED, "bea@x.test", utc(2026, 12, 1),
    )  # fmt: skip


def test_renewals_follow_the_anchor_through_short_months() -> None:
    it = renewals(_sub(), MONTH)
    assert [next(it) for _ in range(3)] == [
        utc(2027, 1, 31, 9), utc(2027, 2, 28, 9), utc(2027, 3, 31, 9)
    ]  # fmt: skip


def test_a_subscription_moves_at_its_first_renewal_on_or_after_the_date() -> None:
    assert planned_move(_sub(), MONTH, utc(2027, 3, 1)) == utc(2027, 3, 31, 9)
    assert planned_move(_sub(), MONTH, utc(2027, 2, 28, 9)) == utc(2027, 2, 28, 9)


def test_the_notice_is_due_notice_days_before_that_renewal() -> None:
    m = _migration()
    assert move_due(_sub(), MONTH, m, utc(2027, 3, 1, 8, 59)) is None
    assert move_due(_sub(), MONTH, m, utc(2027, 3, 1, 9)) == utc(2027, 3, 31, 9)
    # a day late (a test clock's step, the job every 15 minutes): the same renewal
    assert move_due(_sub(), MONTH, m, utc(2027, 3, 2, 9)) == utc(2027, 3, 31, 9)


def test_a_notice_sent_too_late_moves_the_subscription_a_period_later() -> None:
    late = utc(2027, 3, 20)  # the runner was down: 11 days before the planned renewal
    assert move_due(_sub(), MONTH, _migration(), late) == utc(2027, 4, 30, 9)


def test_what_a_migration_leaves_alone() -> None:
    assert is_movable(_sub())
    assert is_movable(_sub(status=SubscriptionStatus.PAST_DUE))
    assert not is_movable(_sub(cancel_at_period_end=True))
    assert not is_movable(_sub(has_scheduled_change=True))
    assert not is_movable(_sub(status=SubscriptionStatus.INCOMPLETE))
    assert not is_movable(_sub(status=SubscriptionStatus.CANCELED))


def test_a_trial_end_is_the_first_renewal_and_anchors_the_rest() -> None:
    trial = _sub(status=SubscriptionStatus.TRIALING, period_end=utc(2027, 1, 14, 9))
    it = renewals(trial, MONTH)
    assert [next(it) for _ in range(2)] == [utc(2027, 1, 14, 9), utc(2027, 2, 14, 9)]


def test_the_target_must_be_newer_same_interval_and_priced_in_every_currency() -> None:
    v1 = make_plan("team")
    usd_only = make_plan("team", charges=(flat(4000),))
    v2 = type(v1)(**{**{f: getattr(usd_only, f) for f in v1.__slots__}, "id": PlanId("v2"),
                     "version": 2})  # fmt: skip
    check_target(v1, v2, {"USD"})
    with pytest.raises(ValidationFailed, match="no price in EUR"):
        check_target(v1, v2, {"USD", "EUR"})
    with pytest.raises(ValidationFailed, match="newer"):
        check_target(v2, v1, {"USD"})
    yearly = make_plan("team", interval=IntervalUnit.YEAR)
    yearly2 = type(v1)(**{**{f: getattr(yearly, f) for f in v1.__slots__}, "version": 3})
    with pytest.raises(ValidationFailed, match="same interval"):
        check_target(v1, yearly2, {"USD"})


def test_the_date_leaves_the_whole_notice() -> None:
    now = utc(2026, 12, 7, 2, 30)
    check_effective(now + timedelta(days=30), now, 30)
    with pytest.raises(ValidationFailed, match="on or after 2027-01-07"):
        check_effective(utc(2027, 1, 6), now, 30)
