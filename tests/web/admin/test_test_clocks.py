"""/admin/test-clocks: a billing member creates a clock, adds a customer with a test card and
a plan, advances a month and sees the renewal invoice, paid; every change audited once. Roles,
bad input (written nothing), and a gateway that is not the sandbox."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import (
    CustomerTable,
    InvoiceTable,
    SubscriptionTable,
    TestClockTable,
)
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.payments.sandbox import SandboxGateway
from domain.shared.clock import FrozenClock
from domain.shared.periods import utc
from domain.testclocks.service import create_test_clock
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
    record = parse((await client.get(str(link["href"]))).text)
    timeline = [text(t) for t in by_testid(record, "timeline-event")]
    assert any("billing@example.com: Created on a test clock (sandbox)" in t for t in timeline)

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


async def _make_clock(app: Litestar, clock: FrozenClock, name: str = "Rehearsal") -> str:
    runtime = app.state.runtime
    made = await create_test_clock(
        name, frozen_at=utc(2027, 1, 31, 9), uow=runtime.uow(), clock=clock, gateway=runtime.gateway
    )
    return f"/admin/test-clocks/{made.id}"


@pytest.mark.parametrize("role", ["viewer", "support"])
async def test_roles_without_operations_act_read_clocks_but_change_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: TestDatabase, role: str
) -> None:
    url = await _make_clock(app, clock)
    await _sign_in(app, client, clock, role)
    listing = await client.get("/admin/test-clocks")
    assert listing.status_code == 200 and len(by_testid(parse(listing.text), "clock-row")) == 1
    assert not by_testid(parse(listing.text), "new-clock-form")
    page = await client.get(url)
    assert page.status_code == 200
    doc = parse(page.text)
    assert not by_testid(doc, "advance-form") and not by_testid(doc, "add-customer-form")
    token = csrf_token(page.text)
    for path, data in [
        ("/admin/test-clocks", {"name": "x"}),
        (url + "/advance", {"step": "day"}),
        (url + "/customers", {"name": "Ada", "email": "ada@example.test"}),
    ]:
        refused = await client.post(path, data={"_csrf_token": token, **data})
        assert refused.status_code == 403, path
    assert await CustomerTable.count() == 0
    assert await AuditEntryTable.count().where(AuditEntryTable.action.like("test_clock.%")) == 0


async def test_bad_input_re_renders_the_form_with_its_message_and_writes_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: TestDatabase
) -> None:
    url = await _make_clock(app, clock)
    await _sign_in(app, client, clock, "owner")
    token = csrf_token((await client.get(url)).text)

    for data, message in [
        ({"name": "  "}, "Give the clock a name"),
        ({"name": "x" * 101}, "at most"),
        ({"name": "ok", "start": "next tuesday"}, "like 2027-01-31 09:00"),
        ({"name": "ok", "start": "9999-12-31T23:59"}, "between the years 2000 and 2099"),
    ]:
        refused = await client.post("/admin/test-clocks", data={"_csrf_token": token, **data})
        assert refused.status_code == 422, data
        assert message in text(by_testid(parse(refused.text), "new-clock-form")[0]), data

    for data, message in [
        ({"to": "2027-01-30T09:00"}, "only moves forward"),
        ({"to": "2029-03-01T09:00"}, "at most two years"),
        ({"to": "soon"}, "like 2027-01-31 09:00"),
        ({"to": ""}, "Choose the date and time"),
        ({"step": "year"}, "+1 day, +1 week or +1 month"),
    ]:
        refused = await client.post(url + "/advance", data={"_csrf_token": token, **data})
        assert refused.status_code == 422, data
        assert message in text(by_testid(parse(refused.text), "advance-form")[0]), data

    htmx = {"HX-Request": "true"}
    fragment = await client.post(
        url + "/advance", data={"_csrf_token": token, "to": "2020-01-01T00:00"}, headers=htmx
    )
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="advance"' in fragment.text and "only moves forward" in fragment.text
    fragment = await client.post(
        url + "/customers", data={"_csrf_token": token, "name": ""}, headers=htmx
    )
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="add-customer"' in fragment.text

    good = {
        "name": "Ada", "email": "ada@example.test", "country": "US", "currency": "USD",
        "plan": "team-monthly", "quantity": "2", "trial_days": "", "card": "4242424242424242",
    }  # fmt: skip
    for change, message in [
        ({"email": "not an address"}, "e-mail address like"),
        ({"plan": "no-such-plan"}, "Choose a plan from the catalog"),
        ({"plan": "priority-support"}, "Choose a plan from the catalog"),  # an add-on
        ({"currency": "JPY"}, "Team is sold in"),
        ({"plan": "starter-monthly"}, "not sold by the seat"),
        ({"quantity": "two"}, "whole number of seats"),
        ({"quantity": "0"}, "Choose 1 to"),
        ({"trial_days": "-1"}, "0 to 730 days"),
        ({"card": "4000000000000069"}, "sandbox test cards"),
        ({"country": "XX"}, "Choose a country"),
    ]:
        refused = await client.post(
            url + "/customers", data={"_csrf_token": token, **good, **change}
        )
        assert refused.status_code == 422, change
        form = by_testid(parse(refused.text), "add-customer-form")[0]
        assert message in text(form), change

    assert await TestClockTable.count() == 1
    clock_row = await TestClockTable.select().first()
    assert clock_row is not None and clock_row["frozen_at"] == utc(2027, 1, 31, 9)
    assert await CustomerTable.count() == 0 and await SubscriptionTable.count() == 0
    assert await AuditEntryTable.count().where(AuditEntryTable.action.like("test_clock.%")) == 0
    missing = await client.get("/admin/test-clocks/no-such-clock")
    assert missing.status_code == 404

    moved = await client.post(url + "/advance", data={"_csrf_token": token, "step": "day"},
                              headers=htmx)  # fmt: skip
    assert moved.status_code == 200 and moved.headers["HX-Redirect"] == url
    assert "Feb 1, 2027" in text(by_testid(parse((await client.get(url)).text), "frozen-time")[0])


async def test_without_the_sandbox_the_pages_say_so_and_offer_nothing(
    db: TestDatabase, clock: FrozenClock
) -> None:
    class Live(SandboxGateway):
        name = "stripe"

    app = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    async with serve(app) as client:
        url = await _make_clock(app, clock)  # made while the sandbox was in use
        app.state.runtime.gateway = Live(db.engine)
        await _sign_in(app, client, clock, "owner")
        listing = await client.get("/admin/test-clocks")
        doc = parse(listing.text)
        assert "need the sandbox gateway" in text(by_testid(doc, "not-sandbox")[0])
        assert not by_testid(doc, "new-clock-form")
        page = parse((await client.get(url)).text)
        assert by_testid(page, "not-sandbox")
        assert not by_testid(page, "advance-form") and not by_testid(page, "add-customer-form")
        token = csrf_token(listing.text)
        refused = await client.post("/admin/test-clocks", data={"_csrf_token": token, "name": "x"})
        assert refused.status_code == 409 and "sandbox gateway only" in refused.text
        refused = await client.post(url + "/advance", data={"_csrf_token": token, "step": "day"})
        assert refused.status_code == 409 and "sandbox gateway only" in refused.text
        assert await TestClockTable.count() == 1
