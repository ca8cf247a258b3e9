"""A support agent cancels a subscription now with a prorated refund in Debian's headless
Chromium: the subscription's Actions menu, the preview changing as the choices change (htmx),
the reason, the confirm, the record afterwards. Photographed at 1280 and 390 px
(test-output/admin-subscription-*.png)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.test_admin_browser import AGENT_PASSWORD, _cli, server, shoot, sign_in
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS
from web.cli_staff import create_staff_account
from web.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

__all__ = ["server"]  # the module's server fixture, shared


async def test_support_cancels_a_subscription_now_with_a_refund(server, output_dir: Path) -> None:  # type: ignore[no-untyped-def]
    email = "grace@example.test"
    _cli(server.db, "customer", "create", "--email", email, "--name", "Grace Hopper",
         "--country", "US", "--card", "4242424242424242")  # fmt: skip
    _cli(server.db, "subscribe", "--email", email, "--plan", "team-monthly")
    with sqlite3.connect(server.db) as conn:
        (customer_id,) = conn.execute(
            "SELECT id FROM customer WHERE email = ?", (email,)
        ).fetchone()
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(
        settings, email="sid@example.test", role="support", name="Sid Support",
        password=AGENT_PASSWORD,
    )  # fmt: skip

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, server, "sid@example.test", AGENT_PASSWORD)
            await page.wait_for_url(server.url + "/admin")
            await page.goto(f"{server.url}/admin/customers/{customer_id}")
            row = page.get_by_test_id("subscription-row").first
            await row.get_by_text("Actions").click()
            await expect(row.get_by_test_id("action-subscription.pause")).to_be_visible()
            await expect(row.get_by_test_id("action-subscription.uncancel")).to_have_count(0)
            await shoot(page, output_dir, "subscription-menu")
            await row.get_by_test_id("action-subscription.cancel").click()
            await page.wait_for_url("**/actions/subscription.cancel/**")
            summary = page.get_by_test_id("preview-summary")
            await expect(summary).to_contain_text("at the end of the period")
            await shoot(page, output_dir, "subscription-cancel-period-end")

            await page.get_by_label("Cancel", exact=True).select_option("now")
            await page.get_by_label("Unused time").select_option("prorated_refund")
            await expect(summary).to_contain_text("now")  # htmx swapped the preview
            await expect(page.get_by_test_id("preview-total")).to_be_visible()
            await expect(page.get_by_test_id("action-preview")).to_contain_text(
                "Refunded to the card"
            )
            await shoot(page, output_dir, "subscription-cancel-now")

            await page.get_by_test_id("reason").fill("Moving to another provider; asked by phone")
            await page.get_by_test_id("confirm").click()
            await page.wait_for_url(f"**/admin/customers/{customer_id}")
            await expect(page.locator("body")).to_contain_text("Canceled the subscription now")
            await expect(page.get_by_test_id("subscription-row").first).to_contain_text("anceled")
            await shoot(page, output_dir, "subscription-canceled")

            # known: the generic action page triggers one blocked inline style in Chromium
            # (reported to the lead; not from these actions): only scripts must not be blocked
            blocked = [e for e in errors if ("Content Security Policy" in e or "Refused" in e)
                       and "inline style" not in e]  # fmt: skip
            assert blocked == [], f"blocked by the CSP: {blocked}"
            await context.close()
        finally:
            await browser.close()
