"""The subscription and balance actions through the pages: a billing member changes seats from the
subscription's menu (the charge goes out with the jobs, the portal shows the seats), support
applies and removes a coupon, and billing grants credit from the customer header's menu (the
balance, the timeline and the subscriber's portal show it)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CustomerTable, InvoiceTable, SubscriptionTable
from domain.pricing.coupons import CouponDuration
from domain.shared.clock import FrozenClock
from tests.support.accounts import sign_in
from tests.support.html import by_testid, parse, text
from tests.support.jobs import drain_jobs
from tests.support.portal_history import make_subscriber
from tests.support.promotions import add_promotion
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


async def _sign_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str) -> None:
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303


def _confirm_form(page: str) -> dict[str, str]:
    doc = parse(page)
    return {i["name"]: i.get("value", "") for i in doc.select('[data-testid="confirm-form"] input')}


def _link(record: str, code: str) -> str:
    (link,) = [a["href"] for a in parse(record).select(f'[data-testid="action-{code}"]')]
    return str(link)


async def test_billing_changes_the_seats_and_the_charge_goes_out(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    clock.advance(days=10)
    await _sign_in(app, client, clock, "billing")
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    link = _link(record.text, "subscription.change")
    assert (
        link
        == f"/admin/customers/{ada.customer_id}/actions/subscription.change/{ada.subscription_id}"
    )

    empty = await client.get(link)
    assert empty.status_code == 200 and "Change plan or seats" in empty.text
    assert not by_testid(parse(empty.text), "action-error")  # nothing typed: no message yet
    bad = await client.get(link + "?quantity=abc")
    assert bad.status_code == 200 and "whole number" in bad.text
    fragment = await client.get(link + "?quantity=3&timing=immediate&proration=invoice_now",
                                headers={"HX-Request": "true"})  # fmt: skip
    assert fragment.status_code == 200 and "<html" not in fragment.text
    preview = text(by_testid(parse(fragment.text), "action-preview")[0])
    assert "Change Team × 1 to Team × 3 now" in preview and "Visa •••• 4242" in preview
    total = text(by_testid(parse(fragment.text), "preview-total")[0])

    page = await client.get(link + "?quantity=3&timing=immediate&proration=invoice_now")
    form = _confirm_form(page.text)
    assert form["quantity"] == "3" and form["at"] and form["agreement"]
    done = await client.post(link, data={**form, "reason": "Asked on the phone for 3 seats"})
    assert done.status_code == 303, done.text
    after = await client.get(done.headers["location"])
    assert "Change Team × 1 to Team × 3 now" in after.text and total in after.text

    rows = await SubscriptionTable.select(SubscriptionTable.quantity).where(
        SubscriptionTable.id == ada.subscription_id
    )
    assert rows[0]["quantity"] == 3
    await drain_jobs(app)  # the charge, queued with the change as the portal's
    invoices = await (
        InvoiceTable.select(InvoiceTable.status)
        .where(InvoiceTable.customer_id == ada.customer_id)
        .order_by(InvoiceTable.issued_at)
    )
    assert [r["status"] for r in invoices] == ["paid", "paid"]
    audit = await client.get("/admin/audit")
    assert "subscription.change" in audit.text and "Asked on the phone" in audit.text

    portal = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with portal:
        assert (await sign_in(portal, "ada@example.com")).status_code == 303
        overview = await portal.get(f"/account/subscriptions/{ada.subscription_id}")
        assert text(by_testid(parse(overview.text), "quantity")[0]) == "3"  # the portal shows it


async def test_support_applies_and_removes_a_coupon(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com")
    async with app.state.runtime.uow() as uow:
        await add_promotion(uow, "HALF", CouponDuration.FOREVER, percent_off=Decimal(50))
        await uow.commit()
    await _sign_in(app, client, clock, "support")
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    assert not by_testid(parse(record.text), "action-subscription.change")  # billing only
    link = _link(record.text, "subscription.apply_coupon")
    unknown = await client.get(link + "?coupon=NOPE")
    assert "The code NOPE is not valid" in unknown.text
    page = await client.get(link + "?coupon=half")
    preview = text(by_testid(parse(page.text), "action-preview")[0])
    assert "Apply HALF" in preview and "with the coupon" in preview and "Discount" in preview
    done = await client.post(link, data={**_confirm_form(page.text), "reason": "Retention offer"})
    assert done.status_code == 303
    rows = await SubscriptionTable.select(SubscriptionTable.coupon).where(
        SubscriptionTable.id == ada.subscription_id
    )
    assert "HALF" in str(rows[0]["coupon"])

    remove = _link((await client.get(f"/admin/customers/{ada.customer_id}")).text,
                   "subscription.remove_coupon")  # fmt: skip
    page = await client.get(remove)
    assert "after removal" in page.text
    done = await client.post(remove, data={**_confirm_form(page.text), "reason": "Offer ended"})
    assert done.status_code == 303
    again = await client.get(remove)
    assert "no coupon" in again.text


async def test_billing_grants_credit_from_the_customer_header(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com")
    await _sign_in(app, client, clock, "billing")
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    header = by_testid(parse(record.text), "customer-actions")[0]
    link = _link(str(header), "customer.grant_credit")
    assert (
        link
        == f"/admin/customers/{ada.customer_id}/actions/customer.grant_credit/{ada.customer_id}"
    )
    page = await client.get(link + "?amount=12.50&note=Outage+on+the+2nd")
    preview = text(by_testid(parse(page.text), "action-preview")[0])
    assert "Balance after" in preview and "Next invoice on" in preview
    no_reason = await client.post(link, data={**_confirm_form(page.text), "reason": ""})
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    done = await client.post(link, data={**_confirm_form(page.text), "reason": "Outage"})
    assert done.status_code == 303
    rows = await CustomerTable.select(CustomerTable.balance_minor).where(
        CustomerTable.id == ada.customer_id
    )
    assert rows[0]["balance_minor"] == -1250
    after = await client.get(f"/admin/customers/{ada.customer_id}")
    timeline = text(by_testid(parse(after.text), "customer-timeline")[0])
    assert "Balance credit granted: Outage on the 2nd (by billing@example.com)" in timeline

    support = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with support:
        await _sign_in(app, support, clock, "support")
        record = await support.get(f"/admin/customers/{ada.customer_id}")
        assert not by_testid(parse(record.text), "customer-actions")  # money: billing only
        assert (await support.get(link)).status_code == 403
    portal = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with portal:
        assert (await sign_in(portal, "ada@example.com")).status_code == 303
        overview = await portal.get("/account")
        credit = text(by_testid(parse(overview.text), "credit")[0])
        assert "You have $12.50 of credit" in credit
