"""The subscriber portal in Chromium: sign in, change seats, upgrade with the quote checked against
the charged invoice, schedule a downgrade and undo it, pause and resume, cancel at the period's
end and undo it. Screenshots of each page go to test-output/portal-*.png (``caret="initial"``:
Playwright's caret hiding leaves ``style=""`` on inputs, which htmx's settle step would copy
when the change form is swapped, against the page's CSP)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from domain.accounts.sign_up import attach_customer_in, register_in
from domain.adapters.db.engine import make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.jobs.registry import JobRegistry
from domain.shared.clock import SystemClock
from tests.e2e.a11y import check_a11y
from tests.e2e.test_payment_browser import _cli
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, server  # noqa: F401
from tests.support.accounts import CHEAP_HASHER, PASSWORD
from tests.support.outbox import newest_email_html

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
EMAIL = "rosa@example.test"


async def _subscriber(db: str, email: str = EMAIL) -> str:
    """Customer, 4242 card and Team with 2 seats through the CLI's use cases; the account that
    signs in is registered and attached through the accounts use cases."""
    out = _cli(db, "customer", "create", "--email", email, "--name", "Rosa Parks",
               "--country", "US", "--card", "4242424242424242")  # fmt: skip
    _cli(db, "subscribe", "--email", email, "--plan", "team-monthly", "--quantity", "2")
    with sqlite3.connect(db) as conn:
        (customer_id,) = conn.execute(
            "SELECT id FROM customer WHERE email = ?", (email,)
        ).fetchone()
    engine = make_engine(f"sqlite:///{db}")
    bind_tables(engine)
    clock = SystemClock()
    async with PiccoloUnitOfWork(engine, clock=clock, registry=JobRegistry()) as uow:
        account = await register_in(
            uow, email=email, password=PASSWORD, name="Rosa Parks", clock=clock, hasher=CHEAP_HASHER
        )
        await attach_customer_in(uow, account.id, customer_id)
        await uow.commit()
    assert out
    return str(customer_id)


def _last_invoice(db: str) -> tuple[int, str]:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT amount_due_minor, status FROM invoice ORDER BY issued_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
    return int(row[0]), str(row[1])


def _last_invoice_id(db: str) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT id FROM invoice ORDER BY issued_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
    return str(row[0])


async def _email(page: Page, base: str, db: str, kind: str) -> Locator:
    """Open the newest e-mail of ``kind`` to the subscriber, as its recipient sees it (read from
    the database: the outbox pages are the admin's, behind a staff sign-in)."""
    browser = page.context.browser
    assert browser is not None
    mail = await browser.new_page()  # a blank page of its own: not under the app's CSP
    await mail.set_content(await newest_email_html(db, kind=kind, to=EMAIL))
    return mail.locator("body")


async def _confirm_quote(page: Page, shots: Path, name: str) -> str:
    quote = page.get_by_test_id("change-quote")
    await expect(quote.get_by_test_id("confirm")).to_be_visible()
    due = await quote.get_by_test_id("due-today").inner_text()
    await page.screenshot(
        path=str(shots / f"portal-{name}-quote.png"), full_page=True, caret="initial"
    )
    await check_a11y(page)
    await quote.get_by_test_id("confirm").click()
    receipt = page.get_by_test_id("receipt-paid")
    await expect(receipt).to_contain_text(f"Charged {due} to Visa •••• 4242", timeout=15_000)
    await page.screenshot(
        path=str(shots / f"portal-{name}-charged.png"), full_page=True, caret="initial"
    )
    await check_a11y(page)
    return due


async def test_the_subscriber_manages_their_subscription_in_the_browser(
    server: str,  # noqa: F811
    output_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = str(next(tmp_path_factory.getbasetemp().glob("e2e*/app.db")))
    await _subscriber(db)
    for _ in range(100):  # the server's job runner charges the first invoice
        if _last_invoice(db)[1] == "paid":
            break
        await asyncio.sleep(0.1)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        await page.goto(f"{server}/auth/login?next=/account")
        await page.get_by_label("E-mail").fill(EMAIL)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
        card = page.get_by_test_id("subscription")
        await expect(card.get_by_test_id("quantity")).to_have_text("2")
        await expect(card.get_by_test_id("next-bill")).to_contain_text("$24.00")
        await page.screenshot(
            path=str(output_dir / "portal-overview.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)

        # seats: 2 -> 4, the quote swapped in live by htmx
        await card.get_by_role("link", name="Team").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Team")
        await page.screenshot(
            path=str(output_dir / "portal-subscription.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await page.get_by_test_id("change-link").click()
        await page.get_by_role("spinbutton", name="Seats").fill("4")
        await expect(page.get_by_test_id("quote-lines")).to_contain_text("Unused time on")
        await _confirm_quote(page, output_dir, "seats")
        await expect(page.get_by_test_id("quantity")).to_have_text("4")

        # upgrade to Scale: what was quoted is what the stored invoice charged
        await page.get_by_test_id("change-link").click()
        await page.get_by_role("radio", name=re.compile("^Scale")).check()
        await expect(page.get_by_test_id("quote-lines")).to_contain_text("Remaining time on Scale")
        due = await _confirm_quote(page, output_dir, "upgrade")
        amount, status = _last_invoice(db)
        assert (f"${amount / 100:,.2f}", status) == (due, "paid")
        await expect(page.get_by_test_id("plan")).to_contain_text("Scale")
        # its invoice reads in words, each line's arithmetic in days under it
        await page.goto(f"{server}/account/invoices/{_last_invoice_id(db)}")
        lines = page.get_by_test_id("invoice-line")
        await expect(lines.last).to_contain_text("Remaining time on Scale after")
        await expect(lines.last.locator(".invoice-line__why")).to_contain_text(" days x 99.00")
        await page.screenshot(path=str(output_dir / "portal-upgrade-invoice.png"), full_page=True)
        await page.go_back()

        # downgrade to Starter: scheduled for the period's end, then undone
        await page.get_by_test_id("change-link").click()
        await page.get_by_role("radio", name=re.compile(r"^Starter \$")).check()
        await expect(page.get_by_test_id("quote-when")).to_contain_text(
            "end of your billing period"
        )
        await page.screenshot(
            path=str(output_dir / "portal-downgrade-quote.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await page.get_by_test_id("confirm").click()
        await expect(page.get_by_test_id("scheduled-change")).to_contain_text("Switches to Starter")
        await page.screenshot(
            path=str(output_dir / "portal-downgrade-scheduled.png"), full_page=True
        )
        await check_a11y(page)
        await page.get_by_test_id("cancel-scheduled").click()
        await expect(page.get_by_test_id("scheduled-change")).to_have_count(0)

        # pause for a billing period, then resume early
        await page.get_by_role("radio", name=re.compile("^1 billing period")).check()
        await page.get_by_test_id("pause").click()
        await expect(page.get_by_test_id("resume-box")).to_be_visible()
        await page.screenshot(
            path=str(output_dir / "portal-paused.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await page.get_by_test_id("resume").click()
        await expect(page.get_by_test_id("pause-form")).to_be_visible()

        # cancel at the period's end (the reason, the offers), then undo
        await page.get_by_test_id("cancel-link").click()
        await page.get_by_role("radio", name="I am not using it enough").check()
        await expect(page.get_by_test_id("offer-pause")).to_be_visible()
        await page.wait_for_timeout(400)  # let htmx's settle transition finish
        await page.screenshot(
            path=str(output_dir / "portal-cancel.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await page.get_by_test_id("confirm-cancel").click()
        await expect(page.get_by_test_id("canceling-box")).to_be_visible()
        await page.screenshot(
            path=str(output_dir / "portal-canceling.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        subscription_page = page.url
        # the e-mail says when it ends and links back to keep it, not "has been canceled"
        ends = await _email(page, server, db, "subscription_cancel_scheduled")
        await expect(ends).to_contain_text("ends on")
        await expect(ends).not_to_contain_text("has been canceled")
        await expect(ends.get_by_role("link", name="Keep my subscription")).to_be_visible()
        await ends.page.screenshot(
            path=str(output_dir / "email-cancel-scheduled.png"), full_page=True
        )
        await ends.page.close()
        # the storefront's header knows who is signed in
        await page.goto(server + "/pricing")
        header = page.locator("header").first
        await expect(header).to_contain_text("Your account")
        await expect(header).not_to_contain_text("Sign in")
        await page.goto(subscription_page)
        await page.get_by_test_id("uncancel").click()
        await expect(page.get_by_test_id("canceling-box")).to_have_count(0)
        kept = await _email(page, server, db, "subscription_cancel_undone")
        await expect(kept).to_contain_text("continues")
        await kept.page.screenshot(path=str(output_dir / "email-cancel-undone.png"), full_page=True)
        await kept.page.close()
        await page.goto(subscription_page)
        await page.goto(f"{server}/account")
        await page.screenshot(
            path=str(output_dir / "portal-overview-after.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        assert errors == []
        await browser.close()
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT reason FROM cancellation_feedback")] == [
            "not_using"
        ]


async def test_a_plan_change_completes_with_javascript_disabled(
    server: str,  # noqa: F811
    output_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The same portal with JavaScript off: the quote comes from the form's own submit button
    (a GET), confirming is a plain POST answered with a redirect."""
    db = str(next(tmp_path_factory.getbasetemp().glob("e2e*/app.db")))
    email = "nojs@example.test"
    await _subscriber(db, email)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=False
        )
        page = await context.new_page()
        await page.goto(f"{server}/auth/login?next=/account")
        await page.get_by_label("E-mail").fill(email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
        await page.get_by_test_id("subscription").get_by_role("link", name="Team").click()
        await page.get_by_test_id("change-link").click()
        await page.get_by_role("spinbutton", name="Seats").fill("3")
        await page.get_by_test_id("preview").click()  # no htmx: the form's GET shows the quote
        quote = page.get_by_test_id("change-quote")
        await expect(quote.get_by_test_id("quote-lines")).to_contain_text(
            "Unused time on 2 x Team seats"
        )
        due = await quote.get_by_test_id("due-today").inner_text()
        await page.screenshot(
            path=str(output_dir / "portal-nojs-quote.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await quote.get_by_test_id("confirm").click()
        await expect(page.get_by_test_id("quantity")).to_have_text("3")
        await page.screenshot(
            path=str(output_dir / "portal-nojs-changed.png"), full_page=True, caret="initial"
        )
        await check_a11y(page)
        await browser.close()
    with sqlite3.connect(db) as conn:
        (quantity,) = conn.execute(
            "SELECT s.quantity FROM subscription s JOIN customer c ON c.id = s.customer"
            " WHERE c.email = ?",
            (email,),
        ).fetchone()
        (amount,) = conn.execute(
            "SELECT i.amount_due_minor FROM invoice i JOIN customer c ON c.id = i.customer_id"
            " WHERE c.email = ? ORDER BY i.issued_at DESC, i.rowid DESC LIMIT 1",
            (email,),
        ).fetchone()
    assert quantity == 3
    assert f"${amount / 100:,.2f}" == due
