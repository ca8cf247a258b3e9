"""The old development outbox moved to the admin: /dev/outbox and its e-mail addresses
redirect to /admin/emails (which needs a staff sign-in), and production has no /dev at all."""

from __future__ import annotations

import httpx
import pytest

from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web

EMAIL_ID = "3f2a7c1e-0000-4000-8000-000000000001"


async def test_the_old_outbox_addresses_redirect_to_the_admin(
    client: httpx.AsyncClient, db: TestDatabase
) -> None:
    for old, new in [
        ("/dev/outbox", "/admin/emails"),
        (f"/dev/outbox/{EMAIL_ID}", f"/admin/emails/{EMAIL_ID}"),
        (f"/dev/outbox/{EMAIL_ID}/html", f"/admin/emails/{EMAIL_ID}/html"),
        ("/dev/outbox/%3Cscript%3E", "/admin/emails"),
    ]:
        answer = await client.get(old)
        assert answer.status_code == 308, old
        assert answer.headers["location"] == new
    # and the admin asks who is there
    answer = await client.get(f"/dev/outbox/{EMAIL_ID}", follow_redirects=True)
    assert "/admin/login" in str(answer.url)


async def test_there_is_no_dev_outbox_in_production(db: TestDatabase, clock: FrozenClock) -> None:
    app = create_app(
        make_settings(db, APP_ENV="production", PAYMENT_ALLOW_SANDBOX="true"),
        clock=clock,
        engine=db.engine,
        start_runner=False,
    )
    async with serve(app) as client:
        for path in ("/dev/outbox", f"/dev/outbox/{EMAIL_ID}", f"/dev/outbox/{EMAIL_ID}/html"):
            assert (await client.get(path)).status_code == 404, path
