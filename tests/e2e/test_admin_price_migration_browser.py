"""A price migration in Debian's headless Chromium: a subscriber on Team, a new Team version
published; a billing member (two-factor set up on the way) opens the plan's migrations, starts
moving version 1's subscribers, previews (subscribers, old and new price, first notice and move)
and schedules it; the list shows it scheduled. The form with its preview is checked for
accessibility and photographed at 1280 and 390 px (test-output/admin-price-migration*.png)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import async_playwright, expect

from domain.adapters.db.engine import close_pool, make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.model import PlanPrice
from domain.catalog.service import publish_plan_version
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import SystemClock
from tests.e2e.test_admin_browser import Server, _cli, server, shoot, sign_in
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS
from web.cli_staff import create_staff_account
from web.jobs import build_registry
from web.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

__all__ = ["server"]  # the module's server fixture, shared

PASSWORD = "price keeper passphrase"


async def _publish_team_at_15(db: Path) -> None:
    engine = make_engine(f"sqlite:///{db}")
    bind_tables(engine)
    try:
        clock = SystemClock()
        registry = build_registry()
        async with PiccoloUnitOfWork(engine, clock=clock, registry=registry) as reader:
            team = await reader.plans.get_by_code("team-monthly")
        assert team is not None
        seat = Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(1500), unit_label="seat")
        prices = tuple(PlanPrice(p.currency, (seat,)) for p in team.prices)
        await publish_plan_version(
            "team-monthly",
            prices=prices,
            uow=PiccoloUnitOfWork(engine, clock=clock, registry=registry),
            clock=clock,
        )
    finally:
        await close_pool(engine)


async def test_billing_previews_and_schedules_a_price_migration(
    server: Server, output_dir: Path
) -> None:
    _cli(server.db, "customer", "create", "--email", "lin@example.test", "--name",
         "Lin Subscriber", "--country", "US", "--card", "4242424242424242")  # fmt: skip
    _cli(server.db, "subscribe", "--email", "lin@example.test", "--plan", "team-monthly",
         "--quantity", "3")  # fmt: skip
    await _publish_team_at_15(server.db)
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(
        settings, email="pia@example.test", role="billing", name="Pia Pricing",
        password=PASSWORD,
    )  # fmt: skip

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(page, server, "pia@example.test", PASSWORD)
            await page.wait_for_url("**/admin/enrol**")  # billing needs two-factor
            secret = (await page.get_by_test_id("totp-secret").inner_text()).strip()
            await page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Confirm and turn on").click()
            await page.get_by_role("link", name="I have saved them, continue").click()

            await page.goto(f"{server.url}/admin/catalog/plans/team-monthly/migrations")
            await page.get_by_test_id("migrate-link").click()
            await page.get_by_role("button", name="Preview").click()
            preview = page.get_by_test_id("migration-preview")
            await expect(preview.get_by_test_id("preview-subscribers")).to_have_text("1")
            await expect(preview.get_by_test_id("preview-line").first).to_contain_text("$15.00")
            await shoot(page, output_dir, "price-migration")
            await page.set_viewport_size({"width": 1280, "height": 860})
            await page.get_by_test_id("confirm").click()
            await expect(page.locator("body")).to_contain_text("The price migration is scheduled")
            await expect(page.get_by_test_id("migration-row")).to_contain_text("Scheduled")
            await shoot(page, output_dir, "price-migrations")
            assert not errors, errors
        finally:
            await browser.close()
