"""Staff members for tests: one made as the command line makes it (optionally with two-factor
already set up), and a client signed in through the real /admin forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import httpx
import pyotp

from domain.adapters.secret_box_fernet import FernetSecretBox
from domain.shared.clock import Clock
from domain.staff.members import NewStaff, create_staff_from_command_line
from domain.staff.model import StaffMember
from domain.staff.rules import needs_two_factor
from domain.staff.totp import new_totp_secret
from domain.unit_of_work import UnitOfWork
from tests.support.accounts import CHEAP_HASHER
from tests.support.html import csrf_token

STAFF_PASSWORD = "staff correct horse battery"
TEST_BOX = FernetSecretBox("test-only key material, not a secret: " + "k" * 8)


async def make_staff(
    new_uow: Callable[[], UnitOfWork],
    clock: Clock,
    *,
    email: str = "olive@example.com",
    role: str = "owner",
    name: str = "Olive Owner",
    two_factor: bool | None = None,
) -> StaffMember:
    """A staff member; ``two_factor`` (default: when the role needs it) enrols a TOTP secret
    directly, as if the member had done it (the enrolment itself has its own tests)."""
    member = await create_staff_from_command_line(
        NewStaff(email, name, role, STAFF_PASSWORD), uow=new_uow(), clock=clock, hasher=CHEAP_HASHER
    )
    if two_factor if two_factor is not None else needs_two_factor(member.role):
        member = replace(member, totp_secret=new_totp_secret())
        async with new_uow() as uow:
            await uow.staff.update(member)
            await uow.commit()
    return member


def code_for(member: StaffMember, clock: Clock) -> str:
    assert member.totp_secret is not None
    return pyotp.TOTP(member.totp_secret).at(clock.now())


async def admin_sign_in(
    client: httpx.AsyncClient, member: StaffMember, clock: Clock, *, password: str = STAFF_PASSWORD
) -> httpx.Response:
    """Sign in through /admin/login (and the code step when the member has two-factor)."""
    page = await client.get("/admin/login")
    token = csrf_token(page.text)
    answer = await client.post(
        "/admin/login", data={"email": member.email, "password": password, "_csrf_token": token}
    )
    if answer.status_code == 303 and answer.headers["location"].startswith("/admin/login/code"):
        answer = await client.post(
            "/admin/login/code", data={"code": code_for(member, clock), "_csrf_token": token}
        )
    return answer


async def persian_admin_sign_in(
    new_uow: Callable[[], UnitOfWork],
    client: httpx.AsyncClient,
    clock: Clock,
    *,
    email: str = "olive@example.com",
    role: str = "owner",
    name: str = "Olive Owner",
) -> StaffMember:
    """A staff member signed in through /admin who switched the admin to Persian with the
    header's language switch (``POST /admin/display``), as a Persian-reading member does."""
    member = await make_staff(new_uow, clock, email=email, role=role, name=name)
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    page = await client.get("/admin")
    switched = await client.post(
        "/admin/display",
        data={"language": "fa", "next": "/admin", "_csrf_token": csrf_token(page.text)},
    )
    assert switched.status_code == 303
    return member
