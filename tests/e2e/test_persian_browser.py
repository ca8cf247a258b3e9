"""Issue 19 in Debian's headless Chromium: a buyer whose browser asks for Persian gets the
storefront right to left, checks out typing the card in Persian digits, and is charged exactly
the total the summary showed; then, in Jalali dates, changes their seats in the portal and is
charged exactly the quote, and the receipt e-mail of that charge reads right to left in Persian
with the same amount. Screenshots at 1280 and 390 px go to test-output/fa-*.png (the e-mail:
fa-email-receipt-*.png).

Not yet Persian on these pages (docs/localisation.md): plan names and descriptions (the
catalog's own text) and the quote's line descriptions (written by the domain). The rest of the
portal and the sign-in pages in Persian: test_persian_portal_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, server, server_db  # noqa: F401
from tests.support.outbox import newest_email_html

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOT = {"full_page": True, "caret": "initial"}
PERSIAN_DIGIT = re.compile("[۰-۹]")
JALALI_MONTH = re.compile("فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند")
EMAIL = "shirin@example.com"


async def _is_rtl_with_vazirmatn(page: Page) -> None:
    html = page.locator("html")
    await expect(html).to_have_attribute("lang", "fa")  # the language: Babel fa, no region
    await expect(html).to_have_attribute("dir", "rtl")
    await page.evaluate("document.fonts.ready")
    assert await page.evaluate("document.fonts.check('16px Vazirmatn', 'سلام')")


async def _mirrored(page: Page, start: str, end: str) -> None:
    """``start`` comes first in reading order, so in right to left it sits to the right."""
    first = await page.locator(start).first.bounding_box()
    second = await page.locator(end).first.bounding_box()
    assert first is not None and second is not None
    assert first["x"] > second["x"], (start, first, end, second)


async def test_checkout_and_a_plan_change_in_persian(
    server: str,  # noqa: F811
    output_dir: Path,
) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="fa-IR")
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        # the storefront, from the browser's language
        await page.goto(server + "/pricing")
        await _is_rtl_with_vazirmatn(page)
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "قیمت‌هایی که با کسب‌وکار شما رشد می‌کنند"
        )
        await _mirrored(page, ".site-header .brand", ".site-nav")
        team = page.locator('[data-testid="plan-card"][data-family="team"]')
        await expect(team.get_by_test_id("plan-price")).to_contain_text("۱۲٫۰۰")
        await expect(team.get_by_test_id("plan-price")).to_contain_text("برای هر صندلی")
        await page.screenshot(path=str(output_dir / "fa-pricing-1280.png"), **SHOT)

        # checkout: every label Persian, the card typed in Persian digits
        await team.get_by_test_id("plan-cta").click()
        await expect(page.get_by_role("heading", level=2, name="خلاصهٔ سفارش")).to_be_visible()
        await _mirrored(page, ".checkout-page__main", ".checkout-summary")
        await page.locator("#f-quantity").fill("3")
        total = page.get_by_test_id("summary-total")
        await expect(total).to_have_text(PERSIAN_DIGIT)
        await expect(page.get_by_test_id("order-summary")).to_contain_text("۳ صندلی")
        await page.locator("#f-name").fill("شیرین احمدی")
        await page.locator("#f-email").fill(EMAIL)
        await page.locator("#f-password").fill("analytical engine 1843")
        await page.locator("#f-country").select_option("US")
        await page.locator("#f-address_line1").fill("۱ خیابان آزادی")
        await page.locator("#f-city").fill("Cupertino")
        await page.locator("#f-postal_code").fill("95014")
        await page.locator("#f-card_number").fill("۴۲۴۲ ۴۲۴۲ ۴۲۴۲ ۴۲۴۲")
        await page.locator("#f-exp_month").fill("۱۲")
        await page.locator("#f-exp_year").fill("۳۴")
        await page.locator("#f-cvc").fill("۱۲۳")
        quoted = (await total.inner_text()).strip()
        await expect(page.get_by_test_id("place-order")).to_contain_text(quoted)
        await page.screenshot(path=str(output_dir / "fa-checkout-1280.png"), **SHOT)
        await page.get_by_test_id("place-order").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("سپاسگزاریم")
        await expect(page.get_by_test_id("done-charged")).to_have_text(quoted)
        await page.screenshot(path=str(output_dir / "fa-checkout-complete-1280.png"), **SHOT)

        # Jalali dates, chosen on the profile page (saved on the account)
        await page.goto(server + "/account/profile")
        await _is_rtl_with_vazirmatn(page)
        form = page.get_by_test_id("display-form")
        await form.locator("#f-calendar").select_option("jalali")
        await form.locator("#f-timezone").fill("Asia/Tehran")
        await form.get_by_test_id("display-save").click()
        await expect(page.locator("#f-calendar")).to_have_value("jalali")
        await expect(page.locator("#f-timezone")).to_have_value("Asia/Tehran")
        await page.screenshot(path=str(output_dir / "fa-profile-1280.png"), full_page=True)

        # the plan change: 3 -> 5 seats, charged exactly the quote
        await page.goto(server + "/account")
        await page.get_by_test_id("subscription").get_by_role("link", name="Team").click()
        await page.get_by_test_id("change-link").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("تغییر طرح یا صندلی‌ها")
        await page.locator("#f-quantity").fill("5")
        quote = page.get_by_test_id("change-quote")
        await expect(quote.get_by_test_id("confirm")).to_contain_text("تأیید و پرداخت")
        due = (await quote.get_by_test_id("due-today").inner_text()).strip()
        assert PERSIAN_DIGIT.search(due), due
        await expect(quote.get_by_test_id("renewal-after")).to_have_text(JALALI_MONTH)
        await _mirrored(page, ".sidebar", ".app-main")
        await page.screenshot(path=str(output_dir / "fa-portal-change-1280.png"), **SHOT)
        mobile_state = await context.storage_state()
        change_url = page.url.split("?")[0]
        await quote.get_by_test_id("confirm").click()
        receipt = page.get_by_test_id("receipt-paid")
        await expect(receipt).to_contain_text(due, timeout=15_000)
        await page.screenshot(path=str(output_dir / "fa-portal-charged-1280.png"), **SHOT)
        assert errors == []

        # the receipt of that charge as the buyer receives it (in their saved language), at
        # 1280 and 390 px: right to left, Persian digits, the same amount
        mail = await context.new_page()  # a blank tab: not under the app's CSP
        html = await newest_email_html(server_db(server), kind="receipt", to=EMAIL)
        await mail.set_content(html)
        await expect(mail.locator("html")).to_have_attribute("dir", "rtl")
        await expect(mail.locator("body")).to_contain_text(due)
        body = await mail.locator("body").inner_text()
        assert PERSIAN_DIGIT.search(body) and not re.search(r"\b(the|and|your|of)\b", body), body
        await mail.screenshot(path=str(output_dir / "fa-email-receipt-1280.png"), **SHOT)
        await mail.set_viewport_size({"width": 390, "height": 844})
        await mail.screenshot(path=str(output_dir / "fa-email-receipt-390.png"), **SHOT)
        await mail.close()

        # the same pages on a phone
        phone = await browser.new_context(
            viewport={"width": 390, "height": 844}, locale="fa-IR", storage_state=mobile_state
        )
        small = await phone.new_page()
        await small.goto(server + "/pricing")
        await _is_rtl_with_vazirmatn(small)
        await small.screenshot(path=str(output_dir / "fa-pricing-390.png"), **SHOT)
        await small.goto(server + "/checkout/team-monthly?currency=USD&quantity=2")
        await expect(small.get_by_test_id("summary-total")).to_have_text(PERSIAN_DIGIT)
        await small.screenshot(path=str(output_dir / "fa-checkout-390.png"), **SHOT)
        await small.goto(change_url)
        await small.locator("#f-quantity").fill("6")
        await expect(small.get_by_test_id("due-today")).to_have_text(PERSIAN_DIGIT)
        await small.screenshot(path=str(output_dir / "fa-portal-change-390.png"), **SHOT)
        await browser.close()
