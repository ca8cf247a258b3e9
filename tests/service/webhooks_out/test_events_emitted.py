"""Each fact emits its webhook event exactly once, in the use case's own transaction (the
in-memory unit keeps events only when it commits): subscribing, paying, renewing, refunding,
cancelling, pausing and resuming, voiding, a declined payment, a trial about to end (once, however
often the daily scan runs), a customer's billing details changed. The payloads carry ids,
amounts in minor units with their currency, and statuses."""

from __future__ import annotations

import pytest

from domain.accounts.model import SignedIn
from domain.accounts.own_account import change_billing_details
from domain.billing.invoices import void_invoice
from domain.notices.compose import scan_notices
from domain.payments.refunds import refund_invoice
from domain.payments.service import collect_invoice
from domain.subscriptions.engine import Timing
from domain.subscriptions.lifecycle import (
    cancel_subscription,
    pause_subscription,
    resume_subscription,
)
from domain.subscriptions.subscribing import subscribe
from tests.service.payments._shop import Shop, open_shop
from tests.support.gateway import ALWAYS_DECLINED

pytestmark = pytest.mark.service


@pytest.fixture
async def shop() -> Shop:
    return await open_shop()


class Log:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.seen = 0

    def new(self) -> list[str]:
        types = self.shop.uow.outbound_events.types()
        fresh, self.seen = types[self.seen :], len(types)
        return fresh

    def last(self, type: str) -> dict[str, object]:
        event = next(e for e in reversed(self.shop.uow.outbound_events.committed)
                     if e.type.value == type)  # fmt: skip
        return event.data  # type: ignore[return-value]


async def test_a_subscription_s_life_emits_each_fact_once(shop: Shop) -> None:
    log = Log(shop)
    s = await shop.subscriber()
    assert log.new() == ["customer.created", "invoice.issued", "subscription.created",
                         "invoice.paid", "subscription.updated"]  # fmt: skip
    paid = log.last("invoice.paid")
    assert paid["id"] == s.first_invoice_id and paid["status"] == "paid"
    assert paid["amount_due"] == {"amount_minor": 3600, "currency": "USD"}
    assert paid["customer_id"] == s.customer_id and paid["subscription_id"] == s.subscription_id
    assert log.last("subscription.updated")["status"] == "active"
    assert log.last("subscription.created")["plan_code"] == "team-monthly"

    renewal = await shop.renewal(s)
    await collect_invoice(renewal.id, **shop.kw)
    await collect_invoice(renewal.id, **shop.kw)  # a second run pays nothing, emits nothing
    assert log.new() == ["invoice.issued", "subscription.updated", "invoice.paid"]

    await refund_invoice(renewal.id, **shop.kw)
    assert log.new() == ["credit_note.issued", "refund.created"]
    refund = log.last("refund.created")
    assert refund["status"] == "succeeded"
    assert refund["amount"] == {"amount_minor": 3600, "currency": "USD"}

    ctx = {"uow": shop.uow, "clock": shop.clock, "config": shop.config}
    await pause_subscription(s.subscription_id, **ctx)  # type: ignore[arg-type]
    assert log.new() == ["subscription.paused"]
    shop.clock.advance(days=1)
    await resume_subscription(s.subscription_id, **ctx)  # type: ignore[arg-type]
    assert log.new()[-1] == "subscription.resumed"
    await cancel_subscription(s.subscription_id, timing=Timing.IMMEDIATE, **ctx)  # type: ignore[arg-type]
    assert "subscription.canceled" in log.new()
    assert log.last("subscription.canceled")["status"] == "canceled"


async def test_a_declined_first_payment_and_a_void(shop: Shop) -> None:
    log = Log(shop)
    s = await shop.subscriber(card=ALWAYS_DECLINED)
    assert log.new() == ["customer.created", "invoice.issued", "subscription.created",
                         "invoice.payment_failed"]  # fmt: skip
    assert log.last("invoice.payment_failed")["status"] == "open"
    await void_invoice(s.first_invoice_id, uow=shop.uow, clock=shop.clock)
    assert log.new()[0] == "invoice.voided"
    assert log.last("invoice.voided")["voided_at"] == shop.clock.now().isoformat()


async def test_a_trial_ending_is_announced_once_however_often_the_scan_runs(shop: Shop) -> None:
    customer_id = await shop.customer()
    await subscribe(customer_id, "starter-monthly", trial_days=14, uow=shop.uow,
                    clock=shop.clock, config=shop.config)  # fmt: skip
    log = Log(shop)
    log.new()
    await scan_notices(uow=shop.factory, clock=shop.clock)
    assert log.new() == []  # 14 days left
    shop.clock.advance(days=11, hours=1)
    await scan_notices(uow=shop.factory, clock=shop.clock)
    shop.clock.advance(days=1)
    await scan_notices(uow=shop.factory, clock=shop.clock)
    assert log.new() == ["subscription.trial_will_end"]
    data = log.last("subscription.trial_will_end")
    assert data["status"] == "trialing" and data["trial_end"] is not None


async def test_changed_billing_details_emit_customer_updated(shop: Shop) -> None:
    customer_id = await shop.customer()
    log = Log(shop)
    log.new()
    signed_in = SignedIn(account_id="a1", email="ada1@example.test", name="Ada",
                         customer_id=customer_id, session_id="s1")  # fmt: skip
    await change_billing_details(signed_in, name="Ada GmbH", country="DE", address_lines=(),
                                 region="", tax_id="", uow=shop.uow, clock=shop.clock)  # fmt: skip
    assert log.new() == ["customer.updated"]
    data = log.last("customer.updated")
    assert (data["name"], data["country"]) == ("Ada GmbH", "DE")
