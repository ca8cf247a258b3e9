"""Checkout and the portal's profile offer the same country list: ISO 3166-1 countries only."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.country_names import country_choices_in
from domain.shared.clock import FrozenClock
from domain.shared.countries import country_choices
from tests.support.accounts import sign_in
from tests.support.database import TestDatabase
from tests.support.html import parse
from tests.support.portal_history import make_subscriber
from tests.web.conftest import serve

pytestmark = pytest.mark.web


def _options(page: str) -> list[tuple[str, str]]:
    select = parse(page).select_one("select#f-country")
    assert select is not None
    return [
        (str(o["value"]), o.get_text(strip=True)) for o in select.select("option") if o["value"]
    ]


async def test_checkout_offers_iso_countries_only(
    client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    options = _options((await client.get("/checkout/team-annual?currency=USD")).text)
    assert options == list(country_choices())
    codes = {code for code, _ in options}
    assert codes.isdisjoint({"XA", "XB", "XK", "ZZ", "EU", "UN", "QO", "AC", "IC", "EA", "DG"})
    assert not [name for _, name in options if "Pseudo" in name]


async def test_the_profile_offers_the_same_list_and_refuses_other_codes(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        page = await client.get("/account/profile")
        assert _options(page.text) == list(country_choices())
        token = parse(page.text).select_one("input[name=_csrf_token]")
        assert token is not None
        refused = await client.post(
            "/account/profile/billing",
            data={"_csrf_token": str(token["value"]), "name": "Sam", "address": "",
                  "country": "XA", "region": "", "tax_id": ""},
        )  # fmt: skip
        assert refused.status_code == 422
        assert parse(refused.text).select_one("#f-country-error") is not None


async def test_a_persian_reader_gets_the_countries_in_persian_in_persian_order(
    app: Litestar, clock: FrozenClock, catalog: TestDatabase
) -> None:
    persian = {"Accept-Language": "fa"}
    async with serve(app) as client:
        checkout = _options((await client.get("/checkout/team-annual?currency=USD",
                                              headers=persian)).text)  # fmt: skip
        assert checkout == list(country_choices_in("fa"))
        assert {code for code, _ in checkout} == {code for code, _ in country_choices()}
        names = dict(checkout)
        assert (names["DE"], names["FR"]) == ("آلمان", "فرانسه")
        order = [name for _, name in checkout]
        assert order.index("چین") < order.index("دانمارک") < order.index("ژاپن")

        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        profile = await client.get("/account/profile", headers=persian)
        assert _options(profile.text) == checkout
