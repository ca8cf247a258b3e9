"""Idempotency-Key on /api/v1 POSTs (Stripe's semantics): the same key and body replays the
first response (``Idempotent-Replayed: true``) and does nothing again; the same key with another
body answers 422; a refusal is replayed too; two concurrent POSTs with one key make one
customer (the second waits for nothing: 409 while the first runs, or the replay after); a key
of 256 characters or with a control character answers 400; the purge job deletes expired
records only; records are per API key."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CustomerTable
from domain.adapters.db.tables_apikeys import ApiIdempotencyTable
from domain.apikeys.idempotency import purge_expired
from domain.shared.clock import FrozenClock
from tests.web.api.support import CUSTOMER, bearer, make_key

pytestmark = pytest.mark.web


async def test_replay_and_mismatch(app: Litestar, client: httpx.AsyncClient) -> None:
    key = await make_key(app)
    headers = bearer(key) | {"Idempotency-Key": "order-42"}
    first = await client.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = await client.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await CustomerTable.count() == 1
    other = await client.post("/api/v1/customers", json=CUSTOMER | {"name": "Ada L."},
                              headers=headers)  # fmt: skip
    assert other.status_code == 422 and other.json()["code"] == "idempotency.mismatch"
    assert other.headers["content-type"] == "application/problem+json"
    # another path with the same key is another request too
    moved = await client.post(f"/api/v1/customers/{first.json()['id']}",
                              json={"name": "Ada", "country": "US"}, headers=headers)  # fmt: skip
    assert moved.status_code == 422
    # without the header a POST simply runs: the e-mail is taken now (409), not replayed
    plain = await client.post("/api/v1/customers", json=CUSTOMER, headers=bearer(key))
    assert plain.status_code == 409
    # the same Idempotency-Key under another API key is another request
    other_key = await make_key(app, name="Other")
    theirs = await client.post("/api/v1/customers", json=CUSTOMER | {"email": "b@example.com"},
                               headers=bearer(other_key) | {"Idempotency-Key": "order-42"})  # fmt: skip
    assert theirs.status_code == 201 and await CustomerTable.count() == 2


async def test_a_refusal_is_stored_and_replayed(app: Litestar, client: httpx.AsyncClient) -> None:
    key = await make_key(app)
    await client.post("/api/v1/customers", json=CUSTOMER, headers=bearer(key))
    headers = bearer(key) | {"Idempotency-Key": "dup"}
    refused = await client.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    assert refused.status_code == 409
    replayed = await client.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    assert replayed.status_code == 409 and replayed.headers["idempotent-replayed"] == "true"
    assert replayed.headers["content-type"] == "application/problem+json"
    assert replayed.json()["code"] == refused.json()["code"]


@pytest.mark.parametrize("bad", ["k" * 256, "a\tb", "a\x7fb"])
async def test_bad_keys_are_400(app: Litestar, client: httpx.AsyncClient, bad: str) -> None:
    key = await make_key(app)
    answer = await client.post("/api/v1/customers", json=CUSTOMER,
                               headers=bearer(key) | {"Idempotency-Key": bad})  # fmt: skip
    assert answer.status_code == 400 and answer.json()["code"] == "idempotency.bad_key"
    assert await CustomerTable.count() == 0
    ok = await client.post("/api/v1/customers", json=CUSTOMER,
                           headers=bearer(key) | {"Idempotency-Key": "k" * 255})  # fmt: skip
    assert ok.status_code == 201


async def test_two_concurrent_posts_with_one_key_make_one_customer(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    key = await make_key(app)
    headers = bearer(key) | {"Idempotency-Key": "race"}
    answers = await asyncio.gather(*[
        client.post("/api/v1/customers", json=CUSTOMER, headers=headers) for _ in range(4)
    ])  # fmt: skip
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    for a in answers:
        if a.status_code == 409:
            assert a.json()["code"] == "idempotency.in_progress"
    assert await CustomerTable.count() == 1
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1  # every 201 is the same customer (one ran, the others replayed)


async def test_the_purge_deletes_expired_records_only(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    key = await make_key(app)
    await client.post("/api/v1/customers", json=CUSTOMER,
                      headers=bearer(key) | {"Idempotency-Key": "old"})  # fmt: skip
    clock.advance(hours=23)
    await client.post("/api/v1/customers", json=CUSTOMER | {"email": "b@example.com"},
                      headers=bearer(key) | {"Idempotency-Key": "new"})  # fmt: skip
    clock.advance(hours=1, seconds=1)
    runtime = app.state.runtime
    assert await purge_expired(uow=runtime.uow(), clock=clock) == 1
    assert [r["key"] for r in await ApiIdempotencyTable.select()] == ["new"]
    # an expired key is free again: it runs anew (the e-mail is taken now)
    again = await client.post("/api/v1/customers", json=CUSTOMER,
                              headers=bearer(key) | {"Idempotency-Key": "old"})  # fmt: skip
    assert again.status_code == 409 and "idempotent-replayed" not in again.headers
