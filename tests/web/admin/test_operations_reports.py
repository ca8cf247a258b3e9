"""/admin/webhooks and /admin/feedback: the gateway's events with their outcome, filtered and
linked to the invoice and customer; cancellation reasons per month and the comments, linked to
the customer; bad filters are refused with a message, never a 5xx."""

from __future__ import annotations

from datetime import UTC, timedelta

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    CustomerTable,
    InvoiceTable,
    PaymentAttemptTable,
    PaymentWebhookEventTable,
    SubscriptionTable,
)
from domain.catalog.demo import demo_plans
from domain.shared.clock import FrozenClock
from domain.shared.ids import new_id
from tests.support.html import by_testid, parse, text
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


async def _customer(email: str) -> str:
    customer_id = new_id()
    await CustomerTable.insert(
        CustomerTable(id=customer_id, email=email, name="Cara Customer", currency="USD")
    )
    return customer_id


async def test_webhook_events_show_their_outcome_and_link_to_the_invoice(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    customer_id = await _customer("cara@example.com")
    invoice_id = new_id()
    await InvoiceTable.insert(
        InvoiceTable(id=invoice_id, number="INV-0042", customer_id=customer_id,
                     billing_reason="manual", status="paid", currency="USD")
    )  # fmt: skip
    await PaymentAttemptTable.insert(
        PaymentAttemptTable(
            id=new_id(), invoice=invoice_id, customer_id=customer_id, number=1,
            idempotency_key=f"{invoice_id}:1", amount_minor=1000, currency="USD",
            status="succeeded", payment_ref="pi_known", created_at=clock.now(),
        )
    )  # fmt: skip
    events = [("pi_known", "applied", "payment_intent.succeeded", ""),
              ("pi_other", "held", "payment_intent.payment_failed",
               "the gateway reports succeeded")]  # fmt: skip
    for n, (ref, outcome, kind, detail) in enumerate(events):
        await PaymentWebhookEventTable.insert(
            PaymentWebhookEventTable(
                key=f"stripe:evt_{n}", gateway="stripe", event_id=f"evt_{n}", event_type=kind,
                payment_ref=ref, outcome=outcome, detail=detail,
                received_at=clock.now() + timedelta(seconds=n),
            )
        )  # fmt: skip
    viewer = await make_staff(app.state.runtime.uow, clock, role="viewer", email="vi@ex.com")
    await admin_sign_in(client, viewer, clock)

    page = parse((await client.get("/admin/webhooks")).text)
    rows = by_testid(page, "webhook-row")
    assert [r["data-event-id"] for r in rows] == ["evt_1", "evt_0"]
    assert "the gateway reports succeeded" in text(rows[0])
    assert by_testid(rows[0], "webhook-invoice") == []
    assert by_testid(rows[1], "webhook-invoice")[0]["href"] == (
        f"/admin/customers/{customer_id}/invoices"
    )
    assert text(by_testid(rows[1], "webhook-invoice")[0]) == "INV-0042"
    assert by_testid(rows[1], "webhook-customer")[0]["href"] == f"/admin/customers/{customer_id}"
    assert text(by_testid(page, "count-held")[0]).split()[1] == "1"

    held = parse((await client.get("/admin/webhooks?outcome=held")).text)
    assert [r["data-event-id"] for r in by_testid(held, "webhook-row")] == ["evt_1"]
    typed = parse((await client.get("/admin/webhooks?type=payment_intent.succeeded")).text)
    assert [r["data-event-id"] for r in by_testid(typed, "webhook-row")] == ["evt_0"]
    odd = await client.get("/admin/webhooks?outcome=<x>&type=no%20such&page=-3")
    assert odd.status_code == 200 and by_testid(parse(odd.text), "webhook-row") == []
    assert (await client.get("/admin/webhooks?type=%00")).status_code == 400


async def test_feedback_counts_reasons_per_month_and_lists_comments(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    async with app.state.runtime.uow() as uow:
        plan = demo_plans()[0]
        if await uow.plans.get_by_code(plan.code) is None:
            await uow.plans.add(plan)
        await uow.commit()
    customer_id = await _customer("dee@example.com")
    subscription_id = new_id()
    await SubscriptionTable.insert(
        SubscriptionTable(id=subscription_id, customer=customer_id, currency="USD",
                          timezone="UTC", proration="day", plan=plan.id, status="canceled")
    )  # fmt: skip
    now = clock.now().astimezone(UTC)
    this_month = now.replace(day=1, hour=12)
    rows = [(this_month, "too_expensive", "Too dear for us"),
            (this_month, "not_using", ""),
            (this_month - timedelta(days=40), "too_expensive", "<b>not bold</b>")]  # fmt: skip
    for at, reason, comment in rows:
        await CancellationFeedbackTable.insert(
            CancellationFeedbackTable(id=new_id(), subscription=subscription_id,
                                      customer=customer_id, reason=reason, comment=comment,
                                      timing="period_end", created_at=at)
        )  # fmt: skip
    viewer = await make_staff(app.state.runtime.uow, clock, role="viewer", email="vi@ex.com")
    await admin_sign_in(client, viewer, clock)

    answer = await client.get("/admin/feedback")
    page = parse(answer.text)
    months = by_testid(page, "feedback-month")
    assert len(months) == 12
    assert months[-1]["data-month"] == now.strftime("%Y-%m")
    assert text(months[-1]).endswith("2")
    assert len(months[-1].select("rect")) == 2
    assert "Too expensive: 1" in months[-1].select_one("svg")["aria-label"]
    totals = [text(t) for t in by_testid(page, "feedback-total")]
    assert totals[0].startswith("Too expensive 2")
    comments = by_testid(page, "feedback-comment")
    assert [text(c.select_one("blockquote")) for c in comments] == [
        "Too dear for us", "<b>not bold</b>",
    ]  # fmt: skip
    assert "<b>not bold</b>" not in answer.text, "a comment is text, never markup"
    assert by_testid(comments[0], "feedback-customer")[0]["href"] == (
        f"/admin/customers/{customer_id}"
    )

    one = parse((await client.get(f"/admin/feedback?from={now:%Y-%m}&to={now:%Y-%m}")).text)
    assert len(by_testid(one, "feedback-month")) == 1
    assert len(by_testid(one, "feedback-comment")) == 1
    bad = await client.get("/admin/feedback?from=2026-13&to=nope")
    assert bad.status_code == 200 and "Enter a month like 2026-04." in bad.text
    backwards = await client.get("/admin/feedback?from=2026-05&to=2026-01")
    assert "The range ends before it starts." in backwards.text
    too_long = await client.get("/admin/feedback?from=2020-01&to=2026-01")
    assert "at most 36 months" in too_long.text
