"""/admin/webhook-endpoints through the real forms: billing adds an endpoint (CSRF, audited),
sees its secret, rotates it, disables and enables it; a delivery to a real receiver shows on the
endpoint's and the delivery's pages and is replayed; bad URLs re-render with a message and write
nothing, never a 5xx; viewers read without the secret and cannot change anything."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from standardwebhooks import Webhook

from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.db.tables_webhooks import WebhookEndpointTable
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.jobs import drain_jobs
from tests.support.staff import admin_sign_in, make_staff
from tests.support.webhook_receiver import WebhookReceiver
from tests.web.conftest import serve

pytestmark = pytest.mark.web

BASE = "/admin/webhook-endpoints"


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    server = await WebhookReceiver().start()
    yield server
    await server.stop()


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str,
                     email: str) -> str:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=email)
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get(BASE)).text)


async def _actions() -> list[str]:
    rows = (
        await AuditEntryTable.select(AuditEntryTable.action)
        .where(AuditEntryTable.action.like("webhook_%"))
        .order_by(AuditEntryTable.at)
    )
    return [r["action"] for r in rows]


async def test_billing_manages_an_endpoint_and_replays_a_delivery(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    token = await _signed_in(app, client, clock, "billing", "bill@example.com")
    listing = await client.get(BASE)
    assert listing.status_code == 200, listing.text[:3000]
    page = parse(listing.text)
    assert page.select_one(f'a[href="{BASE}"]') is not None  # the sidebar entry
    assert page.select_one('a[href="/admin/webhooks"]') is not None  # inbound stays
    form = {"url": receiver.url, "description": "CRM sync", "all_events": "yes"}
    assert (await client.post(BASE, data=form)).status_code == 403  # no CSRF token
    made = await client.post(BASE, data={**form, "_csrf_token": token})
    assert made.status_code == 303
    location = made.headers["location"]
    assert location.startswith(f"{BASE}/we_")
    detail = parse((await client.get(location)).text)
    secret = text(by_testid(detail, "endpoint-secret")[0])
    assert secret.startswith("whsec_")
    # an event happens: the receiver gets it, signed with that secret
    await create_customer(email="ada@example.com", name="Ada", currency="EUR", country="DE",
                          uow=app.state.runtime.uow(), clock=clock)  # fmt: skip
    await drain_jobs(app)
    [request] = receiver.requests
    at = request.headers["webhook-timestamp"]
    assert str(int(clock.now().timestamp())) == at
    expected = Webhook(secret).sign(
        request.headers["webhook-id"], clock.now(), request.body.decode()
    )
    assert request.headers["webhook-signature"] == expected
    detail = parse((await client.get(location)).text)
    [row] = by_testid(detail, "delivery-row")
    assert "customer.created" in text(row) and "Succeeded" in text(row)
    delivery = row["data-delivery-id"]
    shown = parse((await client.get(f"{BASE}/deliveries/{delivery}")).text)
    assert '"customer.created"' in text(by_testid(shown, "delivery-payload")[0])
    assert '{"ok":true}' in text(by_testid(shown, "response-excerpt")[0])
    replayed = await client.post(
        f"{BASE}/deliveries/{delivery}/replay", data={"_csrf_token": token}
    )
    assert replayed.status_code == 303
    await drain_jobs(app)
    assert len(receiver.requests) == 2
    shown = parse((await client.get(f"{BASE}/deliveries/{delivery}")).text)
    assert len(by_testid(shown, "attempt-row")) == 2 and "replay" in text(shown)
    # rotate, disable, enable, edit to one event type
    await client.post(f"{location}/rotate-secret", data={"_csrf_token": token})
    page = parse((await client.get(location)).text)
    rotated = text(by_testid(page, "endpoint-secret")[0])
    assert rotated != secret and rotated.startswith("whsec_")
    assert "also signs every delivery until" in text(by_testid(page, "previous-secret")[0])
    assert secret not in str(page), "the old secret is not shown again"
    rotation = await AuditEntryTable.select().where(
        AuditEntryTable.action == "webhook_endpoint.secret_rotated").first()  # fmt: skip
    assert '"previous_secret_until"' in str(rotation["after"])
    await client.post(f"{location}/disable", data={"_csrf_token": token})
    assert "Disabled" in text(
        by_testid(parse((await client.get(location)).text), "endpoint-status")[0]
    )
    refused = await client.post(f"{BASE}/deliveries/{delivery}/replay", data={"_csrf_token": token})
    assert refused.status_code == 303  # back to the page with the reason
    assert "Enable the endpoint" in (await client.get(f"{BASE}/deliveries/{delivery}")).text
    await client.post(f"{location}/enable", data={"_csrf_token": token})
    edited = await client.post(location, data={"url": receiver.url, "description": "Invoices",
                                               "event_types": ["invoice.paid", "invoice.issued"],
                                               "_csrf_token": token})  # fmt: skip
    assert edited.status_code == 303
    row = await WebhookEndpointTable.select().first()
    assert row["event_types"] == '["invoice.issued", "invoice.paid"]' and row["enabled"]
    assert await _actions() == [
        "webhook_endpoint.created", "webhook_delivery.replayed", "webhook_endpoint.secret_rotated",
        "webhook_endpoint.disabled", "webhook_endpoint.enabled", "webhook_endpoint.updated",
    ]  # fmt: skip
    audit = await AuditEntryTable.select().where(AuditEntryTable.action.like("webhook_%"))
    assert all("whsec_" not in str(r) for r in audit), "no secret in the audit log"


BAD = [
    ({"url": ""}, "Enter the URL"),
    ({"url": "ftp://example.com/x"}, "starting with https://"),
    ({"url": "http://hooks.example.com/x"}, "Use https://"),
    ({"url": "https://10.0.0.1/hook"}, "private or reserved"),
    ({"url": "https://169.254.169.254/latest"}, "private or reserved"),
    ({"url": "https://[::ffff:127.0.0.1]/x"}, "private or reserved"),
    ({"url": "https://user:pw@hooks.example.com/"}, "user names"),
    ({"url": "https://intranet/hook"}, "public host name"),
    ({"url": "https://hooks.example.com/" + "a" * 2100}, "at most 2,048"),
    ({"url": "https://hooks.example.com/a b"}, "no spaces"),
    ({"all_events": ""}, "Choose the events"),
    ({"all_events": "", "event_types": ["invoice.exploded"]}, "from the list"),
    ({"description": "x" * 201}, "at most 200"),
]


async def test_bad_input_re_renders_the_form_and_writes_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    good = {"url": "https://hooks.example.com/tessera", "description": "", "all_events": "yes"}
    for change, message in BAD:
        answer = await client.post(BASE, data={**good, **change, "_csrf_token": token})
        assert answer.status_code == 422, change
        assert message in answer.text, change
    assert await WebhookEndpointTable.count() == 0 and await _actions() == []
    assert (await client.get(f"{BASE}/we_nothing")).status_code == 404
    assert (await client.get(f"{BASE}/deliveries/dlv_nothing")).status_code == 404
    missing = await client.post(f"{BASE}/we_nothing/disable", data={"_csrf_token": token})
    assert missing.status_code == 404


async def test_viewers_and_support_read_without_the_secret_and_change_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    made = await client.post(BASE, data={"url": "https://hooks.example.com/t", "all_events": "yes",
                                         "_csrf_token": token})  # fmt: skip
    location = made.headers["location"]
    for role in ("viewer", "support"):
        async with serve(app) as other:
            their_token = await _signed_in(app, other, clock, role, f"{role}@example.com")
            listing = parse((await other.get(BASE)).text)
            assert len(by_testid(listing, "endpoint-row")) == 1
            assert not by_testid(listing, "endpoint-form")
            page = (await other.get(location)).text
            assert "whsec_" not in page and not by_testid(parse(page), "endpoint-form")
            for path in (BASE, location, f"{location}/disable", f"{location}/rotate-secret"):
                refused = await other.post(path, data={"url": "https://x.example.com/",
                                                       "all_events": "yes",
                                                       "_csrf_token": their_token})  # fmt: skip
                assert refused.status_code == 403, (role, path)
    assert await _actions() == ["webhook_endpoint.created"]
