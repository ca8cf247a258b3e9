"""Exchange rates in Chromium against ``serve --demo``: a billing member sees EUR (the demo
plans' second currency) named as missing, adds a rate (a refused one first), then corrects it
for the same day. The page is checked for accessibility and photographed at 1280 and 390 px
(test-output/admin-exchange-rates*.png)."""

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


async def test_billing_adds_and_corrects_an_exchange_rate(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    async with staff_browser(server, "bill@example.test", "Bill Billing", PASSWORD) as signed_in:
        _, page, errors = signed_in
        await page.get_by_role("link", name="Exchange rates").click()
        await expect(page.get_by_test_id("missing-rates")).to_contain_text("EUR")
        await page.get_by_label("Currency").select_option("EUR")
        await page.get_by_label("Rate: 1 unit in USD").fill("1.08.25")
        await page.get_by_role("button", name="Add rate").click()
        await expect(page.locator(".field--invalid")).to_contain_text("digits and one point")
        await page.get_by_label("Rate: 1 unit in USD").fill("10.825")
        await page.get_by_role("button", name="Add rate").click()
        await expect(page.get_by_text("1 EUR = 10.825 USD")).to_be_visible()
        # a typo: corrected with a new entry for the same day, which wins
        await page.get_by_role("link", name="Add rate for EUR").click()
        await page.get_by_label("Rate: 1 unit in USD").fill("1,0825")
        await page.get_by_role("button", name="Add rate").click()
        row = page.get_by_test_id("currency-row").filter(has_text="EUR")
        await expect(row.get_by_test_id("rate-today")).to_have_text("1.0825")
        await expect(page.get_by_test_id("missing-rates")).to_have_count(0)
        await expect(page.get_by_test_id("history-row")).to_have_count(2)
        await shoot(page, output_dir, "exchange-rates")
        assert [e for e in errors if "status of 422" not in e] == []  # the refused form
