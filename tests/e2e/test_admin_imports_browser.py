"""The CRM import and the accounting export in Chromium against ``serve --demo`` with the job
runner on: a billing member uploads a HubSpot CSV with one bad row, keeps the guessed mapping,
runs the dry run (the bad row listed), imports (the progress follows by htmx until done), then
downloads the journal of the month. Pages are checked for accessibility and photographed at 1280
and 390 px (test-output/admin-imports-*.png, admin-exports*.png)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.server import wait_until_healthy
from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import Server, shoot
from tests.e2e.test_storefront_browser import ROOT, _free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "import long passphrase"
CSV = (
    "\ufeffRecord ID;Company name;Email;Country/Region;Street Address;City;Postal Code;Currency;"
    "VAT number\r\n"
    "1;Acme GmbH;billing@acme.example;Germany;Hauptstr. 1;Berlin;10115;EUR;DE123456789\r\n"
    "2;Globex Inc;ap@globex.example;United States;1 Main St;Springfield;12345;USD;\r\n"
    "3;Initech;not-an-email;US;;;;USD;\r\n"
).encode()


@pytest.fixture(scope="module")
def jobs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    db = tmp_path_factory.mktemp("e2e-imports") / "app.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{db}", APP_ENV="development", APP_PUBLIC_URL=url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--migrate", "--demo"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until_healthy(proc, port)
        yield Server(url, db)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_billing_imports_a_crm_csv_and_downloads_the_journal(
    jobs_server: Server, output_dir: Path
) -> None:
    async with staff_browser(jobs_server, "bill@example.test", "Bill Billing", PASSWORD) as signed:
        _, page, errors = signed
        await page.get_by_role("link", name="Imports").click()
        await shoot(page, output_dir, "imports")
        await page.get_by_label("CSV file").set_input_files(
            {"name": "hubspot-companies.csv", "mimeType": "text/csv", "buffer": CSV}
        )
        await page.get_by_role("button", name="Upload and map columns").click()
        await expect(page.get_by_test_id("import-title")).to_have_text("hubspot-companies.csv")
        await expect(page.get_by_label("External ID")).to_have_value("Record ID")
        await page.get_by_role("button", name="Dry run").click()
        await expect(page.get_by_test_id("dry-created")).to_have_text("2")
        await expect(page.get_by_test_id("row-error")).to_have_count(1)
        await expect(page.get_by_test_id("row-error")).to_contain_text("e-mail address")
        await shoot(page, output_dir, "imports-dry-run")
        await page.get_by_role("button", name="Import 2 rows").click()
        progress = page.get_by_test_id("import-progress")
        await expect(progress).to_have_attribute("data-status", "done", timeout=20_000)
        await expect(page.get_by_test_id("count-created")).to_have_text("2")
        await shoot(page, output_dir, "imports-done")

        await page.get_by_role("link", name="Exports").click()
        await page.locator('input[name="kind"][value="journal"]').check()
        await shoot(page, output_dir, "exports")
        async with page.expect_download() as download_info:
            await page.get_by_role("button", name="Download CSV").click()
        download = await download_info.value
        assert download.suggested_filename.startswith("journal-")
        content = Path(await download.path()).read_text()
        assert content.startswith("date,document,entry,reference")
        assert errors == []
