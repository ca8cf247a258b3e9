"""The sign-in pages in Debian's headless Chromium against a real server and the real OpenID
Connect test provider: "Sign in with ...", forgot password, sign-in links, with and without
JavaScript. Screenshots go to test-output/signin-*.png."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.server import wait_until_healthy
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, ROOT, _free_port
from tests.support.oidc import node_available, start_oidc_provider

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Server:
    def __init__(self, url: str, db: Path) -> None:
        self.url = url
        self.db = db

    def last_link(self, kind: str) -> str:
        """The path of the link in the newest outbox e-mail of ``kind``."""
        with sqlite3.connect(self.db) as conn:
            (body,) = conn.execute(
                "select text_body from outbox_email where kind = ? order by created_at desc limit 1",
                (kind,),
            ).fetchone()
        found = re.search(r"https?://[^/\s]+(/auth/\S+)", body)
        assert found, body
        return found.group(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app (``web.cli serve``) with a real provider configured for "Sign in with Test SSO"."""
    if not node_available():
        pytest.skip("needs Node.js for the OpenID Connect test provider")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    db = tmp_path_factory.mktemp("e2e-signin") / "app.db"
    with start_oidc_provider(f"{url}/auth/oidc/oidc/callback") as provider:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"
        }
        env.update(
            DATABASE_URL=f"sqlite:///{db}",
            APP_ENV="development",
            APP_PUBLIC_URL=url,
            APP_JOBS_ENABLED="false",  # e-mails stay queued in the outbox, where the test reads them
            OIDC_ISSUER=provider.issuer,
            OIDC_CLIENT_ID=provider.client_id,
            OIDC_CLIENT_SECRET=provider.client_secret,
            OIDC_NAME="Test SSO",
        )
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


async def sign_out(page: Page, server: Server) -> None:
    await page.context.clear_cookies()
    await page.goto(server.url + "/auth/login")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def journey(browser: Browser, server: Server, out: Path, *, javascript: bool) -> None:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login = "alice" if javascript else "nojs-alice"
    email = f"{login}@example.test"

    # "Sign in with Test SSO": the provider's own forms, then back, signed in, a new account
    await page.goto(server.url + "/auth/login?next=/")
    if javascript:
        await page.screenshot(path=str(out / "signin-login.png"), full_page=True)
    await check_a11y(page)
    await page.get_by_role("link", name="Sign in with Test SSO").click()
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill("anything")
    await page.locator("button[type=submit]").click()
    await page.locator("button[type=submit]").click()  # the consent page's "Continue"
    await page.wait_for_url(server.url + "/")
    await page.goto(server.url + "/auth/login")
    await page.wait_for_url(server.url + "/account")  # signed in: sent on
    await sign_out(page, server)

    # a stale or forged callback: back on the sign-in page with a message, not an error page
    await page.goto(server.url + "/auth/oidc/oidc/callback?code=forged&state=forged")
    await expect(page.get_by_test_id("signin-error")).to_contain_text("Please start again")
    if javascript:
        await page.screenshot(path=str(out / "signin-oidc-error.png"), full_page=True)
    await check_a11y(page)

    # forgot the password (the SSO account has none yet): ask, open the link, a weak one first
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("E-mail", exact=True).fill(email)
    if javascript:
        await page.screenshot(path=str(out / "signin-forgot.png"), full_page=True)
    await check_a11y(page)
    await page.get_by_role("button", name="Send me a reset link").click()
    await expect(page.get_by_test_id("link-sent")).to_contain_text("we've sent a link")
    if javascript:
        await page.screenshot(path=str(out / "signin-forgot-sent.png"), full_page=True)
    await check_a11y(page)
    link = server.last_link("password_reset")
    await page.goto(server.url + link)
    await page.get_by_label("New password", exact=True).fill("short")
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page.locator(".field--invalid")).to_contain_text("at least 10 characters")
    if javascript:
        await page.screenshot(path=str(out / "signin-reset-error.png"), full_page=True)
    await check_a11y(page)
    await page.get_by_label("New password", exact=True).fill("a long and new passphrase")
    await page.get_by_role("button", name="Set password and sign in").click()
    await page.wait_for_url(server.url + "/account")
    await page.goto(server.url + link)  # used: a friendly dead end with a way out
    await expect(page.get_by_test_id("link-invalid")).to_contain_text("expired or was already used")
    if javascript:
        await page.screenshot(path=str(out / "signin-link-invalid.png"), full_page=True)
    await check_a11y(page)
    await sign_out(page, server)

    # a sign-in link: ask for it, open it, press the button
    await page.get_by_role("link", name="E-mail me a sign-in link").click()
    await page.get_by_label("E-mail", exact=True).fill(email)
    await page.get_by_role("button", name="E-mail me a sign-in link").click()
    await expect(page.get_by_test_id("link-sent")).to_contain_text("sign-in link")
    await page.goto(server.url + server.last_link("magic_link"))
    if javascript:
        await page.screenshot(path=str(out / "signin-magic-confirm.png"), full_page=True)
    await check_a11y(page)
    await page.get_by_test_id("magic-sign-in").click()
    await page.wait_for_url(server.url + "/account")

    if javascript:
        phone = await browser.new_page(viewport={"width": 390, "height": 844})
        await phone.goto(server.url + "/auth/login")
        await phone.screenshot(path=str(out / "signin-login-phone.png"), full_page=True)
        await check_a11y(phone)
        await phone.close()
    # (4xx pages log "Failed to load resource"; /account is another branch's page)
    blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
    assert blocked == [], f"blocked by the CSP: {blocked}"
    await context.close()


async def test_sign_in_pages_in_a_browser(server: Server, output_dir: Path) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            await journey(browser, server, output_dir, javascript=True)
        finally:
            await browser.close()


async def test_sign_in_pages_work_without_javascript(server: Server, output_dir: Path) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            await journey(browser, server, output_dir, javascript=False)
        finally:
            await browser.close()
