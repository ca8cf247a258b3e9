"""A refund from start to finish in Debian's headless Chromium, on the run's own database backend
(a SQLite file in `make test`, a fresh PostgreSQL database in `make test-pg`):

an owner with two-factor signs in with a code from the app, adds a support agent on /admin/staff;
the agent signs in, finds the customer by typing an invoice number in the search, opens the
record, picks "Refund invoice" from the invoice row's Actions menu, asks for half the amount, sees
the preview (amount, card), gives a reason and confirms; the record shows the flash, the credit
note and the refund. The subscriber sees the credit note in their portal (the invoices page, the
invoice, the credit note with what went back to the card), and the owner sees the refund in the
audit log with the agent's e-mail and the reason. Every admin page is checked for accessibility
and photographed at 1280 and 390 px (test-output/admin-journey-*.png).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import asyncpg
import pyotp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from domain.adapters.db.engine import DatabaseUrl, close_pool, start_pool
from domain.adapters.db.tables import InvoiceTable, bind_tables
from domain.staff.model import StaffMember
from tests.e2e.a11y import check_a11y
from tests.e2e.server import wait_until_healthy
from tests.e2e.test_admin_browser import shoot
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, ROOT, _free_port
from tests.support.accounts import PASSWORD, make_account
from tests.support.database import _with_database
from tests.support.staff import STAFF_PASSWORD, make_staff
from web.cli_billing import Command, Context, clock_create, customer_create, subscribe
from web.settings import Settings

# three people, seven admin pages photographed and checked at two widths: longer than most
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.every_backend,
    pytest.mark.timeout(420),
]
expect.set_options(timeout=15_000)  # a machine shared with other test runs can be slow

OWNER = "olive@example.test"
AGENT = "rita@example.test"
AGENT_PASSWORD = "agent first passphrase"
SUBSCRIBER = "ada@example.test"


@dataclass(frozen=True)
class Served:
    url: str  # the app
    database_url: str  # the database it serves from


@contextlib.contextmanager
def _database(tmp: Path) -> Iterator[str]:
    """A fresh database on the run's backend: beside DATABASE_URL's when it is PostgreSQL."""
    base = os.environ.get("DATABASE_URL", "")
    if not base or DatabaseUrl.parse(base).backend != "postgres":
        yield f"sqlite:///{tmp / 'app.db'}"
        return
    import asyncio

    name = f"e2e_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(base, name)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    return {**env, "DATABASE_URL": database_url, "APP_ENV": "development"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with _database(tmp_path_factory.mktemp("e2e-journey")) as database_url:
        proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--migrate", "--demo"],
            cwd=ROOT,
            env={**_env(database_url), "APP_PUBLIC_URL": url, "APP_JOBS_ENABLED": "false"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_healthy(proc, port)
            yield Served(url, database_url)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@contextlib.asynccontextmanager
async def _bound_to(database_url: str) -> AsyncIterator[None]:
    """The tables bound to the served database for the test's own writes, and bound back to
    whatever the suite had bound them to afterwards (a PostgreSQL run shares this process)."""
    before = InvoiceTable._meta._db  # None when nothing was bound yet
    try:
        yield
    finally:
        if before is not None:
            bind_tables(before)


async def _cli(ctx: Context, command: Command, **args: object) -> str:
    """One of the command line's commands, in this process (a subprocess each costs seconds):
    what it prints."""
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        await command(argparse.Namespace(**args), ctx)
    return said.getvalue()


async def _seed(database_url: str) -> tuple[str, str, str, StaffMember]:
    """A subscriber on a test clock (so subscribing charges the first invoice at once) with a
    portal account, and an owner who has set up two-factor: (customer id, invoice number, its
    total as printed, the owner)."""
    settings = Settings.from_env({"APP_ENV": "development", "DATABASE_URL": database_url})
    async with _bound_to(database_url):
        ctx = Context(settings)
        await start_pool(ctx.engine)
        try:
            clock_id = (await _cli(ctx, clock_create, name="journey", at=None)).split()[0]
            made = await _cli(ctx, customer_create, email=SUBSCRIBER, name="Ada Lovelace",
                              currency="USD", country="US", clock=clock_id,
                              card="4242424242424242")  # fmt: skip
            customer_id = made.strip().splitlines()[-1].split()[0]
            said = await _cli(ctx, subscribe, email=SUBSCRIBER, plan="team-monthly", quantity=1)
            number, total = re.findall(r"^\s+(\S+)\s+\$([\d,]+\.\d\d)$", said, re.MULTILINE)[0]
            owner = await make_staff(ctx.uow, ctx.clock, email=OWNER, role="owner",
                                     two_factor=True)  # fmt: skip
            await make_account(ctx.uow(), ctx.clock, email=SUBSCRIBER, name="Ada Lovelace",
                               customer_id=customer_id)  # fmt: skip
        finally:
            await close_pool(ctx.engine)
    return customer_id, number, total, owner


async def _new_page(browser: Browser, errors: list[str]) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    page = await context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page


async def _sign_in(page: Page, url: str, email: str, password: str) -> None:
    await page.goto(url + "/admin/login")
    await page.get_by_label("Work e-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Continue").click()


def _dollars(minor: int) -> str:
    return f"${Decimal(minor) / 100:,.2f}"


async def test_support_refunds_half_an_invoice_and_everyone_sees_it(
    served: Served, output_dir: Path
) -> None:
    customer_id, number, total, owner = await _seed(served.database_url)
    assert owner.totp_secret is not None
    half_minor = int(Decimal(total.replace(",", "")) * 100) // 2
    half = f"{Decimal(half_minor) / 100:.2f}"
    url = served.url

    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            # the owner: password, then the code from the app
            owner_ctx, page = await _new_page(browser, errors)
            await page.goto(url + "/admin/login")
            await shoot(page, output_dir, "journey-login")
            await _sign_in(page, url, OWNER, STAFF_PASSWORD)
            await page.wait_for_url("**/admin/login/code**")
            await shoot(page, output_dir, "journey-code")
            await page.get_by_label("Authentication code").fill(pyotp.TOTP(owner.totp_secret).now())
            await page.get_by_role("button", name="Verify and sign in").click()
            await page.wait_for_url(url + "/admin")
            await expect(page.get_by_test_id("admin-user")).to_contain_text(OWNER)

            # ... adds a support agent with a first password
            await page.get_by_role("link", name="Staff").first.click()
            await page.wait_for_url("**/admin/staff")
            await page.get_by_label("Name").fill("Rita Support")
            await page.get_by_label("Work e-mail").fill(AGENT)
            await page.get_by_label("Role").select_option("support")
            await page.get_by_label("First password").fill(AGENT_PASSWORD)
            await page.get_by_role("button", name="Add staff member").click()
            await expect(page.get_by_test_id("staff-row").filter(has_text=AGENT)).to_have_count(1)
            await shoot(page, output_dir, "journey-staff")

            # the agent signs in (support: no two-factor) and finds the customer as they type
            # the invoice number
            agent_ctx, page = await _new_page(browser, errors)
            await _sign_in(page, url, AGENT, AGENT_PASSWORD)
            await page.wait_for_url(url + "/admin")
            await page.get_by_role("link", name="Customers").first.click()
            await page.wait_for_url("**/admin/customers")
            await page.get_by_test_id("customer-search").fill(number)
            rows = page.get_by_test_id("customer-row")
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_contain_text(f"Invoice {number}")
            await shoot(page, output_dir, "journey-customers-results")
            await rows.first.get_by_role("link", name="Ada Lovelace").click()
            await page.wait_for_url(f"**/admin/customers/{customer_id}")

            # the invoice row's Actions menu
            invoice = page.get_by_test_id("invoice-row").filter(has_text=number)
            await invoice.get_by_test_id("action-menu").locator("summary").click()
            choice = invoice.get_by_test_id("action-invoice.refund")
            await expect(choice).to_be_visible()
            await shoot(page, output_dir, "journey-customer-menu")
            await page.set_viewport_size({"width": 390, "height": 844})
            await choice.scroll_into_view_if_needed()
            await expect(choice).to_be_in_viewport()  # not clipped by the table's scroll box
            box = await choice.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            await page.set_viewport_size({"width": 1280, "height": 860})
            await choice.click()
            await page.wait_for_url("**/actions/invoice.refund/**")
            await expect(page.get_by_test_id("action-title")).to_have_text("Refund invoice")
            await expect(page.get_by_test_id("preview-total")).to_contain_text(total)  # in full

            # half the amount: the preview follows (htmx), with the card it goes back to
            await page.get_by_label("Amount").fill(half)
            preview = page.get_by_test_id("action-preview")
            await expect(page.get_by_test_id("preview-total")).to_contain_text(_dollars(half_minor))
            await expect(preview).to_contain_text("Refund part of invoice")
            await expect(preview).to_contain_text("Visa •••• 4242")
            await shoot(page, output_dir, "journey-action")
            await page.get_by_test_id("reason").fill("Outage on the 2nd: half the month back")
            await page.get_by_test_id("confirm").click()

            # back on the record: the flash, the credit note, the refund
            await page.wait_for_url(f"**/admin/customers/{customer_id}")
            await expect(page.locator(".flash--success")).to_contain_text(
                f"Refunded invoice {number}"
            )
            note_row = page.get_by_test_id("credit-note-row")
            await expect(note_row).to_have_count(1)
            await expect(note_row.locator("td[data-label='Refunded']")).to_have_text(
                _dollars(half_minor)
            )
            await expect(note_row).to_contain_text(f"for {number}")
            note_number = (await note_row.get_by_test_id("credit-note-number").inner_text()).strip()
            refund = page.get_by_test_id("refund-row")
            await expect(refund).to_have_count(1)
            await expect(refund).to_contain_text(_dollars(half_minor))
            await expect(refund).to_contain_text("Succeeded")
            await shoot(page, output_dir, "journey-customer-refunded")

            # the subscriber: the credit note on the invoices page, on the invoice, and its page
            # with what went back to the card (the portal shows no refund status of its own)
            portal_ctx, page = await _new_page(browser, errors)
            await page.goto(f"{url}/auth/login?next=/account/invoices")
            await page.get_by_label("E-mail").fill(SUBSCRIBER)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
            portal_note = page.get_by_test_id("credit-note-row")
            await expect(portal_note).to_have_count(1)
            await expect(portal_note).to_contain_text(note_number)
            await expect(portal_note).to_contain_text(number)
            await expect(portal_note).to_contain_text(_dollars(half_minor))
            await expect(page.locator(f'[data-invoice="{number}"] [data-status]')).to_have_text(
                "Paid"
            )
            await check_a11y(page)
            await page.screenshot(path=str(output_dir / "portal-journey-invoices.png"),
                                  full_page=True)  # fmt: skip
            await (
                page.locator(f'[data-invoice="{number}"]')
                .get_by_role("link", name=number, exact=True)
                .click()
            )
            await expect(page.get_by_test_id("invoice-credit-notes")).to_contain_text(note_number)
            await (
                page.get_by_test_id("invoice-credit-notes")
                .get_by_role("link", name=note_number)
                .click()
            )
            totals = page.get_by_test_id("credit-note-totals")
            await expect(totals).to_contain_text("Refunded to your card")
            await expect(
                totals.locator("div").filter(has_text="Refunded to your card").locator("dd")
            ).to_have_text(_dollars(half_minor))
            await check_a11y(page)
            await page.screenshot(path=str(output_dir / "portal-journey-credit-note.png"),
                                  full_page=True)  # fmt: skip
            await page.set_viewport_size({"width": 390, "height": 844})
            await page.screenshot(path=str(output_dir / "portal-journey-credit-note-phone.png"),
                                  full_page=True)  # fmt: skip

            # the owner: the refund in the audit log, by the agent, with the reason
            page = owner_ctx.pages[0]
            await page.goto(url + "/admin/audit")
            entry = page.get_by_test_id("audit-row").filter(has_text="invoice.refund")
            await expect(entry).to_have_count(1)
            await expect(entry.locator("td[data-label='Staff member']")).to_have_text(AGENT)
            await expect(entry.locator("td[data-label='Reason']")).to_have_text(
                "Outage on the 2nd: half the month back"
            )
            await expect(entry).to_contain_text(note_number)
            await shoot(page, output_dir, "journey-audit")

            blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
            assert blocked == [], f"blocked by the CSP: {blocked}"
            for ctx in (portal_ctx, agent_ctx, owner_ctx):
                await ctx.close()
        finally:
            await browser.close()
