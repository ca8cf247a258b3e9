"""Coupons in Debian's headless Chromium: a billing member (two-factor set up on the way)
creates a coupon for one plan and a promotion code for it, a buyer checks out with the code,
and the code's redemption count moves on the coupon's page. Photographed at 1280 and 390 px
(test-output/admin-coupon*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import Server, server, shoot
from tests.e2e.test_checkout_browser import SUCCESS, _fill

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

__all__ = ["server"]  # the module's server fixture, shared
PASSWORD = "billing long passphrase"


async def test_billing_creates_a_coupon_and_code_and_a_buyer_redeems_it(
    server: Server,
    output_dir: Path,
) -> None:
    async with staff_browser(server, "cora@example.test", "Cora Coupons", PASSWORD) as signed_in:
        browser, page, errors = signed_in
        await page.goto(f"{server.url}/admin/coupons")
        form = page.get_by_test_id("new-coupon-form")
        await form.get_by_label("Name").fill("Launch 25")
        await form.get_by_label("Percent off").fill("25")
        await form.get_by_label("Team (annual) · team-annual").check()
        await form.get_by_role("button", name="Create coupon").click()
        await expect(page.locator(".page-subtitle")).to_have_text("25% off, once")

        code_form = page.get_by_test_id("new-code-form")
        await code_form.get_by_label("Code").fill("launch25")
        await code_form.get_by_label("Maximum redemptions").fill("10")
        await code_form.get_by_role("button", name="Create promotion code").click()
        await expect(page.get_by_test_id("code-code")).to_have_text("LAUNCH25")
        await expect(page.get_by_test_id("code-redeemed")).to_have_text("0 / 10")
        coupon_url = page.url

        buyer = await (
            await browser.new_context(viewport={"width": 1280, "height": 860})
        ).new_page()
        await buyer.goto(f"{server.url}/checkout/team-annual?currency=USD&quantity=5")
        await buyer.get_by_test_id("promotion-code").fill("launch25")
        await buyer.get_by_test_id("promotion-apply").click()
        await expect(buyer.get_by_test_id("summary-total")).to_have_text("$450.00")
        await _fill(buyer, email="bea@example.com", card=SUCCESS)
        await buyer.get_by_test_id("place-order").click()
        await expect(buyer.get_by_test_id("done-charged")).to_have_text("$450.00")

        await page.goto(coupon_url)
        await expect(page.get_by_test_id("code-redeemed")).to_have_text("1 / 10")
        await expect(page.get_by_test_id("coupon-times-redeemed")).to_contain_text("1")
        await shoot(page, output_dir, "coupon")
        await page.goto(f"{server.url}/admin/coupons")
        await expect(page.get_by_test_id("coupon-redeemed").first).to_have_text("1")
        await shoot(page, output_dir, "coupons")
        assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
