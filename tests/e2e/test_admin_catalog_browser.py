"""The catalog in Chromium: a billing member (two-factor set up on first sign-in) opens the
catalog, creates a plan priced in two currencies through the form (its "Add a currency" button
swapping in a third block through htmx; the web tests cover the same without JavaScript), and
lands on its page. The list, the filled form and the plan page are checked for accessibility and
photographed at 1280 and 390 px (test-output/admin-catalog*.png)."""

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

PASSWORD = "price list long passphrase"


async def test_billing_creates_a_plan_in_two_currencies(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    async with staff_browser(server, "bea@example.test", "Bea Billing", PASSWORD) as signed_in:
        _, page, errors = signed_in
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
