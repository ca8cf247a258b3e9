"""API keys in Chromium against ``serve --demo``: an owner makes a read-only key (a refused
empty name first), copies the secret shown once, the key reads the API, then the owner revokes
it through the confirmation page and the key answers 401. Checked for accessibility and
photographed at 1280 and 390 px (test-output/admin-api-keys*.png)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "ledger long passphrase"


async def test_an_owner_makes_and_revokes_an_api_key(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    async with staff_browser(server, "own@example.test", "Olive Owner", PASSWORD,
                             role="owner") as signed_in:  # fmt: skip
        _, page, errors = signed_in
        await page.get_by_role("link", name="API keys").click()
        await page.get_by_role("button", name="Make key").click()
        await expect(page.locator(".field--invalid")).to_contain_text("Name the key")
        await page.get_by_label("Name").fill("CRM sync")
        await page.get_by_label("Read only: GET requests").check()
        await page.get_by_role("button", name="Make key").click()
        secret = (await page.get_by_test_id("secret").inner_text()).strip()
        assert secret.startswith("tsk_test_")
        await shoot(page, output_dir, "api-keys")
        async with httpx.AsyncClient(base_url=server.url) as api:
            auth = {"Authorization": f"Bearer {secret}"}
            assert (await api.get("/api/v1/customers", headers=auth)).status_code == 200
            await page.goto(server.url + "/admin/api-keys")
            await expect(page.get_by_test_id("secret")).to_have_count(0)
            await page.get_by_role("link", name="Revoke CRM sync").click()
            await shoot(page, output_dir, "api-keys-revoke")
            await page.get_by_role("button", name="Revoke the key").click()
            await expect(page.get_by_test_id("key-row")).to_contain_text("Revoked")
            assert (await api.get("/api/v1/customers", headers=auth)).status_code == 401
        assert [e for e in errors if "status of 422" not in e] == []  # the refused form
