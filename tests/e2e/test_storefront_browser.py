"""A real server driven by Debian's headless Chromium: the home page (one card per plan, the\nbilling-period and currency switches, the comparison matrix), htmx on and off, 1280 and 390 px."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.server import wait_until_healthy

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_DBS: dict[str, str] = {}  # each running server's URL -> its SQLite file


def server_db(url: str) -> str:
    """The SQLite file of the server at ``url`` (the module's ``server`` fixture): its writes sit
    in the WAL until a checkpoint, so the files' mtimes cannot tell which server is whose."""
    return SERVER_DBS[url]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m web.cli serve --migrate --demo`` on a fresh SQLite file and a free port."""
    port = _free_port()
    db = tmp_path_factory.mktemp("e2e") / "app.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--migrate", "--demo"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{db}", "APP_ENV": "development"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(proc, port)
    SERVER_DBS[url] = str(db)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    del SERVER_DBS[url]


async def test_home_page_in_a_browser_switches_period_and_currency_with_htmx(
    server: str, output_dir: Path
) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(server + "/")
        cards = page.locator('[data-testid="plan-card"]')
        await expect(cards).to_have_count(3)  # one per plan, annual prices behind the switch
        await expect(page.locator(".plan-card__ribbon")).to_have_count(1)
        await expect(page.get_by_test_id("compare-table")).to_be_visible()
        await page.screenshot(
            path=str(output_dir / "home-desktop.png"), full_page=True, caret="initial"
        )  # see test_pricing_browser.py
        await check_a11y(page)

        starter_price = page.locator('[data-family="starter"] [data-testid="plan-price"]')
        await expect(starter_price).to_contain_text("$19.00")
        await page.evaluate("window.__sameDocument = true")  # lost if the page reloads
        await page.locator("#interval-year").click()
        await expect(starter_price).to_contain_text("$190.00")
        await expect(cards).to_have_count(3)
        assert page.url.endswith("/?currency=USD&interval=year"), "htmx pushed the URL"
        await page.locator('[data-testid="currency-switch"] a', has_text="EUR").click()
        # a locator assertion polls from Playwright's side; a string predicate would need eval,
        # which the page's CSP (rightly) forbids
        await expect(starter_price).to_contain_text("€170.00")
        assert page.url.endswith("/?currency=EUR&interval=year"), "htmx pushed the URL"
        assert await page.evaluate("window.__sameDocument === true"), (
            "htmx swapped without a reload"
        )
        await check_a11y(page)
        assert errors == [], f"console errors (CSP?): {errors}"

        phone = await browser.new_page(viewport={"width": 390, "height": 844})
        await phone.goto(server + "/?interval=year")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the home page scrolls sideways on a phone ({width}px)"
        projects = phone.get_by_test_id("compare-row").filter(has_text="Projects")
        box = await projects.get_by_test_id("compare-wording").last.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, "the matrix fits a phone"
        await phone.screenshot(path=str(output_dir / "home-phone.png"), full_page=True)
        await check_a11y(phone)
        await browser.close()


async def test_home_page_works_without_javascript(server: str) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(java_script_enabled=False)
        page = await context.new_page()
        await page.goto(server + "/")
        await check_a11y(page)
        await page.locator("#interval-year").click()
        await page.wait_for_url("**/?*interval=year*")
        await page.locator('[data-testid="currency-switch"] a', has_text="EUR").click()
        await page.wait_for_url("**/?currency=EUR*")
        price = page.locator('[data-family="starter"] [data-testid="plan-price"]')
        assert "€170.00" in await price.inner_text()
        await browser.close()
