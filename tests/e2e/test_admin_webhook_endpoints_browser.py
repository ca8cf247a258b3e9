"""Webhook endpoints in Chromium against ``serve --demo``: a billing member adds an endpoint
(a refused URL first) pointing at a receiver on 127.0.0.1, a customer made by the command line
is delivered to it by the server's job runner, the delivery's page shows the attempt and replays
it; then the secret is rotated and the endpoint disabled. The pages are checked for
accessibility and photographed at 1280 and 390 px (test-output/admin-webhook-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect
from standardwebhooks import Webhook

from domain.adapters.db.engine import close_pool, make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.webhooks_http import HttpxWebhookSender
from domain.shared.clock import SystemClock
from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    _cli,
    server,
    shoot,
    sign_in,
)
from tests.support.builders import make_runner
from tests.support.webhook_receiver import WebhookReceiver
from web.jobs import build_registry

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "hooks long passphrase"


async def _run_jobs(db: Path) -> int:
    """The server runs no jobs (APP_JOBS_ENABLED=false): drain them here, on its database."""
    engine = make_engine(f"sqlite:///{db}")
    bind_tables(engine)
    try:
        registry = build_registry(webhook_sender=HttpxWebhookSender(allow_local=True))
        return await make_runner(engine, registry, SystemClock()).drain(include_schedule=False)
    finally:
        await close_pool(engine)


async def test_billing_adds_an_endpoint_sees_a_delivery_replays_it_and_disables_it(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    receiver = await WebhookReceiver().start()
    try:
        async with staff_browser(server, "bill@example.test", "Bill Billing",
                                 PASSWORD) as signed_in:  # fmt: skip
            _, page, errors = signed_in
            await page.get_by_role("link", name="Webhook endpoints").click()
            await page.get_by_label("Endpoint URL").fill("https://169.254.169.254/latest")
            await page.get_by_role("button", name="Add endpoint").click()
            invalid = page.locator(".field--invalid").first
            await expect(invalid).to_contain_text("private or reserved")
            await page.get_by_label("Endpoint URL").fill(receiver.url)
            await page.get_by_label("Description").fill("CRM sync")
            await page.get_by_label("All events, including types added later").uncheck()
            await page.get_by_label("customer.created").check()
            await page.get_by_label("invoice.paid").check()
            await shoot(page, output_dir, "webhook-endpoints-form")
            await page.get_by_role("button", name="Add endpoint").click()
            secret = (await page.get_by_test_id("endpoint-secret").inner_text()).strip()
            assert secret.startswith("whsec_")

            _cli(server.db, "customer", "create", "--email", "hook@example.test", "--name",
                 "Hook Receiver", "--country", "US")  # fmt: skip
            assert await _run_jobs(server.db) >= 2  # the fan-out, the delivery
            await page.reload()
            await expect(page.get_by_test_id("delivery-row")).to_have_count(1)
            [request] = receiver.requests
            payload = Webhook(secret).verify(request.body, request.headers)
            assert payload["type"] == "customer.created"
            assert payload["data"]["email"] == "hook@example.test"
            await shoot(page, output_dir, "webhook-endpoint")

            await page.get_by_role("link", name="customer.created").click()
            await expect(page.get_by_test_id("attempt-row")).to_have_count(1)
            await expect(page.get_by_test_id("delivery-payload")).to_contain_text(
                "hook@example.test"
            )
            await page.get_by_role("button", name="Replay delivery").click()
            assert await _run_jobs(server.db) == 1
            await page.reload()
            await expect(page.get_by_test_id("attempt-row")).to_have_count(2)
            assert len(receiver.requests) == 2
            await shoot(page, output_dir, "webhook-delivery")

            await page.get_by_role("link", name="CRM sync").click()
            await page.get_by_role("button", name="Rotate secret").click()
            await expect(page.get_by_test_id("endpoint-secret")).not_to_have_text(secret)
            await page.get_by_role("button", name="Disable endpoint").click()
            await expect(page.get_by_test_id("endpoint-status")).to_contain_text("Disabled")
            await page.get_by_role("link", name="Webhook endpoints").first.click()
            await expect(page.get_by_test_id("endpoint-row")).to_have_count(1)
            await shoot(page, output_dir, "webhook-endpoints")
            assert [e for e in errors if "status of 422" not in e] == []  # the refused form
    finally:
        await receiver.stop()
