"""Staff single sign-on end to end against the real OpenID Connect provider (oidc-provider on
Node, tests/oidc/), configured with STAFF_OIDC_* apart from the subscribers' provider. As in
test_oidc_sign_in.py, the app client talks ASGI and a second httpx client plays the browser at
the provider. The provider's login id ``sam`` is ``sam@example.test``; ``unverified-...`` ids
have an unverified address."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pyotp
import pytest
from litestar import Litestar

from domain.adapters.db.tables_staff import AuditEntryTable, StaffMemberTable, StaffSessionTable
from domain.shared.clock import FrozenClock
from tests.integration.test_oidc_sign_in import APP_URL, browser  # the same two clients
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.oidc import OidcProvider, OidcProviderFactory
from tests.support.oidc_login import sign_in as sign_in_at_provider
from tests.support.staff import make_staff
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.integration

CALLBACK = f"{APP_URL}/admin/sso/callback"


@pytest.fixture(scope="module")
def provider(oidc_provider_factory: OidcProviderFactory) -> OidcProvider:
    return oidc_provider_factory(CALLBACK, client_id="tessera-admin")


@pytest.fixture
def app(db: TestDatabase, clock: FrozenClock, provider: OidcProvider) -> Litestar:
    settings = make_settings(
        db,
        APP_PUBLIC_URL=APP_URL,
        STAFF_OIDC_ISSUER=provider.issuer,
        STAFF_OIDC_CLIENT_ID=provider.client_id,
        STAFF_OIDC_CLIENT_SECRET=provider.client_secret,
        STAFF_OIDC_NAME="Acme SSO",
    )
    return create_app(settings, clock=clock, engine=db.engine, start_runner=False)


async def callback_url(client: httpx.AsyncClient, driver: httpx.AsyncClient, login: str) -> str:
    start = await client.get("/admin/sso/start", params={"next": "/admin/audit"})
    assert start.status_code == 303, start.text
    return await sign_in_at_provider(driver, start.headers["location"], login=login)


async def sso(client: httpx.AsyncClient, driver: httpx.AsyncClient, login: str) -> httpx.Response:
    return await client.get(await callback_url(client, driver, login))


def continues_to(page: httpx.Response) -> str:
    """Where the page after the callback goes on to (its meta refresh and its link agree)."""
    html = parse(page.text)
    refresh = html.select_one('meta[http-equiv="refresh"]')
    assert refresh is not None
    link = by_testid(html, "admin-sso-continue")[0]["href"]
    assert refresh["content"] == f"0; url={link}"
    return str(link)


async def signed_in_actions() -> list[tuple[str, str]]:
    rows = await AuditEntryTable.select().where(AuditEntryTable.action == "staff.signed_in")
    return [(r["actor_email"], _json(r["after"])["method"]) for r in rows]


def _json(value: object) -> dict[str, object]:
    return json.loads(value) if isinstance(value, str) else dict(value)  # type: ignore[call-overload]


async def test_the_login_page_offers_staff_sso_and_the_subscribers_do_not_get_it(
    app: Litestar,
) -> None:
    async with serve(app, base_url=APP_URL) as client:
        page = await client.get("/admin/login", params={"next": "/admin/audit"})
        button = by_testid(parse(page.text), "admin-sso")[0]
        assert text(button) == "Sign in with Acme SSO"
        assert button["href"] == "/admin/sso/start?next=/admin/audit"
        subscriber = await client.get("/auth/login")
        assert "Acme SSO" not in subscriber.text  # configured apart: not a subscriber provider


async def test_an_active_member_signs_in_and_it_is_audited(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_staff(app.state.runtime.uow, clock, email="sam@example.test", role="support")
    async with browser(app) as (client, driver):
        done = await sso(client, driver, "sam")
        assert done.status_code == 200 and "admin_session=" in done.headers["set-cookie"]
        assert "samesite=strict" in done.headers["set-cookie"].lower()
        assert continues_to(done) == "/admin/audit"
        assert (await client.get("/admin/audit")).status_code == 200
    assert await signed_in_actions() == [("sam@example.test", "oidc")]
    (session,) = await StaffSessionTable.select()
    assert (session["stage"], session["method"]) == ("active", "oidc")


async def test_an_owner_with_two_factor_still_enters_the_code(
    app: Litestar, clock: FrozenClock
) -> None:
    owner = await make_staff(app.state.runtime.uow, clock, email="olive@example.test")
    assert owner.totp_secret is not None
    async with browser(app) as (client, driver):
        step = await sso(client, driver, "olive")
        assert continues_to(step) == "/admin/login/code?next=/admin/audit"
        assert "authenticator" in text(by_testid(parse(step.text), "admin-sso-next")[0])
        assert (await client.get("/admin/audit")).headers["location"] == "/admin/login/code"
        assert await signed_in_actions() == []
        token = csrf_token((await client.get("/admin/login/code")).text)
        code = pyotp.TOTP(owner.totp_secret).at(clock.now())
        done = await client.post(
            "/admin/login/code", data={"code": code, "next": "/admin/audit", "_csrf_token": token}
        )
        assert done.status_code == 303 and done.headers["location"] == "/admin/audit"
    assert await signed_in_actions() == [("olive@example.test", "oidc")]


@pytest.mark.parametrize(
    ("login", "says"),
    [
        ("nobody", "no active staff account"),  # unknown: no staff member is ever created
        ("unverified-sam", "did not confirm your e-mail"),
        ("dora", "no active staff account"),  # disabled
    ],
)
async def test_refused_sign_ins_open_nothing(
    app: Litestar, clock: FrozenClock, login: str, says: str
) -> None:
    await make_staff(app.state.runtime.uow, clock, email="sam@example.test", role="support")
    dora = await make_staff(app.state.runtime.uow, clock, email="dora@example.test", role="viewer")
    async with app.state.runtime.uow() as uow:
        await uow.staff.update(replace(dora, disabled_at=clock.now()))
        await uow.commit()
    async with browser(app) as (client, driver):
        refused = await sso(client, driver, login)
        assert refused.status_code == 401
        assert says in text(by_testid(parse(refused.text), "admin-error")[0]).lower()
        assert "admin_session=" not in refused.headers.get("set-cookie", "")
        assert (await client.get("/admin")).status_code == 303
    assert await StaffMemberTable.count() == 2 and await StaffSessionTable.count() == 0
    assert await signed_in_actions() == []


async def test_a_callback_with_another_state_is_refused(app: Litestar, clock: FrozenClock) -> None:
    await make_staff(app.state.runtime.uow, clock, email="sam@example.test", role="support")
    async with browser(app) as (client, driver):
        url = await callback_url(client, driver, "sam")
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query["state"] = "forged-" + query["state"][:20]
        forged = await client.get(urlunsplit(parts._replace(query=urlencode(query))))
        assert forged.status_code == 400
        assert "does not match" in text(by_testid(parse(forged.text), "admin-error")[0])
        again = await client.get(url)  # the real callback after it: the attempt is spent
        assert again.status_code == 400 and "expired" in again.text
    assert await StaffSessionTable.count() == 0


async def test_without_the_setting_there_is_no_button_and_no_route(
    db: TestDatabase, clock: FrozenClock
) -> None:
    plain = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    async with serve(plain) as client:
        assert not by_testid(parse((await client.get("/admin/login")).text), "admin-sso")
        assert (await client.get("/admin/sso/start")).status_code == 404
        assert (await client.get("/admin/sso/callback?code=x&state=y")).status_code == 404
