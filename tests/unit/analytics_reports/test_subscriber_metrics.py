"""Subscriber metrics alone: when a trial ends and whether it converted, test clocks left out;
months bucketed in UTC; an unconvertible amount makes the month's sum unknown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.analytics_reports.ports import ClosedDunningCase, RefundRow, SubscriberFilters
from domain.analytics_reports.subscriber_metrics import monthly_metrics, totals, trial_ends
from domain.pricing.proration import ProrationUnit
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import Subscription

pytestmark = pytest.mark.unit

START = datetime(2024, 1, 20, 9, tzinfo=UTC)
END = START + timedelta(days=14)  # 3 February 09:00


def _trial(sub_id: str, then: SubscriptionStatus, at: datetime,
           clock: str | None = None) -> list[SubscriptionVersion]:  # fmt: skip
    sub = Subscription(
        id=SubscriptionId(sub_id), customer_id=CustomerId("c"), currency="USD", timezone="UTC",
        proration=ProrationUnit.DAY, plan_id=PlanId("p"), quantity=1,
        status=SubscriptionStatus.TRIALING, anchor=START, period_start=START, period_end=END,
        created_at=START, test_clock_id=clock,
    )  # fmt: skip
    return [SubscriptionVersion(sub, START, None, "US"),
            SubscriptionVersion(replace(sub, status=then), at, None, "US")]  # fmt: skip


def test_a_trial_ends_at_its_end_or_when_it_was_ended_early() -> None:
    versions = [
        *_trial("ran-to-end", SubscriptionStatus.ACTIVE, END + timedelta(minutes=4)),
        *_trial("failed-payment", SubscriptionStatus.PAST_DUE, END),
        *_trial("cancelled", SubscriptionStatus.CANCELED, datetime(2024, 1, 25, tzinfo=UTC)),
        *_trial("expired", SubscriptionStatus.INCOMPLETE, END),
        *_trial("on-a-clock", SubscriptionStatus.ACTIVE, END, clock="clock-1"),
    ]
    ends = {e.subscription_id: (e.at, e.converted) for e in trial_ends(versions)}
    assert ends == {
        "ran-to-end": (END, True),  # the job ran 4 minutes late: the trial ended at its end
        "failed-payment": (END, True),  # past due counts in MRR: converted
        "cancelled": (datetime(2024, 1, 25, tzinfo=UTC), False),
        "expired": (END, False),
    }
    rows = monthly_metrics([date(2024, 1, 1), date(2024, 2, 1)], trials=trial_ends(versions),
                           cases=[], refunds=[], reasons=[], to_reporting=lambda m, c, d: m)  # fmt: skip
    assert [(r.trials_ended, r.trials_converted, r.conversion_tenths) for r in rows] == [
        (1, 0, 0), (3, 2, 667)]  # fmt: skip


def test_amounts_are_converted_per_day_and_a_missing_rate_is_unknown() -> None:
    def to_usd(minor: int, currency: str, day: date) -> int | None:
        if currency == "USD":
            return minor
        return None if day < date(2024, 2, 10) else minor * 11 // 10

    jan31 = datetime(2024, 1, 31, 23, 59, tzinfo=UTC)  # still January in UTC
    cases = [ClosedDunningCase(jan31, True, 1000, "USD"),
             ClosedDunningCase(datetime(2024, 2, 11, tzinfo=UTC), True, 1000, "EUR"),
             ClosedDunningCase(datetime(2024, 2, 12, tzinfo=UTC), False, 5000, "USD")]  # fmt: skip
    refunds = [RefundRow(datetime(2024, 2, 1, tzinfo=UTC), 500, "EUR")]
    jan, feb = monthly_metrics([date(2024, 1, 1), date(2024, 2, 1)], trials=[], cases=cases,
                               refunds=refunds, reasons=[], to_reporting=to_usd)  # fmt: skip
    assert (jan.dunning_closed, jan.recovered_minor, jan.recovery_tenths) == (1, 1000, 1000)
    assert (feb.dunning_closed, feb.dunning_recovered, feb.recovered_minor) == (2, 1, 1100)
    assert (feb.refunds, feb.refunded_minor) == (1, None)  # no EUR rate on 1 February
    total = totals([jan, feb])
    assert (total.recovered_minor, total.refunded_minor, total.recovery_tenths) == (2100, None,
                                                                                    667)  # fmt: skip


def test_a_trial_counts_for_the_plan_currency_and_country_it_had_while_trialing() -> None:
    moved = _trial("moved", SubscriptionStatus.ACTIVE, END)
    # after converting it moved to plan q and its customer to Germany: the trial stays p / US
    later = replace(moved[1].subscription, plan_id=PlanId("q"))
    versions = [*moved, SubscriptionVersion(later, END + timedelta(days=3), None, "DE")]
    codes = {"p": "basic", "q": "pro"}

    def ended(**kw: str) -> list[str]:
        found = trial_ends(versions, SubscriberFilters(**kw), codes)
        return [e.subscription_id for e in found]

    assert ended() == ended(plan_code="basic") == ended(country="US") == ["moved"]
    assert ended(currency="USD", country="US", plan_code="basic") == ["moved"]
    assert ended(plan_code="pro") == ended(country="DE") == ended(currency="EUR") == []
