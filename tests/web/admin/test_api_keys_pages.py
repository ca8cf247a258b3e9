"""/admin/api-keys through the real forms: an owner makes a key (its secret shown once, only
its hash stored), the key works on /api/v1, the owner revokes it after confirming (then 401);
both audited. Other roles get 403 on every API-key route; a POST without CSRF is refused."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_apikeys import ApiKeyTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str,
                     email: str) -> None:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=email)
    assert (await admin_sign_in(client, member, clock)).status_code == 303


async def test_an_owner_makes_uses_and_revokes_a_key(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _signed_in(app, client, clock, "owner", "olive@example.com")
    page = await client.get("/admin/api-keys")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert parse(page.text).select_one('a[href="/admin/api-keys"]') is not None  # sidebar
    token = csrf_token(page.text)
    assert (await client.post("/admin/api-keys", data={"name": "CRM"})).status_code == 403

    made = await client.post("/admin/api-keys", data={"name": "CRM sync", "scope": "read_only",
                                                      "_csrf_token": token})  # fmt: skip
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    secret = text(by_testid(parse(made.text), "secret")[0])
    assert secret.startswith("tsk_test_") and len(secret) == 9 + 43
    rows = await ApiKeyTable.select()
    assert len(rows) == 1 and rows[0]["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(rows[0]) and rows[0]["prefix"] == secret[:13]
    # shown once: the list never shows it again
    again = await client.get("/admin/api-keys")
    assert secret not in again.text and secret[:13] in again.text
    assert not by_testid(parse(again.text), "new-secret")

    # the key reads the API, and its last use shows (written once a minute at most)
    async with serve(app) as api:
        assert (await api.get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"})
                ).status_code == 200  # fmt: skip
        listed = parse((await client.get("/admin/api-keys")).text)
        assert text(by_testid(listed, "last-used")[0]) != "Never"

        key_id = rows[0]["id"]
        confirm = await client.get(f"/admin/api-keys/{key_id}/revoke")
        assert confirm.status_code == 200 and "Revoke the key" in confirm.text
        not_confirmed = await client.post(f"/admin/api-keys/{key_id}/revoke",
                                          data={"_csrf_token": token})  # fmt: skip
        assert not_confirmed.status_code == 200 and "Revoke the key" in not_confirmed.text
        assert (await ApiKeyTable.select())[0]["revoked_at"] is None
        revoked = await client.post(f"/admin/api-keys/{key_id}/revoke",
                                    data={"confirm": "yes", "_csrf_token": token})  # fmt: skip
        assert revoked.status_code == 303 and revoked.headers["location"] == "/admin/api-keys"
        after = await api.get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"})
        assert after.status_code == 401
    twice = await client.post(f"/admin/api-keys/{key_id}/revoke",
                              data={"confirm": "yes", "_csrf_token": token})  # fmt: skip
    assert twice.status_code in (303, 409)
    actions = [r["action"] for r in await AuditEntryTable.select(AuditEntryTable.action).where(
        AuditEntryTable.action.like("api_key.%")).order_by(AuditEntryTable.at)]  # fmt: skip
    assert actions == ["api_key.created", "api_key.revoked"]
    audits = await AuditEntryTable.select().where(AuditEntryTable.action.like("api_key.%"))
    assert all(secret not in str(a) for a in audits)


async def test_bad_input_re_renders_and_writes_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _signed_in(app, client, clock, "owner", "olive@example.com")
    token = csrf_token((await client.get("/admin/api-keys")).text)
    for data in ({"name": "", "scope": "read_only"}, {"name": "x", "scope": "admin"},
                 {"name": "a\x00b", "scope": "read_only"}, {"name": "n" * 101, "scope": "read_only"}):  # fmt: skip
        answer = await client.post("/admin/api-keys", data=data | {"_csrf_token": token})
        assert answer.status_code == 422, data
    assert await ApiKeyTable.count() == 0


@pytest.mark.parametrize("role", ["viewer", "support", "billing"])
async def test_other_roles_are_refused(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str
) -> None:
    await _signed_in(app, client, clock, role, f"{role}@example.com")
    home = await client.get("/admin")
    assert 'href="/admin/api-keys"' not in home.text
    token = csrf_token(home.text)
    assert (await client.get("/admin/api-keys")).status_code == 403
    made = await client.post("/admin/api-keys", data={"name": "x", "scope": "read_only",
                                                      "_csrf_token": token})  # fmt: skip
    assert made.status_code == 403
    assert (await client.get("/admin/api-keys/nope/revoke")).status_code == 403
    assert (await client.post("/admin/api-keys/nope/revoke",
                              data={"confirm": "yes", "_csrf_token": token})).status_code == 403  # fmt: skip
    assert await ApiKeyTable.count() == 0
