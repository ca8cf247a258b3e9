"""The customer record shows a metered subscription's usage so far under its row: per meter the
units, the events and the estimated charge (the portal's figures), and the total; a plan
without a meter shows none. The scale plan: 10,000 API calls free, then 0.2 cents each."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from litestar import Litestar

from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage_events import UsageEventIn
from domain.subscriptions.usage_ingest import ingest_usage
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


async def test_the_record_shows_usage_so_far_per_metered_subscription(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    runtime = app.state.runtime
    billing = runtime.settings.billing
    customer = await create_customer(email="ada@example.com", name="Ada", currency="USD",
                                     country="US", uow=runtime.uow(), clock=clock)  # fmt: skip
    scale = await subscribe(customer.id, "scale-monthly", trial_days=0, uow=runtime.uow(),
                            clock=clock, config=billing)  # fmt: skip
    await subscribe(customer.id, "starter-monthly", trial_days=0, uow=runtime.uow(), clock=clock,
                    config=billing)  # fmt: skip
    clock.advance(days=1)
    sub = scale.subscription.id
    events = [UsageEventIn(f"e{n}", "api_calls", calls, subscription_id=sub,
                           timestamp=clock.now() - timedelta(minutes=n))
              for n, calls in enumerate((8000, 4500))]  # fmt: skip
    await ingest_usage(events, uow=runtime.uow(), clock=clock, config=billing)
    viewer = await make_staff(runtime.uow, clock, role="viewer", email="vi@example.com")
    assert (await admin_sign_in(client, viewer, clock)).status_code == 303

    page = await client.get(f"/admin/customers/{customer.id}")
    assert page.status_code == 200
    html = parse(page.text)
    assert len(by_testid(html, "subscription-row")) == 2
    (usage,) = by_testid(html, "subscription-usage")
    assert usage.get("id") == f"usage-{sub}"
    (meter,) = by_testid(usage, "usage-meter")
    assert "api_calls 12,500 API calls · 2 events · $5.00" in text(meter)
    (total,) = by_testid(usage, "usage-total")
    assert text(total) == "$5.00"
