"""Payment webhooks through HTTP (issue 11): forged, stale, replayed and disbelieved events.

The forgery that worked before: check out with the card that asks for the bank's check, then POST
a ``payment_intent.succeeded`` for that payment signed with the sandbox's old constant secret and
a year-old timestamp. It answered 200 and marked the invoice paid while the gateway still said
``requires_action``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import (
    InvoiceTable,
    JobTable,
    PaymentAttemptTable,
    PaymentWebhookEventTable,
    SandboxPaymentTable,
)
from domain.payments.webhooks import held_webhooks
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.conftest import serve
from tests.web.test_checkout import ACTION, _demo, _open, _order, _place

pytestmark = pytest.mark.web

OLD_CONSTANT_SECRET = "whsec_sandbox"  # what the sandbox signed with before issue 11
URL = "/api/v1/webhooks/sandbox"


def _event(ref: str, event_id: str = "evt_1", kind: str = "payment_intent.succeeded") -> bytes:
    return json.dumps({"id": event_id, "type": kind, "data": {"object": {"id": ref}}}).encode()


def _signed_with(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


async def _post(client: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    return await client.post(
        URL,
        content=body,
        headers={"x-sandbox-signature": signature, "content-type": "application/json"},
    )


async def _checkout_needing_action(client: httpx.AsyncClient, app: Litestar) -> str:
    """A buyer checks out with the card that asks for the bank's check; the payment's ref."""
    await _demo(app)
    _, csrf, token = await _open(client)
    placed = await _place(client, _order(csrf, token, card=ACTION))
    assert placed.status_code == 303
    return placed.headers["location"].split("/pay/confirm/")[1].split("?")[0]


async def _statuses() -> tuple[list[str], list[str], list[str]]:
    invoices = [r["status"] for r in await InvoiceTable.select(InvoiceTable.status)]
    attempts = [r["status"] for r in await PaymentAttemptTable.select(PaymentAttemptTable.status)]
    ledger = [
        r["status"]
        for r in await SandboxPaymentTable.select(SandboxPaymentTable.status).where(
            SandboxPaymentTable.kind == "charge"
        )
    ]
    return invoices, attempts, ledger


async def _receipts_queued() -> int:
    jobs = await JobTable.select(JobTable.kwargs).where(JobTable.name == "notifications.notify")
    return sum("receipt" in str(j["kwargs"]) for j in jobs)


async def test_the_forged_webhook_of_issue_11_is_refused_and_the_invoice_stays_open(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        ref = await _checkout_needing_action(client, app)
        before = await _statuses()
        assert before == (["open"], ["requires_action"], ["requires_action"])
        body = _event(ref)
        a_year_ago = int((clock.now() - timedelta(days=365)).timestamp())
        now = int(clock.now().timestamp())

        forged = await _post(client, body, _signed_with(OLD_CONSTANT_SECRET, body, a_year_ago))
        assert forged.status_code == 422
        assert forged.headers["content-type"].startswith("application/problem+json")
        # the old constant is no secret any more, whatever the timestamp
        fresh = await _post(client, body, _signed_with(OLD_CONSTANT_SECRET, body, now))
        assert fresh.status_code == 422
        assert fresh.json()["code"] == "payments.webhook_signature_invalid"
        # the installation's own secret does not make a year-old signature acceptable either
        gateway = app.state.runtime.gateway
        stale = await _post(client, body, gateway.sign(body, a_year_ago))
        assert stale.status_code == 422
        assert stale.json()["code"] == "payments.webhook_signature_expired"

        assert await _statuses() == before
        assert await _receipts_queued() == 0
        assert await PaymentWebhookEventTable.count() == 0


async def test_the_signature_tolerance_is_300_seconds_by_default(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        gateway = app.state.runtime.gateway
        now = int(clock.now().timestamp())
        body = _event("pi_unknown")
        for offset, status in ((-299, 200), (-301, 422), (299, 200), (301, 422)):
            answer = await _post(client, body, gateway.sign(body, now + offset))
            assert answer.status_code == status, offset


async def test_a_replayed_event_answers_200_and_changes_nothing(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        ref = await _checkout_needing_action(client, app)
        gateway = app.state.runtime.gateway
        await gateway.confirm(payment_ref=ref)  # the bank's check passed, at the gateway
        body = _event(ref, "evt_paid")

        first = await _post(client, body, gateway.sign(body, int(clock.now().timestamp())))
        assert first.status_code == 200
        assert first.json()["outcome"] == "applied"
        assert await _statuses() == (["paid"], ["succeeded"], ["succeeded"])
        attempt = await PaymentAttemptTable.select().first()
        jobs = await JobTable.count()

        clock.advance(seconds=120)  # the provider delivers the same event again
        replay = await _post(client, body, gateway.sign(body, int(clock.now().timestamp())))
        assert replay.status_code == 200
        assert replay.json()["outcome"] == "replayed"
        assert await PaymentAttemptTable.select().first() == attempt  # not even re-saved
        assert await JobTable.count() == jobs
        assert await _receipts_queued() == 1
        assert await PaymentWebhookEventTable.count() == 1


async def test_an_event_the_gateway_does_not_bear_out_is_held_for_staff(
    app: Litestar, db: TestDatabase, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A correctly signed event (a leaked secret, a bug at the provider) settles nothing unless
    the payment read back from the gateway agrees in status, amount and currency."""
    async with serve(app) as client:
        ref = await _checkout_needing_action(client, app)
        gateway = app.state.runtime.gateway
        now = int(clock.now().timestamp())

        with caplog.at_level(logging.WARNING, logger="payments.webhooks"):
            body = _event(ref, "evt_status")
            held = await _post(client, body, gateway.sign(body, now))
        assert held.status_code == 200 and held.json()["outcome"] == "held"
        assert await _statuses() == (["open"], ["requires_action"], ["requires_action"])
        assert "the gateway says requires_action" in caplog.text

        await gateway.confirm(payment_ref=ref)  # now it succeeded, but for another amount
        await SandboxPaymentTable.update({SandboxPaymentTable.amount_minor: 100}).where(
            SandboxPaymentTable.ref == ref
        )
        body = _event(ref, "evt_amount")
        amount = await _post(client, body, gateway.sign(body, now))
        assert amount.json()["outcome"] == "held"

        attempt = await PaymentAttemptTable.select().first()
        await SandboxPaymentTable.update(
            {SandboxPaymentTable.amount_minor: attempt["amount_minor"]}
        ).where(SandboxPaymentTable.ref == ref)
        await SandboxPaymentTable.update({SandboxPaymentTable.currency: "EUR"}).where(
            SandboxPaymentTable.ref == ref
        )
        body = _event(ref, "evt_currency")
        currency = await _post(client, body, gateway.sign(body, now))
        assert currency.json()["outcome"] == "held"

        assert await _statuses() == (["open"], ["requires_action"], ["succeeded"])
        assert await _receipts_queued() == 0
        rows = await PaymentWebhookEventTable.select().order_by(PaymentWebhookEventTable.event_id)
        assert [(r["event_id"], r["outcome"]) for r in rows] == [
            ("evt_amount", "held"),
            ("evt_currency", "held"),
            ("evt_status", "held"),
        ]
        assert "100" in rows[0]["detail"] and "EUR" in rows[1]["detail"]
        for_staff = await held_webhooks(uow=app.state.runtime.uow())
        assert sorted(r.event_id for r in for_staff) == ["evt_amount", "evt_currency", "evt_status"]
        assert all(r.payment_ref == ref and r.detail for r in for_staff)

        # once the gateway agrees, a new event settles the invoice
        await SandboxPaymentTable.update({SandboxPaymentTable.currency: "USD"}).where(
            SandboxPaymentTable.ref == ref
        )
        body = _event(ref, "evt_good")
        good = await _post(client, body, gateway.sign(body, now))
        assert good.json()["outcome"] == "applied"
        assert (await _statuses())[0] == ["paid"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"type": "payment_intent.succeeded"}',
        b'{"id": 7, "type": "payment_intent.succeeded"}',
        b'{"id": "evt_1"}',
        b"\xff\xfe\x00garbage",
    ],
)
async def test_a_signed_body_that_is_not_an_event_is_a_400_problem(
    app: Litestar, db: TestDatabase, clock: FrozenClock, body: bytes
) -> None:
    async with serve(app) as client:
        signature = app.state.runtime.gateway.sign(body, int(clock.now().timestamp()))
        answer = await _post(client, body, signature)
        assert answer.status_code == 400
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "payments.webhook_payload_invalid"
