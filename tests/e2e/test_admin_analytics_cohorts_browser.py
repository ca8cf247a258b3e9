"""The analytics pages in Chromium against ``serve --demo`` with a year of synthetic history
(tests/support/analytics_demo.py): a billing member opens the cohort heat map, switches to revenue
(a plain link), filters by currency, and opens the subscriber metrics and filters them by country. Each page is checked for
accessibility and photographed at 1280 and 390 px (test-output/admin-analytics-*.png); on a phone
the heat map scrolls inside its card, its first column sticky, and the page itself does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from domain.adapters.db.engine import close_pool, make_engine
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.shared.clock import SystemClock
from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
)
from tests.support.analytics_demo import seed_analytics_demo
from web.jobs import build_registry

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "cohort long passphrase"


async def _seed(running: Server) -> None:
    engine = make_engine(f"sqlite:///{running.db}")
    bind_tables(engine)
    clock = SystemClock()
    try:
        await seed_analytics_demo(
            lambda: PiccoloUnitOfWork(engine, clock=clock, registry=build_registry()), clock
        )
    finally:
        await close_pool(engine)


async def _phone_layout(page: Page) -> None:
    """At 390 px the table scrolls in its container, the page does not, the cohort stays put."""
    await page.set_viewport_size({"width": 390, "height": 844})
    scroll = page.locator(".an-scroll").first
    assert await scroll.evaluate("e => e.scrollWidth > e.clientWidth")
    assert await page.evaluate("document.documentElement.scrollWidth <= 390")
    sticky = page.locator(".an-cohorts tbody th").first
    before = await sticky.bounding_box()
    await scroll.evaluate("e => e.scrollLeft = 400")
    after = await sticky.bounding_box()
    assert before is not None and after is not None and abs(before["x"] - after["x"]) < 4  # not 400
    await scroll.evaluate("e => e.scrollLeft = 0")
    await page.set_viewport_size({"width": 1280, "height": 860})


async def test_billing_reads_the_cohort_heat_map_and_subscriber_metrics(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    await _seed(server)
    async with staff_browser(server, "cora@example.test", "Cora Cohorts", PASSWORD) as signed_in:
        _, page, errors = signed_in
        await page.goto(server.url + "/admin/analytics/cohorts")
        table = page.get_by_test_id("cohort-table")
        await expect(table).to_have_attribute("data-measure", "logos")
        await expect(page.get_by_test_id("cohort-row")).to_have_count(12)
        await expect(page.get_by_test_id("as-of")).to_contain_text("As of")
        await shoot(page, output_dir, "analytics-cohorts")
        await _phone_layout(page)

        await page.get_by_test_id("toggle-revenue").click()
        await expect(table).to_have_attribute("data-measure", "revenue")
        await page.get_by_label("Currency").select_option("EUR")
        await page.get_by_role("button", name="Apply").click()
        await expect(page).to_have_url(re.compile(r"currency=EUR.*measure=revenue"))
        await expect(page.get_by_test_id("cohort-row").first).to_be_visible()
        await shoot(page, output_dir, "analytics-cohorts-revenue")

        await page.get_by_role("link", name="Subscribers").click()
        await expect(page.get_by_test_id("reasons-bar")).to_have_count(12)
        await expect(page.get_by_test_id("stat-conversion")).to_contain_text("%")
        await shoot(page, output_dir, "analytics-subscribers")
        await page.get_by_label("Country").select_option("US")
        await page.get_by_role("button", name="Apply").click()
        await expect(page).to_have_url(re.compile(r"subscribers\?.*country=US"))
        await expect(page.get_by_label("Country")).to_have_value("US")
        await expect(page.get_by_test_id("csv-trials")).to_have_attribute(
            "href", re.compile(r"country=US"))  # fmt: skip
        await shoot(page, output_dir, "analytics-subscribers-filtered")
        assert errors == []
