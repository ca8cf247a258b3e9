"""GET /api/v1/customers/{id}/entitlements end to end on the real database: a subscription made
through the API entitles its customer at once (the seats bought, an add-on's units, the plan's
features), a read-only key may ask, pausing turns access off and emits ``entitlements.updated``
in the same transaction, an unknown customer is 404 problem details, and the operation is in the
OpenAPI document."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_apikeys import ApiKeyTable
from domain.apikeys.admin import revoke_api_key
from domain.catalog.demo_features import load_demo_features
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.api.support import CUSTOMER, OWNER, bearer, make_key
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web


async def test_entitlements_follow_the_subscription_made_through_the_api(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    runtime = app.state.runtime
    await load_demo_features(uow=runtime.uow(), at=clock.now())
    auth = bearer(await make_key(app))
    reader = bearer(await make_key(app, scope="read_only", name="Product"))
    customer = (await client.post("/api/v1/customers", json=CUSTOMER, headers=auth)).json()
    url = f"/api/v1/customers/{customer['id']}/entitlements"
    assert (await client.get(url, headers=reader)).json() == {"customer_id": customer["id"],
                                                               "data": []}  # fmt: skip
    made = await client.post("/api/v1/subscriptions", headers=auth | {"Idempotency-Key": "e1"},
                             json={"customer_id": customer["id"], "plan_code": "team-monthly",
                                   "quantity": 3, "trial_days": 0})  # fmt: skip
    assert made.status_code == 201, made.text
    sub = made.json()["subscription"]
    answer = await client.get(url, headers=reader)
    assert answer.status_code == 200
    body = answer.json()
    rows = {r["feature"]: (r["limit_type"], r["limit"], r["has_access"]) for r in body["data"]}
    assert rows == {
        "customer-portal": ("access", None, True),
        "hosted-checkout": ("access", None, True),
        "projects": ("unlimited", None, True),
        "seats": ("quantity", 3, True),
    }
    seats = next(r for r in body["data"] if r["feature"] == "seats")
    assert seats["name"] == "Seats" and seats["subscriptions"] == [sub["id"]]
    assert seats["updated_at"].endswith("Z")

    paused = await client.post(f"/api/v1/subscriptions/{sub['id']}/pause", headers=auth, json={})
    assert paused.status_code == 200, paused.text
    after = (await client.get(url, headers=reader)).json()["data"]
    assert [r["has_access"] for r in after] == [False] * 4
    uow = runtime.uow()
    async with uow:
        events = [e for e in await uow.outbound_events.recent(limit=50)
                  if e.type.value == "entitlements.updated"]  # fmt: skip
    assert len(events) == 2  # subscribed, paused (one frozen instant: in either order)
    assert {e.data["customer_id"] for e in events} == {customer["id"]}
    access = sorted(tuple(r["has_access"] for r in e.data["entitlements"]) for e in events)  # type: ignore[index, union-attr]
    assert access == [(False,) * 4, (True,) * 4]


async def test_unknown_customers_and_missing_keys_are_problem_details(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    reader = bearer(await make_key(app, scope="read_only"))
    missing = await client.get("/api/v1/customers/nope/entitlements", headers=reader)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "customer.not_found"
    assert (await client.get("/api/v1/customers/nope/entitlements")).status_code == 401
    long = await client.get(f"/api/v1/customers/{'x' * 150}/entitlements", headers=reader)
    assert long.status_code == 404
    doc = (await client.get("/api/v1/openapi.json")).json()
    op = doc["paths"]["/api/v1/customers/{customer_id}/entitlements"]["get"]
    assert op["security"] == [{"BearerAuth": []}] and {"401", "404"} <= set(op["responses"])
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema  # described (a reference to EntitlementList)


async def test_the_entitlements_read_checks_its_key_as_every_resource_does(
    db: TestDatabase, clock: FrozenClock
) -> None:
    """The key check is read in the entitlements read's own statement: no key, a malformed,
    unknown or revoked key are 401 whatever the customer; the rate limit (429 before the 404 of
    an unknown customer) and ``last_used_at`` (at most once a minute) hold as on the others."""
    app = create_app(make_settings(db, API_RATE_LIMIT="4", API_RATE_WINDOW_S="10"), clock=clock,
                     engine=db.engine, start_runner=False)  # fmt: skip
    async with serve(app) as client:
        runtime = app.state.runtime
        key = await make_key(app, scope="read_only")
        writer = bearer(await make_key(app, name="Writer"))  # its own rate-limit budget
        customer = (await client.post("/api/v1/customers", json=CUSTOMER,
                                      headers=writer)).json()["id"]  # fmt: skip
        url = f"/api/v1/customers/{customer}/entitlements"
        wrong = key.secret[:-1] + ("A" if key.secret[-1] != "A" else "B")
        for headers in ({}, {"Authorization": "Bearer tsk_test_short"},
                        {"Authorization": f"Bearer {wrong}"}):  # fmt: skip
            for target in (url, "/api/v1/customers/nope/entitlements"):
                answer = await client.get(target, headers=headers)
                assert answer.status_code == 401, answer.text
                assert answer.headers["www-authenticate"].startswith("Bearer")
                assert answer.headers["content-type"] == "application/problem+json"

        async def last_used() -> object:
            row = await ApiKeyTable.select(ApiKeyTable.last_used_at).where(
                ApiKeyTable.id == key.key.id).first()  # fmt: skip
            assert row is not None
            return row["last_used_at"]

        assert await last_used() is None
        ok = await client.get(url, headers=bearer(key))
        assert ok.status_code == 200 and ok.json() == {"customer_id": customer, "data": []}
        first = await last_used()
        assert first is not None
        clock.advance(seconds=59)
        assert (await client.get(url, headers=bearer(key))).status_code == 200
        assert await last_used() == first
        clock.advance(seconds=1)
        missing = await client.get("/api/v1/customers/nope/entitlements", headers=bearer(key))
        assert missing.status_code == 404 and await last_used() != first
        for _ in range(2):  # the window holds the requests at 59 s and 60 s: 4 with these
            assert (await client.get(url, headers=bearer(key))).status_code == 200
        limited = await client.get("/api/v1/customers/nope/entitlements", headers=bearer(key))
        assert limited.status_code == 429 and limited.json()["code"] == "api.rate_limited"
        assert limited.headers["retry-after"]
        await revoke_api_key(OWNER, key.key.id, uow=runtime.uow(), clock=runtime.clock)
        clock.advance(seconds=10)
        revoked = await client.get(url, headers=bearer(key))
        assert revoked.status_code == 401 and revoked.json()["code"] == "api_key.invalid"


async def test_the_entitlements_read_meets_the_request_guard_and_the_app_wide_headers(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """The route runs the request guard alone before its handler (not the page hooks) and
    resolves no dependencies: hostile paths and queries are still 400 problem details, answers
    still carry the request id and the security headers, set no cookie, and problems speak the
    language of ``Accept-Language``."""
    reader = bearer(await make_key(app, scope="read_only"))
    for target in ("/api/v1/customers/nope/entitlements?x=%00",
                   f"/api/v1/customers/{'x' * 201}/entitlements",
                   "/api/v1/customers/%FF/entitlements"):  # fmt: skip
        hostile = await client.get(target, headers=reader)
        assert hostile.status_code == 400, target
        assert hostile.headers["content-type"] == "application/problem+json"
    answer = await client.get("/api/v1/customers/nope/entitlements",
                              headers=reader | {"X-Request-ID": "probe-1"})  # fmt: skip
    assert answer.status_code == 404
    assert answer.headers["x-request-id"] == "probe-1"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in answer.headers and "set-cookie" not in answer.headers
    persian = await client.get("/api/v1/customers/nope/entitlements",
                               headers=reader | {"Accept-Language": "fa"})  # fmt: skip
    assert persian.status_code == 404 and persian.headers["content-language"] == "fa"
    assert persian.json()["title"] != answer.json()["title"]
