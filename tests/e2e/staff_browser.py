"""A staff member in Chromium, signed in and through two-factor enrolment, for the admin's
browser tests: ``async with staff_browser(server, email, name, password) as (browser, page,
errors):`` makes the account (``web.cli staff``'s own function), signs in, enrols TOTP, saves
the recovery codes and hands over the page at 1280 px with the console errors it collects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pyotp
from playwright.async_api import Browser, Page, async_playwright

from tests.e2e.test_admin_browser import Server, sign_in
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS
from web.cli_staff import create_staff_account
from web.settings import Settings


@asynccontextmanager
async def staff_browser(
    server: Server, email: str, name: str, password: str, *, role: str = "billing"
) -> AsyncIterator[tuple[Browser, Page, list[str]]]:
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(settings, email=email, role=role, name=name, password=password)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, server, email, password)
            await page.wait_for_url("**/admin/enrol**")  # billing and owner need two-factor
            secret = (await page.get_by_test_id("totp-secret").inner_text()).strip()
            await page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Confirm and turn on").click()
            await page.get_by_role("link", name="I have saved them, continue").click()
            yield browser, page, errors
        finally:
            await browser.close()
