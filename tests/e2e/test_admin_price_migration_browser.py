"""A price migration in Debian's headless Chromium: a subscriber on Team, a new Team version
published; a billing member (two-factor set up on the way) opens the plan's migrations, starts
moving version 1's subscribers, previews (subscribers, old and new price, first notice and move)
and schedules it; the list shows it scheduled. The form with its preview is checked for
accessibility and photographed at 1280 and 390 px (test-output/admin-price-migration*.png)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import expect

from domain.adapters.db.engine import close_pool, make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.model import PlanPrice
from domain.catalog.service import publish_plan_version
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import SystemClock
from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import Server, _cli, server, shoot
from web.jobs import build_registry

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
    async with staff_browser(server, "pia@example.test", "Pia Pricing", PASSWORD) as signed_in:
        _, page, errors = signed_in
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
