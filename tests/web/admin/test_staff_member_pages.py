"""/admin/staff/{id} and its changes through the real forms: the confirmation step, CSRF, 422 on
bad input and 409 on a rule (yourself, the last owner), 403 for non-owners, a disabled member
signed out at once, a new owner sent to enrolment, and own recovery codes; one audit entry per
change."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_staff import AuditEntryTable
from domain.shared.clock import FrozenClock
from tests.support.audit import audit_rows
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import STAFF_PASSWORD, admin_sign_in, code_for, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web
WHY = "Left the company"


async def actions() -> list[str]:
    """The audit actions, oldest first; entries made at one frozen instant tie, and are then
    listed by name (PostgreSQL returns ties in any order)."""
    rows = await (
        AuditEntryTable.select(AuditEntryTable.action)
        .order_by(AuditEntryTable.at)
        .order_by(AuditEntryTable.action)
    )
    return [r["action"] for r in rows if r["action"] != "staff.signed_in"]


async def _owner_client(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock):
    owner = await make_staff(app.state.runtime.uow, clock)
    assert (await admin_sign_in(client, owner, clock)).status_code == 303
    token = csrf_token((await client.get("/admin/staff")).text)
    return owner, token


async def test_disable_is_confirmed_ends_their_session_and_enable_lets_them_back(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    _, token = await _owner_client(app, client, clock)
    agent = await make_staff(app.state.runtime.uow, clock, role="support", email="sam@example.com",
                             name="Sam Support")  # fmt: skip
    async with serve(app) as agent_client:
        assert (await admin_sign_in(agent_client, agent, clock)).status_code == 303
        assert (await agent_client.get("/admin")).status_code == 200

        listing = parse((await client.get("/admin/staff")).text)
        links = [a["href"] for a in by_testid(listing, "staff-link")]
        assert f"/admin/staff/{agent.id}" in links
        page = await client.get(f"/admin/staff/{agent.id}")
        assert page.status_code == 200
        doc = parse(page.text)
        assert "Never" not in text(by_testid(doc, "staff-last-sign-in")[0])
        assert text(by_testid(doc, "staff-sessions")[0]) == "1"
        assert by_testid(doc, "disable-form") and by_testid(doc, "role-form")
        url = f"/admin/staff/{agent.id}/disable"

        # CSRF: a form without the token changes nothing
        assert (await client.post(url, data={"reason": WHY, "confirm": "yes"})).status_code == 403
        # a reason is required: the page again with the message
        empty = await client.post(url, data={"reason": "  ", "_csrf_token": token})
        assert empty.status_code == 422
        assert "Say why" in empty.text and by_testid(parse(empty.text), "disable-form")
        # the first POST is the confirmation step, which changes nothing
        confirm = await client.post(url, data={"reason": WHY, "_csrf_token": token})
        assert confirm.status_code == 200
        step = parse(confirm.text)
        assert "1 open session ends at once" in text(by_testid(step, "consequences")[0])
        assert by_testid(step, "confirm-form")[0].select_one('input[name="confirm"]')
        assert (await agent_client.get("/admin")).status_code == 200
        assert await actions() == ["staff.created", "staff.created"]

        done = await client.post(url, data={"reason": WHY, "confirm": "yes", "_csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == f"/admin/staff/{agent.id}"
        # their session ended at once, and they cannot sign in
        assert (await agent_client.get("/admin")).headers["location"].startswith("/admin/login")
        again = await admin_sign_in(agent_client, agent, clock)
        assert again.status_code == 401
        page = parse((await client.get(f"/admin/staff/{agent.id}")).text)
        assert "Disabled" in text(by_testid(page, "staff-status")[0])
        assert "is disabled" in text(page)  # the flash message
        assert by_testid(page, "enable-form") and not by_testid(page, "disable-form")
        assert await actions() == ["staff.created", "staff.created", "staff.disabled"]

        back = await client.post(
            f"/admin/staff/{agent.id}/enable", data={"reason": "Came back", "_csrf_token": token}
        )
        assert back.status_code == 303  # enabling needs no confirmation
        assert (await admin_sign_in(agent_client, agent, clock)).status_code == 303
    entries = await audit_rows()
    changes = [e for e in entries if e["action"] in ("staff.disabled", "staff.enabled")]
    assert [(e["action"], e["reason"]) for e in changes] == [
        ("staff.disabled", WHY),
        ("staff.enabled", "Came back"),
    ]


async def test_bad_input_and_refused_rules_re_render_the_page(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner, token = await _owner_client(app, client, clock)
    me = parse((await client.get(f"/admin/staff/{owner.id}")).text)
    # yourself and the last owner: no forms, the reason instead
    assert "cannot disable yourself" in text(by_testid(me, "refused-disable")[0])
    assert "last active owner" in text(by_testid(me, "refused-role")[0])
    assert not by_testid(me, "disable-form") and not by_testid(me, "role-form")
    # posting anyway is refused by the use case (409), nothing changes
    for path, data in (
        ("disable", {"reason": WHY, "confirm": "yes"}),
        ("role", {"reason": WHY, "role": "viewer", "confirm": "yes"}),
        ("reset-two-factor", {"reason": WHY}),
    ):
        refused = await client.post(
            f"/admin/staff/{owner.id}/{path}", data={**data, "_csrf_token": token}
        )
        assert refused.status_code == 409, path
        assert by_testid(parse(refused.text), "admin-error")
    agent = await make_staff(app.state.runtime.uow, clock, role="support", email="sam@example.com")
    url = f"/admin/staff/{agent.id}/role"
    for data, message in (
        ({"role": "chief", "reason": WHY}, "Choose one of the roles"),
        ({"role": "support", "reason": WHY}, "already"),
        ({"role": "viewer", "reason": "why\x00"}, "special characters"),
        ({"role": "viewer", "reason": "x" * 1_001}, "at most 1,000"),
        ({"role": "viewer"}, "Say why"),
    ):
        answer = await client.post(url, data={**data, "_csrf_token": token})
        assert answer.status_code == 422, data
        assert message in answer.text, data
        assert by_testid(parse(answer.text), "role-form")
    assert (await client.get("/admin/staff/nobody")).status_code == 404
    assert (await client.get("/admin/staff/" + "a" * 40)).status_code == 404
    assert (await client.post("/admin/staff/nobody/disable",
                              data={"reason": WHY, "_csrf_token": token})).status_code == 404  # fmt: skip
    assert await actions() == ["staff.created", "staff.created"]


async def test_a_non_owner_gets_403_and_changes_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    agent = await make_staff(app.state.runtime.uow, clock, role="support", email="sam@example.com")
    bill = await make_staff(app.state.runtime.uow, clock, role="billing", email="bill@example.com")
    await admin_sign_in(client, bill, clock)
    token = csrf_token((await client.get("/admin")).text)
    assert (await client.get(f"/admin/staff/{agent.id}")).status_code == 403
    for path in ("disable", "enable", "role", "reset-two-factor"):
        answer = await client.post(
            f"/admin/staff/{agent.id}/{path}",
            data={"reason": WHY, "role": "owner", "confirm": "yes", "_csrf_token": token},
        )
        assert answer.status_code == 403, path
    assert await actions() == ["staff.created", "staff.created"]


async def test_a_new_owner_without_two_factor_enrols_at_next_sign_in(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    _, token = await _owner_client(app, client, clock)
    agent = await make_staff(app.state.runtime.uow, clock, role="support", email="sam@example.com")
    async with serve(app) as agent_client:
        await admin_sign_in(agent_client, agent, clock)
        url = f"/admin/staff/{agent.id}/role"
        step = await client.post(url, data={"role": "owner", "reason": WHY, "_csrf_token": token})
        consequences = text(by_testid(parse(step.text), "consequences")[0])
        assert "set up two-factor at their next sign-in" in consequences
        done = await client.post(
            url, data={"role": "owner", "reason": WHY, "confirm": "yes", "_csrf_token": token}
        )
        assert done.status_code == 303
        assert (await agent_client.get("/admin")).status_code == 303  # signed out
        again = await admin_sign_in(agent_client, agent, clock)
        assert again.headers["location"].startswith("/admin/enrol")
    assert (await actions()).count(
        "staff.role_changed"
    ) == 1  # one entry (a frozen clock: no order)


async def test_reset_two_factor_then_they_enrol_again(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    _, token = await _owner_client(app, client, clock)
    bill = await make_staff(app.state.runtime.uow, clock, role="billing", email="bill@example.com")
    url = f"/admin/staff/{bill.id}/reset-two-factor"
    step = await client.post(url, data={"reason": "Lost phone", "_csrf_token": token})
    assert step.status_code == 200 and by_testid(parse(step.text), "staff-confirm")
    done = await client.post(url, data={"reason": "Lost phone", "confirm": "yes",
                                        "_csrf_token": token})  # fmt: skip
    assert done.status_code == 303
    page = parse((await client.get(f"/admin/staff/{bill.id}")).text)
    assert "Set up at sign-in" in text(by_testid(page, "staff-two-factor")[0])
    async with serve(app) as bill_client:
        answer = await admin_sign_in(bill_client, bill, clock)
        assert answer.headers["location"].startswith("/admin/enrol")
    assert (await actions()).count("staff.2fa_reset") == 1  # one entry (a frozen clock: no order)


async def test_a_member_replaces_their_own_recovery_codes(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    bill = await make_staff(app.state.runtime.uow, clock, role="billing", email="bill@example.com")
    await admin_sign_in(client, bill, clock)
    page = await client.get("/admin/account/recovery-codes")
    assert page.status_code == 200 and by_testid(parse(page.text), "recovery-codes-form")
    token = csrf_token(page.text)
    url = "/admin/account/recovery-codes"
    assert (await client.post(url, data={"code": "000000"})).status_code == 403  # no CSRF token
    wrong = await client.post(url, data={"code": "000000", "_csrf_token": token})
    assert wrong.status_code == 422 and "not right" in wrong.text
    bad = await client.post(url, data={"code": "1\x002", "_csrf_token": token})
    assert bad.status_code == 422
    clock.advance(seconds=30)  # the sign-in used this step's code; each code works once
    done = await client.post(url, data={"code": code_for(bill, clock), "_csrf_token": token})
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    codes = [text(li) for li in by_testid(parse(done.text), "recovery-codes")[0].select("li")]
    assert len(codes) == 10
    assert (await actions()).count(
        "staff.recovery_codes_regenerated"
    ) == 1  # one entry (a frozen clock: no order)

    # a new code signs in; a member without two-factor has none to replace
    async with serve(app) as other:
        token2 = csrf_token((await other.get("/admin/login")).text)
        await other.post("/admin/login", data={"email": bill.email, "password": STAFF_PASSWORD,
                                               "_csrf_token": token2})  # fmt: skip
        ok = await other.post("/admin/login/code", data={"code": codes[0], "_csrf_token": token2})
        assert ok.status_code == 303
    agent = await make_staff(app.state.runtime.uow, clock, role="support", email="sam@example.com")
    async with serve(app) as agent_client:
        await admin_sign_in(agent_client, agent, clock)
        none = await agent_client.get(url)
        assert by_testid(parse(none.text), "no-two-factor")
        token3 = csrf_token(none.text)
        refused = await agent_client.post(url, data={"code": "123456", "_csrf_token": token3})
        assert refused.status_code == 409
