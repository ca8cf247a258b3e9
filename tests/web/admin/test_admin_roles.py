"""Every /admin route declares its permission, and the guard holds it for every role: walking
the app's own routes (so a route added later is covered too), each role signed in gets the page
when its role has the permission and 403 when not; anonymous gets the sign-in page."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from domain.staff.model import Role
from domain.staff.permissions import can
from tests.support.html import csrf_token
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def admin_routes(app: Litestar) -> list[tuple[str, str, object]]:
    """(method, path, declared permission) for every /admin route."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/admin"):
            continue
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            methods = handler.http_methods - {"HEAD", "OPTIONS"}
            if not methods:
                continue  # Litestar's own OPTIONS handler
            assert "permission" in handler.opt, f"{route.path} declares no permission"
            for method in sorted(methods):
                found.append((method, route.path, handler.opt["permission"]))
    return found


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    token: str,
    samples: dict[str, str] | None = None,
) -> httpx.Response:
    """A path parameter takes its sample value (a real id, so the handler runs past the lookup),
    or "x" (not found)."""
    path = PARAM.sub(lambda m: (samples or {}).get(m.group(1), "x"), path)
    if method == "GET":
        return await client.get(path)
    return await client.post(path, data={"_csrf_token": token})


async def test_every_admin_route_declares_a_permission(app: Litestar) -> None:
    routes = admin_routes(app)
    guarded = {(m, p) for m, p, perm in routes if perm is not None}
    assert {
        ("GET", "/admin"),
        ("GET", "/admin/audit"),
        ("POST", "/admin/staff"),
        ("GET", "/admin/staff/{staff_id:str}"),
        ("POST", "/admin/staff/{staff_id:str}/disable"),
        ("POST", "/admin/staff/{staff_id:str}/enable"),
        ("POST", "/admin/staff/{staff_id:str}/role"),
        ("POST", "/admin/staff/{staff_id:str}/reset-two-factor"),
        ("POST", "/admin/account/recovery-codes"),
    } <= guarded
    open_steps = {p for _, p, perm in routes if perm is None}
    assert open_steps == {
        "/admin/login",
        "/admin/login/code",
        "/admin/enrol",
        "/admin/logout",
        "/admin/welcome/{token:str}",
        "/admin/sso/start",  # staff single sign-on (404 unless configured)
        "/admin/sso/callback",
    }


async def test_anonymous_is_sent_to_sign_in_on_every_guarded_route(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    token = csrf_token((await client.get("/admin/login")).text)
    for method, path, permission in admin_routes(app):
        if permission is None:
            continue
        answer = await _call(client, method, path, token)
        assert answer.status_code == 303, (method, path, answer.status_code)
        assert answer.headers["location"].startswith("/admin/login?next="), (method, path)


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_gets_what_its_permissions_allow_and_403_otherwise(
    app: Litestar, clock: FrozenClock, role: Role
) -> None:
    member = await make_staff(
        app.state.runtime.uow, clock, role=role.value, email=f"{role}@example.com"
    )
    async with serve(app) as client:
        assert (await admin_sign_in(client, member, clock)).status_code == 303
        token = csrf_token((await client.get("/admin")).text)
        # sample path parameters: another member (the staff pages act on a real id; the POSTs
        # without a reason are refused before anything changes)
        other = await make_staff(
            app.state.runtime.uow, clock, role="support", email=f"other-{role}@example.com"
        )
        samples = {"staff_id": other.id}
        answers = {}
        for method, path, permission in admin_routes(app):
            if permission is None or path == "/admin/logout":
                continue
            answer = await _call(client, method, path, token, samples)
            answers[(method, path)] = answer.status_code
            if can(role, permission):
                assert answer.status_code not in (303, 403, 500), (
                    role,
                    method,
                    path,
                    answer.status_code,
                )
            else:
                assert answer.status_code == 403, (role, method, path, answer.status_code)
                assert "does not allow" in answer.text and "admin-forbidden" in answer.text
        assert answers
