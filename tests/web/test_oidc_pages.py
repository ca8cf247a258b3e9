"""The "Sign in with ..." routes without a provider to talk to: off when not configured, and an
unreachable provider is a message on the sign-in page, not an error page. (The flow through a
real provider is tests/integration/test_oidc_sign_in.py.)"""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.html import parse
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web


async def test_without_oidc_settings_there_is_no_button_and_no_route(app: Litestar) -> None:
    assert app.state.runtime.oidc is None
    async with serve(app) as client:
        page = await client.get("/auth/login")
        assert parse(page.text).select("[data-testid^=oidc-]") == []
        assert (await client.get("/auth/oidc/oidc/start")).status_code == 404


async def test_an_unreachable_provider_is_explained_on_the_sign_in_page(
    db: TestDatabase, clock: FrozenClock
) -> None:
    settings = make_settings(
        db,
        OIDC_ISSUER="http://127.0.0.1:1",  # nothing listens on port 1
        OIDC_CLIENT_ID="billing",
        OIDC_CLIENT_SECRET="secret",
        OIDC_NAME="Acme SSO",
        OIDC_SLUG="acme",
    )
    app = create_app(settings, clock=clock, engine=db.engine, start_runner=False)
    assert app.state.runtime.oidc is not None
    async with serve(app) as client:
        page = await client.get("/auth/login")
        button = parse(page.text).select_one("[data-testid=oidc-acme]")
        assert button is not None and button.text == "Sign in with Acme SSO"
        response = await client.get(str(button["href"]))
    assert response.status_code == 503
    error = parse(response.text).select_one("[data-testid=signin-error]")
    assert "Acme SSO is not available right now" in error.text
