"""Changing plan or seats as staff: the preview is the engine's quote and confirming bills
exactly it (the charge queued after the commit, as the portal's change), one audit entry,
a period-end change schedules, stale previews and bad input change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.payments.service import collect_invoice
from domain.shared.errors import NotFound, PermissionDenied, ValidationFailed
from domain.shared.money import Money
from domain.staff.model import Role
from domain.subscriptions.engine import SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from domain.support.actions.base import TargetKind
from domain.support.actions.registry import actions_for
from domain.support.actions.service import PreviewChanged, action_page, confirm_action
from tests.service.payments._shop import MAR1, Shop, Subscriber
from tests.service.support._desk import desk, entries, staff

pytestmark = pytest.mark.service

CHANGE = "subscription.change"
MAR11 = MAR1 + timedelta(days=10)  # 21 of 31 days left


async def _page(shop: Shop, sub: Subscriber, raw: dict[str, str], role: Role = Role.BILLING) -> Any:
    return await action_page(
        staff(role), CHANGE, customer_id=sub.customer_id, target_id=sub.subscription_id,
        raw=raw, svc=desk(shop),
    )  # fmt: skip


async def _confirm(
    shop: Shop, sub: Subscriber, page: Any, reason: str = "Customer asked by phone"
) -> Any:
    return await confirm_action(
        staff(), CHANGE, customer_id=sub.customer_id, target_id=sub.subscription_id,
        raw=dict(page.preview.terms), shown=page.agreement, reason=reason, svc=desk(shop),
    )  # fmt: skip


async def _invoices(shop: Shop, sub: Subscriber) -> list[Any]:
    return [
        i for i in shop.uow.invoices.invoices.values() if i.subscription_id == sub.subscription_id
    ]


async def test_more_seats_now_previews_the_engines_invoice_and_charges_exactly_it(
    shop: Shop,
) -> None:
    sub = await shop.subscriber(quantity=3)  # 36.00 paid on Mar 1
    shop.clock.set(MAR11)
    page = await _page(shop, sub, {"plan": "team-monthly", "quantity": "5", "timing": "immediate",
                                   "proration": "invoice_now"})  # fmt: skip
    assert page.errors == {}
    p = page.preview
    # unused 3 seats: -36.00 x 21/31 = -24.39; 5 seats: 60.00 x 21/31 = 40.65
    assert [line.amount.minor for line in p.lines] == [-2439, 4065]
    assert p.total == Money.of_minor(1626, "USD")
    assert "Visa •••• 4242" in p.effect
    assert p.summary == "Change Team × 3 to Team × 5 now"
    assert p.facts[0].amount == Money.of_minor(6000, "USD")  # the renewal on Apr 1

    shop.clock.set(MAR11 + timedelta(minutes=5))  # confirmed a little later: the quoted instant
    done = await _confirm(shop, sub, page)

    stored = await shop.subscription(sub.subscription_id)
    assert stored.quantity == 5
    invoices = await _invoices(shop, sub)
    change = invoices[-1]
    assert change.invoice.amount_due == 1626
    assert [line.amount for line in change.invoice.lines if line.amount] == [-2439, 4065]
    # the charge goes out after the commit, as the portal's: its collection job is queued
    assert {"invoice_id": change.id} in shop.jobs("payments.collect_invoice")
    (entry,) = await entries(shop, CHANGE)
    assert (entry.object_type, entry.object_id, entry.customer_id) == (
        "subscription", sub.subscription_id, sub.customer_id,
    )  # fmt: skip
    assert entry.reason == "Customer asked by phone"
    assert entry.before == {"plan": "team-monthly", "quantity": 3}
    assert entry.after["quantity"] == 5 and entry.after["amount"] == "16.26 USD"
    assert entry.after["invoice"] == change.number
    assert change.number in str(done.message)
    result = await collect_invoice(change.id, **shop.kw)
    assert result.invoice.status.value == "paid"


async def test_a_change_at_period_end_schedules_and_previews_the_renewal(shop: Shop) -> None:
    sub = await shop.subscriber(quantity=3)
    shop.clock.set(MAR11)
    page = await _page(shop, sub, {"plan": "starter-monthly", "timing": "period_end"})
    p = page.preview
    assert p.total is None and "Nothing is charged now" in p.effect
    assert p.summary.startswith("Change Team × 3 to Starter on Apr 1, 2024")
    assert [line.amount.minor for line in p.lines] == [1900]
    queued = len(shop.jobs("payments.collect_invoice"))
    await _confirm(shop, sub, page)
    stored = await shop.subscription(sub.subscription_id)
    assert stored.quantity == 3 and stored.scheduled_plan_id is not None
    assert len(await _invoices(shop, sub)) == 1
    assert len(shop.jobs("payments.collect_invoice")) == queued  # nothing charged now


async def test_the_default_timing_is_the_plan_pairs_rule_as_in_the_portal(shop: Shop) -> None:
    sub = await shop.subscriber(quantity=3)
    down = await _page(shop, sub, {"plan": "team-monthly", "quantity": "2"})
    assert down.preview.terms["timing"] == Timing.PERIOD_END.value  # a downgrade waits
    up = await _page(shop, sub, {"plan": "team-monthly", "quantity": "4"})
    assert up.preview.terms["timing"] == Timing.IMMEDIATE.value
    assert up.preview.terms["proration"] == "invoice_now"


async def test_a_stale_preview_is_refused_and_nothing_changes(shop: Shop) -> None:
    sub = await shop.subscriber(quantity=3)
    shop.clock.set(MAR11)
    page = await _page(shop, sub, {"quantity": "5", "timing": "immediate"})
    other = await _page(shop, sub, {"quantity": "4", "timing": "immediate"})
    await _confirm(shop, sub, other)  # a colleague changed it first
    with pytest.raises(PreviewChanged) as stale:
        await _confirm(shop, sub, page)
    assert stale.value.page.preview is not None
    assert (await shop.subscription(sub.subscription_id)).quantity == 4
    assert len(await entries(shop, CHANGE)) == 1
    forged = {**page.agreement, "total": [1, "USD"]}
    fresh = await _page(shop, sub, {"quantity": "6", "timing": "immediate"})
    with pytest.raises(PreviewChanged):
        await confirm_action(
            staff(), CHANGE, customer_id=sub.customer_id, target_id=sub.subscription_id,
            raw=dict(fresh.preview.terms), shown=forged, reason="forged", svc=desk(shop),
        )  # fmt: skip


async def test_a_preview_older_than_an_hour_must_be_shown_again(shop: Shop) -> None:
    sub = await shop.subscriber(quantity=3)
    page = await _page(shop, sub, {"quantity": "5", "timing": "immediate"})
    shop.clock.set(MAR1 + timedelta(hours=2))
    with pytest.raises(ValidationFailed) as old:
        await _confirm(shop, sub, page)
    assert "over an hour ago" in old.value.message
    assert (await shop.subscription(sub.subscription_id)).quantity == 3
    assert await entries(shop) == []


async def test_bad_input_is_a_message_beside_its_field(shop: Shop) -> None:
    sub = await shop.subscriber(quantity=3)
    cases = (
        ({"plan": "nope"}, "plan", "Choose one"),
        ({"quantity": "abc"}, "quantity", "whole number"),
        ({"quantity": "0"}, "quantity", "whole number"),
        ({"quantity": "3"}, "plan", "another plan"),
        ({"quantity": "5", "timing": "tomorrow"}, "timing", "Choose one"),
        ({"quantity": "20000"}, "quantity", "seats from 1 to"),
    )
    for raw, name, message in cases:
        page = await _page(shop, sub, raw)
        assert page.preview is None and message in page.errors.get(name, ""), (raw, page.errors)
    empty = await _page(shop, sub, {})
    assert empty.preview is None and empty.errors == {}  # nothing typed yet: only the form
    plan_field = next(f for f in empty.fields if f.name == "plan")
    assert plan_field.default == "team-monthly"  # the form starts on the current plan
    plans = dict(plan_field.choices)
    assert "starter-monthly" in plans and "team-monthly" in plans
    assert "priority-support" not in plans  # add-ons are not plans to move to


async def test_permissions_other_customers_and_ended_subscriptions(shop: Shop) -> None:
    sub = await shop.subscriber(quantity=3)
    other = await shop.subscriber()
    with pytest.raises(PermissionDenied):
        await _page(shop, sub, {"quantity": "5"}, role=Role.SUPPORT)
    offered = [a.code for a in actions_for(staff(Role.SUPPORT), TargetKind.SUBSCRIPTION, "active")]
    assert "subscription.change" not in offered  # billing's: it charges or credits
    assert {"subscription.apply_coupon", "subscription.remove_coupon"} <= set(offered)
    with pytest.raises(NotFound):
        await action_page(
            staff(), CHANGE, customer_id=other.customer_id, target_id=sub.subscription_id,
            raw={"quantity": "5"}, svc=desk(shop),
        )  # fmt: skip
    await cancel_subscription(
        sub.subscription_id, timing=Timing.IMMEDIATE, uow=shop.uow, clock=shop.clock,
        config=shop.config,
    )  # fmt: skip
    assert await shop.status(sub.subscription_id) is SubscriptionStatus.CANCELED
    page = await _page(shop, sub, {"quantity": "5"})
    assert page.preview is None and "canceled subscription cannot change" in page.errors[""]
    assert CHANGE not in [a.code for a in actions_for(staff(), TargetKind.SUBSCRIPTION, "canceled")]
