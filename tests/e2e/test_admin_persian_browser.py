"""Issue 19, the staff admin in Persian, in Debian's headless Chromium: a billing member (two-factor
set up on the way) switches the admin header to فارسی; the overview, the customer search and a
customer record read right to left in Vazirmatn: the sidebar on the right, the sign-out and
"back" icons mirrored, Persian digits, and e-mails and invoice numbers kept left to right.
Photographed at 1280 and 390 px (test-output/admin-fa-*.png). A coupon form sent with bad input
comes back with its messages in Persian beside each field and in the summary
(test-output/admin-fa-coupon-errors.png).

Still English on these pages (docs/localisation.md): what the domain writes (the timeline's
entries, a search hit's "Invoice INV-…" label, an invoice line's own description in a staff
action's preview), and the catalog's own text (plan names)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import Server, _cli, _invoice_number, server, shoot
from tests.e2e.test_persian_browser import _is_rtl_with_vazirmatn, _mirrored

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

__all__ = ["server"]  # the module's server fixture, shared
PASSWORD = "persian long passphrase"
PERSIAN_DIGIT = re.compile("[۰-۹]")
EMAIL = "shirin.admin@example.test"


async def _mirror_transform(page: Page, selector: str) -> str:
    return str(await page.locator(selector).first.evaluate("e => getComputedStyle(e).transform"))


async def _ltr_inside(page: Page, selector: str) -> None:
    """The element's own text runs left to right (a <bdi> of Latin text on an RTL page)."""
    assert (
        await page.locator(selector).first.evaluate("e => getComputedStyle(e).direction") == "ltr"
    ), selector


async def test_the_admin_in_persian_home_search_and_customer_record(
    server: Server,
    output_dir: Path,
) -> None:
    _cli(server.db, "customer", "create", "--email", EMAIL, "--name", "Shirin Tehrani",
         "--country", "IR", "--card", "4242424242424242")  # fmt: skip
    _cli(server.db, "subscribe", "--email", EMAIL, "--plan", "team-monthly")
    number = await _invoice_number(server.db, EMAIL)
    async with staff_browser(server, "nika@example.test", "Nika Staff", PASSWORD) as signed_in:
        _browser, page, errors = signed_in
        await page.get_by_test_id("language-fa").click()
        await page.wait_for_url(server.url + "/admin")
        await _is_rtl_with_vazirmatn(page)
        await expect(page.get_by_role("heading", level=1)).to_have_text("Nika Staff، خوش آمدید")
        await expect(page.get_by_role("link", name="مشتریان").first).to_be_visible()
        # mirrored: the sidebar on the right of the content, the brand on the right of the user
        await _mirrored(page, ".sidebar--admin", ".app-main")
        await _mirrored(page, ".brand", '[data-testid="admin-user"]')
        assert (await _mirror_transform(page, ".icon--logout")).startswith("matrix(-1")
        await _ltr_inside(page, ".page-subtitle bdi")  # the staff member's e-mail
        await shoot(page, output_dir, "fa-home")

        await page.get_by_role("link", name="مشتریان").first.click()
        await page.wait_for_url("**/admin/customers")
        await expect(page.get_by_role("heading", level=1)).to_have_text("مشتریان")
        await page.get_by_test_id("customer-search").fill("shirin")
        rows = page.get_by_test_id("customer-row")
        await expect(rows).to_have_count(1)
        await expect(page.locator("#customer-results-title")).to_have_text("۱ مشتری")
        await shoot(page, output_dir, "fa-customers")

        await rows.first.locator("a").first.click()
        await page.wait_for_url("**/admin/customers/*")
        await _is_rtl_with_vazirmatn(page)
        header = page.get_by_test_id("customer-header")
        await expect(header).to_contain_text(EMAIL)
        await expect(page.get_by_test_id("invoice-row").first).to_contain_text(number)
        await expect(page.locator("#subs-title")).to_have_text("اشتراک‌ها")
        await expect(page.locator("#inv-title")).to_contain_text("صورتحساب‌ها")
        balance = await page.get_by_test_id("customer-balance").inner_text()
        assert PERSIAN_DIGIT.search(balance), balance
        await _ltr_inside(page, '[data-testid="invoice-row"] bdi')  # INV-… reads left to right
        await _ltr_inside(page, ".customer-head__email bdi")
        # the record's two columns mirror: the main lists on the right, the side panel left
        await _mirrored(page, ".customer-main", ".customer-side")
        await shoot(page, output_dir, "fa-customer")

        await page.goto(f"{server.url}/admin/catalog")
        await expect(page.get_by_role("heading", level=1)).to_have_text("کاتالوگ")
        await shoot(page, output_dir, "fa-catalog")

        blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
        assert blocked == [], f"blocked by the CSP: {blocked}"


async def test_a_persian_coupon_form_shows_its_errors_in_persian(
    server: Server,
    output_dir: Path,
) -> None:
    async with staff_browser(server, "parisa@example.test", "Parisa Staff", PASSWORD) as signed_in:
        _browser, page, errors = signed_in
        await page.get_by_test_id("language-fa").click()
        await page.wait_for_url(server.url + "/admin")
        await page.goto(f"{server.url}/admin/coupons")
        form = page.get_by_test_id("new-coupon-form")
        await form.locator("#f-percent_off").fill("120")
        await form.locator("#f-redeem_by").fill("2020-01-01")
        await form.locator('button[type="submit"]').click()
        await expect(page.locator("#f-name-error")).to_have_text(
            "نامی وارد کنید که مشتریان و همکاران بشناسند."
        )
        await expect(page.locator("#f-percent_off-error")).to_have_text(
            "درصدی بیشتر از ۰ و حداکثر ۱۰۰ وارد کنید، مانند ۲۰ یا ۱۲٫۵."
        )
        await expect(page.locator("#f-redeem_by-error")).to_have_text(
            "روزی را انتخاب کنید که نگذشته باشد."
        )
        summary = await page.locator(".form-errors__list").inner_text()
        assert not re.search(r"[A-Za-z]+ [a-z]+ [a-z]+", summary), summary
        await _is_rtl_with_vazirmatn(page)
        await shoot(page, output_dir, "fa-coupon-errors")
        blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
        assert blocked == [], f"blocked by the CSP: {blocked}"
