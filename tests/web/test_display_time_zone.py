"""A person's own time zone, chosen on the profile's "Language and dates" form (subscribers) or
on /admin/account/display (staff): saved with their display, every date shown to them moves to
it; a zone that is not an IANA name shows the form again with a message, nothing saved. The
test clock is 23:59:30 UTC on 31 January 2024: already 1 February in Tehran."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import csrf_token, one, parse, text
from tests.web.conftest import serve

pytestmark = pytest.mark.web


def _sessions(page_text: str) -> str:
    return text(one(parse(page_text), '[data-testid="sessions"]'))


async def _post_display(  # type: ignore[no-untyped-def]
    client, page_text: str, headers: dict[str, str] | None = None, **fields: str
):
    data = {"language": "en", "digits": "latin", "calendar": "gregorian", "timezone": ""}
    return await client.post(
        "/account/profile/display",
        data=data | fields | {"_csrf_token": csrf_token(page_text)},
        headers=headers,
    )


async def test_a_subscriber_saves_a_zone_and_their_dates_move_to_it(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    account = await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        assert (await sign_in(client)).status_code == 303
        before = await client.get("/account/profile")
        assert "since 1/31/24, 11:59" in _sessions(before.text)  # the site's zone: UTC
        field = one(parse(before.text), '[data-testid="display-timezone"]')
        assert field.get("list") == "time-zones" and not field.get("value")

        saved = await _post_display(client, before.text, timezone="asia/tehran")
        assert saved.status_code == 303 and saved.headers["location"] == "/account/profile"
        assert "Asia/Tehran" in saved.cookies["display"]

        after = await client.get("/account/profile")
        assert "since 2/1/24, 3:29" in _sessions(after.text)  # 03:29:30 in Tehran, the next day
        field = one(parse(after.text), '[data-testid="display-timezone"]')
        assert field.get("value") == "Asia/Tehran"
        assert "saved" in text(one(parse(after.text), "#flash"))
    async with app.state.runtime.uow() as uow:
        stored = await uow.accounts.get(account.id)
    assert stored is not None and stored.display.timezone == "Asia/Tehran"


async def test_an_unknown_zone_shows_the_form_again_with_a_message(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    account = await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        assert (await sign_in(client)).status_code == 303
        page = await client.get("/account/profile")
        refused = await _post_display(client, page.text, timezone="Mars/Olympus_Mons")
        assert refused.status_code == 422
        form = one(parse(refused.text), '[data-testid="display-form"]')
        error = text(one(form, ".field__error"))
        assert "not a time zone we know" in error and "Europe/London" in error
        field = one(form, '[data-testid="display-timezone"]')
        assert field.get("value") == "Mars/Olympus_Mons" and field.get("aria-invalid") == "true"

        # the page is in the language it is read in (the browser's here), not the one chosen
        persian = await _post_display(
            client, page.text, {"Accept-Language": "fa"}, language="fa", timezone="Nowhere"
        )
        assert persian.status_code == 422
        message = text(one(parse(persian.text), '[data-testid="display-form"] .field__error'))
        assert "منطقهٔ زمانی" in message
    async with app.state.runtime.uow() as uow:
        stored = await uow.accounts.get(account.id)
    assert stored is not None and stored.display.timezone == "" and stored.display.language == ""


async def test_the_language_switch_keeps_the_saved_zone(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    account = await make_account(app.state.runtime.uow(), clock)
    async with serve(app) as client:
        assert (await sign_in(client)).status_code == 303
        page = await client.get("/account/profile")
        await _post_display(client, page.text, timezone="Asia/Tehran")
        switched = await client.post(
            "/display",
            data={"language": "fa", "next": "/account/profile",
                  "_csrf_token": csrf_token(page.text)},
        )  # fmt: skip
        assert switched.status_code == 303
    async with app.state.runtime.uow() as uow:
        stored = await uow.accounts.get(account.id)
    assert stored is not None
    assert (stored.display.language, stored.display.timezone) == ("fa", "Asia/Tehran")


async def test_staff_choose_their_own_zone_for_the_admin(app: Litestar, clock: FrozenClock) -> None:
    from tests.support.staff import admin_sign_in, make_staff

    member = await make_staff(app.state.runtime.uow, clock, role="owner")
    async with serve(app) as client:
        assert (await admin_sign_in(client, member, clock)).status_code == 303
        listing = await client.get("/admin/staff")
        assert "Jan 31, 2024" in listing.text and "Feb 1, 2024" not in listing.text
        page = await client.get("/admin/account/display")
        assert page.status_code == 200
        assert one(parse(listing.text), '[data-testid="staff-display-link"]').get("href") == (
            "/admin/account/display"
        )
        data = {"language": "en", "digits": "latin", "calendar": "gregorian",
                "_csrf_token": csrf_token(page.text)}  # fmt: skip
        refused = await client.post("/admin/account/display", data=data | {"timezone": "Tehran"})
        assert refused.status_code == 422
        assert "not a time zone we know" in text(one(parse(refused.text), ".field__error"))

        saved = await client.post("/admin/account/display", data=data | {"timezone": "Asia/Tehran"})
        assert saved.status_code == 303
        listing = await client.get("/admin/staff")
        assert "Feb 1, 2024" in listing.text and "Jan 31, 2024" not in listing.text
    async with app.state.runtime.uow() as uow:
        stored = await uow.staff.get(member.id)
    assert stored is not None and stored.display.timezone == "Asia/Tehran"
