"""/admin/analytics/cohorts through HTTP: the hand-computed business's heat map (logos and
revenue), the filters and their messages (422, never a 5xx), the CSV, and who may read it."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from litestar import Litestar

from domain.analytics.cohort_report import refresh_cohorts
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency, Rounding
from tests.support.analytics_business import START, build_cohort_business, business_uow
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web

RANGE = "from=2024-01&to=2024-04"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def _sign_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock,
                   role: str) -> None:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303


async def _ready(app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock,
                 role: str = "billing") -> None:  # fmt: skip
    await build_cohort_business(db, clock)
    await refresh_cohorts(new_uow=lambda: business_uow(db, clock), clock=clock,
                          reporting=Currency.of("USD"), rounding=Rounding.HALF_UP)  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303


def _cells(page: object, cohort: str) -> list[str]:
    row = next(r for r in by_testid(page, "cohort-row") if r["data-cohort"] == cohort)
    return [c["data-pct"] for c in by_testid(row, "cohort-cell")]


async def test_the_heat_map_shows_the_hand_computed_figures_as_logos_and_revenue(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock
) -> None:
    await _ready(app, client, db, clock)
    answer = await client.get(f"/admin/analytics/cohorts?{RANGE}")
    assert answer.status_code == 200
    page = parse(answer.text)
    assert _cells(page, "2024-01") == ["100.0%", "50.0%", "100.0%", "100.0%"]
    assert _cells(page, "2024-02") == ["100.0%", "100.0%", "100.0%"]
    assert "1 of 2" in text(by_testid(page, "cohort-cell")[1])  # the number is in the cell
    assert "12:00 UTC" in text(by_testid(page, "as-of")[0])
    average = by_testid(page, "cohort-average")[0]
    assert [c["data-pct"] for c in average.select("td[data-pct]")] == [
        "100.0%", "66.7%", "100.0%", "—"]  # fmt: skip
    # the tabs and the toggle are links (no script needed)
    assert page.select_one('a[href="/admin/analytics/subscribers"]') is not None
    revenue_href = by_testid(page, "toggle-revenue")[0]["href"]
    assert "measure=revenue" in revenue_href and "from=2024-01" in revenue_href

    page = parse((await client.get(revenue_href)).text)
    assert by_testid(page, "cohort-table")[0]["data-measure"] == "revenue"
    assert _cells(page, "2024-01") == ["100.0%", "75.0%", "125.0%", "125.0%"]
    assert "$60.00" in text(by_testid(page, "cohort-cell")[1])
    assert _cells(page, "2024-02") == ["100.0%", "100.0%", "100.0%"]

    page = parse((await client.get(f"/admin/analytics/cohorts?{RANGE}&currency=EUR")).text)
    assert [r["data-cohort"] for r in by_testid(page, "cohort-row")] == ["2024-02"]


async def test_the_csv_carries_the_table(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock
) -> None:
    await _ready(app, client, db, clock)
    answer = await client.get(f"/admin/analytics/cohorts.csv?{RANGE}&country=US")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[1][:11] == ["2024-01", "2", "8000", "2", "100.0", "8000", "100.0", "1", "50.0",
                            "6000", "75.0"]  # fmt: skip
    assert len(rows) == 2
    bad = await client.get("/admin/analytics/cohorts.csv?from=2024-99")
    assert bad.status_code == 422 and "from" in bad.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-13", "Enter a month like 2026-04."),
        ("from=2024-03&to=2024-01", "on or after the first"),
        ("currency=EURO", "Choose a currency"),
        ("country=ZZ", "Choose a country"),
        ("measure=dollars", "Show logos or revenue"),
        ("plan=%3Cscript%3E", "Choose a plan"),
        ("to=2099-01", "this month or an earlier one"),
    ],
)
async def test_bad_filters_re_render_with_a_message(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock, query: str,
    message: str,
) -> None:  # fmt: skip
    await _sign_in(app, client, clock, "billing")
    answer = await client.get(f"/admin/analytics/cohorts?{query}")
    assert answer.status_code == 422
    assert message in answer.text
    assert "<script>" not in answer.text.split("</head>")[1].replace("<script src", "")


@pytest.mark.parametrize("role", ["viewer", "support"])
async def test_viewer_and_support_are_refused(
    app: Litestar, client: httpx.AsyncClient, db: TestDatabase, clock: FrozenClock, role: str
) -> None:
    await _sign_in(app, client, clock, role)
    assert (await client.get("/admin/analytics/cohorts")).status_code == 403
    assert (await client.get("/admin/analytics/cohorts.csv")).status_code == 403


async def test_before_the_first_refresh_the_page_says_so(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    member = await make_staff(app.state.runtime.uow, clock, role="owner", email="o@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    answer = await client.get("/admin/analytics/cohorts")
    assert answer.status_code == 200
    assert "Not computed yet" in answer.text
