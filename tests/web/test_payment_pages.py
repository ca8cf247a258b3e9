"""The customer-action page and the payment webhook, through HTTP."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar

from domain.adapters.db.tables import InvoiceTable
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.payments import service as payments
from domain.shared.clock import FrozenClock
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.support.html import parse
from tests.unit.billing._builders import make_plan
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def _open_invoice_needing_action(app: Litestar, clock: FrozenClock) -> str:
    runtime = app.state.runtime
    async with runtime.uow() as setup:
        await setup.plans.add(make_plan("team"))
        await setup.commit()
    customer = await create_customer(
        email="ada@example.test", name="Ada", currency="USD", country="US",
        uow=runtime.uow(), clock=clock,
    )  # fmt: skip
    token = await runtime.gateway.tokenize_card(
        number="4000002500003155", exp_month=12, exp_year=2030, cvc="123"
    )
    await payments.add_payment_method(
        customer.id, token, uow=runtime.uow, gateway=runtime.gateway, clock=clock
    )
    outcome = await subscribe(
        customer.id, "team", await_payment=True, uow=runtime.uow(), clock=clock,
        config=BillingConfig(),
    )  # fmt: skip
    result = await payments.collect_invoice(
        outcome.invoices[0].id, uow=runtime.uow, gateway=runtime.gateway, clock=clock,
        config=BillingConfig(),
    )  # fmt: skip
    assert result.attempt is not None and result.attempt.payment_ref is not None
    return result.attempt.payment_ref


async def test_the_customer_confirms_a_payment_their_bank_asked_about(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        ref = await _open_invoice_needing_action(app, clock)
        page = await client.get(f"/pay/confirm/{ref}")
        assert page.status_code == 200
        html = parse(page.text)
        assert "Confirm your payment of $40.00" in html.get_text()
        csrf = json.loads(html.find("body")["hx-headers"])["X-CSRFToken"]
        done = await client.post(f"/pay/confirm/{ref}", data={"_csrf_token": csrf})
        assert done.status_code == 303
        after = await client.get(done.headers["location"])
        assert "is paid" in parse(after.text).get_text()
        assert [r["status"] for r in await InvoiceTable.select(InvoiceTable.status)] == ["paid"]
        assert (await client.get("/pay/confirm/pi_unknown")).status_code == 404


async def test_a_signed_webhook_settles_the_payment_once(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        ref = await _open_invoice_needing_action(app, clock)
        await app.state.runtime.gateway.confirm(payment_ref=ref)  # the bank check, elsewhere
        body = json.dumps(
            {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": ref}}}
        ).encode()
        signature = app.state.runtime.gateway.sign(body, int(clock.now().timestamp()))
        for _ in range(2):  # delivered twice: applied once
            answer = await client.post(
                "/api/v1/webhooks/sandbox",
                content=body,
                headers={"x-sandbox-signature": signature, "content-type": "application/json"},
            )
            assert answer.status_code == 200 and answer.json()["handled"] is True
        assert [r["status"] for r in await InvoiceTable.select(InvoiceTable.status)] == ["paid"]
        forged = await client.post(
            "/api/v1/webhooks/sandbox", content=body, headers={"x-sandbox-signature": "t=1,v1=00"}
        )
        assert forged.status_code == 422
        assert forged.headers["content-type"].startswith("application/problem+json")
        assert (await client.post("/api/v1/webhooks/stripe", content=body)).status_code == 404


async def test_the_confirmation_link_expires_with_the_action_window_and_says_so(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    """A secret link, no sign-in: it works for 23 hours after the bank asked, and says until
    when; then it shows only that it expired (410) and confirming is refused."""
    async with serve(app) as client:
        ref = await _open_invoice_needing_action(app, clock)
        page = await client.get(f"/pay/confirm/{ref}")
        assert page.status_code == 200
        expiry = parse(page.text).select_one('[data-testid="pay-link-expires"]')
        assert expiry is not None
        assert "This link works until Feb 1, 2024, 10:59:30" in expiry.get_text(" ", strip=True)
        csrf = json.loads(parse(page.text).find("body")["hx-headers"])["X-CSRFToken"]

        clock.advance(seconds=23 * 3600 - 1)
        assert (await client.get(f"/pay/confirm/{ref}")).status_code == 200
        clock.advance(seconds=1)
        expired = await client.get(f"/pay/confirm/{ref}")
        assert expired.status_code == 410
        html = parse(expired.text)
        assert html.select_one('[data-testid="pay-link-expired"]') is not None
        assert "Confirm payment" not in html.get_text() and "$40.00" not in html.get_text()
        refused = await client.post(
            f"/pay/confirm/{ref}",
            data={"_csrf_token": csrf},
            headers={"referer": f"http://testserver.local/pay/confirm/{ref}"},
        )
        assert refused.status_code == 303
        assert [r["status"] for r in await InvoiceTable.select(InvoiceTable.status)] == ["open"]
        ledger = await app.state.runtime.gateway.retrieve(payment_ref=ref)
        assert ledger.status.value == "requires_action"  # nothing was confirmed at the gateway
