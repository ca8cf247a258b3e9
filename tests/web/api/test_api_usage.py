"""/api/v1/usage end to end: a metered subscription billed for events sent through the API (one
and in batches, repeated keys counted once), its usage so far read back with the estimated
charge, the renewal's invoice billing exactly that; an invalid batch refused whole with every
refused event named; a closed period refused; malformed bodies 400, read-only keys 403; the
Idempotency-Key of a batch replays its answer. The scale plan: 10,000 API calls free, then 0.2
cents each."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.api.support import CUSTOMER, bearer, make_key

pytestmark = pytest.mark.web


async def _scale(client: httpx.AsyncClient, auth: dict[str, str]) -> tuple[str, str]:
    customer = (await client.post("/api/v1/customers", json=CUSTOMER, headers=auth)).json()
    made = await client.post("/api/v1/subscriptions", headers=auth, json={
        "customer_id": customer["id"], "plan_code": "scale-monthly", "trial_days": 0})  # fmt: skip
    assert made.status_code == 201, made.text
    return customer["id"], made.json()["subscription"]["id"]


async def test_usage_sent_through_the_api_is_counted_once_and_billed(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    auth = bearer(await make_key(app))
    customer, sub = await _scale(client, auth)
    clock.advance(days=2)
    one = await client.post("/api/v1/usage", headers=auth, json={
        "subscription_id": sub, "meter": "api_calls", "value": 8000, "idempotency_key": "e1"})  # fmt: skip
    assert one.status_code == 200, one.text
    assert one.json() == {"idempotency_key": "e1", "subscription_id": sub, "status": "recorded"}
    again = await client.post("/api/v1/usage", headers=auth, json={
        "subscription_id": sub, "meter": "api_calls", "value": 8000, "idempotency_key": "e1"})  # fmt: skip
    assert again.json()["status"] == "duplicate"
    at = (clock.now() - timedelta(hours=1)).isoformat()
    batch = await client.post("/api/v1/usage/batch", headers=auth, json={"events": [
        {"customer_id": customer, "meter": "api_calls", "value": "4000.5", "idempotency_key": "e2",
         "timestamp": at},
        {"subscription_id": sub, "meter": "api_calls", "value": 1, "idempotency_key": "e1"},
        {"subscription_id": sub, "meter": "api_calls", "value": 499.5, "idempotency_key": "e3"},
        {"subscription_id": sub, "meter": "api_calls", "value": 7, "idempotency_key": "e3"},
    ]})  # fmt: skip
    assert batch.status_code == 200, batch.text
    body = batch.json()
    assert [e["status"] for e in body["data"]] == ["recorded", "duplicate", "recorded",
                                                   "duplicate"]  # fmt: skip
    assert (body["recorded"], body["duplicates"], body["not_billed"]) == (2, 2, 0)
    assert {e["subscription_id"] for e in body["data"]} == {sub}

    usage = (await client.get(f"/api/v1/subscriptions/{sub}/usage", headers=auth)).json()
    assert usage["metered"] and usage["billed"] and usage["status"] == "active"
    (meter,) = usage["meters"]
    assert (meter["meter"], meter["events"], meter["units"]) == ("api_calls", 3, "12500")
    assert meter["amount"] == {"amount_minor": 500, "currency": "USD", "amount": "5.00"}
    assert usage["estimated_total"]["amount_minor"] == 500

    # the period ends; the next event runs the renewal first, whose invoice bills the usage
    clock.set(clock.now() + timedelta(days=30))
    new_period = await client.post("/api/v1/usage", headers=auth, json={
        "subscription_id": sub, "meter": "api_calls", "value": 2, "idempotency_key": "next"})  # fmt: skip
    assert new_period.json()["status"] == "recorded"
    late = await client.post("/api/v1/usage", headers=auth, json={
        "subscription_id": sub, "meter": "api_calls", "value": 1, "idempotency_key": "late",
        "timestamp": at})  # fmt: skip
    assert late.status_code == 422
    assert late.json()["code"] == "usage.period_closed"
    assert "timestamp" in late.json()["errors"]
    invoices = (await client.get("/api/v1/invoices", params={"customer": customer},
                                 headers=auth)).json()["data"]  # fmt: skip
    renewal = (await client.get(f"/api/v1/invoices/{invoices[0]['id']}", headers=auth)).json()
    usage_lines = [li for li in renewal["detail"]["lines"] if li["kind"] == "usage"]
    assert [(li["quantity"], li["amount"]["amount_minor"]) for li in usage_lines] == [
        ("12500", 500)
    ]
    fresh = (await client.get(f"/api/v1/subscriptions/{sub}/usage", headers=auth)).json()
    assert fresh["meters"][0]["events"] == 1 and fresh["period_start"] != usage["period_start"]


async def test_an_invalid_batch_is_refused_whole_naming_every_event(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    auth = bearer(await make_key(app))
    _, sub = await _scale(client, auth)
    ok = {"subscription_id": sub, "meter": "api_calls", "value": 1}
    refused = await client.post("/api/v1/usage/batch", headers=auth, json={"events": [
        ok | {"idempotency_key": "a"},
        ok | {"idempotency_key": "b", "meter": "gigabytes"},
        ok | {"idempotency_key": "c", "value": -3},
        ok | {"idempotency_key": "d\x00"},
        ok | {"idempotency_key": "e", "timestamp": (clock.now() + timedelta(hours=1)).isoformat()},
        ok | {"idempotency_key": "f", "subscription_id": "missing"},
    ]})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "usage.invalid"
    assert list(problem["errors"]) == ["events[1].meter", "events[2].value",
                                       "events[3].idempotency_key", "events[4].timestamp",
                                       "events[5].subscription_id"]  # in event order  # fmt: skip
    assert "5 of 6 events were refused" in problem["detail"]
    usage = (await client.get(f"/api/v1/subscriptions/{sub}/usage", headers=auth)).json()
    assert usage["meters"][0]["events"] == 0  # not even the valid one

    for body in (
        {"events": []},
        {"events": [ok | {"idempotency_key": f"k{i}"} for i in range(1001)]},
        {"events": [ok | {"idempotency_key": "x", "value": {"n": 1}}]},
        {"events": [ok | {"idempotency_key": "x", "extra": 1}]},
        {"events": [ok]},  # no key
    ):
        answer = await client.post("/api/v1/usage/batch", headers=auth, json=body)
        assert answer.status_code == 400, (answer.status_code, str(body)[:80])
        assert answer.headers["content-type"] == "application/problem+json"
    one = await client.post("/api/v1/usage", headers=auth,
                            json=ok | {"idempotency_key": "z", "meter": "gigabytes"})  # fmt: skip
    assert one.status_code == 422 and one.json()["code"] == "usage.unknown_meter"
    assert list(one.json()["errors"]) == ["meter"]

    read_only = bearer(await make_key(app, scope="read_only", name="reader"))
    denied = await client.post(
        "/api/v1/usage", headers=read_only, json=ok | {"idempotency_key": "r"}
    )
    assert denied.status_code == 403
    assert (await client.get(f"/api/v1/subscriptions/{sub}/usage", headers=read_only)).is_success
    assert (await client.get("/api/v1/subscriptions/nope/usage", headers=auth)).status_code == 404


async def test_a_batch_with_an_idempotency_key_is_replayed(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    auth = bearer(await make_key(app))
    _, sub = await _scale(client, auth)
    body = {"events": [{"subscription_id": sub, "meter": "api_calls", "value": 5,
                        "idempotency_key": f"r{i}"} for i in range(3)]}  # fmt: skip
    headers = auth | {"Idempotency-Key": "batch-1"}
    first = await client.post("/api/v1/usage/batch", headers=headers, json=body)
    replay = await client.post("/api/v1/usage/batch", headers=headers, json=body)
    assert first.json()["recorded"] == 3
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == first.json()
    fresh = await client.post("/api/v1/usage/batch", headers=auth, json=body)
    assert fresh.json()["duplicates"] == 3


async def test_a_plan_without_meters_has_no_usage(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    auth = bearer(await make_key(app))
    customer = (await client.post("/api/v1/customers", json=CUSTOMER, headers=auth)).json()
    made = await client.post("/api/v1/subscriptions", headers=auth, json={
        "customer_id": customer["id"], "plan_code": "starter-monthly", "trial_days": 0})  # fmt: skip
    sub = made.json()["subscription"]["id"]
    usage = (await client.get(f"/api/v1/subscriptions/{sub}/usage", headers=auth)).json()
    assert usage == {"subscription_id": sub, "metered": False, "status": None, "billed": False,
                     "period_start": None, "period_end": None, "as_of": None, "meters": [],
                     "estimated_total": None}  # fmt: skip
    refused = await client.post("/api/v1/usage", headers=auth, json={
        "customer_id": customer["id"], "meter": "api_calls", "value": 1, "idempotency_key": "n"})  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["code"] == "usage.subscription_not_found"


async def test_the_document_describes_the_usage_operations(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    batch = paths["/api/v1/usage/batch"]["post"]
    assert {"200", "400", "401", "403", "409", "422", "429"} <= set(batch["responses"])
    assert "post" in paths["/api/v1/usage"]
    assert "get" in paths["/api/v1/subscriptions/{subscription_id}/usage"]
