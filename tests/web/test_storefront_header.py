"""The storefront header knows who is there: "Sign in" for a visitor, "Your account" for a
signed-in subscriber (and "Sign in" again once that session is gone)."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.adapters.db.tables import AuthSessionTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import parse, text
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def _header(client, path: str) -> str:  # type: ignore[no-untyped-def]
    page = await client.get(path)
    assert page.status_code == 200, path
    nav = parse(page.text).select_one(".site-header nav")
    assert nav is not None
    return text(nav)


async def test_the_header_says_sign_in_to_a_visitor_and_your_account_to_a_subscriber(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        for path in ("/", "/pricing"):
            assert "Sign in" in await _header(client, path)
        await make_account(app.state.runtime.uow(), clock)
        assert (await sign_in(client)).status_code == 303
        for path in ("/", "/pricing"):
            header = await _header(client, path)
            assert "Your account" in header and "Sign in" not in header, path
        await AuthSessionTable.delete(force=True)  # signed out everywhere, say
        assert "Sign in" in await _header(client, "/pricing")
