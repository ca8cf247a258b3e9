"""Tax rates and the dunning policy in Chromium against ``serve --demo``: a billing member sees
the demo's tax rates, replaces Germany's (a refused percentage first), then previews and saves a
new dunning policy. Both pages are checked for accessibility and photographed at 1280 and 390 px
(test-output/admin-tax-rates*.png, admin-dunning*.png)."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
    sign_in,
)
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS
from web.cli_staff import create_staff_account
from web.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "ledger long passphrase"


async def test_billing_replaces_a_tax_rate_and_changes_the_dunning_policy(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(settings, email="bill@example.test", role="billing",
                               name="Bill Billing", password=PASSWORD)  # fmt: skip
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, server, "bill@example.test", PASSWORD)
            await page.wait_for_url("**/admin/enrol**")
            secret = (await page.get_by_test_id("totp-secret").inner_text()).strip()
            await page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Confirm and turn on").click()
            await page.get_by_role("link", name="I have saved them, continue").click()

            # the demo's rates; Germany's replaced (a refused percentage first)
            await page.get_by_role("link", name="Tax rates").click()
            rows = page.get_by_test_id("rate-row")
            await expect(rows).to_have_count(8)
            await shoot(page, output_dir, "tax-rates")
            await rows.filter(has_text="Germany").get_by_role("link", name="Replace").click()
            await expect(page.get_by_test_id("replacing")).to_contain_text("Germany")
            await page.get_by_label("Percentage").fill("19.12345")
            await page.get_by_role("button", name="Replace the rate").click()
            await expect(page.locator(".field--invalid")).to_contain_text("at most 4 decimals")
            await shoot(page, output_dir, "tax-rates-replace")
            await page.get_by_label("Percentage").fill("20")
            await page.get_by_role("button", name="Replace the rate").click()
            await expect(rows.filter(has_text="Germany")).to_contain_text("20%")
            await expect(page.get_by_test_id("archived-rates")).to_contain_text("(1)")

            # the dunning policy: previewed, then saved as previewed
            await page.get_by_role("link", name="Dunning").click()
            await expect(page.get_by_test_id("current-timeline").locator("li")).to_have_count(6)
            await page.get_by_label("Retry days").fill("2, 4, 9")
            await page.get_by_label("When the last retry fails").select_option("unpaid")
            await page.get_by_role("button", name="Preview the change").click()
            preview = page.get_by_test_id("dunning-preview")
            await expect(preview).to_contain_text("then the subscription is marked unpaid")
            await shoot(page, output_dir, "dunning-preview")
            await page.get_by_role("button", name="Save this policy").click()
            await expect(page.get_by_text("The dunning policy is saved")).to_be_visible()
            await expect(page.get_by_test_id("current-timeline").locator("li")).to_have_count(5)
            await shoot(page, output_dir, "dunning")
            assert [e for e in errors if "status of 422" not in e] == []  # the refused form
        finally:
            await browser.close()
