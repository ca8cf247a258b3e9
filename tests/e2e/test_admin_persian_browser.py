"""Issue 19, the staff admin in Persian, in Debian's headless Chromium: a billing member (two-factor
set up on the way) switches the admin header to فارسی; the overview, the customer search and a
customer record read right to left in Vazirmatn: the sidebar on the right, the sign-out and
"back" icons mirrored, Persian digits, and e-mails and invoice numbers kept left to right.
Photographed at 1280 and 390 px (test-output/admin-fa-*.png). A coupon form sent with bad input
comes back with its messages in Persian beside each field and in the summary
(test-output/admin-fa-coupon-errors.png).

Every page of the admin's sidebar, a customer record and a staff action (pausing a
subscription: its preview, the flash after confirming it, the audit log naming it) are read for
English words outside what is kept as written (codes, <bdi>, names): a new English string on any
of them fails test_every_admin_page_and_a_staff_action_read_persian (test-output/admin-fa-action-
pause*.png, admin-fa-action-done*.png, admin-fa-audit*.png). Still English (docs/localisation.md):
the catalog's own text (plan names), a charge's composed detail on the catalog page ("per call"),
and the data other systems and people wrote."""

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


# the words a Persian admin page may show in Latin letters: names and codes of formats and
# standards, the product's name, the demo catalog's plan names (the merchant's own text)
LATIN_KEPT = {"Tessera", "PDF", "CSV", "API", "UTC", "JSON", "URL", "HTTPS", "SSO", "OIDC",
              "IBAN", "ISO", "HMAC", "SHA", "Vazirmatn", "Team", "Starter", "Pro", "Business",
              "seats", "Enterprise", "Growth", "Scale", "Basic", "Premium", "units", "Visa",
              "Standard", "Webhooks"}  # fmt: skip
# what a page shows of someone else's words, and the one composed text still English
PAGE_KEPT = {
    # the demo catalog's plan names ("Team (annual)") beside each plan's checkbox
    "/admin/coupons": {"annual"},
    # the demo tax rates' names ("Sales tax") in the name field's examples
    "/admin/tax-rates": {"Sales", "tax"},
    # HubSpot's and Salesforce's own column names and the source codes in the import form's help
    "/admin/imports": {"HubSpot", "hubspot", "Record", "Company", "name", "Email", "Currency"},
    # still English (docs/localisation.md): a charge's detail composed in the domain
    # (domain/catalog_admin/views.py: "per call", "per 100 GB, 10 free")
    "/admin/catalog": {"per", "call", "free"},
}
# the visible text of the page's main column outside what is kept as written: <bdi>, code, a
# left-to-right cell, a form's typed values, and the values isolated (U+2068 ... U+2069)
_VISIBLE_TEXT = """() => {
  const main = document.querySelector("main") || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('bdi, code, kbd, pre, input, textarea, script, style, [dir="ltr"], .mono, [hidden], .sr-only, .visually-hidden')
      .forEach(e => e.remove());
  // an option that shows its own value is a code (an e-mail kind), as the admin shows codes
  copy.querySelectorAll("option").forEach(o => { if (o.value === o.textContent.trim()) o.remove(); });
  return copy.innerText.replace(/\\u2068[^\\u2069]*\\u2069/g, " ");
}"""


# a code written as one (invoice.paid, payments.collect_invoice, team-monthly, a@b.test, a URL)
_CODE = re.compile(r"\S*[._@/:\-]\S*[A-Za-z]\S*|\S*[A-Za-z]\S*[._@/:\-]\S*")
# USD, MRR, VAT: codes and abbreviations (two glued by a table's layout: "GRRNRR")
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{2,6}(?![A-Za-z])")


async def _english_words(page: Page, kept: frozenset[str] = frozenset()) -> list[str]:
    """Each English word with the words around it (to say where it is)."""
    visible = _ACRONYM.sub(" ", _CODE.sub(" ", str(await page.evaluate(_VISIBLE_TEXT))))
    return [
        f"{m.group(0)!r} in …{visible[max(0, m.start() - 30) : m.end() + 30]!r}…"
        for m in re.finditer(r"[A-Za-z]{2,}", visible)
        if m.group(0) not in LATIN_KEPT | kept
    ]


async def test_every_admin_page_and_a_staff_action_read_persian(
    server: Server,
    output_dir: Path,
) -> None:
    """The admin's pages from its sidebar, a customer record and a staff action on it (its
    preview, the flash after confirming it, the audit log naming it), in Persian: no English
    word outside the values kept as written (LATIN_KEPT, <bdi>, codes)."""
    _cli(server.db, "customer", "create", "--email", "dara@example.test", "--name", "Dara",
         "--country", "IR", "--card", "4242424242424242")  # fmt: skip
    _cli(server.db, "subscribe", "--email", "dara@example.test", "--plan", "team-monthly")
    async with staff_browser(server, "owner.fa@example.test", "نیکا مالک", PASSWORD,
                             role="owner") as signed_in:  # fmt: skip
        _browser, page, errors = signed_in
        await page.get_by_test_id("language-fa").click()
        await page.wait_for_url(server.url + "/admin")
        links = await page.locator(".sidebar--admin a[href^='/admin']").evaluate_all(
            "links => [...new Set(links.map(a => a.getAttribute('href')))]"
        )
        assert len(links) >= 10, links
        english: dict[str, list[str]] = {}
        for href in links:
            await page.goto(server.url + href)
            await _is_rtl_with_vazirmatn(page)
            if found := await _english_words(page, frozenset(PAGE_KEPT.get(href, ()))):
                english[href] = sorted(set(found))

        # a staff action: pause the subscription for two periods, in Persian throughout
        await page.goto(f"{server.url}/admin/customers")
        await page.get_by_test_id("customer-search").fill("dara")
        await page.get_by_test_id("customer-row").first.locator("a").first.click()
        await page.wait_for_url("**/admin/customers/*")
        record = page.url
        if found := await _english_words(page):
            english["customer record"] = sorted(set(found))
        pause = await page.get_by_test_id("action-subscription.pause").first.get_attribute("href")
        await page.goto(f"{server.url}{pause}")  # the link sits in the subscription's menu
        await page.locator("#f-periods").select_option("2")
        preview = page.get_by_test_id("action-preview")
        await expect(preview.get_by_test_id("preview-summary")).to_contain_text("توقف")
        await expect(preview.get_by_test_id("preview-line").first).to_contain_text(PERSIAN_DIGIT)
        if found := await _english_words(page):
            english["the pause's page"] = sorted(set(found))
        await shoot(page, output_dir, "fa-action-pause")
        await page.get_by_test_id("reason").fill("به درخواست مشتری")
        await page.get_by_test_id("confirm").click()
        await page.wait_for_url(record)
        flash = page.locator(".flash__message").first
        await expect(flash).to_contain_text("اشتراک تا ")
        await expect(flash).to_contain_text(PERSIAN_DIGIT)
        await shoot(page, output_dir, "fa-action-done")
        await page.goto(f"{server.url}/admin/audit")
        action = page.get_by_test_id("audit-action").first
        await expect(action.locator(".badge")).to_have_text("توقف اشتراک")
        await expect(action).to_have_attribute("title", "subscription.pause")
        if found := await _english_words(page):
            english["the audit log"] = sorted(set(found))
        await shoot(page, output_dir, "fa-audit")
        assert not english, "\n".join(f"{where}: {words}" for where, words in english.items())
        blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
        assert blocked == [], f"blocked by the CSP: {blocked}"
