"""The subscriber portal on a phone (390 px) and a desktop, signed in: every tab of the account
navigation on screen, no blank band above the page's heading, money columns inside the screen,
nothing scrolling sideways, and the accessibility check on every page.
Screenshots go to test-output/portal-phone-*.png and portal-desktop-*.png."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_portal_browser import _subscriber
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, server  # noqa: F401
from tests.support.accounts import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
EMAIL = "phone@example.test"
TABS = ["Overview", "Subscriptions", "Invoices", "Payment methods", "Profile"]


async def _layout_problems(page: Page, width: int) -> list[str]:
    """What a visitor of ``width`` px would miss on the page as it is."""
    return await page.evaluate(
        """(width) => {
        const problems = [];
        const doc = document.documentElement.scrollWidth;
        if (doc > width) problems.push(`the page scrolls sideways (${doc}px)`);
        for (const link of document.querySelectorAll('nav[aria-label="Account"] a')) {
          const r = link.getBoundingClientRect();
          if (r.left < 0 || r.right > width || r.width === 0)
            problems.push(`tab "${link.textContent.trim()}" is off-screen (${r.left}-${r.right})`);
        }
        const nav = document.querySelector('nav[aria-label="Account"]').getBoundingClientRect();
        const h1 = document.querySelector("h1").getBoundingClientRect();
        const gap = Math.round(h1.top - Math.max(nav.bottom, 0));
        if (gap > 64) problems.push(`${gap}px of blank space above the heading`);
        for (const cell of document.querySelectorAll("td.num, th.num")) {
          const r = cell.getBoundingClientRect();
          if (r.width === 0) continue;
          const wrap = cell.closest(".table-wrap");
          const shown = wrap ? wrap.getBoundingClientRect() : {left: 0, right: width};
          if (r.right > Math.min(width, shown.right) + 1 || r.left < shown.left - 1)
            problems.push(`money column "${cell.textContent.trim()}" is off-screen (${Math.round(r.right)}px)`);
        }
        return problems;
      }""",
        width,
    )


async def test_the_portal_fits_a_phone_and_a_desktop(
    server: str,  # noqa: F811
    output_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = str(next(tmp_path_factory.getbasetemp().glob("e2e*/app.db")))
    customer_id = await _subscriber(db, EMAIL)
    with sqlite3.connect(db) as conn:
        (subscription_id,) = conn.execute(
            "SELECT id FROM subscription WHERE customer = ?", (customer_id,)
        ).fetchone()
    pages = {
        "overview": "/account",
        "subscription": f"/account/subscriptions/{subscription_id}",
        "invoices": "/account/invoices",
        "payment-methods": "/account/payment-methods",
        "profile": "/account/profile",
    }
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for device, width in (("phone", 390), ("desktop", 1280)):
            context = await browser.new_context(viewport={"width": width, "height": 844})
            page = await context.new_page()
            await page.goto(f"{server}/auth/login?next=/account")
            await page.get_by_label("E-mail").fill(EMAIL)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
            nav = page.get_by_role("navigation", name="Account")
            assert [t.strip() for t in await nav.get_by_role("link").all_inner_texts()] == TABS
            problems: dict[str, list[str]] = {}
            for name, path in pages.items():
                await page.goto(server + path)
                await expect(page.get_by_role("heading", level=1)).to_be_visible()
                await page.screenshot(path=str(output_dir / f"portal-{device}-{name}.png"))
                await page.screenshot(
                    path=str(output_dir / f"portal-{device}-{name}-full.png"), full_page=True
                )
                await check_a11y(page)
                if found := await _layout_problems(page, width):
                    problems[name] = found
            assert problems == {}, f"on a {width}px {device}: {problems}"
            # every tab is reachable: the last one opens its page
            await page.goto(server + "/account")
            await (
                page.get_by_role("navigation", name="Account")
                .get_by_role("link", name="Profile")
                .click()
            )
            await expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
            await context.close()
        await browser.close()
