"""Features and grants in Chromium: a billing member opens the catalog's features (the demo
features `serve --demo` loads), adds one, grants it on the Team plan's page with a quantity, and
sees the grant listed. The features page and the plan page with its grants are checked for
accessibility and photographed at 1280 and 390 px (test-output/admin-features*.png,
admin-plan-grants*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "feature list long passphrase"


async def test_billing_adds_a_feature_and_grants_it_on_a_plan(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    async with staff_browser(server, "fay@example.test", "Fay Billing", PASSWORD) as signed_in:
        _, page, errors = signed_in
        await page.goto(f"{server.url}/admin/catalog")
        await page.get_by_test_id("features-link").click()
        await page.wait_for_url("**/admin/catalog/features")
        await expect(page.get_by_test_id("feature-row")).to_have_count(7)  # the demo features
        await page.get_by_label("Lookup key").fill("analytics.export")
        await page.locator("#f-name").fill("CSV export")
        await page.get_by_test_id("add-feature").click()
        await expect(page.get_by_test_id("feature-row")).to_have_count(8)
        await shoot(page, output_dir, "features")

        await page.goto(f"{server.url}/admin/catalog/plans/team-monthly")
        await expect(page.get_by_test_id("grant")).to_have_count(4)  # the demo grants
        form = page.get_by_test_id("grant-form")
        await form.get_by_label("Feature").select_option("analytics.export")
        await form.get_by_label("Grants").select_option("quantity")
        await form.get_by_label("Quantity").fill("10")
        await page.get_by_test_id("grant-feature").click()
        await page.wait_for_url("**/admin/catalog/plans/team-monthly")
        granted = page.locator('[data-testid="grant"][data-key="analytics.export"]')
        await expect(granted).to_contain_text("CSV export")
        await expect(granted).to_contain_text("10")
        await shoot(page, output_dir, "plan-grants")
        assert not errors, errors
