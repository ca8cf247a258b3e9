"""``refresh_subscriber_metrics``: the job ``analytics.refresh_subscribers``'s use case (hourly,
as the cohorts', domain/jobs/schedule.py). It reads every source once (the trials' histories in
batches of subscriptions, the closed dunning cases, the refunds, the cancellation reasons), folds
them into the read model (``subscriber_read_model.py``: one row per segment and month, amounts
converted at each event's own day with the rates as they are now) and replaces the stored rows
whole with the refresh's record, so the page reads a few rows and never the history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from domain.analytics.exchange_rates import ExchangeRates, NoExchangeRate
from domain.analytics_reports.ports import AnalyticsReportsUnit
from domain.analytics_reports.subscriber_metrics import trial_ends
from domain.analytics_reports.subscriber_read_model import SubscriberFold, SubscriberRefresh
from domain.shared.clock import Clock
from domain.shared.money import Currency, Money, Rounding

REFRESH_SUBSCRIBERS_JOB = "analytics.refresh_subscribers"
BATCH = 500  # subscriptions whose histories are read (and folded) at a time


async def refresh_subscriber_metrics(
    *, new_uow: Callable[[], AnalyticsReportsUnit], clock: Clock, reporting: Currency,
    rounding: Rounding,
) -> SubscriberRefresh:  # fmt: skip
    """Two transactions: the sources read and folded, then the rows replaced (no write lock
    while computing). Returns the refresh's record."""
    now = clock.now()
    async with new_uow() as uow:
        reads = uow.subscriber_metrics
        rates = ExchangeRates(reporting, await uow.exchange_rates.all())

        def to_reporting(minor: int, currency: str, day: date) -> int | None:
            try:
                return rates.convert(Money.of_minor(minor, currency), day, rounding).minor
            except NoExchangeRate:
                return None

        fold = SubscriberFold(to_reporting, await reads.plan_codes())
        trialed = await reads.trialed_subscriptions()
        for start in range(0, len(trialed), BATCH):
            fold.trials(trial_ends(await reads.versions_of(trialed[start : start + BATCH])))
        fold.cases(await reads.all_closed_dunning_cases())
        fold.refunds(await reads.all_refunds())
        fold.reasons(await reads.all_reasons())
        choices = await reads.choices()
    refresh = SubscriberRefresh(now, reporting.code, choices)
    async with new_uow() as uow:
        await uow.subscriber_months.replace(fold.months(), refresh)
        await uow.commit()
    return refresh
