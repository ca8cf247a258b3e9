"""The accessibility helper itself (tests/e2e/a11y.py) fails on what it should, and names it."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from tests.e2e.a11y import check_a11y
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BAD = """<!doctype html><html lang="en"><head><title>t</title><style>
body { background: #fff; } .faint { color: #8a93a3; } input { border: 1px solid #cdd2da; }
</style></head><body><main><h1>Title</h1><p class="faint">Faint words</p>
<label for="x">Name</label><input id="x"><img src="/nothing.png"></main></body></html>"""
GOOD = """<!doctype html><html lang="en"><head><title>t</title><style>
body { background: #fff; } .faint { color: #5b6474; } input { border: 1px solid #767f8f; }
</style></head><body><main><h1>Title</h1><p class="faint">Faint words</p>
<label for="x">Name</label><input id="x"><img src="/nothing.png" alt="Nothing"></main></body></html>"""


async def test_the_check_names_each_rule_and_node_and_passes_good_markup() -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.set_content(BAD)
        with pytest.raises(AssertionError) as failed:
            await check_a11y(page)
        message = str(failed.value)
        assert "color-contrast (serious)" in message and "Faint words" in message
        assert "image-alt (critical)" in message and "<img" in message
        assert "control-border-contrast (serious)" in message and "#x" in message
        await page.set_content(GOOD)
        await check_a11y(page)
        await browser.close()
