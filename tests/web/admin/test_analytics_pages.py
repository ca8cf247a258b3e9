"""/admin/analytics and its movements page: billing and owner only (viewer and support get 403
on the page, the CSV and the movements), bad filters re-render the form with a message (400,
never a 5xx), the staleness is stated, a currency without a rate for a movement's day is named
in a banner (and left out, never guessed), and the CSV is a file of exact amounts."""

from __future__ import annotations

import asyncio
import contextvars
import csv
import io
from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest
from litestar import Litestar

from domain.analytics.aggregate import DayAggregate
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.analytics.movements import MovementKind
from domain.analytics.refresh import refresh_analytics
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from domain.shared.periods import utc
from tests.support.html import by_testid, parse, text
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web

NEW, CHURN = MovementKind.NEW, MovementKind.CHURN


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2024, 6, 30, 12))


def _row(sub: str, customer: str, at: datetime, kind: MovementKind, amount: int, mrr: int,
         currency: str = "USD", plan: str = "pro", country: str | None = "US") -> LedgerMovement:  # fmt: skip
    return LedgerMovement(
        subscription_id=sub, customer_id=customer, at=at, kind=kind, customer_kind=kind,
        amount_minor=amount, mrr_minor=mrr, currency=currency, plan_code=plan, country=country,
        version=1,
    )  # fmt: skip


async def _ledger(app: Litestar, clock: FrozenClock, *rows: LedgerMovement) -> None:
    async with app.state.runtime.uow() as u:
        await u.mrr_ledger.append(list(rows))
        await u.commit()
    await refresh_analytics(uow=app.state.runtime.uow, clock=clock, reporting=Currency.of("USD"))


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str
                     ) -> None:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303


PAGES = (
    "/admin/analytics",
    "/admin/analytics?format=csv&table=mrr",
    "/admin/analytics/movements?kind=churn",
)


@pytest.mark.parametrize("role", ["viewer", "support"])
async def test_viewers_and_support_are_refused(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str
) -> None:
    await _signed_in(app, client, clock, role)
    for path in PAGES:
        assert (await client.get(path)).status_code == 403, path
    home = parse((await client.get("/admin")).text)
    assert home.select_one('a[href="/admin/analytics"]') is None


async def test_owner_reads_the_overview_and_the_staleness_is_stated(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _signed_in(app, client, clock, "owner")
    empty = parse((await client.get("/admin/analytics")).text)
    assert "Not computed yet" in text(by_testid(empty, "as-of")[0])
    assert empty.select_one('nav a[href="/admin/analytics"][aria-current="page"]') is not None
    # the tabs shared with the cohorts and subscribers pages
    tabs = [a["href"].split("?")[0] for a in empty.select(".analytics-tabs a")]
    assert tabs == ["/admin/analytics", "/admin/analytics/cohorts", "/admin/analytics/subscribers"]

    await _ledger(app, clock, _row("s1", "c1", utc(2024, 2, 3), NEW, 5000, 5000))
    page = parse((await client.get("/admin/analytics")).text)
    assert "Figures as of" in text(by_testid(page, "as-of")[0])
    assert by_testid(page, "mrr-chart") and by_testid(page, "waterfall-chart")
    chart = by_testid(page, "mrr-chart")[0]
    assert chart.select_one("title") is not None and chart.select_one("desc") is not None
    # the default range: the last twelve months, Jul 2023 to Jun 2024
    starts = [r["data-start"] for r in by_testid(page, "mrr-row")]
    assert starts[0] == "2023-07-01" and starts[-1] == "2024-06-01" and len(starts) == 12
    # a number links to the movements behind it
    link = by_testid(page, "card")[0].select_one("a")["href"]
    assert link.startswith("/admin/analytics/movements?")
    listed = parse((await client.get(link)).text)
    assert len(by_testid(listed, "ledger-row")) == 1


async def test_weeks_and_the_csv_file(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _signed_in(app, client, clock, "billing")
    await _ledger(
        app, clock,
        _row("s1", "c1", utc(2024, 6, 3, 9), NEW, 1999, 1999),
        _row("s2", "c2", utc(2024, 6, 12), NEW, 198000, 198000, currency="JPY", country="JP"),
        _row("s1", "c1", utc(2024, 6, 13), CHURN, -1999, 0),
    )  # fmt: skip
    async with app.state.runtime.uow() as u:  # a rate, then the refresh converts the JPY row
        await u.exchange_rates.add(ExchangeRate(
            id="jpy", currency="JPY", reporting="USD", rate=Decimal("0.0066"),
            effective_on=date(2024, 1, 1), entered_by="x@example.com", entered_at=clock.now(),
        ))  # fmt: skip
        await u.commit()
    await refresh_analytics(uow=app.state.runtime.uow, clock=clock, reporting=Currency.of("USD"))
    answer = await client.get(
        "/admin/analytics?from=2024-06-01&to=2024-06-16&bucket=week&format=csv&table=movements"
    )
    assert answer.status_code == 200
    assert 'filename="analytics-movements-2024-06-01-2024-06-16.csv"' in answer.headers[
        "content-disposition"]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    # weeks run Monday to Sunday, clipped to the range: Jun 1-2, 3-9, 10-16
    assert [(r["start"], r["end"]) for r in rows] == [
        ("2024-06-01", "2024-06-02"),
        ("2024-06-03", "2024-06-09"),
        ("2024-06-10", "2024-06-16"),
    ]
    # 1980.00 JPY x 0.0066 = 13.068 USD -> 13.07 (rounded once)
    assert [(r["new"], r["churn"], r["net_new"]) for r in rows] == [
        ("0.00", "0.00", "0.00"),
        ("19.99", "0.00", "19.99"),
        ("1306.80", "-19.99", "1286.81"),
    ]
    assert (await client.get("/admin/analytics?format=csv&table=nope")).status_code == 400


BAD = [
    ("from=2024-13-01", "from", "YYYY-MM-DD"),
    ("from=yesterday", "from", "YYYY-MM-DD"),
    ("from=1999-12-31", "from", "from 2000"),
    ("from=2024-05-01&to=2024-04-01", "to", "on or after the start"),
    ("to=2030-01-01", "to", "a year ahead"),
    ("from=2010-01-01&to=2024-06-01", "from", "at most 10 years"),
    ("from=2020-01-01&to=2024-06-01&bucket=week", "from", "at most 156 weeks"),
    ("bucket=day", "bucket", "months or weeks"),
    ("currency=EURO", "currency", "at most 3 characters"),
    ("currency=XXX", "currency", "ISO 4217"),
    ("country=U1", "country", "two-letter"),
    ("plan=%3Cscript%3E", "plan", "from the list"),
]


async def test_bad_filters_re_render_the_form_with_a_message(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _signed_in(app, client, clock, "owner")
    for query, field, message in BAD:
        answer = await client.get(f"/admin/analytics?{query}")
        assert answer.status_code == 400, query
        assert message in answer.text, query
        page = parse(answer.text)
        control = page.select_one(f"#f-{field}")
        assert control is not None and control["aria-invalid"] == "true", query
        assert by_testid(page, "filters"), query
        csv_answer = await client.get(f"/admin/analytics?{query}&format=csv")
        assert csv_answer.status_code == 400, query
    # a control character is refused before the page (web/guard.py)
    assert (await client.get("/admin/analytics?from=2024-01-01%00")).status_code == 400
    moved = await client.get("/admin/analytics/movements?kind=sideways")
    assert moved.status_code == 400 and "Choose a kind" in moved.text


async def test_a_currency_without_a_rate_is_named_and_left_out(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _signed_in(app, client, clock, "owner")
    await _ledger(
        app, clock,
        _row("s1", "c1", utc(2024, 3, 1), NEW, 5000, 5000),
        _row("s2", "c2", utc(2024, 3, 5), NEW, 4000, 4000, currency="EUR", country="DE"),
    )  # fmt: skip
    page = parse((await client.get("/admin/analytics?from=2024-03-01&to=2024-03-31")).text)
    banner = text(by_testid(page, "missing-rate")[0])
    assert "No EUR → USD rate for 2024-03-05" in banner
    assert by_testid(page, "missing-rate")[0].select_one(
        'a[href="/admin/exchange-rates?currency=EUR"]') is not None  # fmt: skip
    cards = {c["data-metric"]: text(by_testid(c, "card-value")[0]) for c in by_testid(page, "card")}
    assert cards["mrr"] == "$50.00" and cards["customers"] == "1"
    async with app.state.runtime.uow() as u:
        rows = await u.mrr_ledger.all()
    assert [(r.currency, r.reporting_amount_minor) for r in rows] == [("USD", 5000), ("EUR", None)]


async def test_two_refreshes_at_once_leave_one_read_model(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """The scheduled refresh and one a new rate enqueued may run together: the second waits for
    the first to commit before it replaces the rows (never both deleting the old rows and both
    inserting: doubled figures)."""
    await _ledger(app, clock, _row("s1", "c1", utc(2024, 3, 1), NEW, 5000, 5000))
    usd = Currency.of("USD")
    first = app.state.runtime.uow()
    async with first:
        state = await first.analytics_read_model.state()
        assert state is not None
        await first.analytics_read_model.replace(
            [DayAggregate(date(2024, 3, 1), "*", "*", "*", new=5000, customers=1, movements=1)],
            state,
        )
        second = asyncio.create_task(  # its own context: not nested in the first transaction
            refresh_analytics(uow=app.state.runtime.uow, clock=clock, reporting=usd),
            context=contextvars.Context(),
        )
        await asyncio.sleep(0.5)  # the second reaches its lock (or, without one, its delete)
        await first.commit()
    await second
    async with app.state.runtime.uow() as u:
        days = await u.analytics_read_model.days(("*", "*", "*"), date(2024, 1, 1),
                                                 date(2024, 12, 31))  # fmt: skip
    assert [(d.day, d.new) for d in days] == [(date(2024, 3, 1), 5000)]
