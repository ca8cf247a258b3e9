"""The customer-action step in a browser: a card that asks for the bank's confirmation, the link
the customer is sent, the confirmation with htmx, and the paid invoice."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, ROOT, server  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _cli(db: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{db}", "APP_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_customer_confirms_a_payment_in_the_browser(
    server: str,  # noqa: F811
    output_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    db = str(next(tmp_path_factory.getbasetemp().glob("e2e*/app.db")))
    _cli(db, "customer", "create", "--email", "grace@example.test", "--name", "Grace Hopper",
         "--country", "US", "--card", "4000002500003155")  # fmt: skip
    _cli(db, "subscribe", "--email", "grace@example.test", "--plan", "team-monthly")
    ref = None
    for _ in range(100):  # the server's job runner charges the invoice
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT payment_ref FROM payment_attempt WHERE status = 'requires_action'"
            ).fetchone()
        if row:
            ref = row[0]
            break
        await asyncio.sleep(0.1)
    assert ref is not None
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{server}/pay/confirm/{ref}")
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm your payment")
        await page.screenshot(path=str(output_dir / "pay-confirm.png"), full_page=True)
        await check_a11y(page)
        await page.get_by_role("button", name="Confirm payment").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("is paid")
        await page.screenshot(path=str(output_dir / "pay-confirmed.png"), full_page=True)
        await check_a11y(page)
        # two days later the secret link has expired and shows nothing of the payment
        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE payment_attempt SET finished_at = datetime(finished_at, '-2 days'), "
                "created_at = datetime(created_at, '-2 days') WHERE payment_ref = ?",
                (ref,),
            )
        expired = await page.goto(f"{server}/pay/confirm/{ref}")
        assert expired is not None and expired.status == 410
        await expect(page.get_by_role("heading", level=1)).to_contain_text("has expired")
        await expect(page.get_by_role("button", name="Confirm payment")).to_have_count(0)
        await page.screenshot(path=str(output_dir / "pay-link-expired.png"), full_page=True)
        await check_a11y(page)
        assert errors == [] or all("410" in e for e in errors)
        await browser.close()
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT status FROM invoice")] == ["paid"]
