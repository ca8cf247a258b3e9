"""/pricing and /pricing/estimate: the page, its htmx fragments, and validation (422, never 500)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from bs4 import Tag

from tests.support.database import TestDatabase
from tests.support.html import by_testid, one, parse, text

pytestmark = pytest.mark.web

HTMX = {"HX-Request": "true", "HX-Target": "pricing"}
ESTIMATE_HTMX = {"HX-Request": "true", "HX-Target": "estimate-result"}


def _card(doc: Tag, family: str) -> Tag:
    return one(doc, f'[data-testid="plan-card"][data-family="{family}"]')


def _cta_query(card: Tag) -> tuple[str, dict[str, list[str]]]:
    href = str(by_testid(card, "plan-cta")[0]["href"])
    parts = urlsplit(href)
    return parts.path, parse_qs(parts.query)


async def test_pricing_page_shows_every_plan_family_side_by_side(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get("/pricing")
    assert response.status_code == 200
    assert response.headers["vary"] == "HX-Request"
    doc = parse(response.text)
    assert doc.find("html") is not None
    cards = by_testid(doc, "plan-card")
    assert [(c["data-family"], c["data-plan"]) for c in cards] == [
        ("starter", "starter-monthly"),
        ("team", "team-monthly"),
        ("scale", "scale-monthly"),
    ]
    assert "$19.00" in text(by_testid(_card(doc, "starter"), "plan-price")[0])
    assert "$12.00" in text(by_testid(_card(doc, "team"), "plan-price")[0])
    assert by_testid(_card(doc, "scale"), "tier-table"), "the usage plan shows its tiers"
    hint = by_testid(doc, "annual-saving-hint")
    assert [text(h) for h in hint] == ["Save up to 16%"]
    nav = one(doc, 'nav[aria-label="Main"] a[aria-current="page"]')
    assert nav["href"] == "/pricing"


async def test_comparison_matrix_has_a_row_per_feature_and_a_column_per_family(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/pricing")).text)
    table = by_testid(doc, "compare-table")[0]
    heads = [text(th) for th in table.select('thead th[scope="col"]')]
    assert heads == ["Feature", "Starter", "Team", "Scale"]
    rows = {text(one(r, 'th[scope="row"]')): r for r in by_testid(table, "compare-row")}
    assert len(rows) == 10, "every family's features; one row for each feature worded two ways"
    marks = {name: [td["data-included"] for td in row.select("td")] for name, row in rows.items()}
    assert marks["Hosted checkout"] == ["yes", "yes", "yes"]
    assert marks["Projects"] == ["yes", "yes", "yes"], "1 project, Unlimited projects"
    words = [text(w) for w in by_testid(rows["Projects"], "compare-wording")]
    assert words == ["1", "Unlimited", "Unlimited"]
    assert marks["SSO"] == ["no", "no", "yes"]


async def test_annual_switch_shows_annual_prices_and_the_saving(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/pricing?interval=year")).text)
    assert [c["data-plan"] for c in by_testid(doc, "plan-card")] == [
        "starter-annual",
        "team-annual",
        "scale-monthly",
    ]
    starter = _card(doc, "starter")
    assert "$190.00" in text(by_testid(starter, "plan-price")[0])
    assert text(by_testid(starter, "plan-saving")[0]) == "Save 16% 2 months free"
    team = _card(doc, "team")
    assert "$120.00" in text(by_testid(team, "plan-price")[0])
    assert "Save 16%" in text(by_testid(team, "plan-saving")[0])
    scale = _card(doc, "scale")
    assert text(by_testid(scale, "interval-note")[0]) == "Monthly only"
    assert "$99.00" in text(by_testid(scale, "plan-price")[0])
    assert by_testid(scale, "plan-saving") == []
    active = one(doc, '[data-testid="interval-switch"] [aria-current="true"]')
    assert active["id"] == "interval-year"


async def test_seats_price_the_per_seat_plan_and_travel_to_checkout(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/pricing?seats=5")).text)
    team = _card(doc, "team")
    assert text(by_testid(team, "plan-total")[0]) == "5 seats: $60.00 / month"
    assert by_testid(team, "seats-input")[0]["value"] == "5"
    path, query = _cta_query(team)
    assert path == "/checkout/team-monthly"
    assert query == {"currency": ["USD"], "quantity": ["5"]}
    path, query = _cta_query(_card(doc, "starter"))
    assert (path, query["quantity"]) == ("/checkout/starter-monthly", ["1"])

    annual = parse((await client.get("/pricing?interval=year&seats=5")).text)
    team = _card(annual, "team")
    assert text(by_testid(team, "plan-total")[0]) == "5 seats: $600.00 / year"
    assert _cta_query(team) == (
        "/checkout/team-annual",
        {"currency": ["USD"], "quantity": ["5"]},
    )
    switch = by_testid(annual, "interval-switch")[0]
    monthly = parse_qs(urlsplit(str(one(switch, "#interval-month")["href"])).query)
    assert monthly == {"currency": ["USD"], "interval": ["month"], "seats": ["5"]}, (
        "without JavaScript the switch keeps the seats"
    )


async def test_currency_switch_prices_in_euros_and_unknown_currency_falls_back(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/pricing?currency=eur&interval=year")).text)
    assert "€170.00" in text(by_testid(_card(doc, "starter"), "plan-price")[0])
    switch = by_testid(doc, "currency-switch")[0]
    assert text(one(switch, '[aria-current="true"]')) == "EUR"
    usd = parse_qs(urlsplit(str(one(switch, "#currency-USD")["href"])).query)
    assert usd == {"currency": ["USD"], "interval": ["year"], "seats": ["1"]}
    assert _cta_query(_card(doc, "team"))[1]["currency"] == ["EUR"]

    fallback = parse((await client.get("/pricing?currency=XXX")).text)
    assert "$19.00" in text(by_testid(_card(fallback, "starter"), "plan-price")[0])


async def test_estimate_fragment_prices_graduated_usage_exactly(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get(
        "/pricing/estimate?plan=scale-monthly&currency=USD&units=250000", headers=ESTIMATE_HTMX
    )
    assert response.status_code == 200
    doc = parse(response.text)
    assert doc.find("html") is None
    assert doc.select_one("#estimate-result") is not None
    # by hand: 10,000 free; 90,000 x $0.002 = $180.00; 150,000 x $0.001 = $150.00
    lines = [[text(c) for c in row.select("th, td")] for row in by_testid(doc, "estimate-line")]
    assert [line[-1] for line in lines] == ["$0.00", "$180.00", "$150.00"]
    assert text(by_testid(doc, "estimate-usage")[0]) == "$330.00"
    assert text(by_testid(doc, "estimate-total")[0]) == "$429.00", "plus the $99.00 plan fee"


async def test_estimate_without_javascript_renders_the_whole_page_with_the_estimate(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    for url in (
        "/pricing/estimate?plan=scale-monthly&currency=EUR&units=250,000",
        "/pricing?currency=EUR&plan=scale-monthly&units=250000",
    ):
        response = await client.get(url)
        assert response.status_code == 200
        doc = parse(response.text)
        assert doc.find("html") is not None
        assert by_testid(doc, "plan-card"), "the whole pricing page"
        assert by_testid(doc, "units-input")[0]["value"] == "250000"
        assert text(by_testid(doc, "estimate-usage")[0]) == "€330.00"


async def test_htmx_gets_the_pricing_region_and_the_canonical_url_to_push(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    response = await client.get(
        "/pricing?currency=USD&interval=year&seats=5&plan=scale-monthly&units=", headers=HTMX
    )
    assert response.status_code == 200
    doc = parse(response.text)
    assert doc.find("html") is None
    assert doc.select_one("#pricing") is not None
    assert response.headers["hx-push-url"] == "/pricing?currency=USD&interval=year&seats=5"
    assert text(by_testid(_card(doc, "team"), "plan-total")[0]) == "5 seats: $600.00 / year"

    restore = await client.get(
        "/pricing?interval=year", headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert parse(restore.text).find("html") is not None


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("seats=0", "seats-error", "Enter a whole number of seats from 1 to 10,000."),
        ("seats=10001", "seats-error", "Enter a whole number of seats from 1 to 10,000."),
        ("seats=two", "seats-error", "Enter a whole number of seats from 1 to 10,000."),
        ("units=-1", "estimate-error", "Enter a whole number from 0 to 1,000,000,000."),
        ("units=1.5", "estimate-error", "Enter a whole number from 0 to 1,000,000,000."),
        ("interval=weekly", "interval-error", "Choose monthly or annual billing."),
        ("plan=starter-monthly&units=5", "estimate-error", "Choose a plan with usage pricing."),
    ],
)
async def test_invalid_input_re_renders_with_the_message_beside_the_field(
    client: httpx.AsyncClient, catalog: TestDatabase, query: str, field: str, message: str
) -> None:
    page = await client.get(f"/pricing?{query}")
    assert page.status_code == 422
    doc = parse(page.text)
    assert doc.find("html") is not None
    assert text(by_testid(doc, field)[0]) == message
    assert len(by_testid(doc, "plan-card")) == 3, "the rest of the page still renders"

    fragment = await client.get(f"/pricing?{query}", headers=HTMX)
    assert fragment.status_code == 422
    assert fragment.headers["hx-push-url"] == "false", "a bad address is not pushed"
    assert text(by_testid(parse(fragment.text), field)[0]) == message


async def test_bad_seats_keep_what_was_typed(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/pricing?seats=0&interval=year")).text)
    seats = by_testid(doc, "seats-input")[0]
    assert (seats["value"], seats["aria-invalid"]) == ("0", "true")
    assert "seats-error" in str(seats["aria-describedby"])
    assert by_testid(doc, "plan-card")[0]["data-plan"] == "starter-annual", "the interval stays"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("units=-1", "Enter a whole number from 0 to 1,000,000,000."),
        ("units=1000000001", "Enter a whole number from 0 to 1,000,000,000."),
        ("units=lots", "Enter a whole number from 0 to 1,000,000,000."),
    ],
)
async def test_estimate_fragment_refuses_bad_usage_with_422(
    client: httpx.AsyncClient, catalog: TestDatabase, query: str, message: str
) -> None:
    response = await client.get(
        f"/pricing/estimate?plan=scale-monthly&currency=USD&{query}", headers=ESTIMATE_HTMX
    )
    assert response.status_code == 422
    assert text(by_testid(parse(response.text), "estimate-error")[0]) == message


async def test_estimate_fragment_for_a_cleared_field_or_a_plan_without_usage(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    cleared = await client.get(
        "/pricing/estimate?plan=scale-monthly&currency=USD&units=", headers=ESTIMATE_HTMX
    )
    assert cleared.status_code == 200
    assert by_testid(parse(cleared.text), "estimate-line") == []
    flat = await client.get(
        "/pricing/estimate?plan=team-monthly&currency=USD&units=5", headers=ESTIMATE_HTMX
    )
    assert flat.status_code == 422
    assert "no usage pricing" in text(by_testid(parse(flat.text), "estimate-error")[0])
    unknown = await client.get(
        "/pricing/estimate?plan=enterprise&currency=USD&units=5", headers=ESTIMATE_HTMX
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/pricing?seats=&units=&plan=&interval=&currency=",
        "/pricing?seats=99999999999999999999&units=1e99",
        "/pricing?seats=%00&units=%E2%80%AF&currency=%25%25",
        "/pricing?plan=%3Cscript%3E&units=1",
        "/pricing?seats=-5&units=--1&interval=YEAR",
        "/pricing?seats=5&seats=6",
        "/pricing/estimate?plan=&currency=&units=1",
        "/pricing/estimate?plan=scale-monthly&currency=ZZZ&units=1",
        "/pricing/estimate?plan=scale-monthly&currency=JPY&units=1",
        "/pricing/estimate",
    ],
)
async def test_no_query_string_makes_a_500(
    client: httpx.AsyncClient, catalog: TestDatabase, url: str
) -> None:
    for headers in ({}, ESTIMATE_HTMX):
        response = await client.get(url, headers=headers)
        # 400: a control character (%00) in the query string, refused by web/guard.py
        assert response.status_code in (200, 400, 404, 422), (url, headers, response.status_code)


async def test_pricing_with_an_empty_catalog_still_renders(
    client: httpx.AsyncClient, db: TestDatabase
) -> None:
    response = await client.get("/pricing?seats=3&units=10")
    assert response.status_code in (200, 422)
    assert by_testid(parse(response.text), "plan-card") == []


async def test_home_links_to_the_pricing_page_and_checks_out_like_it(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    doc = parse((await client.get("/?currency=EUR")).text)
    assert by_testid(doc, "compare-link")[0]["href"] == "/pricing?currency=EUR"
    team = one(doc, '[data-testid="plan-card"][data-plan="team-monthly"]')
    href = urlsplit(str(one(team, ".plan-card__cta a")["href"]))
    assert (href.path, parse_qs(href.query)) == (
        "/checkout/team-monthly",
        {"currency": ["EUR"], "quantity": ["1"]},
    )
