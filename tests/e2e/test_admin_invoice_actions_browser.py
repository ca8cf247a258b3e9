"""Invoice actions in Chromium: a billing member (two-factor set up on first sign-in) opens a
customer, creates a one-off invoice from the header's Actions menu (the preview follows the
inputs through htmx), then records its bank transfer from the invoice row's menu. The action
page and the record with its menus are checked for accessibility and photographed at 1280 and
390 px (test-output/admin-action-*.png)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    _cli,
    _invoice_number,
    server,
    shoot,
    sign_in,
)
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS
from web.cli_staff import create_staff_account
from web.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "ledger long passphrase"


async def test_billing_creates_a_one_off_invoice_and_records_its_bank_transfer(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    email = "grace@example.test"
    _cli(server.db, "customer", "create", "--email", email, "--name", "Grace Hopper",
         "--country", "GB", "--card", "4242424242424242")  # fmt: skip
    _cli(server.db, "subscribe", "--email", email, "--plan", "team-monthly")
    number = await _invoice_number(server.db, email)
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

            await page.goto(f"{server.url}/admin/customers?q={number}")
            await expect(page.get_by_test_id("customer-header")).to_contain_text("Grace Hopper")
            menu = page.get_by_test_id("customer-actions")
            await menu.get_by_text("Actions").click()
            await shoot(page, output_dir, "action-customer-menu")
            await menu.get_by_test_id("action-customer.one_off_invoice").click()
            await expect(page.get_by_test_id("action-title")).to_have_text("Create one-off invoice")

            await page.get_by_label("Line 1: description").fill("Onboarding workshop")
            await page.get_by_label("Line 1: amount").fill("450")
            await page.get_by_label("Line 2: description").fill("Data import")
            await page.get_by_label("Line 2: amount").fill("120.50")
            await page.get_by_label("Payment due in (days)").fill("14")
            await page.get_by_label("PO number").fill("PO-2026-118")
            await page.get_by_label("Memo").fill("Thank you for choosing us.")
            preview = page.get_by_test_id("action-preview")
            await expect(preview.get_by_test_id("preview-line")).to_have_count(2)
            await expect(preview).to_contain_text("PO-2026-118")
            # the last input's preview is in before the reason is typed (a later swap of the
            # preview would replace the reason box)
            await expect(preview).to_contain_text("Thank you for choosing us.")
            await shoot(page, output_dir, "action-one-off")
            await page.get_by_test_id("reason").fill("Workshop sold by sales, order 118")
            await page.get_by_test_id("confirm").click()
            await page.wait_for_url("**/admin/customers/*")
            await expect(page.get_by_role("status").or_(page.locator(".flash"))).to_contain_text(
                "Created invoice"
            )

            row = page.get_by_test_id("invoice-row").filter(has_text="570.50")
            await row.get_by_text("Actions").click()
            await shoot(page, output_dir, "action-invoice-menu")
            await row.get_by_test_id("action-invoice.record_payment").click()
            await page.get_by_label("Reference").fill("BACS 77812")
            await page.get_by_label("Received on").fill(dt.date.today().isoformat())
            await expect(page.get_by_test_id("preview-summary")).to_contain_text("BACS 77812")
            await expect(page.get_by_test_id("action-error")).to_have_count(0)
            await shoot(page, output_dir, "action-record-payment")
            await page.get_by_test_id("reason").fill("Transfer seen on the bank statement")
            await page.get_by_test_id("confirm").click()
            await page.wait_for_url("**/admin/customers/*")
            await shoot(page, output_dir, "action-done")
            one_off = page.get_by_test_id("invoice-row").filter(has_text="570.50")
            await expect(one_off).to_contain_text("Paid")

            blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
            assert blocked == [], f"blocked by the CSP: {blocked}"
            await context.close()
        finally:
            await browser.close()
