"""Each person reads the product in their language: a subscriber's saved choice, else the
switch (a cookie), else Accept-Language, else the site's default; ``<html lang dir>`` follows.
The switch is a plain form (CSRF, no JavaScript)."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from domain.shared.display import Calendar, Digits
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import csrf_token, one, parse, text
from tests.web.conftest import serve

pytestmark = pytest.mark.web


def _html(page) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    root = one(parse(page.text), "html")
    return str(root.get("lang")), str(root.get("dir"))


async def _switch(client, language: str, **extra: str):  # type: ignore[no-untyped-def]
    page = await client.get("/pricing")
    return await client.post(
        "/display",
        data={"language": language, "next": "/pricing", "_csrf_token": csrf_token(page.text),
              **extra},
    )  # fmt: skip


async def test_the_browser_language_chooses_persian_right_to_left(
    app: Litestar, catalog: TestDatabase
) -> None:
    async with serve(app) as client:
        english = await client.get("/pricing")
        assert _html(english) == ("en-US", "ltr")
        assert "Pricing" in text(one(parse(english.text), ".site-nav"))
        persian = await client.get("/pricing", headers={"Accept-Language": "fa-IR,en;q=0.5"})
        assert _html(persian) == ("fa", "rtl")
        nav = text(one(parse(persian.text), ".site-nav"))
        assert "قیمت‌ها" in nav and "Pricing" not in nav
        assert "/static/css/fonts-fa.css" in persian.text
        weighted = await client.get(
            "/pricing", headers={"Accept-Language": "de, en;q=0.9, fa;q=0.8"}
        )
        assert _html(weighted) == ("en-US", "ltr")


async def test_the_switch_keeps_a_visitors_choice_over_the_browser(
    app: Litestar, catalog: TestDatabase
) -> None:
    async with serve(app) as client:
        response = await _switch(client, "fa")
        assert response.status_code == 303 and response.headers["location"] == "/pricing"
        page = await client.get("/pricing", headers={"Accept-Language": "en"})
        assert _html(page) == ("fa", "rtl")
        back = await _switch(client, "en")
        assert back.status_code == 303
        assert _html(await client.get("/pricing", headers={"Accept-Language": "fa"})) == (
            "en-US",
            "ltr",
        )


async def test_an_unknown_language_is_refused_and_nothing_changes(
    app: Litestar, catalog: TestDatabase
) -> None:
    async with serve(app) as client:
        response = await _switch(client, "xx")
        assert response.status_code == 303
        assert "display" not in response.cookies
        page = await client.get("/pricing")
        assert _html(page) == ("en-US", "ltr")
        assert "That language or setting is not offered." in page.text
        off_site = await _switch(client, "fa", next="//evil.example/")
        assert off_site.headers["location"] == "/"  # only a local path is a target


async def test_the_switch_without_csrf_is_refused(app: Litestar, catalog: TestDatabase) -> None:
    async with serve(app) as client:
        await client.get("/pricing")
        response = await client.post("/display", data={"language": "fa", "next": "/"})
        assert response.status_code == 403


async def test_a_subscribers_choice_is_saved_on_their_account(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    account = await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        assert (await sign_in(client)).status_code == 303
        response = await _switch(client, "fa", digits="latin", calendar="jalali")
        assert response.status_code == 303
    async with app.state.runtime.uow() as uow:
        saved = await uow.accounts.get(account.id)
    assert saved is not None
    assert saved.display.language == "fa"
    assert saved.display.digits is Digits.LATIN and saved.display.calendar is Calendar.JALALI
    async with serve(app) as other_browser:  # no cookie: the account's choice still applies
        assert (await sign_in(other_browser)).status_code == 303
        page = await other_browser.get("/account", headers={"Accept-Language": "en"})
        assert _html(page) == ("fa", "rtl")


async def test_the_profile_page_offers_digits_and_the_calendar(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        assert (await sign_in(client)).status_code == 303
        page = await client.get("/account/profile")
        form = one(parse(page.text), '[data-testid="display-form"]')
        names = {i.get("name") for i in form.select("input, select")}
        assert {"language", "digits", "calendar", "_csrf_token"} <= names
        response = await client.post(
            "/display",
            data={"language": "fa", "digits": "native", "calendar": "jalali",
                  "next": "/account/profile", "_csrf_token": csrf_token(page.text)},
        )  # fmt: skip
        assert response.headers["location"] == "/account/profile"
        shown = await client.get("/account/profile")
        assert _html(shown) == ("fa", "rtl")
        assert "زبان و تاریخ‌ها" in shown.text


async def test_staff_have_their_own_language_saved_and_audited(
    app: Litestar, clock: FrozenClock
) -> None:
    from domain.adapters.db.tables_staff import AuditEntryTable
    from tests.support.staff import admin_sign_in, make_staff

    member = await make_staff(app.state.runtime.uow, clock, role="support")
    async with serve(app) as client:
        assert (await admin_sign_in(client, member, clock)).status_code == 303
        page = await client.get("/admin")
        switch = one(parse(page.text), '[data-testid="language-switch"]')
        assert switch.get("action") == "/admin/display"
        response = await client.post(
            "/admin/display",
            data={"language": "fa", "next": "/admin", "_csrf_token": csrf_token(page.text)},
        )
        assert response.status_code == 303 and response.headers["location"] == "/admin"
        assert _html(await client.get("/admin", headers={"Accept-Language": "en"})) == ("fa", "rtl")
        # the storefront is not the admin: the visitor's own choice (none here) applies there
        assert _html(await client.get("/pricing", headers={"Accept-Language": "en"}))[0] == "en-US"
    async with app.state.runtime.uow() as uow:
        saved = await uow.staff.get(member.id)
    assert saved is not None and saved.display.language == "fa"
    rows = await AuditEntryTable.select().where(AuditEntryTable.action == "staff.display_changed")
    assert len(rows) == 1
