"""The issue's acceptance test in Debian's headless Chromium: from /pricing (annual, 5 seats of
the per-seat plan) to checkout with a promotion code, paying with the sandbox's success card,
the confirmation page, and the welcome e-mail and receipt in the outbox; the decline card shows
the gateway's message and charges nothing; the action-required card completes the extra step;
the issue-12 journey (Team, 3 seats, WELCOME20, a declined card, then a good one) shows and
charges one number, with the promotion's terms and the price after it ends.
Screenshots of every page go to test-output/checkout-*.png."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, server, server_db  # noqa: F401
from tests.support.outbox import newest_email_html

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOT = {"full_page": True, "caret": "initial"}  # see test_pricing_browser.py
SUCCESS, DECLINE, ACTION = "4242424242424242", "4000000000000002", "4000002500003155"


def _rows(db: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql, args))


async def _new_page(browser: Browser, width: int = 1280) -> tuple[Page, list[str]]:
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


async def _fill(page: Page, *, email: str, card: str) -> None:
    await page.locator("#f-name").fill("Ada Lovelace")
    await page.locator("#f-email").fill(email)
    await page.locator("#f-password").fill("analytical engine 1843")
    await page.locator("#f-country").select_option("US")
    await page.locator("#f-address_line1").fill("1 Infinite Loop")
    await page.locator("#f-city").fill("Cupertino")
    await page.locator("#f-postal_code").fill("95014")
    await page.locator("#f-card_number").fill(card)
    await page.locator("#f-exp_month").fill("12")
    await page.locator("#f-exp_year").fill("34")
    await page.locator("#f-cvc").fill("123")


async def _wait_for(db: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    for _ in range(100):  # the server's job runner sends what was queued
        rows = _rows(db, sql, *args)
        if rows:
            return rows
        await asyncio.sleep(0.1)
    return []


async def test_checkout_from_pricing_to_confirmation_with_a_promotion_code(
    server: str,  # noqa: F811
    output_dir: Path,
) -> None:
    db = server_db(server)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page, errors = await _new_page(browser)
        await page.goto(server + "/pricing")
        await page.locator("#interval-year").click()
        starter = page.locator('[data-testid="plan-card"][data-family="starter"]')
        await expect(starter.get_by_test_id("plan-price")).to_contain_text("$190.00")
        await page.get_by_label("Seats").fill("5")
        team = page.locator('[data-testid="plan-card"][data-family="team"]')
        await expect(team.get_by_test_id("plan-total")).to_have_text("5 seats: $600.00 / year")
        await team.get_by_test_id("plan-cta").click()
        await expect(page).to_have_url(f"{server}/checkout/team-annual?currency=USD&quantity=5")
        total = page.get_by_test_id("summary-total")
        await expect(total).to_have_text("$600.00")
        await page.screenshot(path=str(output_dir / "checkout-form.png"), **SHOT)
        await check_a11y(page)

        await page.get_by_test_id("promotion-code").fill("NOPE")
        await page.get_by_test_id("promotion-apply").click()
        await expect(page.get_by_test_id("promotion-error")).to_have_text(
            "The code NOPE is not valid."
        )
        await check_a11y(page)
        await page.get_by_test_id("promotion-code").fill("WELCOME20")
        await page.get_by_test_id("promotion-apply").click()
        await expect(page.get_by_test_id("promotion-applied")).to_have_text("WELCOME20 applied.")
        await expect(total).to_have_text("$480.00")
        await expect(page.get_by_test_id("place-order")).to_have_text("Pay $480.00 and subscribe")
        await page.locator("#f-quantity").fill("6")  # the summary follows as the buyer types
        await expect(total).to_have_text("$576.00")
        await page.locator("#f-quantity").fill("5")
        await expect(total).to_have_text("$480.00")
        await _fill(page, email="ada@example.com", card=SUCCESS)
        await page.screenshot(path=str(output_dir / "checkout-filled.png"), **SHOT)
        await check_a11y(page)
        await page.get_by_test_id("place-order").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
        await expect(page.get_by_test_id("done-charged")).to_have_text("$480.00")
        await page.screenshot(path=str(output_dir / "checkout-complete.png"), **SHOT)
        await check_a11y(page)
        assert errors == []

        welcome = await _wait_for(
            db, "SELECT subject FROM outbox_email WHERE kind = 'welcome' AND recipient = ?",
            "ada@example.com",
        )  # fmt: skip
        receipt = await _wait_for(
            db, "SELECT subject FROM outbox_email WHERE kind = 'receipt' AND recipient = ?",
            "ada@example.com",
        )  # fmt: skip
        assert len(welcome) == 1 and len(receipt) == 1
        # the receipt as the buyer receives it (the outbox pages are the admin's)
        mail = await page.context.new_page()  # a blank tab: not under the app's CSP
        await mail.set_content(await newest_email_html(db, kind="receipt", to="ada@example.com"))
        await expect(mail.locator("body")).to_contain_text("$480.00")
        await mail.screenshot(path=str(output_dir / "checkout-receipt-email.png"), **SHOT)

        mobile, _ = await _new_page(browser, width=390)
        await mobile.goto(server + "/checkout/team-annual?currency=USD&quantity=5")
        await expect(mobile.get_by_test_id("summary-total")).to_have_text("$600.00")
        await mobile.screenshot(path=str(output_dir / "checkout-mobile.png"), **SHOT)
        await check_a11y(mobile)
        await browser.close()


async def test_a_declined_card_shows_the_message_and_charges_nothing(
    server: str,  # noqa: F811
    output_dir: Path,
) -> None:
    db = server_db(server)
    charged_before = _rows(db, "SELECT count(*) FROM sandbox_payment WHERE status = 'succeeded'")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page, errors = await _new_page(browser)
        await page.goto(server + "/checkout/team-annual?currency=USD&quantity=5")
        await page.locator("#f-email").fill("bob@")
        await page.get_by_test_id("place-order").click()  # the server checks every field
        await expect(page.locator("#f-email-error")).to_be_visible()
        await expect(page.locator("#f-city-error")).to_have_text("Enter your city.")
        await expect(page.locator("#f-email")).to_have_value("bob@")
        await page.screenshot(path=str(output_dir / "checkout-errors.png"), **SHOT)
        await check_a11y(page)
        await _fill(page, email="bob@example.com", card=DECLINE)
        await page.get_by_test_id("place-order").click()
        await expect(page.get_by_test_id("payment-declined")).to_contain_text(
            "Your card was declined."
        )
        # the order exists now: it is shown as stored, and only a card is asked for
        await expect(page.get_by_test_id("order-on-file-billing")).to_contain_text("Cupertino")
        await expect(page.locator("#f-card_number")).to_have_value("")
        await page.screenshot(path=str(output_dir / "checkout-declined.png"), **SHOT)
        await check_a11y(page)
        assert (
            _rows(db, "SELECT count(*) FROM sandbox_payment WHERE status = 'succeeded'")
            == charged_before
        )
        assert errors == [] or all("422" in e for e in errors)
        await browser.close()


async def test_a_card_that_asks_for_confirmation_completes_the_extra_step(
    server: str,  # noqa: F811
    output_dir: Path,
) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page, errors = await _new_page(browser)
        await page.goto(server + "/checkout/team-annual?currency=USD&quantity=5")
        await _fill(page, email="cleo@example.com", card=ACTION)
        await page.get_by_test_id("place-order").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm your payment")
        await page.screenshot(path=str(output_dir / "checkout-action.png"), **SHOT)
        await check_a11y(page)
        await page.get_by_role("button", name="Confirm payment").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
        await expect(page.get_by_test_id("done-charged")).to_have_text("$600.00")
        await page.screenshot(path=str(output_dir / "checkout-action-complete.png"), **SHOT)
        await check_a11y(page)
        assert errors == []
        await browser.close()


async def test_a_declined_card_then_a_good_one_pays_the_total_shown_with_the_coupons_terms(
    server: str,  # noqa: F811
    output_dir: Path,
) -> None:
    """Issue 12: Team, 3 seats, WELCOME20 ($28.80), 4000 0000 0000 0002 declined, then
    4242 4242 4242 4242: the page, the button and the charge say $28.80 throughout."""
    db = server_db(server)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page, errors = await _new_page(browser)
        await page.goto(server + "/checkout/team-monthly?currency=USD&quantity=3")
        total, button = page.get_by_test_id("summary-total"), page.get_by_test_id("place-order")
        await expect(total).to_have_text("$36.00")
        await page.get_by_test_id("promotion-code").fill("WELCOME20")
        await page.get_by_test_id("promotion-apply").click()
        await expect(page.get_by_test_id("promotion-applied")).to_have_text("WELCOME20 applied.")
        await expect(total).to_have_text("$28.80")
        await expect(button).to_have_text("Pay $28.80 and subscribe")
        terms = page.get_by_test_id("summary-promotion-terms")
        await expect(terms).to_have_text("20% off for 3 months")
        then = page.get_by_test_id("summary-then")
        await expect(then).to_contain_text("Then $28.80 on ")
        await expect(then).to_contain_text(", then $36.00 every month from ")
        await expect(then).not_to_contain_text("after that")
        await page.get_by_test_id("order-summary").screenshot(
            path=str(output_dir / "checkout-coupon-terms.png"), caret="initial"
        )

        await _fill(page, email="dora@example.com", card=DECLINE)
        await expect(total).to_have_text("$28.80")  # the country's summary came back
        await page.screenshot(path=str(output_dir / "checkout-journey-filled.png"), **SHOT)
        await check_a11y(page)
        await button.click()
        declined = page.get_by_test_id("payment-declined")
        await expect(declined).to_contain_text("Your card was declined.")
        await expect(declined).to_contain_text("Your account was created; nothing was charged.")
        await expect(page.get_by_test_id("promotion-error")).to_have_count(0)
        await expect(total).to_have_text("$28.80")
        await expect(button).to_have_text("Pay $28.80 and subscribe")
        await expect(page.get_by_test_id("pay-lead")).to_have_text(
            "Your card is charged $28.80 now."
        )
        await expect(terms).to_have_text("20% off for 3 months")
        await page.screenshot(path=str(output_dir / "checkout-journey-declined.png"), **SHOT)
        await check_a11y(page)
        customer = _rows(db, "SELECT id FROM customer WHERE email = ?", "dora@example.com")
        assert len(customer) == 1
        saved = "SELECT count(*) FROM payment_method WHERE customer = ? AND removed_at IS NULL"
        assert _rows(db, saved, customer[0][0]) == [(0,)]  # the declined card is not kept

        await page.locator("#f-card_number").fill(SUCCESS)
        await page.locator("#f-exp_month").fill("12")
        await page.locator("#f-exp_year").fill("34")
        await page.locator("#f-cvc").fill("123")
        await button.click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
        await expect(page.get_by_test_id("done-charged")).to_have_text("$28.80")
        await page.screenshot(path=str(output_dir / "checkout-journey-paid.png"), **SHOT)
        await check_a11y(page)
        charged = _rows(
            db,
            "SELECT p.amount_minor FROM sandbox_payment p JOIN sandbox_card c ON c.ref = p.method_ref"
            " JOIN payment_method m ON m.method_ref = c.ref WHERE m.customer = ?"
            " AND p.status = 'succeeded'",
            customer[0][0],
        )
        assert charged == [(2880,)]
        assert _rows(db, saved, customer[0][0]) == [(1,)]
        await page.goto(server + "/pricing")  # signed in: the storefront header says so
        await expect(page.get_by_test_id("header-account")).to_have_text("Your account")
        assert errors == [] or all("422" in e for e in errors)
        await browser.close()
