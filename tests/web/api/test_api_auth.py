"""/api/v1 authentication, scopes and the rate limit: no key, a malformed, unknown or revoked
key answer 401 problem details with ``WWW-Authenticate: Bearer``; a read-only key reads but
writing answers 403; over the limit answers 429 with ``Retry-After`` until the window moves on
(the app's frozen clock is stepped; nothing sleeps). The public plan endpoints need no key."""

from __future__ import annotations

import logging

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_apikeys import ApiKeyTable
from domain.apikeys.admin import revoke_api_key
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.api.support import CUSTOMER, OWNER, bearer, make_key
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web


def _problem(answer: httpx.Response, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = answer.json()
    assert body["status"] == status and body["title"]
    return body


async def test_no_bad_or_revoked_key_is_401_and_the_key_is_never_logged(
    app: Litestar, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = await make_key(app)
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer tsk_test_short"},
                    {"Authorization": "Bearer " + key.secret[:-1] + ("A" if key.secret[-1] != "A" else "B")}):  # fmt: skip
        answer = await client.get("/api/v1/customers", headers=headers)
        _problem(answer, 401)
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert (await client.get("/api/v1/customers", headers=bearer(key))).status_code == 200
    runtime = app.state.runtime
    await revoke_api_key(OWNER, key.key.id, uow=runtime.uow(), clock=runtime.clock)
    revoked = await client.get("/api/v1/customers", headers=bearer(key))
    assert _problem(revoked, 401)["code"] == "api_key.invalid"
    # the public plans need no key
    assert (await client.get("/api/v1/plans")).status_code == 200
    assert key.secret not in caplog.text
    assert key.secret not in repr(key)


async def test_a_read_only_key_reads_and_cannot_write(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    reader = await make_key(app, scope="read_only")
    assert (await client.get("/api/v1/customers", headers=bearer(reader))).status_code == 200
    refused = await client.post("/api/v1/customers", json=CUSTOMER, headers=bearer(reader))
    assert _problem(refused, 403)["code"] == "api_key.read_only"
    writer = await make_key(app, scope="read_write")
    made = await client.post("/api/v1/customers", json=CUSTOMER, headers=bearer(writer))
    assert made.status_code == 201


async def test_the_rate_limit_is_per_key_and_says_when_to_retry(
    db: TestDatabase, clock: FrozenClock
) -> None:
    app = create_app(make_settings(db, API_RATE_LIMIT="3", API_RATE_WINDOW_S="10"), clock=clock,
                     engine=db.engine, start_runner=False)  # fmt: skip
    async with serve(app) as client:
        one, two = await make_key(app), await make_key(app, name="Other")
        for _ in range(3):
            assert (await client.get("/api/v1/customers", headers=bearer(one))).status_code == 200
        limited = await client.get("/api/v1/customers", headers=bearer(one))
        assert _problem(limited, 429)["code"] == "api.rate_limited"
        assert limited.headers["retry-after"] == "10"
        # another key has its own budget
        assert (await client.get("/api/v1/customers", headers=bearer(two))).status_code == 200
        clock.advance(seconds=4)
        assert (await client.get("/api/v1/customers", headers=bearer(one))).headers[
            "retry-after"] == "6"  # fmt: skip
        clock.advance(seconds=6)
        assert (await client.get("/api/v1/customers", headers=bearer(one))).status_code == 200


async def test_last_used_is_written_at_most_once_a_minute(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    key = await make_key(app)

    async def last_used() -> object:
        row = await ApiKeyTable.select(ApiKeyTable.last_used_at).first()
        assert row is not None
        return row["last_used_at"]

    assert await last_used() is None
    await client.get("/api/v1/customers", headers=bearer(key))
    first = await last_used()
    assert first is not None
    clock.advance(seconds=59)
    await client.get("/api/v1/customers", headers=bearer(key))
    assert await last_used() == first
    clock.advance(seconds=1)
    await client.get("/api/v1/customers", headers=bearer(key))
    assert await last_used() != first
