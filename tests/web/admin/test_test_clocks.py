"""/admin/test-clocks: a billing member creates a clock, adds a customer with a test card and
a plan, advances a month and sees the renewal invoice, paid; every change audited once. Roles,
bad input (written nothing), and a gateway that is not the sandbox."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CustomerTable, InvoiceTable, SubscriptionTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.shared.clock import FrozenClock
from domain.shared.periods import utc
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web


async def _sign_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str) -> None:
    member = await make_staff(
        app.state.runtime.uow, clock, role=role, email=f"{role}@example.com", name=f"{role} one"
    )
    assert (await admin_sign_in(client, member, clock)).status_code == 303


async def _audited(action: str) -> int:
    return await AuditEntryTable.count().where(AuditEntryTable.action == action)


async def test_a_clock_made_in_the_admin_bills_its_customer_when_advanced(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: TestDatabase
) -> None:
    await _sign_in(app, client, clock, "billing")
    listing = await client.get("/admin/test-clocks")
    assert listing.status_code == 200 and by_testid(parse(listing.text), "new-clock-form")
    token = csrf_token(listing.text)

    created = await client.post(
        "/admin/test-clocks",
        data={"_csrf_token": token, "name": "Renewal rehearsal", "start": "2027-01-31T09:00"},
    )
    assert created.status_code == 303
    url = created.headers["location"]
    assert url.startswith("/admin/test-clocks/")
    page = parse((await client.get(url)).text)
    assert "Jan 31, 2027" in text(by_testid(page, "frozen-time")[0])

    added = await client.post(
        url + "/customers",
        data={
            "_csrf_token": token, "name": "Ada Lovelace", "email": "ada@example.test",
            "country": "US", "currency": "USD", "plan": "team-monthly", "quantity": "3",
            "trial_days": "0", "card": "4242424242424242",
        },
    )  # fmt: skip
    assert added.status_code == 303, added.text[:2000]
    page = parse((await client.get(url)).text)
    (row,) = by_testid(page, "clock-subscription")
    assert "Ada Lovelace" in text(row) and "Team" in text(row) and "× 3" in text(row)
    assert "Active" in text(row) and "Jan 31, 2027 – Feb 28, 2027" in text(row)
    (first,) = by_testid(page, "clock-invoice")
    assert "Paid" in text(first) and "Jan 31, 2027" in text(first)
    customer = await CustomerTable.select().first()
    assert customer is not None and customer["test_clock_id"] == url.rsplit("/", 1)[1]
    link = first.find("a")
    assert link is not None and link["href"] == f"/admin/customers/{customer['id']}"

    advanced = await client.post(url + "/advance", data={"_csrf_token": token, "step": "month"})
    assert advanced.status_code == 303
    page = parse((await client.get(url)).text)
    assert "Feb 28, 2027" in text(by_testid(page, "frozen-time")[0])
    assert text(by_testid(page, "report-renewals")[0]) == "1"
    assert text(by_testid(page, "report-collections")[0]) == "1"
    invoices = by_testid(page, "clock-invoice")
    assert len(invoices) == 2
    renewal = invoices[0]  # the newest first
    assert "Feb 28, 2027" in text(renewal) and "Paid" in text(renewal) and "New" in text(renewal)
    rows = await InvoiceTable.select().order_by(InvoiceTable.issued_at)
    assert [r["status"] for r in rows] == ["paid", "paid"]
    assert rows[1]["issued_at"] == utc(2027, 2, 28, 9) and rows[1]["total_minor"] > 0
    total = rows[1]["total_minor"]
    assert f"${total // 100:,}.{total % 100:02d}" in text(renewal)
    sub = await SubscriptionTable.select().first()
    assert sub is not None and sub["period_end"] == utc(2027, 3, 31, 9)

    for action in ("test_clock.created", "test_clock.customer_added", "test_clock.advanced"):
        assert await _audited(action) == 1, action
    listing = parse((await client.get("/admin/test-clocks")).text)
    (clock_row,) = by_testid(listing, "clock-row")
    assert text(by_testid(clock_row, "clock-customers")[0]) == "1"
    assert "Renewal rehearsal" in text(clock_row)
