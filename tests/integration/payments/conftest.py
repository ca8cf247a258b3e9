"""localstripe for the Stripe adapter's tests: started once per session (only when a test here
asks for it), wiped before every test, stopped at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from domain.adapters.payments.stripe_gateway import StripeGateway
from tests.support.localstripe import LocalStripe

WEBHOOK_SECRET = "whsec_test_secret"  # a test value, not a credential


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripe]:
    server = LocalStripe()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def localstripe(localstripe_server: LocalStripe) -> LocalStripe:
    localstripe_server.wipe()
    return localstripe_server


@pytest.fixture
async def gateway(localstripe: LocalStripe) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(
        "sk_test_tessera", api_base=localstripe.api_base, webhook_secret=WEBHOOK_SECRET
    )
    yield gw
    await gw.aclose()
