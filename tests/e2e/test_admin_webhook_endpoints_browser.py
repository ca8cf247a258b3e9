"""Webhook endpoints in Chromium against ``serve --demo``: a billing member adds an endpoint
(a refused URL first), sees its signing secret, rotates it and disables it. The pages are
checked for accessibility and photographed at 1280 and 390 px
(test-output/admin-webhook-endpoint*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "hooks long passphrase"


async def test_billing_adds_rotates_and_disables_a_webhook_endpoint(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    async with staff_browser(server, "bill@example.test", "Bill Billing", PASSWORD) as signed_in:
        _, page, errors = signed_in
        await page.get_by_role("link", name="Webhook endpoints").click()
        await page.get_by_label("Endpoint URL").fill("https://169.254.169.254/latest")
        await page.get_by_role("button", name="Add endpoint").click()
        await expect(page.locator(".field--invalid").first).to_contain_text("private or reserved")
        await page.get_by_label("Endpoint URL").fill("https://hooks.example.com/tessera")
        await page.get_by_label("Description").fill("CRM sync")
        await page.get_by_label("All events, including types added later").uncheck()
        await page.get_by_label("invoice.paid").check()
        await page.get_by_label("subscription.canceled").check()
        await shoot(page, output_dir, "webhook-endpoints-form")
        await page.get_by_role("button", name="Add endpoint").click()
        secret = page.get_by_test_id("endpoint-secret")
        await expect(secret).to_contain_text("whsec_")
        first = await secret.inner_text()
        await page.get_by_role("button", name="Rotate secret").click()
        await expect(secret).not_to_have_text(first)
        await shoot(page, output_dir, "webhook-endpoint")
        await page.get_by_role("button", name="Disable endpoint").click()
        await expect(page.get_by_test_id("endpoint-status")).to_contain_text("Disabled")
        await page.get_by_role("link", name="Webhook endpoints").first.click()
        await expect(page.get_by_test_id("endpoint-row")).to_have_count(1)
        await shoot(page, output_dir, "webhook-endpoints")
        assert [e for e in errors if "status of 422" not in e] == []  # the refused form
