"""The ``shop`` fixture of the payments service tests: customers, cards, paid subscriptions."""

from __future__ import annotations

import pytest

from tests.service.payments._shop import Shop, open_shop


@pytest.fixture
async def shop() -> Shop:
    return await open_shop()
