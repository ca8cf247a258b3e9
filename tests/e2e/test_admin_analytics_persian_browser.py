"""The analytics dashboard in Persian in Chromium (issue 19): an owner switches the admin to
Persian from the header, reads the overview right to left (the charts mirrored, their labels and
the tables in Persian digits) and the subscriber metrics; checked for accessibility and
photographed at 1280 and 390 px (test-output/admin-analytics-fa*.png,
admin-analytics-subscribers-fa*.png). The same year of synthetic movements as the English test."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_analytics_browser import _seed
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "ledger long passphrase"


def _wait_until_serving(url: str, seconds: float = 180) -> None:
    """The module's server migrates before it listens; on a busy machine that outlasts the
    fixture's own 30 s wait, and seeding before the tables exist fails."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url + "/pricing", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


async def test_an_owner_reads_the_dashboard_in_persian(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    _wait_until_serving(server.url)
    await _seed(server.db)
    async with staff_browser(server, "olive@example.test", "Olive Owner", PASSWORD,
                             role="owner") as signed_in:  # fmt: skip
        _, page, errors = signed_in
        await page.get_by_test_id("language-fa").click()
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
        await page.goto(server.url + "/admin/analytics")
        await expect(page.get_by_role("heading", name="تحلیل‌ها", exact=True)).to_be_visible()
        await expect(page.get_by_test_id("as-of")).to_contain_text("ارقام تا")
        await expect(page.get_by_test_id("card")).to_have_count(11)
        await expect(page.get_by_test_id("mrr-row")).to_have_count(12)
        # the amount axis stands on the right of a mirrored chart
        tick = page.get_by_test_id("mrr-chart").locator(".chart__tick").first
        await expect(tick).to_have_attribute("text-anchor", "start")
        await shoot(page, output_dir, "analytics-fa")
        await page.get_by_role("link", name="مشترکان", exact=True).first.click()
        await page.wait_for_url("**/admin/analytics/subscribers**")
        await expect(page.get_by_test_id("as-of")).to_be_visible()
        await shoot(page, output_dir, "analytics-subscribers-fa")
        await page.get_by_role("link", name="گروه‌ها", exact=True).click()
        await expect(page.get_by_test_id("cohort-card")).to_be_visible()
        await shoot(page, output_dir, "analytics-cohorts-fa")
        assert errors == []
