"""GET /api/v1/customers/{id}/entitlements end to end on the real database: a subscription made
through the API entitles its customer at once (the seats bought, an add-on's units, the plan's
features), a read-only key may ask, pausing turns access off and emits ``entitlements.updated``
in the same transaction, an unknown customer is 404 problem details, and the operation is in the
OpenAPI document."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.catalog.demo_features import load_demo_features
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.api.support import CUSTOMER, bearer, make_key

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
