"""Staff single sign-on in Debian's headless Chromium, against a real server and the real
OpenID Connect provider (tests/oidc/): an owner whose TOTP secret was stored plain (before
encryption) presses "Sign in with Acme SSO", signs in at the provider, comes back, enters the
code (the SameSite=Strict admin cookie reaches the code step because the callback page continues
from this site) and lands on the overview; the secret is sealed afterwards. Screenshots:
test-output/admin-sso-login*.png."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.server import running_server
from tests.e2e.test_storefront_browser import CHROMIUM_ARGS, _free_port
from tests.support.oidc import OidcProviderFactory
from web.cli_staff import create_staff_account
from web.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Server:
    def __init__(self, url: str, db: Path) -> None:
        self.url = url
        self.db = db


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, oidc_provider_factory: OidcProviderFactory
) -> Iterator[Server]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    provider = oidc_provider_factory(f"{url}/admin/sso/callback", client_id="tessera-admin-e2e")
    db = tmp_path_factory.mktemp("e2e-admin-sso") / "app.db"
    env = {
        "DATABASE_URL": f"sqlite:///{db}",
        "APP_ENV": "development",
        "APP_PUBLIC_URL": url,
        "APP_JOBS_ENABLED": "false",
        "STAFF_TOTP_KEY": "e2e test key material, not a secret " + "z" * 8,
        "STAFF_OIDC_ISSUER": provider.issuer,
        "STAFF_OIDC_CLIENT_ID": provider.client_id,
        "STAFF_OIDC_CLIENT_SECRET": provider.client_secret,
        "STAFF_OIDC_NAME": "Acme SSO",
    }
    with running_server(port, env):
        yield Server(url, db)


async def test_an_owner_signs_in_with_sso_then_the_code(server: Server, output_dir: Path) -> None:
    settings = Settings.from_env(
        {"APP_ENV": "development", "DATABASE_URL": f"sqlite:///{server.db}"}
    )
    await create_staff_account(
        settings, email="olive@example.test", role="owner", name="Olive Owner",
        password="owner long passphrase",
    )  # fmt: skip
    secret = pyotp.random_base32()
    with sqlite3.connect(server.db) as con:  # enrolled before encryption: stored plain
        con.execute("UPDATE staff_member SET totp_secret = ?", (secret,))

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 860})
            await page.goto(f"{server.url}/admin/login")
            button = page.get_by_role("link", name="Sign in with Acme SSO")
            await expect(button).to_be_visible()
            await check_a11y(page)
            await page.screenshot(path=str(output_dir / "admin-sso-login.png"), full_page=True)
            await page.set_viewport_size({"width": 390, "height": 844})
            await page.screenshot(
                path=str(output_dir / "admin-sso-login-phone.png"), full_page=True
            )
            await page.set_viewport_size({"width": 1280, "height": 860})

            await button.click()  # off to the provider: its development login, then consent
            await page.locator("input[name=login]").fill("olive")
            await page.locator("input[name=password]").fill("anything")
            await page.locator("button[type=submit]").first.click()
            await page.locator("button[type=submit]").first.click()

            await page.wait_for_url(f"{server.url}/admin/login/code**")
            await expect(page.locator("input[name=code]")).to_be_visible()
            await page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
            await page.get_by_role("button", name="Verify and sign in").click()
            await page.wait_for_url(f"{server.url}/admin")
            await expect(page.get_by_test_id("admin-user")).to_contain_text("olive@example.test")
        finally:
            await browser.close()

    with sqlite3.connect(server.db) as con:
        (stored,) = con.execute("SELECT totp_secret FROM staff_member").fetchone()
        (after,) = con.execute(
            "SELECT after FROM audit_entry WHERE action = 'staff.signed_in'"
        ).fetchone()
    assert stored.startswith("sealed:") and secret not in stored
    assert '"method": "oidc"' in after or '"method":"oidc"' in after
