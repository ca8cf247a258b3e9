"""Password sign-in, the lockout, sign-out and sign-out everywhere, through the real pages."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.adapters.db.tables import AuthSessionTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import PASSWORD, make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import csrf_token, parse
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def test_sign_in_opens_a_session_and_rotates_the_cookie(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        page = await client.get("/auth/login")
        assert page.status_code == 200
        doc = parse(page.text)
        for name in ("email", "password"):
            control = doc.select_one(f"input[name={name}]")
            assert control is not None and doc.select_one(f"label[for={control['id']}]")
        before = client.cookies.get("session")
        response = await sign_in(client)
        assert response.status_code == 303
        assert response.headers["location"] == "/account"
        cookie = response.headers.get("set-cookie", "")
        assert "HttpOnly" in cookie and "session=" in cookie
        assert client.cookies.get("session") != before
    rows = await AuthSessionTable.select()
    assert len(rows) == 1 and rows[0]["revoked_at"] is None and rows[0]["method"] == "password"
    assert len(rows[0]["id"]) == 64  # a digest, never the cookie's secret


async def test_wrong_password_says_so_and_keeps_the_email(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        response = await sign_in(client, password="not the password")
        assert response.status_code == 401
        doc = parse(response.text)
        assert "don't match an account" in doc.select_one("[data-testid=signin-error]").get_text()
        assert doc.select_one("input[name=email]")["value"] == "sam@example.com"
        unknown = await sign_in(client, email="nobody@example.com")
        assert unknown.status_code == 401  # the same answer: no account enumeration


async def test_five_failures_lock_password_sign_in_for_a_while(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        for _ in range(5):
            assert (await sign_in(client, password="wrong password 1")).status_code == 401
        locked = await sign_in(client)  # even the right password waits
        assert locked.status_code == 429
        assert "locked for 15 minutes" in locked.text
        clock.advance(minutes=15, seconds=1)
        assert (await sign_in(client)).status_code == 303


async def test_sign_out_everywhere_ends_every_session(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as laptop, serve(app) as phone:
        assert (await sign_in(laptop)).status_code == 303
        assert (await sign_in(phone)).status_code == 303
        page = await laptop.get("/auth/login")  # signed in: sent on
        assert page.status_code == 303
        # laptop: sign out everywhere (needs a page with the CSRF token: the 303 target is fine)
        form_page = await laptop.get("/", follow_redirects=True)
        out = await laptop.post(
            "/auth/logout-everywhere", data={"_csrf_token": csrf_token(form_page.text)}
        )
        assert out.status_code == 303 and out.headers["location"] == "/auth/login"
        # the phone's session is gone too: the sign-in page no longer sends it on
        assert (await phone.get("/auth/login")).status_code == 200
    rows = await AuthSessionTable.select()
    assert len(rows) == 2 and all(r["revoked_at"] is not None for r in rows)


async def test_a_guarded_action_sends_anonymous_visitors_to_sign_in(app: Litestar) -> None:
    async with serve(app) as client:
        home = await client.get("/")
        response = await client.post(
            "/auth/logout-everywhere", data={"_csrf_token": csrf_token(home.text)}
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/auth/login?next=")


async def test_a_password_sign_in_never_redirects_off_site(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        page = await client.get("/auth/login?next=//evil.example/")
        response = await client.post(
            "/auth/login",
            data={
                "email": "sam@example.com",
                "password": PASSWORD,
                "next": "https://evil.example/",
                "_csrf_token": csrf_token(page.text),
            },
        )
        assert response.headers["location"] == "/account"
