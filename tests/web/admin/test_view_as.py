"""View as subscriber: a staff member (a viewer is enough) opens a customer's portal read-only
from the customer page. Every /account GET route (walked from the app's own routes) shows A's
page under the banner, every other request is refused (403) and no row changes but the audit
log; signing out of the admin ends the view; Exit drops it; the subscriber's sessions are never
created or touched; notes never reach the portal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import AuthSessionTable
from domain.adapters.db.tables_staff import AuditEntryTable, StaffSessionTable
from domain.shared.clock import FrozenClock
from domain.support.notes import add_note
from domain.support.view_as import Viewing
from tests.support.accounts import sign_in
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.portal_history import Subscriber, fail_next_renewal, make_subscriber
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve
from tests.web.test_portal_isolation import PARAM, _email_change_secret, account_routes, ids_of
from tests.web.test_portal_isolation import snapshot as all_rows
from web.portal.viewing import NOT_WHILE_VIEWING, VIEW_COOKIE, sign_viewing

pytestmark = pytest.mark.web

NOTE = "Called about the March invoice; promised a callback."


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every table but the audit log and the staff's own sessions (the admin touches those)."""
    rows = await all_rows()
    for name in (AuditEntryTable._meta.tablename, StaffSessionTable._meta.tablename):
        rows.pop(name, None)
    return rows


async def _sessions() -> list[dict[str, Any]]:
    return sorted(await AuthSessionTable.select(), key=lambda r: str(r["id"]))


async def _audit(action: str) -> list[dict[str, Any]]:
    return list(await AuditEntryTable.select().where(AuditEntryTable.action == action))


async def _staff(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str) -> str:
    member = await make_staff(
        app.state.runtime.uow, clock, role=role, email=f"{role}@example.com", name=role.title()
    )
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return member.id


async def _start(client: httpx.AsyncClient, who: Subscriber) -> httpx.Response:
    page = await client.get(f"/admin/customers/{who.customer_id}")
    assert 'data-testid="view-as"' in page.text
    return await client.post(
        f"/admin/customers/{who.customer_id}/view-as",
        data={"_csrf_token": csrf_token(page.text)},
    )


async def test_a_viewer_walks_every_portal_page_read_only_and_each_view_is_audited(
    app: Litestar, clock: FrozenClock
) -> None:
    a = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    await fail_next_renewal(app, clock, a)  # a past-due invoice: the pay button, dunning
    await make_subscriber(app, clock, email="bob@example.com", name="Bob B")
    ids = ids_of(a, await _email_change_secret(app, clock, a))
    async with serve(app) as client:
        support = await make_staff(
            app.state.runtime.uow, clock, role="support", email="sue@example.com", name="Sue"
        )
        await add_note(
            _signed(support), a.customer_id, NOTE, uow=app.state.runtime.uow(), clock=clock
        )
        staff_id = await _staff(app, client, clock, "viewer")
        sessions_before = await _sessions()
        before = await snapshot()

        started = await _start(client, a)
        assert started.status_code == 303 and started.headers["location"] == "/account"
        cookie = started.headers["set-cookie"]
        assert cookie.startswith(f"{VIEW_COOKIE}=") and "Path=/account" in cookie
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie.replace("strict", "Strict")

        token = csrf_token((await client.get("/account")).text)
        pages = 0
        for method, template in account_routes(app):
            path = PARAM.sub(lambda m: ids.get(m.group(1), a.subscription_id), template)
            if method != "GET":
                refused = await client.post(path, data={"_csrf_token": token})
                assert refused.status_code == 403, (method, template, refused.status_code)
                assert "Read only: nothing was changed" in refused.text, template
                continue
            answer = await client.get(path)
            name = _route_name(app, template)
            if name in NOT_WHILE_VIEWING:
                assert answer.status_code == 403 and "Read only" in answer.text, template
                continue
            if answer.status_code == 303:  # /account/subscriptions: to the one subscription
                assert answer.headers["location"].startswith("/account"), template
                pages += 1
                continue
            if template.endswith("/addons/{code:str}"):  # the test plan sells no add-on:
                assert answer.status_code == 404, template  # A would get 404 too
                pages += 1  # viewed (and audited) all the same
                continue
            assert answer.status_code == 200, (template, answer.status_code)
            (banner,) = by_testid(parse(answer.text), "view-as-banner")
            assert "Viewing as ada@example.com" in text(banner) and "read only" in text(banner)
            assert "Bob B" not in answer.text and NOTE not in answer.text, template
            assert 'action="/auth/logout"' not in answer.text  # no sign-out of anyone
            pages += 1

        assert await snapshot() == before  # nothing changed (sessions, rows, PDFs, e-mails)
        assert await _sessions() == sessions_before  # no subscriber session made or touched
        (entry,) = await _audit("customer.view_as_started")
        assert entry["actor_staff_id"] == staff_id and entry["customer_id"] == a.customer_id
        viewed = await _audit("customer.view_as_page")
        assert len(viewed) == pages + 1  # every page above, and the one the token came from
        assert {e["customer_id"] for e in viewed} == {a.customer_id}
        assert all(e["actor_staff_id"] == staff_id for e in viewed)


def _signed(member: Any) -> Any:
    from domain.staff.model import SignedInStaff

    return SignedInStaff(member.id, member.email, member.name, member.role, "s")


def _route_name(app: Litestar, template: str) -> str | None:
    for route in app.routes:
        if route.path == template:
            for handler in route.route_handlers:  # type: ignore[attr-defined]
                if "GET" in handler.http_methods:
                    return str(handler.name)
    return None


async def test_signing_out_of_the_admin_ends_the_view(app: Litestar, clock: FrozenClock) -> None:
    a = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    async with serve(app) as client:
        await _staff(app, client, clock, "viewer")
        await _start(client, a)
        assert (await client.get("/account")).status_code == 200
        token = csrf_token((await client.get("/admin")).text)
        assert (await client.post("/admin/logout", data={"_csrf_token": token})).status_code == 303

        ended = await client.get("/account")
        assert ended.status_code == 403 and "This view has ended" in ended.text
        assert (
            f'{VIEW_COOKIE}=""' in ended.headers["set-cookie"]
            or "Max-Age=0" in (ended.headers["set-cookie"])
        )
        after = await client.get("/account")  # the cookie is gone: the portal's own sign-in
        assert after.status_code in (302, 303) and "/auth/login" in after.headers["location"]


async def test_exit_ends_the_view_and_goes_back_to_the_customer(
    app: Litestar, clock: FrozenClock
) -> None:
    a = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    async with serve(app) as client:
        await _staff(app, client, clock, "viewer")
        await _start(client, a)
        page = await client.get("/account")
        (banner,) = by_testid(parse(page.text), "view-as-banner")
        form = banner.find("form")
        assert form["action"] == f"/admin/customers/{a.customer_id}/view-as/exit"
        out = await client.post(form["action"], data={"_csrf_token": csrf_token(page.text)})
        assert out.status_code == 303
        assert out.headers["location"] == f"/admin/customers/{a.customer_id}"
        assert VIEW_COOKIE in out.headers["set-cookie"]
        assert len(await _audit("customer.view_as_ended")) == 1
        back = await client.get("/account")
        assert back.status_code in (302, 303) and "/auth/login" in back.headers["location"]


async def test_the_view_cookie_wins_over_the_staff_members_own_subscriber_session(
    app: Litestar, clock: FrozenClock
) -> None:
    a = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    await make_subscriber(app, clock, email="bob@example.com", name="Bob B")
    async with serve(app) as client:
        await sign_in(client, "bob@example.com")
        await _staff(app, client, clock, "viewer")
        await _start(client, a)
        viewing = await client.get("/account")
        assert "ada@example.com" in viewing.text and "Bob B" not in viewing.text
        token = csrf_token(viewing.text)
        refused = await client.post(
            "/account/profile/name", data={"_csrf_token": token, "name": "X"}
        )
        assert refused.status_code == 403
        await client.post(
            f"/admin/customers/{a.customer_id}/view-as/exit", data={"_csrf_token": token}
        )
        own = await client.get("/account")
        assert own.status_code == 200 and "bob@example.com" in own.text  # Bob's session untouched


async def test_a_forged_or_foreign_cookie_is_an_ended_view(
    app: Litestar, clock: FrozenClock
) -> None:
    a = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    async with serve(app) as client:
        client.cookies.set(VIEW_COOKIE, "garbage.deadbeef", path="/account")
        assert (await client.get("/account")).status_code == 403
        viewing = Viewing("v", "no-such-session", a.customer_id, clock.now().replace(year=2100))
        client.cookies.clear()
        client.cookies.set(VIEW_COOKIE, sign_viewing(viewing, "not the key"), path="/account")
        assert "This view has ended" in (await client.get("/account")).text
        client.cookies.clear()
        signed = sign_viewing(viewing, app.state.runtime.settings.secret_key)
        client.cookies.set(VIEW_COOKIE, signed, path="/account")  # signed, no live staff session
        assert "This view has ended" in (await client.get("/account")).text
        assert await _audit("customer.view_as_page") == []


async def test_a_customer_without_a_sign_in_account_has_no_portal_to_view(
    app: Litestar, clock: FrozenClock
) -> None:
    from domain.customers.service import create_customer

    runtime = app.state.runtime
    customer = await create_customer(
        email="nobody@example.com", name="No Account", currency="USD", country="US",
        uow=runtime.uow(), clock=clock,
    )  # fmt: skip
    async with serve(app) as client:
        await _staff(app, client, clock, "viewer")
        page = await client.get(f"/admin/customers/{customer.id}")
        assert 'data-testid="view-as"' not in page.text and "No portal to view" in page.text
        answer = await client.post(
            f"/admin/customers/{customer.id}/view-as", data={"_csrf_token": csrf_token(page.text)}
        )
        assert answer.status_code in (303, 409) and VIEW_COOKIE not in answer.headers.get(
            "set-cookie", ""
        )
        assert await _audit("customer.view_as_started") == []
