"""The invoice actions through the pages: the customer header's Actions menu creates a one-off
invoice (net terms, PO number, memo), its row's menu records a bank transfer, a past-due
renewal is voided from its row; the subscriber's portal shows each outcome."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import DunningCaseTable, InvoiceTable
from domain.shared.clock import FrozenClock
from tests.support.accounts import sign_in
from tests.support.html import by_testid, parse, text
from tests.support.portal_history import fail_next_renewal, make_subscriber
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


async def _as_billing(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock) -> None:
    member = await make_staff(app.state.runtime.uow, clock, role="billing",
                              email="billing@example.com")  # fmt: skip
    assert (await admin_sign_in(client, member, clock)).status_code == 303


def _link(page: str, code: str) -> str:
    (href,) = [a["href"] for a in parse(page).select(f'[data-testid="action-{code}"]')]
    return str(href)


async def _confirm(client: httpx.AsyncClient, link: str, query: str, reason: str) -> Any:
    page = await client.get(f"{link}?{query}" if query else link)
    assert page.status_code == 200, page.text
    form = {i["name"]: i.get("value", "")
            for i in parse(page.text).select('[data-testid="confirm-form"] input')}  # fmt: skip
    assert form.get("agreement"), text(by_testid(parse(page.text), "action-preview")[0])
    return await client.post(link, data={**form, "reason": reason})


async def test_a_one_off_invoice_with_net_terms_is_paid_by_bank_transfer(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await _as_billing(app, client, clock)
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    assert by_testid(parse(record.text), "customer-actions")
    link = _link(record.text, "customer.one_off_invoice")
    assert link.endswith(f"/actions/customer.one_off_invoice/{ada.customer_id}")

    query = ("line1_description=Onboarding+workshop&line1_amount=120&line2_description=&"
             "line2_amount=&net_days=14&po_number=PO-4471&memo=Thank+you+for+your+order")  # fmt: skip
    preview = await client.get(f"{link}?{query}", headers={"HX-Request": "true"})
    shown = text(by_testid(parse(preview.text), "action-preview")[0])
    assert "Onboarding workshop" in shown and "$120.00" in shown and "PO-4471" in shown
    done = await _confirm(client, link, query, "Workshop sold by sales")
    assert done.status_code == 303
    after = await client.get(done.headers["location"])
    assert "Created invoice" in after.text
    (row,) = await InvoiceTable.select(InvoiceTable.id, InvoiceTable.number, InvoiceTable.status
                                       ).where(InvoiceTable.billing_reason == "manual")  # fmt: skip
    assert row["status"] == "open" and row["number"] in after.text

    pay = _link(after.text.split(row["number"], 1)[1], "invoice.record_payment")
    today = clock.now().date().isoformat()
    paid = await _confirm(client, pay, f"method=bank_transfer&reference=BT-991&received_on={today}",
                          "Transfer arrived on the account")  # fmt: skip
    assert paid.status_code == 303
    audit = await client.get("/admin/audit")
    assert "customer.one_off_invoice" in audit.text and "invoice.record_payment" in audit.text

    assert (await sign_in(client, "ada@example.com")).status_code == 303
    portal = await client.get(f"/account/invoices/{row['id']}")
    doc = parse(portal.text)
    assert text(by_testid(doc, "invoice-po")[0]) == "PO PO-4471"
    assert "Thank you for your order" in text(by_testid(doc, "invoice-memo")[0])
    assert "Bank transfer, ref. BT-991" in text(by_testid(doc, "invoice-paid-offline")[0])


async def test_voiding_a_past_due_renewal_ends_its_dunning(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    renewal = await fail_next_renewal(app, clock, ada)
    await _as_billing(app, client, clock)
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    link = _link(record.text, "invoice.void").replace("%2D", "-")
    assert link.endswith(renewal)
    page = await client.get(link)
    assert "Its dunning ends" in page.text and "past due to active" in page.text
    done = await _confirm(client, link, "", "Billed twice by mistake")
    assert done.status_code == 303
    (case,) = await DunningCaseTable.select(DunningCaseTable.status).where(
        DunningCaseTable.invoice == renewal
    )
    assert case["status"] == "closed"
    assert (await sign_in(client, "ada@example.com")).status_code == 303
    portal = await client.get(f"/account/invoices/{renewal}")
    assert "Void" in portal.text
