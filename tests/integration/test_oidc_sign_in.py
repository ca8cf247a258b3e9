"""OpenID Connect sign-in end to end: the real app (served in this loop) and the real provider
(oidc-provider on Node, one for the module). The app client talks ASGI; the driver, a separate
httpx client on the real network, plays the browser at the provider and hands the callback URL
back to the app client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import AccountIdentityTable, AccountTable, AuthSessionTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import PASSWORD, make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import parse
from tests.support.oidc import OidcProvider, OidcProviderFactory
from tests.support.oidc_login import sign_in as sign_in_at_provider
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.integration

APP_URL = "http://127.0.0.1:1"  # nothing listens here: the app client talks ASGI
CALLBACK = f"{APP_URL}/auth/oidc/oidc/callback"


@pytest.fixture(scope="module")
def provider(oidc_provider_factory: OidcProviderFactory) -> OidcProvider:
    return oidc_provider_factory(CALLBACK)


@pytest.fixture
def app(db: TestDatabase, clock: FrozenClock, provider: OidcProvider) -> Litestar:
    settings = make_settings(
        db,
        APP_PUBLIC_URL=APP_URL,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=provider.client_id,
        OIDC_CLIENT_SECRET=provider.client_secret,
        OIDC_NAME="Test SSO",
    )
    return create_app(settings, clock=clock, engine=db.engine, start_runner=False)


@asynccontextmanager
async def browser(app: Litestar) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """The app client and the driver at the provider: one person's browser, two cookie jars."""
    async with serve(app, base_url=APP_URL) as client, httpx.AsyncClient(timeout=10) as driver:
        yield client, driver


async def callback_url(
    client: httpx.AsyncClient, driver: httpx.AsyncClient, login: str, next_path: str = "/account"
) -> str:
    start = await client.get("/auth/oidc/oidc/start", params={"next": next_path})
    assert start.status_code == 303, start.text
    return await sign_in_at_provider(driver, start.headers["location"], login=login)


async def sso(
    client: httpx.AsyncClient, driver: httpx.AsyncClient, login: str, next_path: str = "/account"
) -> httpx.Response:
    return await client.get(await callback_url(client, driver, login, next_path))


async def is_signed_in(client: httpx.AsyncClient) -> bool:
    return (await client.get("/auth/login")).status_code == 303


async def test_the_login_page_offers_the_provider(app: Litestar) -> None:
    async with serve(app, base_url=APP_URL) as client:
        page = await client.get("/auth/login", params={"next": "/account/invoices"})
    button = parse(page.text).select_one("[data-testid=oidc-oidc]")
    assert button is not None and "Sign in with Test SSO" in button.text
    assert button["href"] == "/auth/oidc/oidc/start?next=/account/invoices"


async def test_a_new_person_gets_an_account_and_is_signed_in(app: Litestar) -> None:
    async with browser(app) as (client, driver):
        done = await sso(client, driver, "alice", next_path="/account/invoices")
        assert done.status_code == 303 and done.headers["location"] == "/account/invoices"
        assert await is_signed_in(client)
    (account,) = await AccountTable.select()
    assert account["email"] == "alice@example.test" and account["name"] == "Test alice"
    assert account["email_verified"] and account["password_hash"] is None
    (identity,) = await AccountIdentityTable.select()
    assert identity["subject"] == "alice" and identity["account"] == account["id"]
    (session,) = await AuthSessionTable.select()
    assert session["method"] == "oidc" and session["account"] == account["id"]


async def test_an_existing_account_with_the_same_verified_email_is_linked(
    app: Litestar, clock: FrozenClock
) -> None:
    sam = await make_account(app.state.runtime.uow(), clock, email="sam@example.test")
    await AccountTable.update({AccountTable.email_verified: True}).where(AccountTable.id == sam.id)
    async with browser(app) as (client, driver):
        assert (await sso(client, driver, "sam")).status_code == 303
        assert await is_signed_in(client)
    assert await AccountTable.count() == 1
    (identity,) = await AccountIdentityTable.select()
    assert identity["account"] == sam.id
    async with serve(app, base_url=APP_URL) as other:  # the password still works too
        assert (await sign_in(other, "sam@example.test", PASSWORD)).status_code == 303


async def test_linking_an_account_whose_address_was_never_proven_drops_its_password(
    app: Litestar, clock: FrozenClock
) -> None:
    """A pre-registered account (someone signed up with another person's address) must not
    keep a way in once the address's owner signs in with their provider."""
    await make_account(app.state.runtime.uow(), clock, email="sam@example.test")
    async with serve(app, base_url=APP_URL) as squatter:
        assert (await sign_in(squatter, "sam@example.test", PASSWORD)).status_code == 303
        async with browser(app) as (client, driver):
            assert (await sso(client, driver, "sam")).status_code == 303
            assert await is_signed_in(client)
        assert not await is_signed_in(squatter)  # the old session ended
        refused = await sign_in(squatter, "sam@example.test", PASSWORD)
        assert refused.status_code == 401
    (account,) = await AccountTable.select()
    assert account["password_hash"] is None and account["email_verified"]


async def test_an_unverified_email_is_not_matched_to_an_account(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock, email="unverified-bob@example.test")
    async with browser(app) as (client, driver):
        refused = await sso(client, driver, "unverified-bob")
        assert refused.status_code == 400
        error = parse(refused.text).select_one("[data-testid=signin-error]")
        assert "did not confirm your e-mail address" in error.text
        assert not await is_signed_in(client)
    assert await AccountIdentityTable.count() == 0
    assert await AuthSessionTable.count() == 0


async def test_a_signed_in_person_links_the_provider_to_their_account(
    app: Litestar, clock: FrozenClock
) -> None:
    carol = await make_account(app.state.runtime.uow(), clock, email="carol@example.com")
    async with browser(app) as (client, driver):
        assert (await sign_in(client, "carol@example.com")).status_code == 303
        profile = parse((await client.get("/account/profile")).text)
        button = profile.select_one('a[href="/auth/oidc/oidc/start?next=/account/profile"]')
        assert button is not None and button.get_text(strip=True) == "Link Test SSO"
        linked = await sso(client, driver, "carol-at-work", next_path="/account/profile")
        assert linked.status_code == 303 and linked.headers["location"] == "/account/profile"
        flashed = await client.get("/auth/forgot")  # any page shows the flash
        assert "Test SSO is linked to your account" in flashed.text
    (identity,) = await AccountIdentityTable.select()
    assert identity["account"] == carol.id and identity["email"] == "carol-at-work@example.test"
    async with browser(app) as (client, driver):  # from now on the provider signs carol in
        assert (await sso(client, driver, "carol-at-work")).status_code == 303
    assert await AccountTable.count() == 1
    sessions = await AuthSessionTable.select().where(AuthSessionTable.method == "oidc")
    assert [s["account"] for s in sessions] == [carol.id]


async def test_an_identity_linked_elsewhere_cannot_be_linked_again(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock, email="erin@example.com")
    async with browser(app) as (client, driver):
        assert (await sso(client, driver, "dave")).status_code == 303  # dave's own account
    async with browser(app) as (client, driver):
        assert (await sign_in(client, "erin@example.com")).status_code == 303
        refused = await sso(client, driver, "dave", next_path="/account/profile")
        assert refused.status_code == 409
        error = parse(refused.text).select_one("[data-testid=signin-error]")
        assert "linked to another account" in error.text
    (identity,) = await AccountIdentityTable.select()
    dave = await AccountTable.select().where(AccountTable.email == "dave@example.test").first()
    assert identity["account"] == dave["id"]


def with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["state"] = state
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_a_tampered_state_is_refused_on_the_login_page(app: Litestar) -> None:
    async with browser(app) as (client, driver):
        callback = await callback_url(client, driver, "alice")
        refused = await client.get(with_state(callback, "forged"))
        assert refused.status_code == 400
        error = parse(refused.text).select_one("[data-testid=signin-error]")
        assert "does not match the one started in this browser" in error.text
        assert not await is_signed_in(client)
        # the attempt was used up by the refusal: the genuine callback is now stale too
        replayed = await client.get(callback)
        assert replayed.status_code == 400 and "expired" in replayed.text
    assert await AccountTable.count() == 0


async def test_a_callback_without_a_started_attempt_is_refused(app: Litestar) -> None:
    async with browser(app) as (client, driver):
        callback = await callback_url(client, driver, "alice")
    async with serve(app, base_url=APP_URL) as stranger:  # another browser: no pending attempt
        refused = await stranger.get(callback)
        assert refused.status_code == 400 and "Please start again" in refused.text
        assert not await is_signed_in(stranger)


async def test_an_unknown_provider_is_not_found(app: Litestar) -> None:
    async with serve(app, base_url=APP_URL) as client:
        assert (await client.get("/auth/oidc/nope/start")).status_code == 404
        assert (await client.get("/auth/oidc/nope/callback")).status_code == 404
