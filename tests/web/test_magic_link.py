"""Sign-in links by e-mail: the request form, the page the link opens (a button, so a mail
scanner's GET spends nothing), single use, the 15-minute expiry and where it returns to."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import AuthSessionTable, OutboxEmailTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import make_account
from tests.support.html import csrf_token, parse
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def ask_for_link(
    client: httpx.AsyncClient, email: str = "sam@example.com", next_path: str | None = None
) -> httpx.Response:
    page = await client.get("/auth/magic", params={"next": next_path} if next_path else None)
    assert page.status_code == 200
    form = parse(page.text)
    hidden_next = form.select_one("form[action='/auth/magic'] input[name=next]")["value"]
    return await client.post(
        "/auth/magic",
        data={"_csrf_token": csrf_token(page.text), "email": email, "next": hidden_next},
    )


async def magic_links() -> list[str]:
    rows = await OutboxEmailTable.select().where(OutboxEmailTable.kind == "magic_link")
    links = []
    for row in rows:
        found = re.search(r"https?://[^/\s]+(/auth/magic/\S+)", row["text_body"])
        assert found, row["text_body"]
        links.append(found.group(1))
    return links


async def press_sign_in(client: httpx.AsyncClient, link: str) -> httpx.Response:
    page = await client.get(link)
    assert page.status_code == 200, page.text
    doc = parse(page.text)
    form = doc.select_one("form[method=post]:not(.language-switch)")
    assert doc.select_one("[data-testid=magic-sign-in]") is not None
    return await client.post(
        str(form["action"]),
        data={
            "_csrf_token": csrf_token(page.text),
            "next": form.select_one("[name=next]")["value"],
        },
    )


async def test_a_link_signs_in_when_the_button_is_pressed(
    app: Litestar, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        asked = await ask_for_link(client)
        assert asked.status_code == 303
        sent = parse((await client.get(asked.headers["location"])).text)
        assert "sign-in link" in sent.select_one("[data-testid=link-sent]").text
        (link,) = await magic_links()

        assert (await client.get(link)).status_code == 200
        assert await AuthSessionTable.count() == 0  # opening the link spends nothing
        done = await press_sign_in(client, link)
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert (await client.get("/auth/login")).status_code == 303
    (row,) = await AuthSessionTable.select()
    assert row["method"] == "magic_link"


async def test_a_link_works_once(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client, serve(app) as other:
        await ask_for_link(client)
        (link,) = await magic_links()
        page = await other.get(link)
        assert (await press_sign_in(client, link)).status_code == 303
        again = await client.get(link)
        assert again.status_code == 410
        assert parse(again.text).select_one("a[href='/auth/magic']") is not None
        late = await other.post(link, data={"_csrf_token": csrf_token(page.text)})
        assert late.status_code == 410  # the page was open before; the link is spent anyway
        assert (await other.get("/auth/login")).status_code == 200


async def test_a_link_expires_after_15_minutes(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        await ask_for_link(client)
        (link,) = await magic_links()
        clock.advance(minutes=15)
        expired = await client.get(link)
        assert expired.status_code == 410 and "expired" in expired.text
    assert await AuthSessionTable.count() == 0


async def test_the_link_returns_to_next(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        asked = await ask_for_link(client, next_path="/account/invoices?page=2")
        assert "next=%2Faccount%2Finvoices%3Fpage%3D2" in asked.headers["location"]
        (link,) = await magic_links()
        assert link.endswith("?next=%2Faccount%2Finvoices%3Fpage%3D2")
        done = await press_sign_in(client, link)
        assert done.headers["location"] == "/account/invoices?page=2"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
async def test_an_off_site_next_is_never_followed(
    app: Litestar, clock: FrozenClock, target: str
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        await ask_for_link(client, next_path=target)
        (link,) = await magic_links()
        assert "evil" not in link
        # even a hand-made link with an off-site next lands on the account
        page = await client.get(link.split("?")[0], params={"next": target})
        assert (
            parse(page.text).select_one("form:not(.language-switch) input[name=next]")["value"]
            == "/account"
        )
        done = await client.post(
            link.split("?")[0], data={"_csrf_token": csrf_token(page.text), "next": target}
        )
        assert done.status_code == 303 and done.headers["location"] == "/account"


async def test_unknown_address_gets_the_same_answer(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        known = await ask_for_link(client, "sam@example.com")
        unknown = await ask_for_link(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"]
    assert len(await magic_links()) == 1


async def test_link_requests_are_limited_per_address(app: Litestar, clock: FrozenClock) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        answers = [(await ask_for_link(client)).status_code for _ in range(5)]
        assert answers == [303] * 5
        assert len(await magic_links()) == 3
        clock.advance(minutes=61)
        await ask_for_link(client)
    assert len(await magic_links()) == 4


async def test_a_malformed_address_is_refused_next_to_the_field(app: Litestar) -> None:
    async with serve(app) as client:
        response = await ask_for_link(client, "nope")
    assert response.status_code == 422
    doc = parse(response.text)
    assert doc.select_one("input[name=email]")["value"] == "nope"
    assert doc.select_one(".field--invalid") is not None
