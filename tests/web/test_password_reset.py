"""Forgot your password: the request form, the e-mailed link (read from the outbox), the new
password form, and what a reset does to other sessions, through the real pages."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import AuthSessionTable, OutboxEmailTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import make_account, sign_in
from tests.support.html import csrf_token, parse
from tests.web.conftest import serve

pytestmark = pytest.mark.web

NEW_PASSWORD = "a brand new passphrase"


async def ask_for_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await client.get("/auth/forgot")
    assert page.status_code == 200
    return await client.post(
        "/auth/forgot", data={"_csrf_token": csrf_token(page.text), "email": email}
    )


async def reset_links() -> list[str]:
    rows = await OutboxEmailTable.select().where(OutboxEmailTable.kind == "password_reset")
    links = []
    for row in rows:
        found = re.search(r"https?://\S+(/auth/reset/[\w-]+)", row["text_body"])
        assert found, row["text_body"]
        links.append(found.group(1))
    return links


async def set_password(client: httpx.AsyncClient, link: str, password: str) -> httpx.Response:
    page = await client.get(link)
    assert page.status_code == 200, page.text
    return await client.post(
        link, data={"_csrf_token": csrf_token(page.text), "password": password}
    )


async def test_reset_through_the_emailed_link_signs_in_and_ends_other_sessions(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as laptop, serve(app) as phone:
        assert (await sign_in(laptop)).status_code == 303

        asked = await ask_for_reset(phone, "Sam@Example.com ")
        assert asked.status_code == 303
        sent = await phone.get(asked.headers["location"])
        assert "we've sent a link" in parse(sent.text).select_one("[data-testid=link-sent]").text
        (link,) = await reset_links()

        form = parse((await phone.get(link)).text)
        control = form.select_one("input[name=password]")
        assert control is not None and form.select_one(f"label[for={control['id']}]")
        done = await set_password(phone, link, NEW_PASSWORD)
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert (await phone.get("/auth/login")).status_code == 303  # signed in here
        assert (await laptop.get("/auth/login")).status_code == 200  # and out everywhere else
        assert (await sign_in(laptop, password=NEW_PASSWORD)).status_code == 303

    # the clock is frozen, so the three sessions share one created_at: compare them unordered
    rows = await AuthSessionTable.select()
    assert sorted(r["method"] for r in rows) == ["password", "password", "password_reset"]
    live = sorted((r["method"], r["revoked_at"] is None) for r in rows)
    # the laptop's first session ended; the phone's reset session and the laptop's new one live
    assert live == [("password", False), ("password", True), ("password_reset", True)]


async def test_unknown_address_gets_the_same_answer_and_no_email(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        known = await ask_for_reset(client, "sam@example.com")
        unknown = await ask_for_reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"]
    assert len(await reset_links()) == 1


async def test_a_malformed_address_is_refused_next_to_the_field(app: Litestar) -> None:
    async with serve(app) as client:
        response = await ask_for_reset(client, "not-an-address")
    assert response.status_code == 422
    doc = parse(response.text)
    field = doc.select_one("input[name=email]")
    assert field["value"] == "not-an-address"
    assert "name@example.com" in doc.select_one(f"#{field['aria-describedby'].split()[0]}").text


async def test_a_reset_link_works_once(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        await ask_for_reset(client, "sam@example.com")
        (link,) = await reset_links()
        assert (await set_password(client, link, NEW_PASSWORD)).status_code == 303
        again = await client.get(link)
        assert again.status_code == 410
        doc = parse(again.text)
        assert doc.select_one("[data-testid=link-invalid]") is not None
        assert doc.select_one("a[href='/auth/forgot']") is not None


async def test_a_reset_link_expires_after_an_hour(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        await ask_for_reset(client, "sam@example.com")
        (link,) = await reset_links()
        page = await client.get(link)
        clock.advance(hours=1, seconds=1)
        late = await client.post(
            link, data={"_csrf_token": csrf_token(page.text), "password": NEW_PASSWORD}
        )
        assert late.status_code == 410 and "expired" in late.text
        assert (await client.get(link)).status_code == 410
        assert (await sign_in(client, password=NEW_PASSWORD)).status_code == 401


async def test_a_weak_password_is_refused_and_the_link_still_works(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        await ask_for_reset(client, "sam@example.com")
        (link,) = await reset_links()
        weak = await set_password(client, link, "short")
        assert weak.status_code == 422
        doc = parse(weak.text)
        control = doc.select_one("input[name=password]")
        assert "field--invalid" in control.parent["class"]
        assert "at least 10 characters" in doc.select_one(".field--invalid").text
        common = await set_password(client, link, "password123")
        assert common.status_code == 422 and "too common" in common.text
        assert (await set_password(client, link, NEW_PASSWORD)).status_code == 303
    assert await AuthSessionTable.count() == 1


async def test_reset_requests_are_limited_per_address(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        for _ in range(4):
            assert (await ask_for_reset(client, "sam@example.com")).status_code == 303
        assert len(await reset_links()) == 3  # the fourth is answered the same but not sent
        clock.advance(hours=1, seconds=1)
        await ask_for_reset(client, "sam@example.com")
    assert len(await reset_links()) == 4
