"""Subscriber metrics on the real database: trials driven through the subscription use cases
(Tia, USD, US, plan team: one converted in January, one cancelled in its trial; Dee, USD, DE,
team: one converted in February; Udo, EUR, DE, plan euro: one converted in January), dunning
cases, refunds and cancellation feedback stored as the payments and the portal store them;
figures computed by hand below, unfiltered and per plan, currency and country, read from the
read model after the refresh; and the read model equal to the direct computation from the
sources (``direct_months``) for every filter and range, a missing rate included."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    DunningCaseTable,
    InvoiceTable,
    RefundTable,
)
from domain.adapters.db.tables_analytics import SubscriberMonthTable
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics_reports.subscriber_page import (
    MonthRange,
    SubscriberMetricsPage,
    check_range,
    direct_months,
    subscriber_csv_rows,
    subscriber_metrics_page,
)
from domain.analytics_reports.subscriber_refresh import refresh_subscriber_metrics
from domain.shared.clock import FrozenClock
from domain.shared.errors import PermissionDenied
from domain.shared.money import Currency, Rounding
from domain.shared.periods import utc
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.engine import Refund, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from domain.subscriptions.model import CancellationReason
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from tests.support.analytics_business import (
    CONFIG,
    EURO,
    TEAM,
    business_uow,
    make_business_customer,
)
from tests.support.database import TestDatabase

pytestmark = pytest.mark.integration

OWNER = SignedInStaff("staff-own", "own@example.com", "Own", Role.OWNER, "s")
VIEWER = SignedInStaff("staff-vi", "vi@example.com", "Vi", Role.VIEWER, "s")
USD = Currency.of("USD")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2024, 1, 1))


async def build(db: TestDatabase, clock: FrozenClock) -> None:
    uow = business_uow(db, clock)
    async with uow:
        await uow.plans.add(TEAM)
        await uow.plans.add(EURO)
        await uow.exchange_rates.add(ExchangeRate(
            id="rate-eur", currency="EUR", reporting="USD", rate=Decimal("1.10"),
            effective_on=date(2024, 1, 1), entered_by="bill@example.com", entered_at=clock.now(),
        ))  # fmt: skip
        await uow.commit()

    def kw() -> dict[str, object]:
        return {"uow": business_uow(db, clock), "clock": clock, "config": CONFIG}

    customer = await make_business_customer(db, clock, "tia@example.test", "Tia", "USD", "US")
    dee = await make_business_customer(db, clock, "dee@example.test", "Dee", "USD", "DE")
    udo = await make_business_customer(db, clock, "udo@example.test", "Udo", "EUR", "DE")
    clock.set(utc(2024, 1, 3))
    u = (await subscribe(udo, "euro", trial_days=14, **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 1, 5))
    a = (await subscribe(customer, "team", trial_days=14, **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 1, 10))
    b = (await subscribe(customer, "team", trial_days=14, **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 1, 15))
    await cancel_subscription(b, timing=Timing.IMMEDIATE, refund=Refund.NONE, **kw())  # type: ignore[arg-type]
    clock.set(datetime(2024, 1, 19, 10, tzinfo=UTC))
    await advance_subscription(a, **kw())  # type: ignore[arg-type]  # converts at Jan 19 00:00
    await advance_subscription(u, **kw())  # type: ignore[arg-type]  # converts at Jan 17 00:00
    clock.set(utc(2024, 1, 25))
    c = (await subscribe(dee, "team", trial_days=14, **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 9))
    await advance_subscription(c, **kw())  # type: ignore[arg-type]  # its trial ended Feb 8

    invoices = {
        r["subscription_id"]: r["id"]
        for r in await InvoiceTable.select(InvoiceTable.id, InvoiceTable.subscription_id)
        .where(InvoiceTable.amount_due_minor.is_in([4000, 5000]))
    }  # fmt: skip
    trial_invoice = (await InvoiceTable.select(InvoiceTable.id).where(
        InvoiceTable.subscription_id == b).first())["id"]  # fmt: skip
    await DunningCaseTable.insert(
        DunningCaseTable(invoice=invoices[a], customer_id=customer, subscription_id=a,
                         status="recovered", failures=1, first_failed_at=utc(2024, 1, 20),
                         closed_at=utc(2024, 2, 3)),
        DunningCaseTable(invoice=invoices[c], customer_id=dee, subscription_id=c,
                         status="exhausted", failures=4, first_failed_at=utc(2024, 2, 9),
                         closed_at=utc(2024, 2, 20)),
        DunningCaseTable(invoice=invoices[u], customer_id=udo, subscription_id=u,
                         status="recovered", failures=2, first_failed_at=utc(2024, 1, 18),
                         closed_at=utc(2024, 2, 5)),  # 50.00 EUR = 55.00 USD
        DunningCaseTable(invoice=trial_invoice, customer_id=customer, subscription_id=b,
                         status="recovered", failures=1, first_failed_at=utc(2024, 2, 1),
                         closed_at=utc(2024, 2, 2), test_clock_id="clock-1"),  # left out
    )  # fmt: skip
    refund = {"invoice_id": invoices[a], "customer_id": customer}
    await RefundTable.insert(
        RefundTable(id="r1", credit_note_id="cn1", amount_minor=1500, currency="USD",
                    status="succeeded", finished_at=utc(2024, 2, 10), **refund),
        RefundTable(id="r2", credit_note_id="cn2", amount_minor=1000, currency="EUR",
                    status="succeeded", finished_at=utc(2024, 2, 11), **refund),
        RefundTable(id="r3", credit_note_id="cn3", amount_minor=9900, currency="USD",
                    status="failed", finished_at=utc(2024, 2, 12), **refund),
        RefundTable(id="r4", credit_note_id="cn4", amount_minor=2000, currency="EUR",
                    status="succeeded", finished_at=utc(2024, 2, 12), invoice_id=invoices[u],
                    customer_id=udo),  # 22.00 USD
        RefundTable(id="r5", credit_note_id="cn5", amount_minor=1000, currency="EUR",
                    status="succeeded", finished_at=utc(2024, 2, 13), invoice_id=invoices[u],
                    customer_id=None),  # no customer: its invoice's (Udo's); 11.00 USD
    )  # fmt: skip
    feedback = [(b, customer, CancellationReason.TOO_EXPENSIVE, utc(2024, 1, 15)),
                (a, customer, CancellationReason.NOT_USING, utc(2024, 2, 2)),
                (c, dee, CancellationReason.NOT_USING, utc(2024, 2, 3)),
                (u, udo, CancellationReason.TOO_EXPENSIVE, utc(2024, 2, 4))]  # fmt: skip
    await CancellationFeedbackTable.insert(*[
        CancellationFeedbackTable(id=f"f{i}", subscription=s, customer=who, reason=r.value,
                                  comment="", timing="immediate", created_at=at)
        for i, (s, who, r, at) in enumerate(feedback)
    ])  # fmt: skip
    clock.set(utc(2024, 3, 1))


async def refresh(db: TestDatabase, clock: FrozenClock) -> None:
    await refresh_subscriber_metrics(new_uow=lambda: business_uow(db, clock), clock=clock,
                                     reporting=USD, rounding=Rounding.HALF_UP)  # fmt: skip


async def page_of(db: TestDatabase, clock: FrozenClock, chosen: MonthRange,
                  actor: SignedInStaff = OWNER) -> SubscriberMetricsPage:  # fmt: skip
    return await subscriber_metrics_page(actor, chosen, uow=business_uow(db, clock),
                                         reporting=USD)  # fmt: skip


async def test_before_the_first_refresh_the_page_says_so_and_shows_nothing(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build(db, clock)
    page = await page_of(db, clock, check_range("2024-01", "2024-03", today=clock.now().date()))
    assert page.refresh is None
    assert [r.trials_ended + r.dunning_closed + r.refunds for r in page.rows] == [0, 0, 0]
    await refresh(db, clock)
    page = await page_of(db, clock, check_range("2024-01", "2024-03", today=clock.now().date()))
    assert page.refresh is not None and page.refresh.refreshed_at == utc(2024, 3, 1)


async def test_subscriber_metrics_give_the_hand_computed_figures(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build(db, clock)
    await refresh(db, clock)
    chosen = check_range("2024-01", "2024-03", today=clock.now().date())
    page = await page_of(db, clock, chosen)
    jan, feb, mar = page.rows
    assert (jan.trials_ended, jan.trials_converted, jan.conversion_tenths) == (3, 2, 667)
    assert (feb.trials_ended, feb.trials_converted, feb.conversion_tenths) == (1, 1, 1000)
    assert (mar.trials_ended, mar.conversion_tenths) == (0, None)
    assert (jan.dunning_closed, feb.dunning_closed, feb.dunning_recovered) == (0, 3, 2)
    assert (feb.recovery_tenths, feb.recovered_minor) == (667, 9500)  # 40.00 USD + 50.00 EUR
    assert (feb.refunds, feb.refunded_minor) == (4, 5900)  # 15.00 USD + 10.00, 20.00, 10.00 EUR
    assert jan.reasons == {CancellationReason.TOO_EXPENSIVE: 1}
    assert feb.reasons == {CancellationReason.NOT_USING: 2, CancellationReason.TOO_EXPENSIVE: 1}
    total = page.total
    assert (total.trials_ended, total.trials_converted, total.conversion_tenths) == (4, 3, 750)
    assert page.missing_rates == ""
    assert [r.cancellations for r in page.rows] == [1, 3, 0] and page.busiest == 3
    assert (page.choices.plans, page.choices.currencies) == (["euro", "team"], ["EUR", "USD"])
    assert page.choices.countries == ["DE", "US"]

    assert subscriber_csv_rows(page, "trials")[1:3] == [
        ["2024-01", "3", "2", "1", "66.7"], ["2024-02", "1", "1", "0", "100.0"]]  # fmt: skip
    assert subscriber_csv_rows(page, "dunning")[2] == ["2024-02", "3", "2", "1", "66.7", "9500"]
    assert subscriber_csv_rows(page, "refunds")[2] == ["2024-02", "4", "5900"]
    assert subscriber_csv_rows(page, "reasons")[2] == ["2024-02", "1", "0", "0", "2", "0", "3"]

    later = check_range("2024-02", "2024-02", today=clock.now().date())
    feb_only = await page_of(db, clock, later)
    assert [(r.trials_ended, r.dunning_closed, r.refunds, r.cancellations)
            for r in feb_only.rows] == [(1, 3, 4, 3)]  # fmt: skip

    with pytest.raises(PermissionDenied):
        await page_of(db, clock, chosen, VIEWER)


TE, NU = CancellationReason.TOO_EXPENSIVE, CancellationReason.NOT_USING


@pytest.mark.parametrize(
    ("filters", "trials", "dunning", "refunds", "reasons"),
    [
        # per month (Jan, Feb): trials (ended, converted); Feb's dunning (closed, recovered,
        # recovered USD minor), Feb's refunds (count, USD minor), reasons per month
        ({"plan": "team"}, [(2, 1), (1, 1)], (2, 1, 4000), (2, 2600), [{TE: 1}, {NU: 2}]),
        ({"plan": "euro"}, [(1, 1), (0, 0)], (1, 1, 5500), (2, 3300), [{}, {TE: 1}]),
        ({"currency": "usd"}, [(2, 1), (1, 1)], (2, 1, 4000), (1, 1500), [{TE: 1}, {NU: 2}]),
        ({"currency": "EUR"}, [(1, 1), (0, 0)], (1, 1, 5500), (3, 4400), [{}, {TE: 1}]),
        ({"country": "de"}, [(1, 1), (1, 1)], (2, 1, 5500), (2, 3300), [{}, {NU: 1, TE: 1}]),
        ({"country": "US"}, [(2, 1), (0, 0)], (1, 1, 4000), (2, 2600), [{TE: 1}, {NU: 1}]),
        ({"plan": "team", "country": "DE"}, [(0, 0), (1, 1)], (1, 0, 0), (0, 0), [{}, {NU: 1}]),
        ({"plan": "nope"}, [(0, 0), (0, 0)], (0, 0, 0), (0, 0), [{}, {}]),
    ],
)
async def test_each_filter_narrows_every_section_as_computed_by_hand(
    db: TestDatabase, clock: FrozenClock, filters: dict[str, str],
    trials: list[tuple[int, int]], dunning: tuple[int, int, int], refunds: tuple[int, int],
    reasons: list[dict[CancellationReason, int]],
) -> None:  # fmt: skip
    await build(db, clock)
    await refresh(db, clock)
    chosen = check_range("2024-01", "2024-02", today=clock.now().date(), **filters)
    page = await page_of(db, clock, chosen)
    jan, feb = page.rows
    assert [(r.trials_ended, r.trials_converted) for r in page.rows] == trials
    assert jan.dunning_closed == 0
    assert (feb.dunning_closed, feb.dunning_recovered, feb.recovered_minor) == dunning
    assert (feb.refunds, feb.refunded_minor) == refunds
    assert [r.reasons for r in page.rows] == reasons
    assert page.choices.plans == ["euro", "team"]  # the choices stay whole


FILTER_SETS = [
    {}, {"plan": "team"}, {"plan": "euro"}, {"currency": "USD"}, {"currency": "EUR"},
    {"currency": "JPY"}, {"country": "DE"}, {"country": "US"}, {"plan": "team", "country": "DE"},
    {"plan": "team", "currency": "USD", "country": "US"}, {"plan": "euro", "currency": "EUR"},
    {"plan": "nope"},
]  # fmt: skip


async def test_the_read_model_equals_the_direct_computation_for_every_filter_and_range(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build(db, clock)
    # a refund in a currency without a rate: unknown amounts, named, in both
    await RefundTable.insert(RefundTable(
        id="r6", credit_note_id="cn6", amount_minor=500, currency="JPY", status="succeeded",
        finished_at=utc(2024, 1, 30), invoice_id=(await InvoiceTable.select(InvoiceTable.id)
                                                  .first())["id"], customer_id=None,
    ))  # fmt: skip
    await refresh(db, clock)
    today = clock.now().date()
    compared = 0
    for filters in FILTER_SETS:
        for start, end in [("2023-12", "2024-03"), ("2024-01", "2024-01"), ("2024-02", "2024-03")]:
            chosen = check_range(start, end, today=today, **filters)
            page = await page_of(db, clock, chosen)
            rows, missing = await direct_months(chosen, uow=business_uow(db, clock),
                                                reporting=USD, rounding=Rounding.HALF_UP)  # fmt: skip
            assert page.rows == rows, (filters, start, end)
            assert page.missing_rates == missing, (filters, start, end)
            compared += sum(r.trials_ended + r.dunning_closed + r.refunds + r.cancellations
                            for r in rows)  # fmt: skip
    assert compared > 50  # the comparison saw the events, not only empty months
    unfiltered = await page_of(db, clock, check_range("2024-01", "2024-01", today=today))
    assert unfiltered.missing_rates == "JPY on 2024-01-30"
    assert unfiltered.rows[0].refunded_minor is None


async def test_two_refreshes_at_once_leave_one_set_of_rows(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build(db, clock)
    await refresh(db, clock)
    once = await SubscriberMonthTable.count()
    await asyncio.gather(refresh(db, clock), refresh(db, clock))
    assert await SubscriberMonthTable.count() == once > 0
