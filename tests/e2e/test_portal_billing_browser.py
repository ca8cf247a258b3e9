"""The portal's billing pages in a browser: a renewal fails on the saved card, the subscriber
adds a good card, the past-due invoice is charged at once and shown paid, and its PDF downloads
with the right text in it."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect
from pypdf import PdfReader

from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.jobs.registry import JobRegistry
from domain.shared.clock import SystemClock
from tests.e2e.a11y import check_a11y
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, ROOT, server  # noqa: F401
from tests.support.accounts import PASSWORD, make_account

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
expect.set_options(timeout=15_000)  # a machine shared with other test runs can be slow
EMAIL = "grace@example.test"


def _cli(db: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{db}", "APP_ENV": "development"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _account_for(db: str, customer_id: str) -> None:
    engine = make_engine(f"sqlite:///{db}")
    bind_tables(engine)
    await start_pool(engine)
    try:
        clock = SystemClock()
        uow = PiccoloUnitOfWork(engine, clock=clock, registry=JobRegistry())
        await make_account(uow, clock, email=EMAIL, name="Grace Hopper", customer_id=customer_id)
    finally:
        await close_pool(engine)


async def _wait_for(db: str, sql: str, tries: int = 200) -> tuple[object, ...]:
    for _ in range(tries):  # the server's job runner works in the background
        with sqlite3.connect(db) as conn:
            row = conn.execute(sql).fetchone()
        if row:
            return tuple(row)
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {sql}")


async def _add_card(page: Page, number: str) -> None:
    await page.get_by_label("Card number").fill(number)
    await page.get_by_label("Expiry month").fill("12")
    await page.get_by_label("Expiry year").fill("2031")
    await page.get_by_label("Security code").fill("123")
    await page.get_by_role("button", name="Save card").click()


async def test_a_card_replaced_after_a_failed_renewal_recovers_the_invoice(
    server: str,  # noqa: F811
    output_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = str(next(tmp_path_factory.getbasetemp().glob("e2e*/app.db")))
    clock_id = _cli(db, "clock", "create", "portal-e2e").split()[0]
    customer_id = _cli(
        db, "customer", "create", "--email", EMAIL, "--name", "Grace Hopper", "--country", "US",
        "--clock", clock_id, "--card", "4242424242424242",
    ).strip().splitlines()[-1].split()[0]  # fmt: skip
    _cli(db, "subscribe", "--email", EMAIL, "--plan", "team-monthly")
    await _wait_for(db, "SELECT 1 FROM invoice WHERE status = 'paid'")
    await _account_for(db, customer_id)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{server}/auth/login?next=/account/payment-methods")
        await page.get_by_label("E-mail").fill(EMAIL)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Payment methods")
        await check_a11y(page)

        # a card that attaches but declines every charge becomes the default; the renewal fails
        await _add_card(page, "4000000000000341")
        await expect(page.locator('[data-testid="card-0341"]')).to_contain_text("Default")
        _cli(db, "clock", "advance", clock_id, "--next-renewal")
        (renewal,) = await _wait_for(db, "SELECT number FROM invoice WHERE status = 'open'")
        await page.goto(f"{server}/account/invoices")
        row = page.locator(f'[data-invoice="{renewal}"]')
        await expect(row.locator("[data-status]")).to_have_text("Open")
        await expect(row.get_by_role("button", name=re.compile("Pay now"))).to_be_visible()
        await page.screenshot(path=str(output_dir / "portal-billing-past-due.png"), full_page=True)
        await check_a11y(page)

        # a bad card number is refused next to its field, and never shown again
        await page.goto(f"{server}/account/payment-methods")
        await _add_card(page, "4242424242424241")
        await expect(page.locator("#f-card_number-error")).to_be_visible()
        assert await page.get_by_label("Card number").input_value() == ""
        await page.screenshot(
            path=str(output_dir / "portal-billing-card-error.png"), full_page=True
        )
        await check_a11y(page)

        # the good card: the past-due invoice is charged at once and the outcome shown
        await page.get_by_label("Card number").fill("")
        await _add_card(page, "4242424242424242")
        await expect(
            page.locator(".flash--success").filter(has_text=f"Invoice {renewal} paid")
        ).to_be_visible()
        await expect(page.locator('[data-testid="card-4242"]').first).to_be_visible()
        await page.screenshot(path=str(output_dir / "portal-billing-recovered.png"), full_page=True)
        await check_a11y(page)

        # the invoice is paid; its PDF (rendered as PAID on this download, no job to wait for)
        await page.goto(f"{server}/account/invoices")
        row = page.locator(f'[data-invoice="{renewal}"]')
        await expect(row.locator("[data-status]")).to_have_text("Paid")
        await expect(row.get_by_test_id("pdf-link")).to_be_visible()
        await page.screenshot(path=str(output_dir / "portal-billing-invoices.png"), full_page=True)
        await check_a11y(page)
        await row.get_by_role("link", name=renewal, exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(renewal)
        await expect(page.locator('[data-testid="invoice-line"]').first).to_be_visible()
        await page.screenshot(path=str(output_dir / "portal-billing-invoice.png"), full_page=True)
        await check_a11y(page)
        async with page.expect_download() as info:
            await page.get_by_test_id("invoice-pdf").click()
        download = await info.value
        assert download.suggested_filename == f"{renewal}.pdf"
        content = Path(await download.path()).read_bytes()
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        assert renewal in text and "Grace Hopper" in text and "Paid" in text.title()
        await page.goto(f"{server}/account/profile")
        await expect(page.get_by_test_id("current-email")).to_have_text(EMAIL)
        await page.screenshot(path=str(output_dir / "portal-billing-profile.png"), full_page=True)
        await check_a11y(page)
        # the refused card form answers 422 on purpose (htmx swaps it in); nothing else failed
        assert [e for e in errors if "status of 422" not in e] == []
        await browser.close()
