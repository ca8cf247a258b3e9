"""A fixture business with hand-computed figures, driven through the real subscription use cases
and the real refresh job's use case, checked on /admin/analytics and in its CSV (issue 16, "Done
when"). Runs on SQLite and, with DATABASE_URL, on PostgreSQL.

Plans (flat prices, quantity 1): basic 20.00 USD/month, pro 50.00 USD/month, annual 600.00
USD/year (MRR 50.00), euro 40.00 EUR/month. Reporting currency USD; staff rates EUR -> USD 1.10
from 2024-01-01 and 1.20 from 2024-04-01. Customers: Ada (US), Bob (US), Cy (US), Dora (DE, EUR).

| when (2024)  | what                                                   | movement (USD)         |
|--------------|--------------------------------------------------------|------------------------|
| Jan 10       | Ada subscribes basic                                   | new +20.00             |
| Jan 15       | Bob subscribes pro                                     | new +50.00             |
| Jan 20       | Dora subscribes euro (40.00 EUR x 1.10)                | new +44.00             |
| Jan 21       | Dora applies 25% off, repeating 2 months (-10.00 EUR)  | contraction -11.00     |
| Feb 5        | Ada upgrades to pro (now)                              | expansion +30.00       |
| Feb 15       | Bob's downgrade to basic (asked Feb 10) takes effect   | contraction -30.00     |
| Mar 10       | Cy subscribes annual (600.00 / 12)                     | new +50.00             |
| Mar 12       | Ada cancels now                                        | churn -50.00           |
| Apr 3        | Ada subscribes basic again                             | reactivation +20.00    |
| Apr 20       | Dora's coupon ends (renewal after Mar 21; +10 EUR x 1.20) | expansion +12.00    |

The coupon applied Jan 21 for 2 months discounts periods that begin before Mar 21: Jan 20, Feb
20 and Mar 20; the renewal of Apr 20 is the first without it. Each movement converts at its own
day's rate, so Dora's MRR in USD is 44 - 11 + 12 = 45.00 (not 40 x 1.20 = 48.00).

By month (MRR at the end; customers and subscribers with MRR > 0):

| month | new    | exp   | contr  | churn  | react | net   | MRR    | cust | subs |
|-------|--------|-------|--------|--------|-------|-------|--------|------|------|
| Jan   | 114.00 | 0     | -11.00 | 0      | 0     | 103.00| 103.00 | 3    | 3    |
| Feb   | 0      | 30.00 | -30.00 | 0      | 0     | 0     | 103.00 | 3    | 3    |
| Mar   | 50.00  | 0     | 0      | -50.00 | 0     | 0     | 103.00 | 3    | 3    |
| Apr   | 0      | 12.00 | 0      | 0      | 20.00 | 32.00 | 135.00 | 4    | 4    |

Feb: revenue churn 30/103 = 29.13%, GRR 73/103 = 70.87%, NRR 103/103 = 100.00%, logo churn 0/3.
Mar: revenue churn 50/103 = 48.54%, GRR 53/103 = 51.46%, NRR 51.46%, logo churn 1/3 = 33.33%.
Apr: revenue churn 0, GRR 100.00%, NRR 135/103 = 131.07%, logo churn 0.

Range Feb 1 - Apr 30 (headline): start MRR 103.00 and 3 customers; new 50, expansion 42,
contraction -30, churn -50, reactivation 20, net new +32.00; MRR 135.00, ARR 1620.00; 4
customers (+1), 4 subscribers; ARPU 135/4 = 33.75 (start 103/3 = 34.33, change -0.58). The
rates are monthly averages, the three months pooled (starts 103.00 MRR and 3 customers each):
logo churn 1 / (3 + 3 + 3) = 11.1%; revenue churn 80 / (103 + 103 + 103) = 80/309 = 25.9%; GRR
(309 - 80) / 309 = 74.1%; NRR (309 + 62 - 80) / 309 = 291/309 = 94.2%; LTV 33.75 / (80/309) =
130.359375 -> 130.36.

Plan filter "pro" (a plan switch leaves one plan and arrives on the other): Jan new +50.00
(Bob); Feb new +50.00 (Ada arrives), churn -50.00 (Bob leaves); Mar churn -50.00 (Ada); MRR at
the end of April 0.00. Currency filter EUR: Dora only, MRR 45.00 at the end of April.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import JobTable
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.headlines import month_headlines
from domain.analytics.ledger import LedgerMovement, same_rows
from domain.analytics.refresh import refresh_analytics
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.pricing.coupons import CouponDuration
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from domain.shared.periods import IntervalUnit, utc
from domain.subscriptions.engine import Refund, Timing
from domain.subscriptions.lifecycle import apply_coupon, cancel_subscription
from domain.subscriptions.mrr_ledger import rebuild_mrr_ledger
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.renewals import renew_due
from domain.subscriptions.subscribing import subscribe
from tests.support.html import by_testid, parse, text
from tests.support.promotions import add_promotion
from tests.support.staff import admin_sign_in, make_staff
from tests.unit.billing._builders import flat, make_plan

pytestmark = pytest.mark.web

CONFIG = BillingConfig(seller_country="US")
USD, EUR = Currency.of("USD"), Currency.of("EUR")
PLANS = (
    make_plan("basic", charges=(flat(2000),)),
    make_plan("pro", charges=(flat(5000),)),
    make_plan("annual", charges=(flat(60000),), interval=IntervalUnit.YEAR),
    make_plan("euro", charges=(flat(4000),), currency=EUR),
)  # fmt: skip


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2024, 1, 1))


async def _business(app: Litestar, clock: FrozenClock) -> None:
    uow = app.state.runtime.uow

    def kw() -> dict[str, object]:
        return {"uow": uow(), "clock": clock, "config": CONFIG}

    async with uow() as u:
        for plan in PLANS:
            await u.plans.add(plan)
        await add_promotion(u, "QUARTER", CouponDuration.REPEATING, percent_off=Decimal(25),
                            duration_in_months=2)  # fmt: skip
        for rate, day in (("1.10", date(2024, 1, 1)), ("1.20", date(2024, 4, 1))):
            await u.exchange_rates.add(ExchangeRate(
                id=f"eur-{day}", currency="EUR", reporting="USD", rate=Decimal(rate),
                effective_on=day, entered_by="bill@example.com", entered_at=clock.now(),
            ))  # fmt: skip
        await u.commit()
    people = {}
    for name, country, currency in (("Ada", "US", "USD"), ("Bob", "US", "USD"),
                                    ("Cy", "US", "USD"), ("Dora", "DE", "EUR")):  # fmt: skip
        customer = await create_customer(
            email=f"{name.lower()}@example.test", name=name, currency=currency, country=country,
            region=None, address_lines=("1 Main St", "Town"), uow=uow(), clock=clock,
        )  # fmt: skip
        people[name] = customer.id

    async def renew(y: int, m: int, d: int) -> None:
        clock.set(utc(y, m, d))
        assert (await renew_due(uow=uow, clock=clock, config=CONFIG)).failed == ()

    clock.set(utc(2024, 1, 10))
    ada = (await subscribe(people["Ada"], "basic", **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 1, 15))
    bob = (await subscribe(people["Bob"], "pro", **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 1, 20))
    dora = (await subscribe(people["Dora"], "euro", **kw())).subscription.id  # type: ignore[arg-type]
    clock.set(utc(2024, 1, 21))
    await apply_coupon(dora, "QUARTER", **kw())  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 5))
    await change_subscription(ada, plan_code="pro", **kw())  # type: ignore[arg-type]
    clock.set(utc(2024, 2, 10))
    await change_subscription(bob, plan_code="basic", **kw())  # type: ignore[arg-type]
    await renew(2024, 2, 29)
    clock.set(utc(2024, 3, 10))
    await subscribe(people["Cy"], "annual", **kw())  # type: ignore[arg-type]
    clock.set(utc(2024, 3, 12))
    await cancel_subscription(ada, timing=Timing.IMMEDIATE, refund=Refund.NONE, **kw())  # type: ignore[arg-type]
    await renew(2024, 3, 31)
    clock.set(utc(2024, 4, 3))
    await subscribe(people["Ada"], "basic", **kw())  # type: ignore[arg-type]
    await renew(2024, 4, 30)
    assert bob and dora
    await refresh_analytics(uow=uow, clock=clock, reporting=USD)


def _cards(html: str) -> dict[str, str]:
    page = parse(html)
    return {c["data-metric"]: text(by_testid(c, "card-value")[0]) for c in by_testid(page, "card")}


def _csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


async def test_the_fixture_business_gives_the_hand_computed_figures(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _business(app, clock)
    member = await make_staff(app.state.runtime.uow, clock, role="billing",
                              email="bill@example.com")  # fmt: skip
    assert (await admin_sign_in(client, member, clock)).status_code == 303

    # the ledger, as the table above says
    async with app.state.runtime.uow() as u:
        rows = await u.mrr_ledger.all()
    assert [(r.at.date().isoformat(), r.customer_kind.value, r.reporting_amount_minor)
            for r in sorted(rows, key=lambda r: r.at)] == [
        ("2024-01-10", "new", 2000), ("2024-01-15", "new", 5000), ("2024-01-20", "new", 4400),
        ("2024-01-21", "contraction", -1100), ("2024-02-05", "expansion", 3000),
        ("2024-02-15", "contraction", -3000), ("2024-03-10", "new", 5000),
        ("2024-03-12", "churn", -5000), ("2024-04-03", "reactivation", 2000),
        ("2024-04-20", "expansion", 1200),
    ]  # fmt: skip

    # the rebuild from the stored history gives the same rows and enqueues the refresh
    await rebuild_mrr_ledger(uow=app.state.runtime.uow, config=CONFIG)
    async with app.state.runtime.uow() as u:
        rebuilt = await u.mrr_ledger.all()

    def order(r: LedgerMovement) -> tuple[str, datetime]:
        return (r.subscription_id, r.at)

    # (the rebuild writes customer by customer, the live ledger in the order of the changes)
    assert same_rows(sorted(rebuilt, key=order), sorted(rows, key=order))
    assert await JobTable.count().where(JobTable.name == "analytics.refresh") == 1
    await refresh_analytics(uow=app.state.runtime.uow, clock=clock, reporting=USD)

    # by month, Jan - Apr: the page's table and the CSV
    query = "from=2024-01-01&to=2024-04-30&bucket=month"
    page = await client.get(f"/admin/analytics?{query}")
    assert page.status_code == 200
    html = parse(page.text)
    mrr = [[text(td) for td in tr.select("td")] for tr in by_testid(html, "mrr-row")]
    assert [r[0] for r in mrr] == ["103.00", "103.00", "103.00", "135.00"]
    assert [r[3] for r in mrr] == ["3", "3", "3", "4"]  # customers
    assert [r[5:] for r in mrr] == [
        ["—", "—", "—", "—"],
        ["0.0%", "29.1%", "70.9%", "100.0%"],
        ["33.3%", "48.5%", "51.5%", "51.5%"],
        ["0.0%", "0.0%", "100.0%", "131.1%"],
    ]
    table = await client.get(f"/admin/analytics?{query}&format=csv&table=mrr")
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows_csv = _csv(table.text)
    assert [(r["start"], r["mrr"], r["arr"], r["customers"], r["subscribers"], r["arpu"])
            for r in rows_csv] == [
        ("2024-01-01", "103.00", "1236.00", "3", "3", "34.33"),
        ("2024-02-01", "103.00", "1236.00", "3", "3", "34.33"),
        ("2024-03-01", "103.00", "1236.00", "3", "3", "34.33"),
        ("2024-04-01", "135.00", "1620.00", "4", "4", "33.75"),
    ]  # fmt: skip
    assert [(r["logo_churn_pct"], r["revenue_churn_pct"], r["grr_pct"], r["nrr_pct"])
            for r in rows_csv] == [
        ("", "", "", ""), ("0.00", "29.13", "70.87", "100.00"),
        ("33.33", "48.54", "51.46", "51.46"), ("0.00", "0.00", "100.00", "131.07"),
    ]  # fmt: skip
    moves = _csv((await client.get(f"/admin/analytics?{query}&format=csv&table=movements")).text)
    assert [(r["new"], r["expansion"], r["contraction"], r["churn"], r["reactivation"],
             r["net_new"], r["churned_customers"]) for r in moves] == [
        ("114.00", "0.00", "-11.00", "0.00", "0.00", "103.00", "0"),
        ("0.00", "30.00", "-30.00", "0.00", "0.00", "0.00", "0"),
        ("50.00", "0.00", "0.00", "-50.00", "0.00", "0.00", "1"),
        ("0.00", "12.00", "0.00", "0.00", "20.00", "32.00", "0"),
    ]  # fmt: skip

    # the headline of Feb - Apr
    cards = _cards((await client.get("/admin/analytics?from=2024-02-01&to=2024-04-30")).text)
    assert cards == {
        "mrr": "$135.00",
        "arr": "$1,620.00",
        "net_new": "$32.00",
        "subscribers": "4",
        "customers": "4",
        "arpu": "$33.75",
        "logo_churn": "11.1%",
        "revenue_churn": "25.9%",
        "grr": "74.1%",
        "nrr": "94.2%",
        "ltv": "$130.36",
    }

    # by week, the headline is the same (its rates are the months' either way)
    weekly = await client.get("/admin/analytics?from=2024-02-01&to=2024-04-30&bucket=week")
    assert _cards(weekly.text) == cards
    assert len(by_testid(parse(weekly.text), "mrr-row")) == 14  # Thu Feb 1 ... Tue Apr 30

    # filters: the plan "pro" (a switch leaves one plan for the other), the currency EUR
    pro = _csv((await client.get(f"/admin/analytics?{query}&plan=pro&format=csv&table=movements"
                                 )).text)  # fmt: skip
    assert [(r["new"], r["churn"]) for r in pro] == [
        ("50.00", "0.00"),
        ("50.00", "-50.00"),
        ("0.00", "-50.00"),
        ("0.00", "0.00"),
    ]
    pro_mrr = _csv((await client.get(f"/admin/analytics?{query}&plan=pro&format=csv")).text)
    assert [r["mrr"] for r in pro_mrr] == ["50.00", "50.00", "0.00", "0.00"]
    euro = _csv((await client.get(f"/admin/analytics?{query}&currency=EUR&format=csv")).text)
    assert [r["mrr"] for r in euro] == ["33.00", "33.00", "33.00", "45.00"]

    # a figure's movements: the churn of March, linked to the customer
    churn = await client.get("/admin/analytics/movements?from=2024-03-01&to=2024-03-31&kind=churn")
    listed = by_testid(parse(churn.text), "ledger-row")
    assert len(listed) == 1 and text(by_testid(listed[0], "ledger-amount")[0]) == "-$50.00"
    assert listed[0].select_one('a[href^="/admin/customers/"]') is not None


async def test_the_monthly_e_mail_headlines_give_the_same_figures_as_the_dashboard(
    app: Litestar, clock: FrozenClock
) -> None:
    """The summary e-mail reads the ledger itself (domain/analytics/headlines.py), the dashboard
    its read model: both must give the hand-computed table above."""
    await _business(app, clock)
    async with app.state.runtime.uow() as u:
        rows = await u.mrr_ledger.all()
    eur_rate = {date(2024, 1, 1): Decimal("1.10"), date(2024, 4, 1): Decimal("1.20")}

    def to_usd(row: LedgerMovement) -> int | None:
        if row.currency == "USD":
            return row.amount_minor
        rate = eur_rate[max(d for d in eur_rate if d <= row.at.date())]
        return int(Decimal(row.amount_minor) * rate)  # every EUR amount here converts exactly

    got = [
        (h.mrr_minor, h.net_new_mrr_minor, h.new_customers, h.churned_customers,
         h.paying_at_start)
        for h in (month_headlines(rows, date(2024, m, 1), to_reporting=to_usd)
                  for m in (1, 2, 3, 4))
    ]  # fmt: skip
    assert got == [
        (10300, 10300, 3, 0, 0),  # Jan: Ada, Bob, Dora new; Dora's coupon
        (10300, 0, 0, 0, 3),
        (10300, 0, 1, 1, 3),  # Mar: Cy new, Ada churned
        (13500, 3200, 0, 0, 3),  # Apr: Ada's return is a reactivation, not new
    ]
