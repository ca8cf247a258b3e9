"""/api/v1/catalog/plans, /api/v1/coupons and /api/v1/promotion-codes: read with any key (a
read-only one too), never without; every plan version (a retired one too, by the id a
subscription carries) with its prices per currency and charges, unit prices as exact decimals;
coupons and codes as staff made them; cursor pages that return every item once; problem details
for a bad cursor, an unknown id or an unknown coupon. The storefront's public plan endpoints
stay as they were (no key)."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.catalog.model import PlanPrice
from domain.catalog.service import publish_plan_version
from domain.pricing.model import Charge, ChargeModel
from domain.promotions.admin import create_coupon, create_promotion_code
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from tests.support.database import TestDatabase
from tests.web.api.support import OWNER, bearer, make_key

pytestmark = pytest.mark.web


async def _all_pages(client: httpx.AsyncClient, path: str, auth: dict[str, str],
                     **params: str | int) -> tuple[list[dict], int]:  # fmt: skip
    seen: list[dict] = []
    cursor, pages = None, 0
    while True:
        query = params | ({"starting_after": cursor} if cursor else {})
        answer = await client.get(path, params=query, headers=auth)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages += 1
        seen += page["data"]
        cursor = page["next_cursor"]
        assert page["has_more"] == (cursor is not None)
        if cursor is None:
            return seen, pages


async def test_every_plan_version_with_its_prices_and_charges(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    runtime = app.state.runtime
    retired = (await client.get("/api/v1/plans/starter-monthly")).json()["data"]
    await publish_plan_version(
        "starter-monthly", prices=(PlanPrice(Currency.of("USD"), (Charge(ChargeModel.FLAT, amount_minor=2500),)),),
        uow=runtime.uow(), clock=clock,
    )  # fmt: skip
    auth = bearer(await make_key(app, scope="read_only"))
    assert (await client.get("/api/v1/catalog/plans")).status_code == 401
    plans, pages = await _all_pages(client, "/api/v1/catalog/plans", auth, limit=3)
    ids = [p["id"] for p in plans]
    assert len(ids) == len(set(ids)) == 8 and pages == 3  # 7 demo plans and a new version
    starter = [p for p in plans if p["code"] == "starter-monthly"]
    assert [(p["version"], p["current"]) for p in starter] == [(1, False), (2, True)]
    assert starter[0]["retired_at"] is not None and starter[1]["retired_at"] is None
    assert starter[1]["prices"] == [{"currency": "USD",
        "setup_fee": {"amount_minor": 0, "currency": "USD", "amount": "0.00"},
        "charges": [{"model": "flat", "amount": {"amount_minor": 2500, "currency": "USD", "amount": "25.00"},
                     "unit_amount": None, "tiers": [], "package_size": None, "free_units": 0,
                     "unit_label": "unit", "meter": None}]}]  # fmt: skip
    # the retired version, by the id a subscription sold it keeps
    old = await client.get(f"/api/v1/catalog/plans/{starter[0]['id']}", headers=auth)
    assert old.status_code == 200 and old.json()["current"] is False
    assert {p["currency"] for p in old.json()["prices"]} == {
        p["currency"] for p in retired["prices"]
    }
    only = (await client.get("/api/v1/catalog/plans", params={"code": "starter-monthly"},
                             headers=auth)).json()  # fmt: skip
    assert [p["version"] for p in only["data"]] == [1, 2]
    usage = next(p for p in plans if any(c["meter"] for pr in p["prices"] for c in pr["charges"]))
    assert [p["currency"] for p in usage["prices"]] == ["EUR", "USD"]  # by currency code
    tiered = next(c for c in usage["prices"][1]["charges"] if c["meter"])
    assert tiered["model"] == "graduated" and tiered["meter"]["aggregation"] == "sum"
    assert tiered["tiers"][1]["up_to"] == "100000"
    assert tiered["tiers"][1]["unit_amount"]["amount_minor"] == "0.2"
    assert tiered["tiers"][1]["unit_amount"]["amount"] == "0.002"
    assert tiered["tiers"][-1]["up_to"] is None
    addons = [p for p in plans if p["kind"] == "addon"]
    assert addons and all(p["interval"] in ("month", "year") for p in plans)
    # refusals: problem details
    missing = await client.get("/api/v1/catalog/plans/nope", headers=auth)
    assert missing.status_code == 404 and missing.json()["code"] == "catalog.plan_not_found"
    assert missing.headers["content-type"] == "application/problem+json"
    bad = await client.get("/api/v1/catalog/plans", params={"starting_after": "nope"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["code"] == "api.bad_cursor"
    for wrong in ({"limit": 0}, {"limit": 101}, {"code": ""}):
        assert (
            await client.get("/api/v1/catalog/plans", params=wrong, headers=auth)
        ).status_code == 400
    # the storefront's public endpoints, unchanged: no key, the current public version by code
    public = await client.get("/api/v1/plans")
    assert public.status_code == 200 and "starter-monthly" in [
        p["code"] for p in public.json()["data"]
    ]
    one = await client.get("/api/v1/plans/starter-monthly")
    assert one.status_code == 200 and one.json()["data"]["prices"][0]["headline_minor"] == 2500


async def test_coupons_and_promotion_codes_read_a_page_at_a_time(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    runtime = app.state.runtime
    percent = await create_coupon(OWNER, {"name": "Launch", "kind": "percent", "percent_off": "12.5",
                                          "duration": "repeating", "duration_in_months": "3"},
                                  ["starter-monthly"], uow=runtime.uow(), clock=clock)  # fmt: skip
    clock.advance(seconds=1)
    amount = await create_coupon(OWNER, {"name": "Ten off", "kind": "amount", "amount_off-USD": "10.00",
                                         "duration": "once", "max_redemptions": "50"},
                                 [], uow=runtime.uow(), clock=clock)  # fmt: skip
    codes = []
    for n in range(5):
        codes.append(await create_promotion_code(
            OWNER, percent.id, {"code": f"LAUNCH{n}", "minimum-USD": "20.00"}, first_only=n == 0,
            uow=runtime.uow(), clock=clock))  # fmt: skip
    other = await create_promotion_code(OWNER, amount.id, {"code": "TENOFF"}, first_only=False,
                                        uow=runtime.uow(), clock=clock)  # fmt: skip
    auth = bearer(await make_key(app, scope="read_only"))
    assert (await client.get("/api/v1/coupons")).status_code == 401
    coupons, pages = await _all_pages(client, "/api/v1/coupons", auth, limit=1)
    assert [c["id"] for c in coupons] == [amount.id, percent.id] and pages == 2  # newest first
    got = (await client.get(f"/api/v1/coupons/{percent.id}", headers=auth)).json()
    assert got == coupons[1]
    assert got["percent_off"] == "12.5" and got["amounts_off"] == []
    assert got["duration"] == "repeating" and got["duration_in_months"] == 3
    assert got["plan_codes"] == ["starter-monthly"] and got["times_redeemed"] == 0
    assert coupons[0]["percent_off"] is None and coupons[0]["max_redemptions"] == 50
    assert coupons[0]["amounts_off"] == [
        {"amount_minor": 1000, "currency": "USD", "amount": "10.00"}
    ]
    every, _ = await _all_pages(client, "/api/v1/promotion-codes", auth, limit=2)
    assert [c["id"] for c in every] == sorted(c.id for c in [*codes, other])
    mine, pages = await _all_pages(
        client, "/api/v1/promotion-codes", auth, limit=2, coupon=percent.id
    )
    assert sorted(c["code"] for c in mine) == [f"LAUNCH{n}" for n in range(5)] and pages == 3
    first = (await client.get(f"/api/v1/promotion-codes/{codes[0].id}", headers=auth)).json()
    assert first["coupon_id"] == percent.id and first["first_subscription_only"] is True
    assert first["minimum_amounts"] == [
        {"amount_minor": 2000, "currency": "USD", "amount": "20.00"}
    ]
    assert first["active"] is True and first["code"] == "LAUNCH0"
    for path, code in (("/api/v1/coupons/nope", "coupon.not_found"),
                       ("/api/v1/promotion-codes/nope", "promotion_code.not_found")):  # fmt: skip
        missing = await client.get(path, headers=auth)
        assert missing.status_code == 404 and missing.json()["code"] == code
    unknown = await client.get("/api/v1/promotion-codes", params={"coupon": "nope"}, headers=auth)
    assert unknown.status_code == 404 and unknown.json()["code"] == "coupon.not_found"
    bad = await client.get("/api/v1/coupons", params={"starting_after": "nope"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["code"] == "api.bad_cursor"
