"""Tax rates and the dunning policy in Chromium against ``serve --demo``: a billing member sees
the demo's tax rates, replaces Germany's (a refused percentage first), then previews and saves a
new dunning policy. Both pages are checked for accessibility and photographed at 1280 and 390 px
(test-output/admin-tax-rates*.png, admin-dunning*.png)."""

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

PASSWORD = "ledger long passphrase"


async def test_billing_replaces_a_tax_rate_and_changes_the_dunning_policy(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    async with staff_browser(server, "bill@example.test", "Bill Billing", PASSWORD) as signed_in:
        _, page, errors = signed_in
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
