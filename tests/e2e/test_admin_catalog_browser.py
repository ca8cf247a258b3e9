"""The catalog in Chromium: a billing member (two-factor set up on first sign-in) opens the
catalog, creates a plan priced in two currencies through the form (its "Add a currency" button
swapping in a third block through htmx; the web tests cover the same without JavaScript), and
lands on its page. The list, the filled form and the plan page are checked for accessibility and
photographed at 1280 and 390 px (test-output/admin-catalog*.png)."""

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

PASSWORD = "price list long passphrase"


async def test_billing_creates_a_plan_in_two_currencies(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(settings, email="bea@example.test", role="billing",
                               name="Bea Billing", password=PASSWORD)  # fmt: skip
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, server, "bea@example.test", PASSWORD)
            await page.wait_for_url("**/admin/enrol**")
            secret = (await page.get_by_test_id("totp-secret").inner_text()).strip()
            await page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Confirm and turn on").click()
            await page.get_by_role("link", name="I have saved them, continue").click()

            await page.goto(f"{server.url}/admin/catalog")
            await expect(page.get_by_test_id("catalog-row")).to_have_count(7)  # the demo catalog
            await shoot(page, output_dir, "catalog")

            await page.get_by_test_id("new-plan").click()
            await page.get_by_label("Code").fill("studio-monthly")
            await page.get_by_label("Name").fill("Studio")
            await page.get_by_label("Trial days").fill("7")
            await page.locator("#f-price-0-charge-0-amount").fill("29.90")
            await page.locator("#f-price-1-currency").fill("EUR")
            await page.locator("#f-price-1-setup_fee").fill("15")
            await page.locator("#f-price-1-charge-0-model").select_option("flat")
            await page.locator("#f-price-1-charge-0-amount").fill("27.50")
            # "Add a currency" swaps in the form with a third block (htmx), keeping the values
            await page.get_by_test_id("add-currency").click()
            await expect(page.get_by_test_id("currency-block")).to_have_count(3)
            await expect(page.locator("#f-price-1-charge-0-amount")).to_have_value("27.50")
            assert page.url.endswith("/admin/catalog/plans/new")  # swapped in place, no reload
            await page.get_by_label("Features").fill("3 projects\nShared inbox")
            await shoot(page, output_dir, "catalog-form")
            await page.get_by_test_id("create-plan").click()
            await page.wait_for_url("**/admin/catalog/plans/studio-monthly")
            await expect(page.get_by_test_id("price-USD")).to_contain_text("$29.90")
            await expect(page.get_by_test_id("price-EUR")).to_contain_text("27.50")
            await shoot(page, output_dir, "catalog-plan")
            assert not errors, errors
        finally:
            await browser.close()
