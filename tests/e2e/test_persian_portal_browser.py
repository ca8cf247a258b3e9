"""Issue 19 in Debian's headless Chromium, the portal side: a subscriber whose browser asks for
Persian signs in, reads the overview, the invoices, an invoice, the payment methods and the
cancellation flow right to left in Persian (Vazirmatn, Persian digits, invoice numbers and card
digits kept left to right). Screenshots at 1280 and 390 px go to test-output/fa-*.png."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.e2e.test_persian_browser import PERSIAN_DIGIT, _is_rtl_with_vazirmatn, _mirrored
from tests.e2e.test_portal_browser import _last_invoice, _subscriber
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, server, server_db  # noqa: F401
from tests.support.accounts import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOT = {"full_page": True, "caret": "initial"}
EMAIL = "parisa@example.test"
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
# the merchant's words (plan and brand names), the subscriber's name and e-mail, the card brand
ALLOWED = {
    "Team",
    "Starter",
    "Scale",
    "Tessera",
    "Visa",
    "Rosa",
    "Parks",
    "parisa",
    "example",
    "test",
}


async def _no_english(page: Page) -> None:
    visible = await page.locator("main").inner_text()
    left = {w for w in LATIN_WORD.findall(visible) if w not in ALLOWED}
    assert not left, (page.url, left)


async def test_the_portal_and_sign_in_in_persian(
    server: str,  # noqa: F811
    output_dir: Path,
) -> None:
    db = server_db(server)
    await _subscriber(db, EMAIL)
    for _ in range(100):  # the server's job runner charges the first invoice
        if _last_invoice(db)[1] == "paid":
            break
        await asyncio.sleep(0.1)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="fa-IR")
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        # sign in, every label Persian, the e-mail typed left to right
        await page.goto(f"{server}/auth/login?next=/account")
        await _is_rtl_with_vazirmatn(page)
        await expect(page.get_by_role("heading", level=1)).to_have_text("ورود")
        await _no_english(page)
        await page.screenshot(path=str(output_dir / "fa-sign-in-1280.png"), **SHOT)
        await page.get_by_label("ایمیل").fill(EMAIL)
        await page.get_by_label("گذرواژه").fill("wrong password")
        await page.get_by_role("button", name="ورود", exact=True).click()
        await expect(page.get_by_test_id("signin-error")).to_have_text(
            "این ایمیل و گذرواژه با هیچ حسابی مطابقت ندارد."
        )
        errors.clear()  # the refused sign-in's own 401
        await page.get_by_label("گذرواژه").fill(PASSWORD)
        await page.get_by_role("button", name="ورود", exact=True).click()

        # the overview
        await expect(page.get_by_role("heading", level=1)).to_have_text("نمای کلی")
        await _is_rtl_with_vazirmatn(page)
        card = page.get_by_test_id("subscription")
        await expect(card.get_by_test_id("quantity")).to_have_text("۲")
        await expect(card.get_by_test_id("next-bill")).to_have_text(PERSIAN_DIGIT)
        await expect(card.locator("[data-status]")).to_have_text("فعال")
        await _mirrored(page, ".sidebar", ".app-main")
        await _no_english(page)
        await page.screenshot(path=str(output_dir / "fa-portal-overview-1280.png"), **SHOT)

        # the invoices: the number stays left to right inside the Persian row
        await page.goto(f"{server}/account/invoices")
        await expect(page.get_by_role("heading", level=1)).to_have_text("صورتحساب‌ها")
        row = page.get_by_test_id("invoice-row").first
        number = row.locator("a.mono bdi")
        assert await number.evaluate("e => getComputedStyle(e).direction") == "ltr"
        await expect(row.locator("[data-status]")).to_have_text("پرداخت‌شده")
        await _no_english(page)
        await page.screenshot(path=str(output_dir / "fa-portal-invoices-1280.png"), **SHOT)
        await row.locator("a.mono").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("صورتحساب")
        await expect(page.get_by_test_id("invoice-totals")).to_contain_text("مبلغ قابل پرداخت")
        # a line that starts with the plan's Latin name still reads right to left, the name
        # isolated: "Team (۷ دسامبر ...)" had its parenthesis and first date misplaced
        described = page.get_by_test_id("invoice-line").first.locator("td bdi").first
        assert await described.evaluate("e => getComputedStyle(e).direction") == "rtl"
        await page.screenshot(path=str(output_dir / "fa-portal-invoice-1280.png"), **SHOT)
        invoice_url = page.url

        # payment methods: the card's digits stay left to right
        await page.goto(f"{server}/account/payment-methods")
        await expect(page.get_by_role("heading", level=1)).to_have_text("روش‌های پرداخت")
        await expect(page.locator("#card-list")).to_contain_text("•••• ۴۲۴۲")
        await _no_english(page)
        await page.screenshot(path=str(output_dir / "fa-portal-cards-1280.png"), **SHOT)

        # the cancellation flow, step 2
        await page.goto(f"{server}/account")
        await card.get_by_role("link", name="Team").click()
        await page.get_by_test_id("cancel-link").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("لغو اشتراک شما")
        await page.get_by_label("بیش از حد گران است").check()
        await expect(page.get_by_test_id("cancel-form")).to_be_visible()
        await _no_english(page)
        await page.screenshot(path=str(output_dir / "fa-portal-cancel-1280.png"), **SHOT)
        state = await context.storage_state()
        assert errors == []

        # the same pages on a phone
        phone = await browser.new_context(
            viewport={"width": 390, "height": 844}, locale="fa-IR", storage_state=state
        )
        small = await phone.new_page()
        pages = (("/account", "overview"), ("/account/invoices", "invoices"))
        for path, name in (*pages, (invoice_url.removeprefix(server), "invoice")):
            await small.goto(server + path)
            await _is_rtl_with_vazirmatn(small)
            width = await small.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)  # nothing spills sideways
            await small.screenshot(path=str(output_dir / f"fa-portal-{name}-390.png"), **SHOT)
        anonymous = await browser.new_context(
            viewport={"width": 390, "height": 844}, locale="fa-IR"
        )
        signin = await anonymous.new_page()
        await signin.goto(f"{server}/auth/login")
        await _is_rtl_with_vazirmatn(signin)
        await signin.screenshot(path=str(output_dir / "fa-sign-in-390.png"), **SHOT)
        await browser.close()
