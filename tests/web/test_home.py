"""The home page lists the demo plans through the catalog use case, as a page or a fragment."""

from __future__ import annotations

import httpx
import pytest

from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text

pytestmark = pytest.mark.web


async def test_home_shows_every_public_plan_with_its_price(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "HX-Request"
    doc = parse(response.text)
    cards = by_testid(doc, "plan-card")
    assert [c["data-plan"] for c in cards] == [
        "starter-monthly",
        "starter-annual",
        "team-monthly",
        "team-annual",
        "scale-monthly",
    ]
    prices = {c["data-plan"]: text(by_testid(c, "plan-price")[0]) for c in cards}
    assert "$19.00" in prices["starter-monthly"]
    assert "$12.00" in prices["team-monthly"] and "seat" in prices["team-monthly"]
    assert by_testid(doc, "tier-table"), "the usage plan shows its tiers"
    assert doc.find("html") is not None, "a full page, not a fragment"


async def test_home_fragment_for_htmx_currency_switch(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get(
        "/?currency=eur", headers={"HX-Request": "true", "HX-Target": "plan-grid"}
    )
    assert response.status_code == 200
    doc = parse(response.text)
    assert doc.find("html") is None, "htmx gets the fragment only"
    assert doc.select_one("#plan-grid") is not None
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
