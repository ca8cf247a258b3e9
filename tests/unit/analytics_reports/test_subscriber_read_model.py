"""The subscriber metrics' read model alone: each event counts in the eight segments of its plan,
currency and country (each a value or *); a one-off invoice's plan and a missing country are the
empty value; a missing rate makes the row's amount unknown and is kept with the row."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.analytics_reports.ports import (
    ClosedDunningCase,
    ReasonMonth,
    RefundRow,
    SubscriberFilters,
)
from domain.analytics_reports.subscriber_metrics import TrialEnd
from domain.analytics_reports.subscriber_read_model import (
    SubscriberFold,
    segment_of,
    segments,
)
from domain.subscriptions.model import CancellationReason

pytestmark = pytest.mark.unit

JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)


def test_an_event_counts_in_the_eight_segments_of_its_values() -> None:
    assert segments("team", "EUR", "DE") == [
        "team|EUR|DE", "team|EUR|*", "team|*|DE", "team|*|*",
        "*|EUR|DE", "*|EUR|*", "*|*|DE", "*|*|*",
    ]  # fmt: skip
    assert segments(None, "USD", None)[0] == "|USD|"  # no plan, no country: matched by no filter
    assert segment_of(SubscriberFilters()) == "*|*|*"
    assert segment_of(SubscriberFilters("team", None, "DE")) == "team|*|DE"


def test_the_fold_sums_per_segment_and_month_and_keeps_the_missing_rates() -> None:
    def to_usd(minor: int, currency: str, day: date) -> int | None:
        return minor if currency == "USD" else None

    fold = SubscriberFold(to_usd, {"p1": "team"})
    fold.trials([TrialEnd("s1", datetime(2024, 1, 9, tzinfo=UTC), True, "p1", "USD", "US"),
                 TrialEnd("s2", datetime(2024, 1, 31, 23, tzinfo=UTC), False, "p9", "USD",
                          "US")])  # fmt: skip
    fold.cases([ClosedDunningCase(datetime(2024, 2, 3, tzinfo=UTC), True, 4000, "USD", "team",
                                  "US"),
                ClosedDunningCase(datetime(2024, 2, 4, tzinfo=UTC), True, 5000, "EUR", None,
                                  "DE")])  # fmt: skip
    fold.refunds([RefundRow(datetime(2024, 2, 5, tzinfo=UTC), 700, "USD", "team", "US")])
    fold.reasons([ReasonMonth(FEB, CancellationReason.NOT_USING, 2, "team", "USD", "US")])
    rows = {(m.segment, m.month): m for m in fold.months()}

    everyone_jan = rows[("*|*|*", JAN)].metrics
    assert (everyone_jan.trials_ended, everyone_jan.trials_converted) == (2, 1)
    assert rows[("team|*|*", JAN)].metrics.trials_ended == 1  # p9 has no code: "" plan
    assert rows[("|USD|US", JAN)].metrics.trials_ended == 1

    everyone_feb = rows[("*|*|*", FEB)]
    assert (everyone_feb.metrics.dunning_recovered, everyone_feb.metrics.recovered_minor) == (
        2, None)  # fmt: skip
    assert everyone_feb.missing == {("EUR", date(2024, 2, 4))}
    team_feb = rows[("team|USD|US", FEB)]
    assert (team_feb.metrics.recovered_minor, team_feb.metrics.refunded_minor) == (4000, 700)
    assert team_feb.metrics.reasons == {CancellationReason.NOT_USING: 2}
    assert team_feb.missing == frozenset()
    assert ("team|*|DE", FEB) not in rows  # the EUR case has no plan (a one-off invoice)
    assert rows[("*|EUR|DE", FEB)].metrics.dunning_closed == 1
