"""Staff actions through the pages: the record's menu links each action a role may take, the
action page previews (htmx swaps only the preview), a confirm without a reason re-renders with
its message (422), a confirm does what was previewed and returns to the record, a tampered
preview shows the new one (409), and a viewer is refused (403)."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import InvoiceTable
from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.portal_history import make_subscriber
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


async def _sign_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str) -> None:
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303


async def test_support_refunds_part_of_an_invoice_from_the_record(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await _sign_in(app, client, clock, "support")
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    (link,) = [
        a["href"] for a in parse(record.text).select('[data-testid="action-invoice.refund"]')
    ]
    invoice_id = ada.invoice_ids[0]
    assert link == f"/admin/customers/{ada.customer_id}/actions/invoice.refund/{invoice_id}"

    empty = await client.get(link)
    assert empty.status_code == 200 and "Refund invoice" in empty.text
    fragment = await client.get(link + "?amount=2.50&to=card", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    preview = text(by_testid(parse(fragment.text), "action-preview")[0])
    assert "Refund part of invoice" in preview and "Visa •••• 4242" in preview

    page = await client.get(link + "?amount=2.50&to=card")
    doc = parse(page.text)
    form = {i["name"]: i.get("value", "") for i in doc.select('[data-testid="confirm-form"] input')}
    assert form["amount"] == "2.50" and form["agreement"]

    no_reason = await client.post(link, data={**form, "reason": ""})
    assert no_reason.status_code == 422 and "Say why" in no_reason.text

    tampered = await client.post(link, data={**form, "amount": "3.00", "reason": "Outage"})
    assert tampered.status_code == 409 and "Something changed" in tampered.text

    done = await client.post(link, data={**form, "reason": "Outage on the 2nd"})
    assert (
        done.status_code == 303
        and done.headers["location"] == f"/admin/customers/{ada.customer_id}"
    )
    after = await client.get(done.headers["location"])
    assert "Refunded invoice" in after.text and "$2.50" in after.text  # the flash
    audit = await client.get("/admin/audit")
    assert "invoice.refund" in audit.text and "Outage on the 2nd" in audit.text

    rows = await InvoiceTable.select(InvoiceTable.number).where(InvoiceTable.id == invoice_id)
    assert rows[0]["number"] in after.text


async def test_a_viewer_sees_no_actions_and_is_refused_the_page(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com")
    await _sign_in(app, client, clock, "viewer")
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    assert record.status_code == 200 and not by_testid(parse(record.text), "action-menu")
    link = f"/admin/customers/{ada.customer_id}/actions/invoice.refund/{ada.invoice_ids[0]}"
    assert (await client.get(link)).status_code == 403
    token = csrf_token(record.text)
    answer = await client.post(link, data={"_csrf_token": token, "reason": "x" * 10})
    assert answer.status_code == 403


async def test_unknown_actions_and_ids_are_the_not_found_page(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com")
    await _sign_in(app, client, clock, "billing")
    base = f"/admin/customers/{ada.customer_id}/actions"
    for path in (f"{base}/nope/{ada.invoice_ids[0]}", f"{base}/invoice.refund/missing",
                 f"{base}/invoice.refund/{'x' * 80}"):  # fmt: skip
        assert (await client.get(path)).status_code == 404, path
