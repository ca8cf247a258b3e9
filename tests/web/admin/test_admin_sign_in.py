"""/admin sign-in: password, then the code; enrolment for a role that needs two-factor; lockout;
sign-out; each staff action writes exactly one audit entry."""

from __future__ import annotations

import re

import httpx
import pyotp
import pytest
from litestar import Litestar

from domain.adapters.db.tables_staff import StaffMemberTable
from domain.shared.clock import FrozenClock
from domain.staff.rules import LOCKOUT_AFTER
from tests.support.audit import audit_actions
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import STAFF_PASSWORD, admin_sign_in, code_for, make_staff

pytestmark = pytest.mark.web


async def actions() -> list[str]:
    return await audit_actions()


async def test_anonymous_is_sent_to_the_admin_sign_in(client: httpx.AsyncClient) -> None:
    answer = await client.get("/admin/audit?action=x")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin/audit%3Faction%3Dx"


async def test_owner_signs_in_with_password_then_code(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner = await make_staff(app.state.runtime.uow, clock)
    page = await client.get("/admin/login")
    token = csrf_token(page.text)
    first = await client.post(
        "/admin/login",
        data={"email": "OLIVE@example.com", "password": STAFF_PASSWORD, "_csrf_token": token},
    )
    assert first.status_code == 303 and first.headers["location"].startswith("/admin/login/code")
    cookie = first.headers["set-cookie"].lower()
    assert "admin_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/admin" in cookie
    # the password alone opens nothing
    assert (await client.get("/admin")).headers["location"] == "/admin/login/code"
    wrong = await client.post("/admin/login/code", data={"code": "000000", "_csrf_token": token})
    assert wrong.status_code == 401
    assert "not right" in text(by_testid(parse(wrong.text), "admin-error")[0])
    ok = await client.post(
        "/admin/login/code", data={"code": code_for(owner, clock), "_csrf_token": token}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/admin"
    home = await client.get("/admin")
    assert home.status_code == 200
    assert "olive@example.com" in text(by_testid(parse(home.text), "admin-user")[0])
    assert await actions() == ["staff.created", "staff.signed_in"]


async def test_wrong_password_is_refused_and_locks_after_the_limit(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await make_staff(app.state.runtime.uow, clock, role="support", email="sue@example.com")
    token = csrf_token((await client.get("/admin/login")).text)
    form = {"email": "sue@example.com", "password": "not the password", "_csrf_token": token}
    for _ in range(LOCKOUT_AFTER):
        assert (await client.post("/admin/login", data=form)).status_code == 401
    locked = await client.post(
        "/admin/login", data={**form, "password": STAFF_PASSWORD}
    )  # even the right password, while locked
    assert locked.status_code == 429
    assert "locked" in text(by_testid(parse(locked.text), "admin-error")[0])
    assert await actions() == ["staff.created", "staff.locked_out"]


async def test_billing_role_enrols_two_factor_at_first_sign_in(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await make_staff(
        app.state.runtime.uow, clock, role="billing", email="bill@example.com", two_factor=False
    )
    token = csrf_token((await client.get("/admin/login")).text)
    first = await client.post(
        "/admin/login",
        data={"email": "bill@example.com", "password": STAFF_PASSWORD, "_csrf_token": token},
    )
    assert first.headers["location"].startswith("/admin/enrol")
    assert (await client.get("/admin/staff")).headers["location"] == "/admin/enrol"
    page = await client.get("/admin/enrol")
    assert page.status_code == 200 and "<svg" in page.text
    secret = text(by_testid(parse(page.text), "totp-secret")[0])
    assert secret == text(
        by_testid(parse((await client.get("/admin/enrol")).text), "totp-secret")[0]
    )
    bad = await client.post("/admin/enrol", data={"code": "123456", "_csrf_token": token})
    assert bad.status_code == 422
    done = await client.post(
        "/admin/enrol",
        data={"code": pyotp.TOTP(secret).at(clock.now()), "_csrf_token": token},
    )
    assert done.status_code == 200
    codes = [text(li) for li in by_testid(parse(done.text), "recovery-codes")[0].find_all("li")]
    assert len(codes) == 10 and all(
        re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes
    )
    assert (await client.get("/admin")).status_code == 200
    assert await actions() == ["staff.created", "staff.2fa_enrolled"]
    (row,) = await StaffMemberTable.select(StaffMemberTable.totp_secret).where(
        StaffMemberTable.email == "bill@example.com"
    )
    assert row["totp_secret"].startswith("sealed:") and secret not in row["totp_secret"]

    # signed out, a recovery code signs in once
    await client.post("/admin/logout", data={"_csrf_token": token})
    assert (await client.get("/admin")).status_code == 303
    for attempt, expected in ((1, 303), (2, 401)):
        await client.post(
            "/admin/login",
            data={"email": "bill@example.com", "password": STAFF_PASSWORD, "_csrf_token": token},
        )
        used = await client.post(
            "/admin/login/code", data={"code": codes[0].upper(), "_csrf_token": token}
        )
        assert used.status_code == expected, attempt


async def test_owner_creates_a_support_agent_who_signs_in(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner = await make_staff(app.state.runtime.uow, clock)
    await admin_sign_in(client, owner, clock)
    token = csrf_token((await client.get("/admin/staff")).text)
    refused = await client.post(
        "/admin/staff",
        data={
            "email": "nope",
            "name": "",
            "role": "boss",
            "password": "short",
            "_csrf_token": token,
        },
    )
    assert refused.status_code == 422
    created = await client.post(
        "/admin/staff",
        data={
            "email": "sam@example.com",
            "name": "Sam Support",
            "role": "support",
            "password": "a long first password",
            "_csrf_token": token,
        },
    )
    assert created.status_code == 303
    rows = by_testid(parse((await client.get("/admin/staff")).text), "staff-row")
    assert any("sam@example.com" in text(r) for r in rows)
    await client.post("/admin/logout", data={"_csrf_token": token})
    async with app.state.runtime.uow() as uow:
        agent = await uow.staff.get_by_email("sam@example.com")
    assert (
        await admin_sign_in(client, agent, clock, password="a long first password")
    ).status_code == 303
    assert (await client.get("/admin/staff")).status_code == 403
    assert await actions() == [
        "staff.created",
        "staff.signed_in",
        "staff.created",
        "staff.signed_in",
    ]


async def test_a_one_time_link_signs_a_support_agent_in_once(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    from domain.staff.links import create_staff_with_link
    from domain.staff.members import NewStaff
    from tests.support.accounts import CHEAP_HASHER

    _, secret = await create_staff_with_link(
        NewStaff("lin@example.com", "Lin", "support", None),
        uow=app.state.runtime.uow(),
        clock=clock,
        hasher=CHEAP_HASHER,
    )
    page = await client.get(f"/admin/welcome/{secret}")
    assert page.status_code == 200 and "lin@example.com" in page.text
    token = csrf_token(page.text)
    weak = await client.post(
        f"/admin/welcome/{secret}", data={"password": "short", "_csrf_token": token}
    )
    assert weak.status_code == 422
    done = await client.post(
        f"/admin/welcome/{secret}", data={"password": "a fine passphrase", "_csrf_token": token}
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    assert (await client.get("/admin")).status_code == 200
    again = await client.get(f"/admin/welcome/{secret}")
    assert again.status_code == 410 and by_testid(parse(again.text), "link-invalid")
    assert await actions() == ["staff.created", "staff.password_set"]
