"""Test clocks in Chromium: a billing member creates a clock, adds a customer with a test card
on the Team plan, advances it a month and sees the renewal invoice, paid. The clock's page after
advancing and the clock list are checked for accessibility and photographed at 1280 and 390 px
(test-output/admin-test-clock*.png)."""

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

PASSWORD = "clockwork long passphrase"


async def test_billing_advances_a_test_clock_and_its_customer_is_billed(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    async with staff_browser(server, "tick@example.test", "Tick Tock", PASSWORD) as signed_in:
        _, page, errors = signed_in
        await page.goto(server.url + "/admin/test-clocks")
        await page.get_by_label("Name").fill("Team renewal rehearsal")
        await page.get_by_label("Frozen at (UTC)").fill("2027-01-31T09:00")
        await page.get_by_role("button", name="Create test clock").click()
        await expect(page.get_by_test_id("frozen-time")).to_contain_text("Jan 31, 2027")

        form = page.get_by_test_id("add-customer-form")
        await form.get_by_label("Name").fill("Ada Lovelace")
        await form.get_by_label("E-mail").fill("ada@example.test")
        await form.get_by_label("Plan").select_option("team-monthly")
        await form.get_by_label("Seats").fill("3")
        await form.get_by_label("Trial days").fill("0")
        await form.get_by_role("button", name="Add customer").click()
        await expect(page.get_by_test_id("clock-subscription")).to_contain_text("Ada Lovelace")
        await expect(page.get_by_test_id("clock-invoice")).to_contain_text("Paid")

        await page.get_by_test_id("advance-month").click()
        await expect(page.get_by_test_id("frozen-time")).to_contain_text("Feb 28, 2027")
        await expect(page.get_by_test_id("report-renewals")).to_have_text("1")
        invoices = page.get_by_test_id("clock-invoice")
        await expect(invoices).to_have_count(2)
        await expect(invoices.first).to_contain_text("Feb 28, 2027")
        await expect(invoices.first).to_contain_text("Paid")
        await expect(invoices.first).to_contain_text("New")
        await shoot(page, output_dir, "test-clock")

        await page.goto(server.url + "/admin/test-clocks")
        await expect(page.get_by_test_id("clock-customers")).to_have_text("1")
        await shoot(page, output_dir, "test-clocks")
        assert not errors, errors
