"""/admin/account/analytics-email: billing turns their own monthly summary on and off (CSRF,
audited, a bad choice re-renders with a message); viewer and support are refused."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web

PATH = "/admin/account/analytics-email"


async def test_billing_turns_the_summary_on_and_off(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    member = await make_staff(app.state.runtime.uow, clock, role="billing", email="b@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    page = await client.get(PATH)
    assert page.status_code == 200
    assert text(by_testid(parse(page.text), "analytics-email-status")[0]) == "Now: Off"
    token = csrf_token(page.text)
    assert (await client.post(PATH, data={"summary": "on"})).status_code == 403  # no token
    done = await client.post(PATH, data={"summary": "on", "_csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == PATH
    page = parse((await client.get(PATH)).text)
    assert text(by_testid(page, "analytics-email-status")[0]) == "Now: On"
    assert page.select_one('input[name="summary"][value="on"][checked]') is not None
    bad = await client.post(PATH, data={"summary": "weekly", "_csrf_token": token})
    assert bad.status_code == 422 and "Choose on or off." in bad.text
    assert (
        await client.post(PATH, data={"summary": "off", "_csrf_token": token})
    ).status_code == 303
    page = parse((await client.get(PATH)).text)
    assert text(by_testid(page, "analytics-email-status")[0]) == "Now: Off"


@pytest.mark.parametrize("role", ["viewer", "support"])
async def test_others_are_refused(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str
) -> None:
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    assert (await client.get(PATH)).status_code == 403
