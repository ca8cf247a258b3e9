"""The home page: one card per plan family from the pricing page's read model, the
monthly/annual and currency switches, the comparison matrix; as a page or an htmx fragment."""

from __future__ import annotations

import httpx
import pytest

from tests.support.database import TestDatabase
from tests.support.html import by_testid, one, parse, text

pytestmark = pytest.mark.web


async def test_home_shows_one_card_per_plan_with_its_price(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "HX-Request"
    doc = parse(response.text)
    cards = by_testid(doc, "plan-card")
    assert [c["data-plan"] for c in cards] == ["starter-monthly", "team-monthly", "scale-monthly"]
    prices = {c["data-plan"]: text(by_testid(c, "plan-price")[0]) for c in cards}
    assert "$19.00" in prices["starter-monthly"]
    assert "$12.00" in prices["team-monthly"] and "seat" in prices["team-monthly"]
    assert len(doc.select(".plan-card__ribbon")) == 1, "one 'Most popular' ribbon"
    assert by_testid(doc, "tier-table"), "the usage plan shows its tiers"
    assert by_testid(doc, "estimator") == [], "the estimator is on /pricing"
    assert doc.find("html") is not None, "a full page, not a fragment"


async def test_home_switches_to_annual_prices_in_place(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/")).text)
    switch = by_testid(doc, "interval-switch")[0]
    assert [a["href"] for a in switch.select("a")] == [
        "/?currency=USD&interval=month&seats=1",
        "/?currency=USD&interval=year&seats=1",
    ]
    response = await client.get(
        "/?interval=year&seats=3", headers={"HX-Request": "true", "HX-Target": "pricing"}
    )
    assert response.headers["hx-push-url"] == "/?currency=USD&interval=year&seats=3"
    doc = parse(response.text)
    cards = by_testid(doc, "plan-card")
    assert [c["data-plan"] for c in cards] == ["starter-annual", "team-annual", "scale-monthly"]
    team = cards[1]
    assert text(by_testid(team, "plan-total")[0]) == "3 seats: $360.00 / year"
    assert (
        by_testid(doc, "compare-link")[0]["href"] == "/pricing?currency=USD&interval=year&seats=3"
    )


async def test_the_comparison_matrix_reads_as_inclusion(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/")).text)
    table = by_testid(doc, "compare-table")[0]
    rows = {text(one(r, 'th[scope="row"]')): r for r in by_testid(table, "compare-row")}
    cells = {
        name: [(td["data-included"], text(td)) for td in row.select("td")]
        for name, row in rows.items()
    }
    assert cells["Projects"] == [
        ("yes", "Included: 1"),
        ("yes", "Included: Unlimited"),
        ("yes", "Included: Unlimited"),
    ]
    assert cells["Support"] == [
        ("yes", "Included: E-mail"),
        ("yes", "Included: Priority"),
        ("yes", "Included: Priority"),
    ]
    assert "1 project" not in rows and "Priority support" not in rows
    assert cells["SSO"] == [("no", "Not included"), ("no", "Not included"), ("yes", "Included")]


async def test_home_fragment_for_htmx_currency_switch(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get(
        "/?currency=eur", headers={"HX-Request": "true", "HX-Target": "pricing"}
    )
    assert response.status_code == 200
    doc = parse(response.text)
    assert doc.find("html") is None, "htmx gets the fragment only"
    assert doc.select_one("#pricing") is not None
    starter = next(c for c in by_testid(doc, "plan-card") if c["data-plan"] == "starter-monthly")
    assert "€17.00" in text(by_testid(starter, "plan-price")[0])


async def test_history_restore_gets_the_full_page(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get(
        "/?currency=EUR", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert parse(response.text).find("html") is not None


async def test_unknown_currency_falls_back_to_the_default(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get("/?currency=XXX")
    doc = parse(response.text)
    starter = next(c for c in by_testid(doc, "plan-card") if c["data-plan"] == "starter-monthly")
    assert "$19.00" in text(by_testid(starter, "plan-price")[0])


async def test_home_with_an_empty_catalog_still_renders(
    client: httpx.AsyncClient, db: TestDatabase
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert by_testid(parse(response.text), "plan-card") == []
