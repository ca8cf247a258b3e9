"""/admin/analytics/subscribers through HTTP: the hand-computed figures
(tests/integration/db/test_analytics_subscribers.py's history) in the tables and the CSVs, the
reasons chart, the plan, currency and country filters (page and CSV), bad months and filters
(422, never a 5xx) and who may read it."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from domain.shared.periods import utc
from tests.integration.db.test_analytics_subscribers import build, refresh
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.support.jobs import drain_jobs
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web

RANGE = "from=2024-01&to=2024-03"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2024, 1, 1))


async def _sign_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock,
                   role: str) -> None:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303


async def _ready(app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock,
                 role: str = "owner") -> None:  # fmt: skip
    await build(db, clock)
    await refresh(db, clock)
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303


async def test_the_page_shows_the_refresh_jobs_figures_and_none_before_it(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock
) -> None:
    await build(db, clock)
    await _sign_in(app, client, clock, "owner")
    answer = await client.get(f"/admin/analytics/subscribers?{RANGE}")
    assert answer.status_code == 200
    page = parse(answer.text)
    assert "Not computed yet" in text(by_testid(page, "as-of")[0])
    assert by_testid(page, "not-computed") and not by_testid(page, "trials-row")
    got = await client.get(f"/admin/analytics/subscribers.csv?{RANGE}&section=trials")
    assert list(csv.reader(io.StringIO(got.text)))[1] == ["2024-01", "0", "0", "0", ""]

    await drain_jobs(app)  # the app's schedule: analytics.refresh_subscribers runs hourly
    page = parse((await client.get(f"/admin/analytics/subscribers?{RANGE}")).text)
    assert text(by_testid(page, "as-of")[0]).startswith("Figures as of 1 Mar 2024")
    assert text(by_testid(page, "stat-conversion")[0]) == "75.0%"


async def test_the_page_shows_each_metric_with_its_table_and_csv(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock
) -> None:
    await _ready(app, client, db, clock)
    answer = await client.get(f"/admin/analytics/subscribers?{RANGE}")
    assert answer.status_code == 200
    page = parse(answer.text)
    assert text(by_testid(page, "as-of")[0]).startswith("Figures as of 1 Mar 2024")
    assert text(by_testid(page, "stat-conversion")[0]) == "75.0%"
    assert text(by_testid(page, "stat-recovery")[0]) == "66.7%"
    assert text(by_testid(page, "stat-recovered")[0]) == "$95.00"
    assert text(by_testid(page, "stat-refunded")[0]) == "$59.00"
    feb = next(r for r in by_testid(page, "dunning-row") if r["data-month"] == "2024-02")
    assert [text(td) for td in feb.select("td")] == ["3", "2", "1", "66.7%", "$95.00"]
    assert [b["data-total"] for b in by_testid(page, "reasons-bar")] == ["1", "3", "0"]
    assert len(by_testid(page, "reasons-chart")[0].select("rect")) == 3
    assert [o["value"] for o in page.select("#f-plan option")] == ["", "euro", "team"]
    assert [o["value"] for o in page.select("#f-currency option")] == ["", "EUR", "USD"]
    assert [o["value"] for o in page.select("#f-country option")] == ["", "DE", "US"]
    assert page.select_one('a[aria-current="page"][href="/admin/analytics/subscribers"]')

    for section, line in [("trials", ["2024-01", "3", "2", "1", "66.7"]),
                          ("refunds", ["2024-01", "0", "0"])]:  # fmt: skip
        got = await client.get(f"/admin/analytics/subscribers.csv?{RANGE}&section={section}")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(got.text)))[1] == line
    bad = await client.get(f"/admin/analytics/subscribers.csv?{RANGE}&section=everything")
    assert bad.status_code == 422 and "section" in bad.text


async def test_the_filters_narrow_the_page_and_its_csv(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock
) -> None:
    await _ready(app, client, db, clock)
    answer = await client.get(f"/admin/analytics/subscribers?{RANGE}&plan=team&country=de")
    assert answer.status_code == 200
    page = parse(answer.text)
    assert text(by_testid(page, "stat-conversion")[0]) == "100.0%"  # Dee's February trial
    assert text(by_testid(page, "stat-recovery")[0]) == "0.0%"
    assert text(by_testid(page, "stat-refunded")[0]) == "$0.00"
    assert [b["data-total"] for b in by_testid(page, "reasons-bar")] == ["0", "1", "0"]
    assert page.select_one("#f-plan option[selected]")["value"] == "team"
    assert page.select_one("#f-country option[selected]")["value"] == "DE"
    link = by_testid(page, "csv-refunds")[0]["href"]
    assert "plan=team" in link and "country=DE" in link

    got = await client.get(f"/admin/analytics/subscribers.csv?{RANGE}&currency=EUR"
                           "&section=refunds")  # fmt: skip
    assert got.status_code == 200
    assert list(csv.reader(io.StringIO(got.text)))[2] == ["2024-02", "3", "4400"]
    got = await client.get(f"/admin/analytics/subscribers.csv?{RANGE}&plan=euro"
                           "&section=dunning")  # fmt: skip
    assert list(csv.reader(io.StringIO(got.text)))[2] == ["2024-02", "1", "1", "0", "100.0",
                                                          "5500"]  # fmt: skip
    bad = await client.get(f"/admin/analytics/subscribers.csv?{RANGE}&country=XX&section=trials")
    assert bad.status_code == 422 and "country: Choose a country" in bad.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("plan=no%20spaces", "Choose a plan from the list."),
        ("plan=" + "p" * 65, "Choose a plan from the list."),
        ("plan=" + "p" * 201, "Use at most 200 characters."),
        ("currency=EURO", "Choose a currency from the list (a three-letter code)."),
        ("currency=%E2%82%AC%E2%82%AC%E2%82%AC", "Choose a currency from the list"),
        ("country=ZZ", "Choose a country from the list (a two-letter code)."),
        ("country=usa", "Choose a country from the list"),
        ("from=2024-13", "Enter a month like 2026-04."),
        ("from=2024-03&to=2024-01", "on or after the first"),
        ("from=2020-01&to=2024-01", "at most 36 months"),
        ("to=" + "9" * 30, "Use at most 20 characters."),
    ],
)
async def test_bad_months_re_render_with_a_message(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock, query: str,
    message: str,
) -> None:  # fmt: skip
    await _sign_in(app, client, clock, "owner")
    answer = await client.get(f"/admin/analytics/subscribers?{query}")
    assert answer.status_code == 422
    assert message in answer.text


@pytest.mark.parametrize("role", ["viewer", "support"])
async def test_viewer_and_support_are_refused(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock, role: str
) -> None:
    await _sign_in(app, client, clock, role)
    assert (await client.get("/admin/analytics/subscribers")).status_code == 403
    assert (await client.get("/admin/analytics/subscribers.csv?section=trials")).status_code == 403
