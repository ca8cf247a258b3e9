"""The admin in Debian's headless Chromium against a real server: an owner made by the command
line's function signs in with a password, sets up two-factor (the code computed with pyotp from
the key the page shows), signs out and in again with a code, creates a support agent; the agent
signs in; the audit log shows both creations and sign-ins. A support agent finds a customer by
typing an invoice number in the search and opens the customer record. Every admin page is
checked for accessibility and photographed at 1280 and 390 px (test-output/admin-*.png)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.server import wait_until_healthy
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, ROOT, _free_port
from web.cli_staff import create_staff_account
from web.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OWNER_PASSWORD = "owner long passphrase"
AGENT_PASSWORD = "agent first passphrase"


class Server:
    def __init__(self, url: str, db: Path) -> None:
        self.url = url
        self.db = db


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    db = tmp_path_factory.mktemp("e2e-admin") / "app.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{db}", APP_ENV="development", APP_PUBLIC_URL=url,
               APP_JOBS_ENABLED="false")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--migrate", "--demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_healthy(proc, port)
        yield Server(url, db)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def shoot(page: Page, out: Path, name: str) -> None:
    """Check the page, and photograph it at desktop width and again at phone width."""
    await check_a11y(page)
    await page.screenshot(path=str(out / f"admin-{name}.png"), full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await check_a11y(page)
    await page.screenshot(path=str(out / f"admin-{name}-phone.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 860})


async def sign_in(page: Page, server: Server, email: str, password: str) -> None:
    await page.goto(server.url + "/admin/login")
    await page.get_by_label("Work e-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Continue").click()


async def test_owner_creates_an_agent_who_signs_in_and_the_audit_log_shows_it(
    server: Server, output_dir: Path
) -> None:
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    said = await create_staff_account(
        settings, email="olive@example.test", role="owner", name="Olive Owner",
        password=OWNER_PASSWORD,
    )  # fmt: skip
    assert "created owner olive@example.test" in said

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            await page.goto(server.url + "/admin/staff")  # anonymous: to the sign-in page
            await page.wait_for_url("**/admin/login?next=/admin/staff")
            await shoot(page, output_dir, "login")
            await page.get_by_label("Work e-mail").fill("olive@example.test")
            await page.get_by_label("Password").fill("not the password")
            await page.get_by_role("button", name="Continue").click()
            await expect(page.get_by_test_id("admin-error")).to_contain_text("don't match")

            # the owner's first sign-in: two-factor must be set up
            await page.get_by_label("Password").fill(OWNER_PASSWORD)
            await page.get_by_role("button", name="Continue").click()
            await page.wait_for_url("**/admin/enrol**")
            await expect(page.locator("figure svg")).to_be_visible()
            await shoot(page, output_dir, "enrol")
            secret = (await page.get_by_test_id("totp-secret").inner_text()).strip()
            await page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Confirm and turn on").click()
            await expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
            await shoot(page, output_dir, "recovery-codes")
            await page.get_by_role("link", name="I have saved them, continue").click()
            await page.wait_for_url("**/admin/staff")

            enrolled_step = int(time.time()) // 30
            # signed out, then in again with a code from the app
            await page.get_by_role("button", name="Sign out").click()
            await page.wait_for_url("**/admin/login")
            await sign_in(page, server, "olive@example.test", OWNER_PASSWORD)
            await page.wait_for_url("**/admin/login/code**")
            await shoot(page, output_dir, "code")
            while int(time.time()) // 30 == enrolled_step:  # a code works once: the next one
                await asyncio.sleep(0.5)
            await page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Verify and sign in").click()
            await page.wait_for_url(server.url + "/admin")
            await expect(page.get_by_test_id("admin-user")).to_contain_text("olive@example.test")
            await shoot(page, output_dir, "overview")

            # the owner adds a support agent (a refused form first)
            await page.get_by_role("link", name="Staff").first.click()
            await page.get_by_label("Name").fill("Sam Support")
            await page.get_by_label("Work e-mail").fill("sam@example.test")
            await page.get_by_label("Role").select_option("support")
            await page.get_by_label("First password").fill("short")
            await page.get_by_role("button", name="Add staff member").click()
            await expect(page.locator(".field--invalid")).to_contain_text("at least 10 characters")
            await page.get_by_label("First password").fill(AGENT_PASSWORD)
            await page.get_by_role("button", name="Add staff member").click()
            await expect(page.get_by_test_id("staff-row")).to_have_count(2)
            await shoot(page, output_dir, "staff")

            # the agent's page: role, status, two-factor, activity, and the owner's actions;
            # disabling asks for a confirmation first (cancelled here: nothing changes)
            await page.get_by_role("link", name="Sam Support").click()
            await expect(page.get_by_test_id("staff-header")).to_contain_text("sam@example.test")
            await expect(page.get_by_test_id("activity-entry")).to_contain_text(
                "Staff member invited"
            )
            await shoot(page, output_dir, "staff-member")
            await page.locator("#f-disable-reason").fill("Moving to the partner team")
            await page.get_by_role("button", name="Disable…").click()
            await expect(page.get_by_test_id("consequences")).to_contain_text("cannot sign in")
            await shoot(page, output_dir, "staff-confirm")
            await page.get_by_role("link", name="Cancel").click()
            await expect(page.get_by_test_id("staff-status")).to_contain_text("Active")
            await page.get_by_role("button", name="Sign out").click()

            # the agent signs in (support: no two-factor required) and sees no staff page
            await sign_in(page, server, "sam@example.test", AGENT_PASSWORD)
            await page.wait_for_url(server.url + "/admin")
            await expect(page.get_by_role("link", name="Staff")).to_have_count(0)
            await page.get_by_role("link", name="Customers").first.click()
            await expect(page.get_by_test_id("customer-search")).to_be_visible()
            forbidden = await page.goto(server.url + "/admin/staff")
            assert forbidden is not None and forbidden.status == 403
            await expect(page.get_by_test_id("admin-forbidden")).to_contain_text("role (support)")
            await shoot(page, output_dir, "forbidden")

            # the audit log shows both creations and the sign-ins, with who did them
            await page.goto(server.url + "/admin/audit")
            rows = page.get_by_test_id("audit-row")
            await expect(rows.filter(has_text="staff.created")).to_have_count(2)
            created = rows.filter(has_text="staff.created")
            by = created.locator("td[data-label='Staff member']")
            await expect(by).to_have_text(["olive@example.test", "command line"])  # newest first
            await expect(created.first).to_contain_text("sam@example.test")
            await expect(
                rows.filter(has_text="staff.signed_in").filter(has_text="sam@example.test")
            ).to_have_count(1)
            await expect(rows.filter(has_text="staff.2fa_enrolled")).to_have_count(1)
            await shoot(page, output_dir, "audit")
            await page.get_by_label("Action").select_option("staff.created")
            await expect(rows).to_have_count(2)  # htmx swapped the filtered table
            assert "action=staff.created" in page.url

            blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
            assert blocked == [], f"blocked by the CSP: {blocked}"
            await context.close()
        finally:
            await browser.close()


def _cli(db: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{db}", "APP_ENV": "development"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _invoice_number(db: Path, email: str) -> str:
    sql = (
        "SELECT invoice.number FROM invoice JOIN customer ON customer.id = invoice.customer_id"
        " WHERE customer.email = ? AND invoice.number IS NOT NULL AND invoice.number != ''"
    )
    for _ in range(200):
        with sqlite3.connect(db) as conn:
            row = conn.execute(sql, (email,)).fetchone()
        if row:
            return str(row[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no invoice for {email}")


async def test_support_finds_a_customer_by_invoice_number_and_opens_the_record(
    server: Server, output_dir: Path
) -> None:
    for email, name, card in (
        ("ada@example.test", "Ada Lovelace", "4242424242424242"),
        ("alan@example.test", "Alan Turing", "5555555555554444"),
    ):
        _cli(server.db, "customer", "create", "--email", email, "--name", name,
             "--country", "GB", "--card", card)  # fmt: skip
        _cli(server.db, "subscribe", "--email", email, "--plan", "team-monthly")
    number = await _invoice_number(server.db, "ada@example.test")
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(
        settings, email="sue@example.test", role="support", name="Sue Support",
        password=AGENT_PASSWORD,
    )  # fmt: skip

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, server, "sue@example.test", AGENT_PASSWORD)
            await page.wait_for_url(server.url + "/admin")
            await page.get_by_role("link", name="Customers").first.click()
            await page.wait_for_url("**/admin/customers")
            await shoot(page, output_dir, "customers")

            # typing searches as you type (htmx): a name prefix lists both
            search = page.get_by_test_id("customer-search")
            await search.fill("a")
            rows = page.get_by_test_id("customer-row")
            await expect(rows).to_have_count(2)
            await shoot(page, output_dir, "customers-results")

            # an invoice number: the one customer it belongs to, saying what matched
            await search.fill(number)
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_contain_text(f"Invoice {number}")
            await expect(rows.first).to_contain_text("Ada Lovelace")
            assert "q=" in page.url  # htmx pushed the query into the address
            await rows.first.get_by_role("link", name="Ada Lovelace").click()
            await page.wait_for_url("**/admin/customers/*")
            await expect(page.get_by_test_id("customer-header")).to_contain_text("Ada Lovelace")
            await expect(page.get_by_test_id("invoice-row").first).to_contain_text(number)
            await expect(page.get_by_test_id("card-row").first).to_contain_text("•••• 4242")
            await shoot(page, output_dir, "customer")

            # Enter on an exact number goes straight to the customer (htmx), and so does a
            # plain GET of the form
            await page.goto(f"{server.url}/admin/customers")
            await page.get_by_test_id("customer-search").fill(number.lower())
            await page.get_by_test_id("customer-search").press("Enter")
            await page.wait_for_url("**/admin/customers/*")
            await expect(page.get_by_test_id("customer-header")).to_contain_text("Ada Lovelace")
            await page.goto(f"{server.url}/admin/customers?q={number}")
            await expect(page.get_by_test_id("customer-header")).to_contain_text("Ada Lovelace")

            blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
            assert blocked == [], f"blocked by the CSP: {blocked}"
            await context.close()
        finally:
            await browser.close()


async def _give_account(db: Path, email: str) -> None:
    """The customer made by the command line gets a sign-in account (as a checkout would)."""
    from domain.adapters.db.engine import close_pool, make_engine
    from domain.adapters.db.tables import bind_tables
    from domain.adapters.db.uow import PiccoloUnitOfWork
    from domain.shared.clock import SystemClock
    from tests.support.accounts import make_account
    from web.jobs import build_registry

    with sqlite3.connect(db) as conn:
        (customer_id,) = conn.execute(
            "SELECT id FROM customer WHERE email = ?", (email,)
        ).fetchone()
    engine = make_engine(f"sqlite:///{db}")
    bind_tables(engine)
    try:
        clock = SystemClock()
        uow = PiccoloUnitOfWork(engine, clock=clock, registry=build_registry())
        await make_account(uow, clock, email=email, name="Grace Hopper", customer_id=customer_id)
    finally:
        await close_pool(engine)


async def test_support_writes_a_note_and_views_the_portal_as_the_subscriber(
    server: Server, output_dir: Path
) -> None:
    email = "grace@example.test"
    _cli(server.db, "customer", "create", "--email", email, "--name", "Grace Hopper",
         "--country", "US", "--card", "4242424242424242")  # fmt: skip
    _cli(server.db, "subscribe", "--email", email, "--plan", "team-monthly")
    number = await _invoice_number(server.db, email)
    await _give_account(server.db, email)
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(
        settings, email="nina@example.test", role="support", name="Nina Notes",
        password=AGENT_PASSWORD,
    )  # fmt: skip

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, server, "nina@example.test", AGENT_PASSWORD)
            await page.wait_for_url(server.url + "/admin")
            await page.goto(f"{server.url}/admin/customers?q={number}")
            await expect(page.get_by_test_id("customer-header")).to_contain_text("Grace Hopper")
            record_url = page.url

            # a note: refused empty (htmx re-renders the panel), then added
            notes = page.get_by_test_id("customer-notes")
            await notes.get_by_role("button", name="Add note").click()
            await expect(page.get_by_test_id("note-error")).to_contain_text("Write the note")
            await notes.get_by_label("New note").fill(
                "Asked about annual billing; sent the price list.\nFollow up next week."
            )
            await notes.get_by_role("button", name="Add note").click()
            await expect(page.get_by_test_id("note-row")).to_have_count(1)
            await expect(page.get_by_test_id("note-row")).to_contain_text("Nina Notes")
            await expect(page.get_by_test_id("timeline-event").first).to_contain_text(
                "Note by Nina Notes"
            )
            await page.get_by_test_id("customer-notes").scroll_into_view_if_needed()
            await shoot(page, output_dir, "customer-notes")

            # view as the subscriber: the portal under the banner, read only
            await page.get_by_test_id("view-as").click()
            await page.wait_for_url(server.url + "/account")
            banner = page.get_by_test_id("view-as-banner")
            await expect(banner).to_contain_text("Viewing as grace@example.test")
            await expect(banner).to_contain_text("read only")
            await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
            assert "annual billing" not in await page.content()  # notes never reach the portal
            await shoot(page, output_dir, "view-as-overview")
            await page.get_by_role("link", name="Invoices").first.click()
            await page.wait_for_url("**/account/invoices")
            await expect(banner).to_be_visible()
            await shoot(page, output_dir, "view-as-invoices")
            refused = await page.request.post(
                server.url + "/account/profile/name", form={"name": "Changed"}
            )
            assert refused.status == 403  # CSRF or the read-only guard: never a change
            link = await page.goto(server.url + "/account/profile/email/some-emailed-secret")
            assert link is not None and link.status == 403  # the subscriber's e-mailed links
            await expect(page.get_by_test_id("view-as-refused")).to_contain_text("Read only")
            await shoot(page, output_dir, "view-as-refused")
            await page.goto(server.url + "/account/invoices")

            await banner.get_by_role("button", name="Exit").click()
            await page.wait_for_url(record_url)
            await page.goto(server.url + "/account")
            assert "/auth/login" in page.url  # the view is over; no subscriber session exists

            await page.goto(server.url + "/admin/audit?action=customer.view_as_started")
            await expect(page.get_by_test_id("audit-row")).to_have_count(1)
            await expect(page.get_by_test_id("audit-row")).to_contain_text("nina@example.test")

            blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
            assert blocked == [], f"blocked by the CSP: {blocked}"
            await context.close()
        finally:
            await browser.close()
